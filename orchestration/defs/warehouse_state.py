"""Whether the warehouse is current, from what Dagster and dbt recorded and what the file holds.

Current means: whole (the file opens and every model dbt promises reads), built with the model
code in use (`dagster/code_version` on each model's latest materialization), with the session
gap in use (dbt's own `run_results.json`), and after the lake last moved.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

import dagster as dg

from orchestration.defs.assets.embeddings import IMAGE_EMBEDDINGS_KEY, PROMPT_EMBEDDINGS_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.assets.warehouse import (
    dbt_target_path,
    dbt_vars,
    lake_state_globs,
    stored_models,
    views_over_lake_state,
    views_reading,
    warehouse_models,
    warehouse_relations,
)
from orchestration.defs.launcher import RunFailed
from orchestration.defs.resources import DataPaths, SessionRules
from orchestration.store.warehouse_health import (
    WarehouseInUse,
    view_read_outside,
    views_compiled_as_lake_is,
    warehouse_problem,
)
from orchestration.store.warehouse_lock import warehouse_access

FORCED = "forced"
GAP_CHANGED = "session gap changed"
MODEL_CHANGED = "changed since the last build"
VIEWS_ELSEWHERE = "views read another data directory"


def rebuilds_whole(reason: str) -> bool:
    """Whether the incremental models must be rebuilt whole: their old rows are wrong now."""
    # "model X changed since the last build", not "lake changed since the last build".
    model_changed = reason.startswith("model ") and reason.endswith(MODEL_CHANGED)
    return reason == FORCED or reason.startswith(GAP_CHANGED) or model_changed


# Reasons that only add rows to the lake: the models' code and scope are as last built.
INCREMENTAL = (
    "lake changed since the last build",
    "new prompt vectors",
    "images embedded for the budgeted sessions",
)


def models_to_build(
    reason: str,
    upstream: Iterable[dg.AssetKey] = (),
    current_views: Iterable[dg.AssetKey] = (),
) -> set[dg.AssetKey]:
    """What a build of the warehouse materializes: the tables alone on a lake increment.

    New rows in the lake change what the tables hold; the views over them read the tables live
    and their SQL is as last built (a changed view is a model change, which builds everything).
    When the same run materializes ``upstream`` lake assets (new prompt vectors), the views
    between them and the tables come too, so that the run orders the tables after them; and
    the views whose SQL depends on which lake folders hold files are rebuilt unless they are
    among ``current_views`` (`lake_state_views_current`).
    """
    if not reason.startswith(INCREMENTAL):
        return set(warehouse_models.keys)
    lake_state = views_over_lake_state() - set(current_views)
    return stored_models() | views_reading(upstream) | lake_state


def lake_state_views_current(
    instance: dg.DagsterInstance,
    paths: DataPaths,
    upstream: Iterable[dg.AssetKey] = (),
    on_wait: Callable[[str], None] | None = None,
) -> set[dg.AssetKey]:
    """The views over lake state that a build may leave alone: compiled as the lake is now.

    Each is a view, its node and a test for dbt and an event or two for Dagster on every
    increment otherwise, to compile the same SQL again. One whose lake asset moved since the
    view was built is not left alone: its data test checks the lake's new rows. Nor is one that
    reads a lake asset the same run materializes (``upstream``): its folder may gain its first
    file.
    """
    globs = lake_state_globs()
    deps = warehouse_models.asset_deps
    built = {
        r.asset_entry.asset_key: r.asset_entry.last_materialization_record
        for r in instance.get_asset_records(list(globs))
    }
    wanted = {}
    for key, (relation, names) in globs.items():
        record = built.get(key)
        lake = [_latest_storage_id(instance, dep) for dep in deps[key]]
        moved = record is None or any(i is not None and i > record.storage_id for i in lake)
        if not moved and not deps[key] & set(upstream):
            wanted[relation] = names
    with warehouse_access(
        paths.root, write=False, holder="creative-sessions (views check)", on_wait=on_wait
    ):
        current = views_compiled_as_lake_is(paths.warehouse_path, paths.lake_dir, wanted)
    return {key for key, (relation, _names) in globs.items() if relation in current}


def warehouse_config(reason: str) -> dict[str, bool]:
    """The build's run config: a whole rebuild where the old rows are wrong.

    dbt's unit tests run where the model code or the build's scope may have moved, not on a
    nightly increment of the lake (they check code against fixed rows, not the data).
    """
    return {
        "full_refresh": rebuilds_whole(reason),
        "unit_tests": not reason.startswith(INCREMENTAL),
    }


def warehouse_reason(
    instance: dg.DagsterInstance,
    paths: DataPaths,
    on_wait: Callable[[str], None] | None = None,
    rules: SessionRules | None = None,
) -> str | None:
    """Why the warehouse must be (re)built, or None when it is whole and newer than the lake.

    Whole: the file opens and every model reads (a build killed half-way fails this). Newer:
    every model was built with the model code in use, and every table after the lake's latest
    materialization (views read their tables live: new rows need no rebuild of them).
    """
    if not paths.warehouse_path.exists():
        return "warehouse file missing"
    try:
        with warehouse_access(
            paths.root, write=False, holder="creative-sessions (health check)", on_wait=on_wait
        ):
            relations = warehouse_relations()
            problem = warehouse_problem(paths.warehouse_path, relations)
            folders = [paths.lake_dir, paths.corrections_dir]
            elsewhere = (
                None if problem else view_read_outside(paths.warehouse_path, relations, folders)
            )
    except WarehouseInUse as exc:
        raise RunFailed(f"another program holds the warehouse open for writing: {exc}") from exc
    if problem is not None:
        return problem
    records = {
        r.asset_entry.asset_key: r.asset_entry.last_materialization_record
        for r in instance.get_asset_records(list(warehouse_models.keys))
    }
    built = [records.get(key) for key in warehouse_models.keys]
    if any(record is None for record in built):
        return "never built"
    if moved := _vars_moved(paths, rules):
        return moved
    code = warehouse_models.code_versions_by_key
    for key, record in zip(warehouse_models.keys, built, strict=True):
        materialization = record.asset_materialization if record else None
        recorded = (
            (materialization.tags or {}).get("dagster/code_version") if materialization else None
        )
        if code.get(key) is not None and recorded != code[key]:
            return f"model {key.to_user_string()} {MODEL_CHANGED}"
    if elsewhere is not None:
        # Views are left alone on a lake increment, so a moved data directory rebuilds them.
        return f"{VIEWS_ELSEWHERE} ({elsewhere})"
    tables = stored_models()
    oldest = min(
        record.storage_id
        for key, record in zip(warehouse_models.keys, built, strict=True)
        if record is not None and key in tables
    )
    for key in (GENERATIONS_KEY, IMAGE_EMBEDDINGS_KEY, PROMPT_EMBEDDINGS_KEY):
        lake = _latest_storage_id(instance, key)
        if lake is not None and lake > oldest:
            return "lake changed since the last build"
    return None


def _vars_moved(paths: DataPaths, rules: SessionRules | None) -> str | None:
    """The session gap dbt last built with (its run_results.json), when it differs from now's."""
    if rules is None:
        return None
    results = dbt_target_path(paths) / "run_results.json"
    try:
        built = json.loads(results.read_text(encoding="utf-8"))["args"]["vars"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    wanted = dbt_vars(paths, rules)["session_gap_minutes"]
    if built.get("session_gap_minutes") not in (None, wanted):
        return f"{GAP_CHANGED} ({built['session_gap_minutes']} → {wanted} minutes)"
    return None


def _latest_storage_id(instance: dg.DagsterInstance, key: dg.AssetKey) -> int | None:
    """Event-log position of the asset's latest materialization (ordered, unlike wall time)."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].storage_id if records else None
