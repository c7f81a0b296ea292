"""The dbt resource: increments in the Dagster process, whole builds in dbt's subprocess.

`cli_in_process` hands dagster-dbt's own arguments to `dbtRunner` and turns dbt's events into
Dagster events with dagster-dbt's converter; here an increment through it and one through
dagster-dbt's `dbt` subprocess materialize the same assets and pass the same checks. A failed
command raises dagster-dbt's error with dbt's message, and neither a failure nor a stopped run
leaves the warehouse open in the process (the labels that follow open it read-only).

The subprocess path skips dagster-dbt's in-process adapter and its `dbt --version` process.
"""

from __future__ import annotations

import inspect
import json
import logging
import subprocess
import threading
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from packaging import version

from orchestration.definitions import build_definitions
from orchestration.defs.assets.warehouse import _dbt_build, dbt_vars, warehouse_models
from orchestration.defs.dbt_cli import WarehouseDbtResource
from orchestration.defs.resources import DataPaths, SessionRules
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=60)  # three dbt builds of a small warehouse


class _SubprocessOnly(WarehouseDbtResource):
    """Increments through dagster-dbt's subprocess too: what the in-process path must equal."""

    def cli_in_process(self, args, **kwargs):
        return self.cli(args, **kwargs)


def _build(data: Path, dbt: DbtCliResource) -> dict[str, object]:
    """`warehouse_models` built as an increment over ``data``: what the run recorded."""
    defs = build_definitions(str(data))
    result = dg.materialize(
        [warehouse_models],
        resources={**defs.resources, "dbt": dbt},
        instance=dg.DagsterInstance.ephemeral(),
        run_config={"ops": {"warehouse_models": {"config": {"full_refresh": False}}}},
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    return {
        "materialized": sorted(
            e.asset_key.to_user_string() for e in result.get_asset_materialization_events()
        ),
        "checks": sorted((c.asset_check_key.to_user_string(), c.passed) for c in checks),
    }


def _opens_read_only(warehouse: Path) -> bool:
    """This process can open the warehouse with another configuration than dbt's."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql("select count(*) from sessions").fetchone()[0] > 0
    finally:
        con.close()


def test_the_definitions_use_the_warehouse_dbt_resource(tmp_path) -> None:
    assert isinstance(build_definitions(str(tmp_path)).resources["dbt"], WarehouseDbtResource)


def test_whole_builds_run_in_dbts_process_and_increments_in_this_one(tmp_path) -> None:
    called = []
    nothing = SimpleNamespace(stream=lambda: iter(()))
    dbt = SimpleNamespace(
        cli=lambda args, **_: called.append("subprocess") or nothing,
        cli_in_process=lambda args, **_: called.append("in process") or nothing,
    )
    context = SimpleNamespace(run=SimpleNamespace(run_id="0123456789"), log=logging.getLogger())
    paths = DataPaths(data_dir=str(tmp_path))

    def build(**flags) -> str:
        list(_dbt_build(context, dbt, paths, SessionRules(), **flags))
        return called.pop()

    assert build() == "subprocess"  # no warehouse yet: every model is built whole
    paths.warehouse_path.write_bytes(b"")
    assert build() == "in process"
    assert build(full_refresh=True) == "subprocess"


def test_an_in_process_build_records_what_the_subprocess_records(
    ingested: Ingested, tmp_path, monkeypatch
) -> None:
    base = build_definitions(str(tmp_path / "x")).resources["dbt"]
    subprocess_dbt = _SubprocessOnly(
        project_dir=base.project_dir, dbt_executable=base.dbt_executable
    )
    by_subprocess = _build(ingested.copy_data(tmp_path / "sub"), subprocess_dbt)

    spawned = []
    real_popen = subprocess.Popen

    def popen(args, *rest, **kwargs):
        spawned.append(args)
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    data = ingested.copy_data(tmp_path / "in")
    in_process = _build(data, base)

    assert not [a for a in spawned if "dbt" in " ".join(map(str, a))]
    assert in_process == by_subprocess
    assert len(in_process["materialized"]) == len(warehouse_models.keys)
    assert in_process["checks"] and all(passed for _, passed in in_process["checks"])
    assert _opens_read_only(data / "warehouse.duckdb")
    assert (data / "dbt" / "target" / "dbt.log").stat().st_size > 0  # dbt's debug log


def test_a_failed_command_raises_dbts_error_and_releases_the_warehouse(
    ingested: Ingested, tmp_path
) -> None:
    data = ingested.copy_data(tmp_path / "data")
    defs = build_definitions(str(data))
    dbt = defs.resources["dbt"]
    variables = dbt_vars(defs.resources["paths"], defs.resources["session_rules"])
    invocation = dbt.cli_in_process(
        ["show", "--inline", "select * from no_such_relation", "--vars", json.dumps(variables)],
        target_path=data / "dbt" / "target",
    )
    with pytest.raises(DagsterDbtCliRuntimeError, match="no_such_relation"):
        invocation.wait()
    assert not invocation.is_successful()
    assert _opens_read_only(data / "warehouse.duckdb")


def test_a_stopped_build_ends_dbts_thread_and_releases_the_warehouse(
    ingested: Ingested, tmp_path
) -> None:
    data = ingested.copy_data(tmp_path / "data")
    defs = build_definitions(str(data))
    variables = dbt_vars(defs.resources["paths"], defs.resources["session_rules"])
    events = (
        defs.resources["dbt"]
        .cli(["build", "--vars", json.dumps(variables)], target_path=data / "dbt" / "target")
        .stream_raw_events()
    )
    next(events)  # dbt has started
    events.close()  # what a stopped Dagster step does to its generator
    assert not [t for t in threading.enumerate() if t.name == "dbt"]
    assert _opens_read_only(data / "warehouse.duckdb")


def test_the_pinned_dagster_dbt_still_opens_its_adapter_through_the_overridden_hook() -> None:
    # If an upgrade renames the hook, the override silently stops saving the adapter's load:
    # this fails first, and pyproject's exact pin says which version was checked.
    assert "self._initialize_dbt_core_adapter(" in inspect.getsource(DbtCliResource.cli)
    assert "_initialize_dbt_core_adapter" in vars(WarehouseDbtResource)


def test_no_dbt_project_or_macro_is_loaded_for_the_handle(monkeypatch, tmp_path) -> None:
    def load_project(*_args, **_kwargs):
        raise AssertionError("dbt's project was loaded inside the Dagster process")

    monkeypatch.setattr("dbt.config.runtime.load_project", load_project)
    resource = build_definitions(str(tmp_path)).resources["dbt"]
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_dbt_version_comes_from_this_environment_without_a_dbt_process(monkeypatch, tmp_path):
    # `dbt --version` is a whole dbt start-up (and a PyPI request) on every run's dbt call.
    def spawned(*_args, **_kwargs):
        raise AssertionError("dbt --version was run")

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", spawned)
    resource = build_definitions(str(tmp_path)).resources["dbt"]
    assert resource._cli_version == version.parse(metadata.version("dbt-core"))


def test_a_dbt_elsewhere_is_asked_for_its_version(monkeypatch, tmp_path) -> None:
    other = tmp_path / "bin" / "dbt"
    other.parent.mkdir()
    other.write_text("#!/bin/sh\n", encoding="utf-8")
    other.chmod(0o755)
    asked = []

    def check_output(args, **_kwargs):
        asked.append(args)
        return b"Core:\n  - installed: 2.0.1\n"

    monkeypatch.setattr("dagster_dbt.core.resource.check_output", check_output)
    project = build_definitions(str(tmp_path / "data")).resources["dbt"].project_dir
    resource = WarehouseDbtResource(project_dir=project, dbt_executable=str(other))
    assert resource._cli_version == version.parse("2.0.1")
    assert asked == [[str(other), "--version"]]


def test_the_pinned_dagster_dbt_still_asks_a_dbt_process_for_the_version() -> None:
    # If an upgrade stops running `dbt --version`, the override has nothing left to save.
    source = inspect.getsource(DbtCliResource)
    assert '[self.dbt_executable, "--version"]' in source
    assert "self._cli_version" in inspect.getsource(DbtCliResource.cli)
    assert "_cli_version" in vars(WarehouseDbtResource)
