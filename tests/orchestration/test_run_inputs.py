"""A `run` with nothing new stops at a walk of file stats; a moved input makes it work."""

import os
from pathlib import Path

import dagster as dg
import pytest

from orchestration.cli.run_inputs import (
    SKIPPED_ASSETS,
    forget_last_run,
    inputs_fingerprint,
    note_skip,
    record_last_run,
    state_path,
    unchanged_since_last_run,
)
from orchestration.store.data_dir import DataDir
from orchestration.store.registry import ArchiveRegistry

COMMAND = "creative-sessions --data-dir data"


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory after a run: a registered log, the lake, a warehouse, labels, logs."""
    monkeypatch.delenv("CREATIVE_SESSIONS_SESSION_GAP_MINUTES", raising=False)
    root = tmp_path / "data"
    layout = DataDir.at(root)
    source = tmp_path / "log.csv"
    source.write_text("prompt,user_name\ncastle,ada\n", encoding="utf-8")
    ArchiveRegistry(layout.registry_path).register(source, None)
    for path in (
        layout.lake_dir / "generations" / "archive=a" / "generations.parquet",
        layout.warehouse_path,
        root / "intents" / "session_intents.parquet",
        layout.journal_dir / "index.html",
        layout.logs_dir / "dbt.log",
        layout.dagster_home / "storage" / "runs.db",
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    return root


def _touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "ab") as f:
        f.write(b"y")


@pytest.mark.parametrize(
    "moved",
    [
        "lake/generations/archive=b/generations.parquet",  # a new archive ingested
        "warehouse.duckdb",  # a dbt build, or one killed half-way
        "intents/session_intents.parquet",  # labels written
        "corrections/ada.jsonl",  # a correction
        "../log.csv",  # a registered source rewritten on disk
    ],
)
def test_a_moved_input_moves_the_fingerprint(data: Path, moved: str) -> None:
    before = inputs_fingerprint(data)
    _touch(data / moved)
    assert inputs_fingerprint(data) != before


def test_a_registration_settings_and_a_removed_journal_move_it(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = inputs_fingerprint(data)
    other = data.parent / "other.csv"
    other.write_text("prompt,user_name\nfox,bo\n", encoding="utf-8")
    registry = ArchiveRegistry(DataDir.at(data).registry_path)
    registry.register(other, None)
    assert inputs_fingerprint(data) != before
    before = inputs_fingerprint(data)
    monkeypatch.setenv("CREATIVE_SESSIONS_SESSION_GAP_MINUTES", "240")
    assert inputs_fingerprint(data) != before
    monkeypatch.delenv("CREATIVE_SESSIONS_SESSION_GAP_MINUTES")
    (DataDir.at(data).journal_dir / "index.html").unlink()
    assert inputs_fingerprint(data) != before


def test_what_every_run_writes_is_not_an_input(data: Path) -> None:
    before = inputs_fingerprint(data)
    for written in ("logs/dbt.log", "dagster/storage/runs.db", "locks/run.lock", "journal/a.html"):
        _touch(data / written)
    assert inputs_fingerprint(data) == before


def test_a_complete_run_is_remembered_until_an_input_moves(data: Path) -> None:
    assert unchanged_since_last_run(data, COMMAND) is None  # never ran
    record_last_run(data, "2026-12-07 03:00:00 UTC", COMMAND, "1 artists, 1 sessions")
    last = unchanged_since_last_run(data, COMMAND)
    assert last is not None and last.summary == "1 artists, 1 sessions"
    assert unchanged_since_last_run(data, "creative-sessions") is None  # another spelling
    _touch(data / "warehouse.duckdb")
    assert unchanged_since_last_run(data, COMMAND) is None
    record_last_run(data, "2026-12-07 04:00:00 UTC", COMMAND, "s")
    forget_last_run(data)  # a run started: until it ends complete, nothing is skipped
    assert unchanged_since_last_run(data, COMMAND) is None
    state_path(data).write_text("{not json", encoding="utf-8")
    assert unchanged_since_last_run(data, COMMAND) is None


def test_a_skip_is_recorded_in_dagster(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", ""))  # restored after
    last = record_last_run(data, "2026-12-07 03:00:00 UTC", COMMAND, "summary")
    line = note_skip(data, last)
    assert line.startswith("run: up to date, no input changed since the run that finished at")
    instance = dg.DagsterInstance.from_config(str(DataDir.at(data).dagster_home))
    for key in SKIPPED_ASSETS:
        (record,) = instance.fetch_observations(dg.AssetKey(list(key)), limit=5).records
        observed = record.asset_observation
        assert observed is not None
        assert observed.metadata["reason"].value.endswith("finished at 2026-12-07 03:00:00 UTC")
        assert "dbt build" in observed.metadata["skipped"].value
    # Observations are not materializations: the warehouse is not thought rebuilt.
    assert instance.fetch_materializations(dg.AssetKey("sessions"), limit=1).records == []


def test_the_skipped_assets_are_in_the_definitions(tmp_path: Path) -> None:
    from orchestration.definitions import build_definitions

    graph = build_definitions(str(tmp_path)).resolve_asset_graph()
    assert {dg.AssetKey(list(key)) for key in SKIPPED_ASSETS} <= graph.get_all_asset_keys()
