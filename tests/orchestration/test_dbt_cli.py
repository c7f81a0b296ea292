"""The dbt resource runs dbt in its subprocess only, not a second copy in the Dagster process."""

import inspect

from dagster_dbt import DbtCliResource

from orchestration.definitions import build_definitions
from orchestration.defs.dbt_cli import SubprocessDbtResource


def test_the_definitions_use_the_subprocess_only_dbt_resource(tmp_path) -> None:
    defs = build_definitions(str(tmp_path))
    assert isinstance(defs.resources["dbt"], SubprocessDbtResource)


def test_the_pinned_dagster_dbt_still_opens_its_adapter_through_the_overridden_hook() -> None:
    # If an upgrade renames the hook, the override silently stops saving the adapter's load:
    # this fails first, and pyproject's exact pin says which version was checked.
    assert "self._initialize_dbt_core_adapter(" in inspect.getsource(DbtCliResource.cli)
    assert "_initialize_dbt_core_adapter" in vars(SubprocessDbtResource)


def test_no_dbt_project_or_macro_is_loaded_for_the_handle(monkeypatch, tmp_path) -> None:
    def load_project(*_args, **_kwargs):
        raise AssertionError("dbt's project was loaded inside the Dagster process")

    monkeypatch.setattr("dbt.config.runtime.load_project", load_project)
    resource = build_definitions(str(tmp_path)).resources["dbt"]
    assert resource._initialize_dbt_core_adapter(["build"]) is None
