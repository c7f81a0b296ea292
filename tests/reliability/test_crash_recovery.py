"""A run killed with SIGKILL at any stage, then rerun, leaves what an uninterrupted run leaves.

Each fault is injected into a real `creative-sessions` process: it is paused at a named point
(`orchestration.store.pause_points`) or caught while dbt is building, and its whole process group is
killed. The data directory then holds no visible partial Parquet file, and the next run converges
on exactly the uninterrupted run's lake and warehouse: the same generation ids once each, the
same quarantine rows, embeddings and session members.
"""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.cli.run_inputs import forget_last_run
from tests.reliability.runs import (
    Snapshot,
    snapshot,
    start,
    visible_parquet,
    wait_for_file_text,
)
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=200)  # pipelines, dbt, servers: started first


@pytest.fixture(scope="module")
def sources(ingested: Ingested) -> list[Path]:
    return ingested.sources


@pytest.fixture(scope="module")
def uninterrupted(ingested: Ingested) -> Snapshot:
    return snapshot(ingested.data)


def test_uninterrupted_run_is_complete(uninterrupted: Snapshot) -> None:
    assert len(uninterrupted.lake_generations) == 11  # six images, five log rows
    assert len(uninterrupted.generations) == 11 == len(uninterrupted.session_members)
    assert {k[0] for k in uninterrupted.embedding_keys} == {"image_embeddings", "prompt_embeddings"}


def test_killed_at_every_stage_then_rerun_equals_uninterrupted(
    sources: list[Path], uninterrupted: Snapshot, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    lake = data / "lake"

    # 1. Mid-ingest: a partition file is complete under its temp name, not yet renamed.
    run = start(data, "ingest", *map(str, sources), "--artist", "ada", pause_at="lake-commit")
    run.wait_for_line("pause point lake-commit reached")
    assert list(lake.rglob(".*.tmp")), "the pause point is before the rename"
    run.kill()
    assert visible_parquet(lake) == []  # readers glob *.parquet and see nothing half-written

    # 2. Mid-embedding: the lake is complete, the first image batch is embedded, not written.
    run = start(data, "run", pause_at="embedding")
    run.wait_for_line("pause point embedding reached")
    run.kill()
    assert not list((lake / "image_embeddings").rglob("*.parquet"))
    for path in visible_parquet(lake):
        pq.read_table(path)

    # 3. Mid-dbt: the first incremental model is committed, the rest of the build is not.
    dbt_log = data / "logs" / "dbt.log"
    offset = dbt_log.stat().st_size if dbt_log.exists() else 0
    run = start(data, "run")
    wait_for_file_text(dbt_log, "OK created sql incremental model", offset, run)
    run.kill()

    # 4. The next run finishes the work; a second one finds nothing to do.
    output = start(data, "run").finish()
    assert "warehouse: dbt build" in output
    recovered = snapshot(data)
    assert not list(lake.rglob(".*.tmp")), "stale temp files are swept by the rewrite"
    assert recovered == uninterrupted
    ids = [g[0] for g in recovered.generations]
    assert len(ids) == len(set(ids))
    forget_last_run(data)  # past the stat-walk no-op: the warehouse check itself finds it current
    again = start(data, "run").finish()
    assert "ingesting" not in again and "warehouse: up to date" in again
