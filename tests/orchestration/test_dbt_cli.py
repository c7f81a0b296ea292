"""The dbt resource runs dbt in its subprocess only, not a second copy in the Dagster process."""

import inspect
from importlib import metadata

from dagster_dbt import DbtCliResource
from packaging import version

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
    resource = SubprocessDbtResource(project_dir=project, dbt_executable=str(other))
    assert resource._cli_version == version.parse("2.0.1")
    assert asked == [[str(other), "--version"]]


def test_the_pinned_dagster_dbt_still_asks_a_dbt_process_for_the_version() -> None:
    # If an upgrade stops running `dbt --version`, the override has nothing left to save.
    source = inspect.getsource(DbtCliResource)
    assert '[self.dbt_executable, "--version"]' in source
    assert "self._cli_version" in inspect.getsource(DbtCliResource.cli)
    assert "_cli_version" in vars(SubprocessDbtResource)
