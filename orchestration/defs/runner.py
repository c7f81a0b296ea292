"""Launch the named jobs for whatever is stale, in the data directory's Dagster instance.

The CLI's `run` is a sequence of runs of the jobs in `orchestration.defs.jobs` (the same ones the UI
launches), each narrowed to what Dagster's records say is stale: archives whose fingerprint moved
since their last `ingest` materialization, shards without vectors, a warehouse whose models were
last materialized before the lake moved, with other code, or that does not pass the health check
(`orchestration.store.warehouse_health`). Every run lands in ``<data-dir>/dagster``, which `make ui`
reads too.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.defs.assets.embeddings import (
    PROMPT_EMBEDDINGS_KEY,
)
from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.assets.warehouse import (
    stored_models,
    warehouse_models,
)
from orchestration.defs.embedding_runs import embed_for_plan, embed_stale, new_prompts
from orchestration.defs.jobs import (
    INGEST_JOB,
    LABELS_JOB,
    NIGHTLY_JOB,
)
from orchestration.defs.launcher import RunFailed, launch
from orchestration.defs.partitions import (
    archive_partitions,
)
from orchestration.defs.resources import DataPaths
from orchestration.defs.warehouse_state import (
    FORCED,
    INCREMENTAL,
    lake_state_views_current,
    models_to_build,
    warehouse_config,
    warehouse_reason,
)
from orchestration.ingest.lake import GENERATIONS_TABLE, partition_file
from orchestration.intent.label_plan import Budget, LabellingPlan
from orchestration.store.fingerprint import archive_fingerprint
from orchestration.store.registry import RegisteredArchive
from orchestration.store.warehouse_lock import reading_connection

__all__ = ["RunFailed", "RunReport", "label_stale", "run_stale"]


@dataclass
class RunReport:
    """What a run did, for the terminal."""

    ingested: list[tuple[RegisteredArchive, str]] = field(default_factory=list)
    missing: list[RegisteredArchive] = field(default_factory=list)
    failed: list[tuple[RegisteredArchive, str]] = field(default_factory=list)
    warehouse_built: bool = False
    warehouse_reason: str = ""
    labelling: dict[str, Any] = field(default_factory=dict)


def ingest_reason(
    instance: dg.DagsterInstance, paths: DataPaths, archive: RegisteredArchive
) -> str | None:
    """Why an archive must be (re)ingested, or None when its lake partition is current."""
    if not partition_file(paths.lake_dir, GENERATIONS_TABLE, archive.key).exists():
        return "not in the lake yet"
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=GENERATIONS_KEY, asset_partitions=[archive.key]), limit=1
    ).records
    if not records:
        return "never ingested"
    materialization = records[0].asset_materialization
    recorded = materialization.metadata.get("archive_fingerprint") if materialization else None
    if recorded is None or recorded.value != archive_fingerprint(Path(archive.path)):
        return "changed on disk"
    return None


def run_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    force_warehouse: bool = False,
    budget: str = "",
    on_progress: Callable[[str], None] = lambda _msg: None,
) -> RunReport:
    """Ingest new or changed archives, embed, rebuild the warehouse when stale, then label."""
    paths: DataPaths = defs.resources["paths"]
    report = RunReport()
    archives = paths.registry.all()
    instance.add_dynamic_partitions(archive_partitions.name, [a.key for a in archives])
    for number, archive in enumerate(archives, start=1):
        if not Path(archive.path).exists():
            report.missing.append(archive)
            on_progress(f"[{number}/{len(archives)}] {archive.key}: source missing, skipped")
            continue
        reason = ingest_reason(instance, paths, archive)
        if reason is None:
            on_progress(f"[{number}/{len(archives)}] {archive.key}: up to date")
            continue
        on_progress(f"[{number}/{len(archives)}] {archive.key}: ingesting ({reason})")
        try:
            launch(instance, defs, INGEST_JOB, partition_key=archive.key)
        except RunFailed as exc:  # one archive never stops the others; its old rows stay
            report.failed.append((archive, str(exc)))
            on_progress(f"[{number}/{len(archives)}] {archive.key}: failed; the rest go on")
            continue
        report.ingested.append((archive, reason))
    if not any(paths.lake_dir.glob(f"{GENERATIONS_TABLE}/*/*.parquet")):
        on_progress("warehouse: the lake is empty; register an archive with `ingest PATH` first")
        return report
    image_budget = Budget.parse(budget).max_images is not None
    # Under an image budget, images wait until the plan says which sessions need them.
    embed_stale(instance, defs, on_progress, images=not image_budget, prompts=False)
    prompts = new_prompts(defs, on_progress)
    rules = defs.resources["session_rules"]
    reason = FORCED if force_warehouse else warehouse_reason(instance, paths, on_progress, rules)
    if reason is None and prompts:
        reason = "new prompt vectors"
    if reason is not None:
        build_warehouse(instance, defs, reason, on_progress, with_prompts=bool(prompts))
        report.warehouse_built, report.warehouse_reason = True, reason
    else:
        on_progress("warehouse: up to date")
    if image_budget and embed_for_plan(instance, defs, budget, on_progress):
        build_warehouse(instance, defs, "images embedded for the budgeted sessions", on_progress)
        report.warehouse_built = True
    # The intent views read the labels' Parquet and the sessions by name: a build leaves them
    # current, so they are rebuilt only when missing or stale (one dbt invocation per run).
    report.labelling = label_stale(instance, defs, budget=budget, on_progress=on_progress)
    return report


def _dbt_log(paths: DataPaths) -> Path:
    return paths.layout.logs_dir / "dbt.log"


@contextlib.contextmanager
def _dbt_chatter_to_log(paths: DataPaths) -> Iterator[Path]:
    """dagster-dbt echoes every dbt event to stdout; the terminal gets our summary instead."""
    log_path = _dbt_log(paths)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield log_path


def build_warehouse(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    reason: str,
    on_progress: Callable[[str], None],
    *,
    with_prompts: bool = False,
) -> None:
    """A `nightly` run of the dbt models, after the blocking id check (and new prompt vectors).

    Reasons that change what the incremental models would compute (a forced build, new model
    code, a new session gap) rebuild them whole (`--full-refresh`). A lake increment builds the
    tables and runs their tests; the views over them are left as they are (`models_to_build`),
    and so are the views over lake state compiled as the lake is now.
    """
    from orchestration.defs.checks import generation_ids_unique

    paths: DataPaths = defs.resources["paths"]
    lake = {PROMPT_EMBEDDINGS_KEY} if with_prompts else set()
    # The blocking id check on the lake's generations runs first, the prompt vectors too.
    upstream = {GENERATIONS_KEY, *lake}
    current = (
        lake_state_views_current(instance, paths, upstream, on_progress)
        if reason.startswith(INCREMENTAL)
        else set()
    )
    models = models_to_build(reason, upstream, current)
    assets = models | lake
    tables = models & stored_models()
    scope = "" if models == set(warehouse_models.keys) else f" of the {len(tables)} tables"
    on_progress(f"warehouse: dbt build{scope} ({reason}); dbt's log: {_dbt_log(paths)}")
    with _dbt_chatter_to_log(paths):
        launch(
            instance,
            defs,
            NIGHTLY_JOB,
            assets=assets,
            checks=generation_ids_unique.check_keys,
            run_config={"ops": {"warehouse_models": {"config": warehouse_config(reason)}}},
        )


def label_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    budget: str = "",
    force_views: bool = False,
    on_progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """A `labels` run: label sessions whose inputs changed (within `budget`), then refresh.

    The plan comes first (fingerprints in SQL): with nothing to label, current views and a
    journal, no run is launched. The intent views read the labels' Parquet, so they are rebuilt
    only when missing or stale (or forced); the journal, in the same run after the labels,
    rewrites the pages whose labels moved.
    """
    from orchestration.defs.assets.intents import INTENT_KEYS
    from orchestration.defs.assets.journal import JOURNAL_KEY
    from orchestration.defs.assets.warehouse import intent_views
    from orchestration.intent.tables import plan_for, views_read_lake

    paths: DataPaths = defs.resources["paths"]
    if not paths.warehouse_path.exists():
        return {}
    holder = "creative-sessions (views check)"
    with reading_connection(paths.root, paths.warehouse_path, holder=holder) as con:
        views_current = views_read_lake(con, paths)
    refresh_views = force_views or not views_current
    journal_index = paths.journal_dir / "index.html"
    plan = plan_for(paths, Budget.parse(budget))
    if not (plan.todo.height or plan.dropped.height):
        if not refresh_views and journal_index.exists():
            on_progress(f"intents: up to date ({plan.skipped.height} sessions unchanged)")
            return _idle_metadata(plan)
    else:
        on_progress(
            f"intents: labelling {plan.todo.height} changed sessions "
            f"(~{plan.estimated_seconds:.0f} s), {plan.skipped.height} unchanged"
        )
    # One run: the labels, the views when stale, and the journal (ordered after the labels).
    assets = set(INTENT_KEYS.values()) | (set(intent_views.keys) if refresh_views else set())
    with _dbt_chatter_to_log(paths):
        result = launch(
            instance,
            defs,
            LABELS_JOB,
            assets=assets | {JOURNAL_KEY},
            run_config={"ops": {"session_labels": {"config": {"budget": budget}}}},
        )
    metadata = {
        key: getattr(value, "value", value)
        for m in result.asset_materializations_for_node("session_labels")
        if m.asset_key == INTENT_KEYS["session_intents"]
        for key, value in m.metadata.items()
    }
    labelled = int(metadata.get("sessions_labelled", 0))
    on_progress(
        f"intents: {labelled} sessions labelled, "
        f"{metadata.get('sessions_skipped_unchanged', 0)} unchanged, "
        f"{metadata.get('sessions_remaining', 0)} remaining (budget {metadata.get('budget')})"
    )
    if refresh_views:
        on_progress("intents: views session_intents, session_phases, session_members refreshed")
    on_progress(f"journal: {journal_index}")
    return metadata


def _idle_metadata(plan: LabellingPlan) -> dict[str, Any]:
    """The labels run's figures when its plan has no work and no run is launched."""
    return {
        "sessions_labelled": 0,
        "sessions_skipped_unchanged": plan.skipped.height,
        "sessions_remaining": 0,
        "sessions_dropped": 0,
        "budget": str(plan.budget),
    }
