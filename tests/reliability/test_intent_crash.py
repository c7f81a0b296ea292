"""A labelling run killed with SIGKILL, then rerun, gives the labels an uninterrupted run gives.

The intent tables are staged under temp names and renamed one by one, `session_intents` (which
holds the fingerprints) last, so a crash between renames makes the next run relabel instead of
trusting a half-written set.

The run to kill starts from a copy of the shared `ingested` data directory with its labels
removed: the lake, embeddings and warehouse are those the same `ingest` of the same sources
builds before it labels (it built them once for the whole test run), so the killed `run` does
only what this module is about, labelling every session and writing the tables.
"""

import shutil
from pathlib import Path

import polars as pl
import pytest

from orchestration.cli.run_inputs import forget_last_run
from tests.reliability.runs import start, visible_parquet
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=330)  # pipelines, dbt, servers: started first

_TABLES = ("session_phases", "session_intents", "member_phases")
_RUN_STAMPED = ("labelled_at",)


def _labels(data: Path) -> dict[str, pl.DataFrame]:
    out = {}
    for name in _TABLES:
        table = pl.read_parquet(data / "lake" / "intents" / f"{name}.parquet")
        out[name] = table.drop([c for c in _RUN_STAMPED if c in table.columns]).sort(
            table.columns[:3]
        )
    return out


@pytest.fixture(scope="module")
def uninterrupted(ingested: Ingested):
    return _labels(ingested.data)


@pytest.mark.parametrize("point", ["intents-commit", "intents-partial"])
def test_killed_while_writing_labels_then_rerun_equals_uninterrupted(
    point: str, ingested: Ingested, uninterrupted, tmp_path: Path
) -> None:
    data = ingested.copy_data(tmp_path / "data")
    intents = data / "lake" / "intents"
    shutil.rmtree(intents)  # no labels yet: the run labels every session, as the ingest did
    run = start(data, "run", pause_at=point)
    run.wait_for_line(f"pause point {point} reached")
    run.kill()
    assert list(intents.glob(".*.tmp")), "killed with staged temp files"
    for path in visible_parquet(data / "lake"):
        pl.read_parquet(path)  # nothing visible is half-written

    output = start(data, "run").finish()
    assert "sessions labelled" in output
    recovered = _labels(data)
    for name in _TABLES:
        assert recovered[name].equals(uninterrupted[name]), name
    assert not list(intents.glob(".*.tmp")), "stale temp files are swept by the next write"
    forget_last_run(data)  # past the stat-walk no-op: the labelling plan itself finds nothing
    again = start(data, "run").finish()
    assert "intents: up to date" in again and "sessions labelled" not in again
