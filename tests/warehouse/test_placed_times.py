"""Copied archives through ingest and dbt: placed times pass the warehouse's tests and split.

The sample's A1111 folder copied with reset, shuffled mtimes and its mixed zip re-exported with
one entry time, ingested by the real ingest and built by ``dbt build`` (so the accepted values of
``created_at_source`` and every other data test run on them).
"""

import os
import random
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.ingest.pipeline import ingest_archive
from orchestration.sample.archive import build_sample_archive
from tests.warehouse.helpers import dbt

pytestmark = pytest.mark.slow(seconds=30)  # pipelines, dbt, servers: started first


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pl.DataFrame]:
    tmp = tmp_path_factory.mktemp("placed")
    sample = build_sample_archive(tmp / "sample")
    copy = tmp / "mira-copy"
    shutil.copytree(sample.root / "mira-a1111", copy, copy_function=shutil.copy)
    rng, base = random.Random(5), datetime.now(UTC).timestamp() - 60
    for f in sorted(p for p in copy.rglob("*") if p.is_file()):
        at = base + rng.uniform(0, 2)
        os.utime(f, (at, at))
    exported = tmp / "kai-exported.zip"
    with (
        zipfile.ZipFile(sample.root / "kai-mixed.zip") as src,
        zipfile.ZipFile(exported, "w") as dst,
    ):
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 1, 9, 30, 0))
            dst.writestr(entry, src.read(info))
    lake, warehouse = tmp / "lake", tmp / "warehouse.duckdb"
    ingest_archive(copy, "mira", "mira-copy", lake)
    ingest_archive(exported, "kai", "kai-exported", lake)
    dbt(["build"], lake, warehouse, tmp)
    return warehouse, pl.read_parquet(sample.ground_truth_path)


def _sessions(warehouse: Path, artist: str) -> set[frozenset[str]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select session_id, list(source_path) from int_generations_sessionized "
            "where artist = ? group by session_id",
            [artist],
        ).fetchall()
    return {frozenset(paths) for _, paths in rows}


def _truth(truth: pl.DataFrame, archive: str, by: pl.Expr) -> set[frozenset[str]]:
    ok = truth.filter((pl.col("archive") == archive) & (pl.col("expected_status") == "ok"))
    return {frozenset(p) for _, p in ok.group_by(by).agg(pl.col("source_path")).rows()}


def _prompt_splits(warehouse: Path, artist: str) -> tuple[set[frozenset[str]], set[str]]:
    """The sessions with the prompt's splits undone, and the files those splits began at."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select source_path, is_split_by_prompt, last_value("
            "case when position = 1 and not is_split_by_prompt then session_id end ignore nulls"
            ") over (order by created_at, source_archive, source_order, generation_id) "
            "from int_generations_sessionized where artist = ?",
            [artist],
        ).fetchall()
    merged: dict[str, set[str]] = {}
    for path, _, key in rows:
        merged.setdefault(key, set()).add(path)
    return {frozenset(paths) for paths in merged.values()}, {p for p, split, _ in rows if split}


def test_a_copied_a1111_folder_splits_at_its_days_and_where_the_subject_changes(
    built: tuple[Path, pl.DataFrame],
) -> None:
    warehouse, truth = built
    merged, starts = _prompt_splits(warehouse, "mira")
    assert merged == _truth(truth, "mira-a1111", pl.col("created_at").dt.date())
    # Inside a day only the order is left: a steady subject giving way to one that shares none
    # of its words starts a session. Both here are pivots inside a true session (the one true
    # boundary inside a day keeps its style words); benchmarks/order_sessions.py measures it.
    assert starts == {
        "outputs/txt2img-images/2026-03-03/00022-4088320183.png",
        "outputs/txt2img-images/2026-03-10/00073-1245372314.png",
    }


def test_a_re_exported_mixed_zip_gives_the_true_sessions(built: tuple[Path, pl.DataFrame]) -> None:
    warehouse, truth = built
    got = _sessions(warehouse, "kai")
    # The image copied in from mira's folder is mira's generation: the warehouse keeps one copy.
    got = {s - {p for p in s if p.startswith("from-mira/")} for s in got} - {frozenset()}
    assert got == _truth(truth, "kai-mixed.zip", pl.col("session_key"))
