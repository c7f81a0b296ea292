"""The same definitions under Dagster's multiprocess executor on a persistent instance."""

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.partitions import archive_partitions
from orchestration.defs.resources import DataPaths
from tests.orchestration import multiprocess_jobs
from tests.orchestration.ops_fixtures import write_log

pytestmark = pytest.mark.slow(seconds=120)  # pipelines, dbt, servers: started first


def test_partitions_then_downstream_in_child_processes(tmp_path: Path, monkeypatch) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", paths.data_dir)  # read by the child processes
    keys = [
        paths.registry.register(write_log(tmp_path / f"{user}.csv", user=user), user).key
        for user in ("ada", "bo")
    ]
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions(archive_partitions.name, keys)
        for key in keys:
            with dg.execute_job(
                dg.reconstructable(multiprocess_jobs.lake_job),
                instance=instance,
                tags={"dagster/partition": key},
            ) as result:
                assert result.success
                assert result.dagster_run.run_config.get("execution") is None
                # Steps ran in child processes, not in this one.
                assert any(e.event_type_value == "STEP_WORKER_STARTED" for e in result.all_events)
        with dg.execute_job(
            dg.reconstructable(multiprocess_jobs.sessions_job), instance=instance
        ) as result:
            assert result.success
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        rows = con.execute("select artist, n_generations from sessions order by artist").fetchall()
    assert rows == [("ada", 6), ("bo", 6)]
