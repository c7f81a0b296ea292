"""The CLI's instance stores events through kept engines, in files Dagster's own storage reads."""

from __future__ import annotations

import threading
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)

from orchestration.defs import event_log
from orchestration.defs.event_log import PooledSqliteEventLogStorage, pooled_event_log_overrides
from orchestration.defs.launcher import local_instance


@dg.asset
def numbers() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 3})


@dg.asset_check(asset=numbers)
def numbers_present() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    return tmp_path / "data"


def _materialize(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([numbers], instance=instance, selection=[numbers])
    assert result.success
    return result.run_id


def test_the_cli_instance_uses_the_pooled_storage(data_dir: Path) -> None:
    instance = local_instance(data_dir)
    assert isinstance(instance.event_log_storage, PooledSqliteEventLogStorage)
    assert Path(instance.event_log_storage._base_dir) == data_dir / "dagster" / "history" / "runs"


def test_what_it_stores_dagsters_own_storage_reads(data_dir: Path) -> None:
    """The UI and the daemon open the folder with Dagster's class: same files, same rows."""
    pooled = local_instance(data_dir)
    run_id = dg.materialize([numbers, numbers_present], instance=pooled).run_id
    pooled.dispose()

    plain = dg.DagsterInstance.from_config(str(data_dir / "dagster"))
    assert type(plain.event_log_storage) is SqliteEventLogStorage
    assert plain.get_run_by_id(run_id).is_success
    event = plain.get_latest_materialization_event(dg.AssetKey("numbers"))
    assert event is not None and event.run_id == run_id
    assert event.asset_materialization.metadata["rows"] == dg.IntMetadataValue(3)
    check = plain.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("numbers"), "numbers_present")]
    )
    assert {record.run_id for record in check.values()} == {run_id}
    types = {e.dagster_event_type for e in plain.all_logs(run_id) if e.is_dagster_event}
    assert dg.DagsterEventType.RUN_SUCCESS in types


def test_runs_in_one_process_keep_a_bounded_number_of_engines(data_dir: Path) -> None:
    instance = local_instance(data_dir)
    storage = instance.event_log_storage
    assert isinstance(storage, PooledSqliteEventLogStorage)
    run_ids = [_materialize(instance) for _ in range(event_log.KEPT_RUN_SHARDS + 2)]
    kept = list(storage._engines)
    assert INDEX_SHARD_NAME in kept
    assert [s for s in kept if s != INDEX_SHARD_NAME] == run_ids[-event_log.KEPT_RUN_SHARDS :]
    # a closed shard opens again when read: the oldest run's events are all there
    assert any(e.is_dagster_event for e in instance.all_logs(run_ids[0]))
    instance.dispose()
    assert not storage._engines


def test_events_from_threads_all_land(data_dir: Path) -> None:
    """dbt's events arrive from its thread while the run's own come from the main one."""
    instance = local_instance(data_dir)

    def report(thread: int) -> None:
        for n in range(10):
            instance.report_runless_asset_event(
                dg.AssetObservation(asset_key=dg.AssetKey(f"t{thread}"), metadata={"n": n})
            )

    threads = [threading.Thread(target=report, args=(t,)) for t in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for t in range(3):
        records = instance.fetch_observations(dg.AssetKey(f"t{t}"), limit=100).records
        assert len(records) == 10


def test_wipe_closes_the_engines_before_the_files_go(data_dir: Path) -> None:
    instance = local_instance(data_dir)
    first = _materialize(instance)
    instance.wipe()
    runs_dir = data_dir / "dagster" / "history" / "runs"
    assert not (runs_dir / f"{first}.db").exists()
    second = _materialize(instance)  # a fresh shard, not a deleted file held open
    assert (runs_dir / f"{second}.db").exists()
    plain = dg.DagsterInstance.from_config(str(data_dir / "dagster"))
    assert any(e.is_dagster_event for e in plain.all_logs(second))


def test_a_moved_data_directory_logs_where_it_now_is(tmp_path: Path) -> None:
    overrides = pooled_event_log_overrides(tmp_path / "moved" / "dagster")
    base = overrides["event_log_storage"]["config"]["base_dir"]
    assert base == str(tmp_path / "moved" / "dagster" / "history" / "runs")


def test_a_storage_of_its_own_in_dagster_yaml_stands(tmp_path: Path) -> None:
    (tmp_path / "dagster.yaml").write_text(
        "storage:\n  postgres:\n    postgres_url: postgresql://db/dagster\n", encoding="utf-8"
    )
    assert pooled_event_log_overrides(tmp_path) == {}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    assert "event_log_storage" in pooled_event_log_overrides(tmp_path)


def test_a_run_opens_one_engine_per_shard(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Dagster's class opens one per connection: about two per event stored."""
    instance = local_instance(data_dir)
    made: list[str] = []
    create = event_log.create_engine

    def counting(url: str, **kwargs: object) -> object:
        made.append(url)
        return create(url, **kwargs)

    monkeypatch.setattr(event_log, "create_engine", counting)
    run_id = _materialize(instance)
    stored = len(instance.all_logs(run_id))
    assert stored > 10
    assert sorted(Path(url).name for url in made) == [f"{run_id}.db"]  # the index was already open
