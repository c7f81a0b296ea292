"""A labelling run killed with SIGKILL, then rerun, gives the labels an uninterrupted run gives.

The intent tables are staged under temp names and renamed one by one, `session_intents` (which
holds the fingerprints) last, so a crash between renames makes the next run relabel instead of
trusting a half-written set.
"""

from pathlib import Path

import polars as pl
import pytest

from tests.reliability.runs import start, visible_parquet
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=410)  # pipelines, dbt, servers: started first

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
def sources(ingested: Ingested) -> list[Path]:
    return ingested.sources


@pytest.fixture(scope="module")
def uninterrupted(ingested: Ingested):
    return _labels(ingested.data)


@pytest.mark.parametrize("point", ["intents-commit", "intents-partial"])
def test_killed_while_writing_labels_then_rerun_equals_uninterrupted(
    point: str, sources: list[Path], uninterrupted, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    run = start(data, "ingest", *map(str, sources), "--artist", "ada", pause_at=point)
    run.wait_for_line(f"pause point {point} reached")
    run.kill()
    intents = data / "lake" / "intents"
    assert list(intents.glob(".*.tmp")), "killed with staged temp files"
    for path in visible_parquet(data / "lake"):
        pl.read_parquet(path)  # nothing visible is half-written

    output = start(data, "run").finish()
    assert "sessions labelled" in output
    recovered = _labels(data)
    for name in _TABLES:
        assert recovered[name].equals(uninterrupted[name]), name
    assert not list(intents.glob(".*.tmp")), "stale temp files are swept by the next write"
    again = start(data, "run").finish()
    assert "intents: up to date" in again and "sessions labelled" not in again
