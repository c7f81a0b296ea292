"""dbt models in DuckDB as Dagster assets; dbt tests become asset checks."""

import json
import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)

from orchestration.defs.automation import WAREHOUSE_POOL, follow_inputs
from orchestration.defs.dbt_cli import WarehouseDbtResource
from orchestration.defs.resources import DataPaths, SessionRules
from orchestration.store.warehouse_health import (
    Relation,
    expected_relations,
    move_aside,
    warehouse_problem,
)
from orchestration.store.warehouse_lock import warehouse_access

log = logging.getLogger(__name__)

DBT_PROJECT_DIR = Path(__file__).resolve().parents[3] / "dbt_project"

# No `prepare_if_dev()`: under `dg dev` it re-parsed the project into target/manifest.json on every
# code load (each UI-launched run too), rewriting the file in place while CLI processes read it;
# one read a half-written manifest in CI. `ensure_manifest` parses only when the project changed.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv), so an unactivated venv still works."""
    beside = Path(sys.executable).parent / "dbt"
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def ensure_manifest(project: DbtProject = dbt_project) -> Path:
    """Parse the dbt project when its manifest is missing or older than any project file.

    A fresh clone has no manifest, and a stale one would describe a graph that `dbt build` no
    longer produces, so both are re-parsed here, as a build step would.
    """
    manifest = project.manifest_path
    sources = [
        p
        for folder in ("models", "tests", "macros")
        for p in (project.project_dir / folder).rglob("*")
        if p.is_file()
    ] + [project.project_dir / "dbt_project.yml"]
    built = manifest.stat().st_mtime if manifest.exists() else 0.0
    if any(p.stat().st_mtime > built for p in sources):
        subprocess.run(
            [
                dbt_executable(),
                "parse",
                "--quiet",
                "--project-dir",
                str(project.project_dir),
                "--profiles-dir",
                str(project.profiles_dir),
                "--target-path",
                str(project.target_path),
            ],
            check=True,
            cwd=project.project_dir,
        )
    return manifest


def dbt_vars(paths: DataPaths, rules: SessionRules) -> dict[str, Any]:
    """The dbt vars for a run: every path and rule comes from the resources, none from dbt."""
    return {
        "lake_dir": paths.lake_dir.as_posix(),
        "corrections_dir": paths.corrections_dir.as_posix(),
        "warehouse_path": paths.warehouse_path.as_posix(),
        "session_gap_minutes": int(rules.gap_minutes),
    }


class LayerTranslator(DagsterDbtTranslator):
    """Groups dbt models by folder (staging, intermediate, marts) as `warehouse_<folder>`."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """Models go to `warehouse_<folder>`; sources keep their own asset keys and groups."""
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return f"warehouse_{fqn[1]}"
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        """Every model rebuilds when its inputs update; no job chains them by hand."""
        if dbt_resource_props.get("resource_type") == "model":
            return follow_inputs()
        return super().get_automation_condition(dbt_resource_props)


INTENT_VIEWS_TAG = "intents"
_TRANSLATOR = LayerTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class WarehouseBuildConfig(dg.Config):
    """`full_refresh` rebuilds the incremental models whole (a new session gap, a forced run).

    `unit_tests` runs dbt's unit tests, which check model code against fixed rows: worth their
    seconds when the code or the build's scope changed, not on every nightly increment.
    """

    full_refresh: bool = False
    unit_tests: bool = True


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=_TRANSLATOR,
    exclude=f"tag:{INTENT_VIEWS_TAG}",
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def warehouse_models(
    context: dg.AssetExecutionContext,
    dbt: WarehouseDbtResource,
    paths: DataPaths,
    session_rules: SessionRules,
    config: WarehouseBuildConfig,
) -> Iterator[Any]:
    """`dbt build` over the lake: sessions, members and the signals intent inference reads."""
    yield from _dbt_build(
        context,
        dbt,
        paths,
        session_rules,
        verify=True,
        full_refresh=config.full_refresh,
        unit_tests=config.unit_tests,
    )


@dbt_assets(
    manifest=ensure_manifest(),
    project=dbt_project,
    dagster_dbt_translator=_TRANSLATOR,
    select=f"tag:{INTENT_VIEWS_TAG}",
    name="intent_views",
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
)
def intent_views(
    context: dg.AssetExecutionContext,
    dbt: WarehouseDbtResource,
    paths: DataPaths,
    session_rules: SessionRules,
) -> Iterator[Any]:
    """`dbt build` of the views over the intent asset's Parquet (phases, intents, members)."""
    yield from _dbt_build(context, dbt, paths, session_rules)


def stored_models() -> set[dg.AssetKey]:
    """The warehouse models that hold rows (tables, incremental models), from dbt's manifest.

    The rest are views: DuckDB reads their tables live, so new rows reach them with no
    rebuild, and only new SQL (a new code version) needs one.
    """
    return {
        spec.key
        for spec in warehouse_models.specs
        if spec.metadata.get("dagster-dbt/materialization_type") != "view"
    }


