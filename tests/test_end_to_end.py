"""The whole slice in-process on the generated sample: archives → lake → dbt → views."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
import yaml

from orchestration.definitions import build_definitions
from orchestration.runner import run_stale
from orchestration.sample import build_sample_archive

pytestmark = pytest.mark.slow(seconds=160)  # pipelines, dbt, servers: started first

VIEW_COLUMNS = {
    "generations": [
        "generation_id",
        "artist",
        "tool",
        "prompt",
        "negative_prompt",
        "seed",
        "steps",
        "cfg_scale",
        "sampler",
        "scheduler",
        "model",
        "width",
        "height",
        "created_at",
        "created_at_source",
        "source_archive",
        "source_path",
        "content_hash",
    ],
    "sessions": ["session_id", "artist", "started_at", "ended_at", "n_generations"],
    "session_members": ["generation_id", "session_id", "position"],
    "quarantine": ["source_archive", "source_path", "reason"],
}


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("data")
    manifest = build_sample_archive(data / "sample")
    defs = build_definitions(str(data))
    paths = defs.resources["paths"]
    keys = {}
    for entry in manifest.archives:
        keys[entry.path.name] = paths.registry.register(entry.path, entry.artist).key
    instance = dg.DagsterInstance.ephemeral()
    report = run_stale(instance, defs)
    truth = pl.read_parquet(manifest.ground_truth_path)
    return defs, instance, report, truth, keys, paths


def _query(paths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(paths.warehouse_path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_views_have_the_documented_columns(pipeline) -> None:
    *_, paths = pipeline
    for view, columns in VIEW_COLUMNS.items():
        got = [r[0] for r in _query(paths, f"describe {view}")]
        assert set(columns) <= set(got), (view, set(columns) - set(got))
    kinds = dict(_query(paths, "select table_name, table_type from information_schema.tables"))
    assert all(kinds[v] == "VIEW" for v in VIEW_COLUMNS)


USER_FACING = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def _documented_columns() -> dict[str, dict[str, str]]:
    """model → column → description, from the marts' and intents' yml files."""
    out: dict[str, dict[str, str]] = {}
    for folder in ("marts", "intents"):
        for yml in (USER_FACING / folder).glob("_*__models.yml"):
            for model in yaml.safe_load(yml.read_text())["models"]:
                out[model["name"]] = {
                    c["name"]: str(c.get("description") or "").strip()
                    for c in model.get("columns", [])
                }
    return out


def test_every_column_of_every_user_facing_relation_is_documented(pipeline) -> None:
    *_, paths = pipeline
    documented = _documented_columns()
    models = {p.stem for f in ("marts", "intents") for p in (USER_FACING / f).glob("*.sql")}
    assert models <= set(documented), models - set(documented)
    for model in sorted(models):
        got = [r[0] for r in _query(paths, f"describe {model}")]
        missing = [c for c in got if not documented[model].get(c)]
        assert not missing, f"{model}: undocumented columns {missing}"


def test_every_generation_ingested_once_and_broken_files_quarantined(pipeline) -> None:
    _, _, report, truth, keys, paths = pipeline
    assert len(report.ingested) == len(keys)
    ok = truth.filter(pl.col("expected_status") == "ok")
    assert _query(paths, "select count(*) from generations")[0][0] == ok.height
    # The image copied into a second archive is one generation, not two.
    assert (
        _query(
            paths,
            "select count(*) - count(distinct content_hash) from generations "
            "where content_hash is not null",
        )[0][0]
        == 0
    )
    quarantined = {
        (a, p) for a, p in _query(paths, "select source_archive, source_path from quarantine")
    }
    for row in truth.filter(
        pl.col("expected_status").is_in(["unreadable", "no_metadata", "unsupported"])
    ).iter_rows(named=True):
        assert (keys[row["archive"]], row["source_path"]) in quarantined, row
    reasons = [r for (r,) in _query(paths, "select reason from quarantine")]
    assert all(len(r) > 5 for r in reasons)


def test_fields_and_provenance_match_ground_truth(pipeline) -> None:
    _, _, _, truth, keys, paths = pipeline
    ok = truth.filter(pl.col("expected_status") == "ok")
    got = {
        (a, p): (artist, prompt, seed)
        for a, p, artist, prompt, seed in _query(
            paths, "select source_archive, source_path, artist, prompt, seed from generations"
        )
    }
    for row in ok.iter_rows(named=True):
        key = (keys[row["archive"]], row["source_path"])
        assert key in got, key
        artist, prompt, seed = got[key]
        assert artist == row["artist"] and seed == row["seed"]
        assert prompt == row["prompt"]
    sources = {s for (s,) in _query(paths, "select distinct created_at_source from generations")}
    assert {"log column", "archive entry time", "file mtime"} <= sources


def test_sessions_match_ground_truth(pipeline) -> None:
    _, _, _, truth, _, paths = pipeline
    ok = truth.filter(pl.col("expected_status") == "ok")
    expected = ok.group_by("artist").agg(pl.col("session_key").n_unique()).rows()
    got = _query(paths, "select artist, count(*) from sessions group by artist")
    assert sorted(got) == sorted(expected)
    # Each ground-truth session maps to exactly one warehouse session.
    mapping = _query(
        paths,
        "select count(distinct m.session_id) from generations g "
        "join session_members m using (generation_id)",
    )[0][0]
    assert mapping == ok["session_key"].n_unique()


def test_rerun_changes_nothing_and_ids_are_stable(pipeline) -> None:
    defs, instance, _, _, _, paths = pipeline
    before = _query(
        paths, "select generation_id, session_id, position from session_members order by all"
    )
    report = run_stale(instance, defs)
    assert report.ingested == [] and not report.warehouse_built
    dbt_log = paths.root / "logs" / "dbt.log"
    seen = dbt_log.stat().st_size
    report = run_stale(instance, defs, force_warehouse=True)
    assert report.warehouse_built
    with open(dbt_log, encoding="utf-8") as log:  # dbt's target stays put between calls
        log.seek(seen)
        assert "Unable to do partial parsing" not in log.read()
    assert (
        _query(
            paths, "select generation_id, session_id, position from session_members order by all"
        )
        == before
    )


def test_overlapping_archive_does_not_duplicate(pipeline, tmp_path: Path) -> None:
    defs, instance, _, _, _, paths = pipeline
    original = next(a for a in paths.registry.all() if a.kind == "zip")
    copy = tmp_path / "copy-of-archive.zip"
    copy.write_bytes(Path(original.path).read_bytes())
    before = _query(paths, "select count(*), count(distinct session_id) from session_members")
    paths.registry.register(copy, original.artist)
    report = run_stale(instance, defs)
    assert [a.key for a, _ in report.ingested] == [paths.registry.all()[-1].key]
    assert (
        _query(paths, "select count(*), count(distinct session_id) from session_members") == before
    )
