import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.lake import partition_file
from orchestration.ingest.logs import UnreadableLog, iter_log_rows, parse_timestamp, to_int
from orchestration.ingest.pipeline import ingest_archive


def _write_csv(path: Path, rows: list[dict]) -> Path:
    pl.DataFrame(rows).write_csv(path)
    return path


def test_diffusiondb_columns_map_to_generations(tmp_path: Path) -> None:
    log = _write_csv(
        tmp_path / "log.csv",
        [
            {
                "prompt": "a castle",
                "seed": "42",
                "step": "50",
                "cfg": "7.5",
                "sampler": "k_lms",
                "width": "512",
                "height": "768",
                "user_name": "u1",
                "timestamp": "2022-08-13 20:04:00+00:00",
            },
        ],
    )
    (row,) = list(iter_log_rows(log, "fallback", "log-1"))
    rec = row.record
    assert rec["artist"] == "u1"
    assert (rec["seed"], rec["steps"], rec["cfg_scale"]) == (42, 50, 7.5)
    assert (rec["width"], rec["height"], rec["sampler"]) == (512, 768, "k_lms")
    assert rec["created_at"] == datetime(2022, 8, 13, 20, 4, tzinfo=UTC)
    assert rec["created_at_source"] == "log column"
    assert rec["source_path"] == "row 1" and rec["source_order"] == 0
    assert rec["negative_prompt"] is None and rec["model"] is None


def test_ids_stable_and_repeated_rows_distinct(tmp_path: Path) -> None:
    row = {"prompt": "p", "seed": "1", "user_name": "u", "timestamp": "2022-08-13 20:04:00+00:00"}
    log = _write_csv(tmp_path / "a.csv", [row, row, {**row, "seed": "2"}])
    first = [r.record["generation_id"] for r in iter_log_rows(log, "x", "k")]
    again = [r.record["generation_id"] for r in iter_log_rows(log, "x", "k")]
    assert first == again
    assert len(set(first)) == 3
    # An overlapping log (a later export with one more row) agrees on the shared rows.
    longer = _write_csv(tmp_path / "b.csv", [row, row, {**row, "seed": "2"}, {**row, "seed": "3"}])
    assert [r.record["generation_id"] for r in iter_log_rows(longer, "x", "k2")][:3] == first


def test_bad_rows_are_quarantined_with_reason(tmp_path: Path) -> None:
    log = _write_csv(
        tmp_path / "bad.csv",
        [
            {
                "prompt": "ok",
                "seed": "NaN",
                "step": "-",
                "user_name": "u",
                "timestamp": "2022-08-13T20:04:00Z",
            },
            {
                "prompt": "late",
                "seed": "1",
                "step": "20",
                "user_name": "u",
                "timestamp": "yesterday",
            },
        ],
    )
    good, bad = list(iter_log_rows(log, "x", "k"))
    assert good.record["seed"] is None and good.record["steps"] is None
    assert bad.record is None and "unparseable timestamp" in bad.reason and "row 2" in bad.reason


def test_missing_columns_refuse_the_log(tmp_path: Path) -> None:
    log = _write_csv(tmp_path / "x.csv", [{"text": "a"}])
    with pytest.raises(UnreadableLog, match="lacks required columns"):
        list(iter_log_rows(log, "x", "k"))


def test_coercions() -> None:
    assert parse_timestamp("2026-01-02 03:04:05") == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert parse_timestamp("2026-01-02T03:04:05+02:00") == datetime(2026, 1, 2, 1, 4, 5, tzinfo=UTC)
    assert to_int("18446744073709551615") is None  # beyond int64
    assert to_int("1125899906842624") == 1125899906842624
    assert to_int("7.0") == 7 and to_int("7.5") is None and to_int("inf") is None


def test_diffusiondb_slice_one_row_per_line(realdata: Path) -> None:
    csv = realdata / "diffusiondb-first1k" / "diffusiondb_sample.csv"
    rows = list(iter_log_rows(csv, "x", "ddb"))
    assert len(rows) == 1000
    assert all(r.record is not None for r in rows)
    assert len({r.record["generation_id"] for r in rows}) == 1000
    assert len({r.record["artist"] for r in rows}) == 173


def _ingest(log: Path, lake: Path) -> tuple[list[dict], dict[str, str]]:
    """Ingest ``log``; its generations and its quarantine reasons by path."""
    ingest_archive(log, "mira", "log", lake)
    gens = pq.read_table(partition_file(lake, "generations", "log")).to_pylist()
    quarantine = pq.read_table(partition_file(lake, "quarantine", "log")).to_pylist()
    return gens, {q["source_path"]: q["reason"] for q in quarantine}


def test_jsonl_broken_lines_cost_only_those_lines(tmp_path: Path) -> None:
    good = {"prompt": "a fox", "seed": 7, "timestamp": "2025-10-09T12:00:00Z"}
    log = tmp_path / "log.jsonl"
    log.write_text(
        "\n".join(
            [
                json.dumps(good),
                '{"prompt": "cut off", "timest',
                "",
                json.dumps({**good, "prompt": "a wolf"}),
                "[1, 2]",
                json.dumps({**good, "prompt": {"text": "nested"}}),
            ]
        )
    )
    gens, reasons = _ingest(log, tmp_path / "lake")
    assert [(g["prompt"], g["seed"]) for g in gens] == [("a fox", 7), ("a wolf", 7)]
    assert reasons.keys() == {"row 2", "row 4", "row 5"}
    assert reasons["row 2"].startswith("line 2: invalid JSON (")
    assert reasons["row 4"] == "line 5: not a JSON object (list)"
    assert reasons["row 5"] == "row 5: column 'prompt' holds a JSON object, not text or a number"


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("header.csv", "prompt,timestamp\n", "log has a header and no rows"),
        ("blank.jsonl", "\n\n", "log has no rows"),
        ("garbage.jsonl", "not json\n", "no line of the log is a JSON object; line 1: invalid"),
    ],
)
def test_log_without_rows_leaves_a_trace(
    tmp_path: Path, name: str, content: str, reason: str
) -> None:
    log = tmp_path / name
    log.write_text(content)
    gens, reasons = _ingest(log, tmp_path / "lake")
    assert gens == []
    assert reasons[name].startswith(reason)


def test_parquet_list_and_struct_columns_never_escape_as_errors(tmp_path: Path) -> None:
    rows = {
        "prompt": ["a fox", "a wolf"],
        "timestamp": ["2025-10-09T12:00:00Z", "2025-10-09T12:01:00Z"],
        "tags": [["snow", "red"], []],
        "extra": [{"lora": "x", "weight": 0.5}, {"lora": None, "weight": None}],
    }
    beside = tmp_path / "beside.parquet"  # list and struct columns we do not read are ignored
    pl.DataFrame(rows).write_parquet(beside)
    gens, reasons = _ingest(beside, tmp_path / "lake")
    assert [g["prompt"] for g in gens] == ["a fox", "a wolf"] and reasons == {}

    needed = tmp_path / "needed.parquet"  # the prompt itself as a list: refused with the reason
    pl.DataFrame({**rows, "prompt": [["a", "fox"], ["a", "wolf"]]}).write_parquet(needed)
    gens, reasons = _ingest(needed, tmp_path / "lake2")
    assert gens == []
    reason = "log column 'prompt' holds List(String) values, not text or numbers"
    assert reasons == {"needed.parquet": reason}
