from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from orchestration.ingest.logs import UnreadableLog, iter_log_rows, parse_timestamp, to_int


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
