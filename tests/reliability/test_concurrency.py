"""Two runs on one data directory: the second is refused at once, naming the first; no damage."""

import os
from pathlib import Path

import pytest

from orchestration.store.run_lock import RunLocked, lock_path, run_lock
from tests.reliability.runs import start, visible_parquet, write_sources

pytestmark = pytest.mark.slow(seconds=25)  # pipelines, dbt, servers: started first


def test_second_holder_is_refused_and_the_lock_is_released_on_exit(tmp_path: Path) -> None:
    with run_lock(tmp_path, "creative-sessions run"):
        with pytest.raises(RunLocked) as refused:
            with run_lock(tmp_path, "creative-sessions ingest"):
                pass
        message = str(refused.value)
        assert message.startswith(f"another creative-sessions run holds {lock_path(tmp_path)}")
        assert f"(pid {os.getpid()}, `creative-sessions run`)" in message
    with run_lock(tmp_path, "creative-sessions run"):  # free again once the holder is done
        pass


def test_second_cli_run_is_refused_and_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    sources = write_sources(tmp_path / "sources")
    data = tmp_path / "data"
    first = start(data, "ingest", *map(str, sources), "--artist", "ada", pause_at="lake-commit")
    first.wait_for_line("pause point lake-commit reached")

    second = start(data, "run").output()
    assert "another creative-sessions run holds" in second
    assert f"(pid {first.proc.pid}, `creative-sessions ingest`)" in second
    assert "ingesting" not in second

    # Reading is not writing: `sql` is not refused while the run holds the lock.
    assert "another creative-sessions run" not in start(data, "sql", "select 1").output()

    # The holder is killed: the kernel drops its lock, and the next run gets it and writes.
    first.kill()
    assert visible_parquet(data / "lake") == []
    third = start(data, "run", pause_at="lake-commit")
    third.wait_for_line("pause point lake-commit reached")
    third.kill()