LAKE_STATE_MACRO = "macro.creative_sessions.lake_has_files"
"""A model that calls it compiles to other SQL once its lake folder has files (or none)."""

_LAKE_STATE_CALL = re.compile(r"""lake_has_files\(\s*['"]([^'"]+)['"]\s*\)""")


def views_over_lake_state() -> set[dg.AssetKey]:
    """The views whose SQL depends on which lake folders hold files, from dbt's manifest.

    A view over an embedding table built before the table's first file selects a typed empty
    relation; once files arrive it must be rebuilt to read them (`lake_state_globs` says when).
    """
    return set(lake_state_globs())


def lake_state_globs() -> dict[dg.AssetKey, tuple[str, tuple[str, ...]]]:
    """Each view over lake state: its relation name and the lake globs it asks about.

    The globs are the literal arguments of its `lake_has_files` calls (relative to the lake),
    read from the model's SQL in dbt's manifest; a view whose calls name no literal glob has
    none here, and is rebuilt on every build.
    """
    nodes = json.loads(ensure_manifest().read_text(encoding="utf-8"))["nodes"]
    found = {}
    for spec in warehouse_models.specs:
        node = nodes[spec.metadata["dagster_dbt/unique_id"]]
        if (
            spec.metadata.get("dagster-dbt/materialization_type") == "view"
            and LAKE_STATE_MACRO in node["depends_on"]["macros"]
        ):
            relation = node.get("alias") or node["name"]
            found[spec.key] = (relation, tuple(_LAKE_STATE_CALL.findall(node["raw_code"])))
    return found


def views_reading(sources: Iterable[dg.AssetKey]) -> set[dg.AssetKey]:
    """The views that read ``sources``, directly or through other views, up to the tables.

    A run that materializes a lake asset and the tables after it must also select these views:
    Dagster orders the steps of a run by the edges among the assets it selected, and the views
    are those edges.
    """
    deps = warehouse_models.asset_deps
    tables = stored_models()
    views = set(warehouse_models.keys) - tables
    found: set[dg.AssetKey] = set()
    frontier = set(sources)
    while frontier:  # down from the sources through views
        frontier = {k for k in views - found if deps[k] & frontier}
        found |= frontier
    leading: set[dg.AssetKey] = set()
    frontier = tables
    while frontier:  # up from the tables through those views
        frontier = {k for key in frontier for k in deps[key] & found} - leading
        leading |= frontier
    return leading


def warehouse_relations() -> list[Relation]:
    """The relations `warehouse_models` promises (the intent views come later, with the labels)."""
    return expected_relations(ensure_manifest(), exclude_tag=INTENT_VIEWS_TAG)


def _told(context: dg.AssetExecutionContext) -> Callable[[str], None]:
    """A line for the run's log in the UI and for the terminal of `creative-sessions run`."""

    def tell(line: str) -> None:
        context.log.info(line)
        log.info(line)

    return tell


def dbt_target_path(paths: DataPaths) -> Path:
    """One dbt target folder per data directory, kept between calls so dbt parses partially."""
    return paths.root / "dbt" / "target"


def _dbt_build(
    context: dg.AssetExecutionContext,
    dbt: WarehouseDbtResource,
    paths: DataPaths,
    session_rules: SessionRules,
    *,
    verify: bool = False,
    full_refresh: bool = False,
    unit_tests: bool = True,
) -> Iterator[Any]:
    """`dbt build` holding the warehouse for writing, so no other run reads or writes meanwhile.

    With ``verify``, a warehouse that does not open or lacks a model is first renamed aside and
    the build starts from an empty file: dbt's incremental models cannot repair a torn one.
    A whole build runs in dbt's own process, an increment in this one (`defs.dbt_cli`).
    """
    paths.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    args = ["build", "--vars", json.dumps(dbt_vars(paths, session_rules))]
    if full_refresh:
        args.append("--full-refresh")
    if not unit_tests:
        args += ["--exclude-resource-type", "unit_test"]
    holder = f"dbt build in run {context.run.run_id[:8]}"
    with warehouse_access(paths.root, write=True, holder=holder, on_wait=_told(context)):
        if verify and paths.warehouse_path.exists():
            problem = warehouse_problem(paths.warehouse_path, warehouse_relations())
            if problem is not None:
                aside = move_aside(paths.warehouse_path)
                line = f"warehouse: {problem}; moved aside to {aside.name}, rebuilt from the lake"
                _told(context)(line)
        target = dbt_target_path(paths)
        if full_refresh or not paths.warehouse_path.exists():
            yield from dbt.cli(args, context=context, target_path=target).stream()
        else:  # an increment: dbt's start-up would be most of its cost in a subprocess
            yield from dbt.cli_in_process(args, context=context, target_path=target).stream()
