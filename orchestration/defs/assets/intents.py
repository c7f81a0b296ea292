"""The intent asset: phases, session intents and member phases from the warehouse's signals.

Reads the dbt mart ``intent_signals`` (read-only), the previous labels and the artist's
corrections; labels only sessions whose fingerprint changed, most valuable first, within the
run's budget; writes three Parquet tables under ``<lake>/intents/`` that dbt exposes as views.
The reading and writing live in `orchestration.intent.tables` (no Dagster), which `correct` uses
directly; they are re-exported here for the runner.
"""

from collections.abc import Iterator

import dagster as dg
import pyarrow as pa

from orchestration.defs.automation import WAREHOUSE_POOL, follow_inputs
from orchestration.defs.resources import DataPaths
from orchestration.intent.contract import INTENT_TABLES
from orchestration.intent.label_plan import Budget
from orchestration.intent.tables import (
    intents_dir,
    plan_for,
    preview,
    read_previous,
    read_signals,
    run_labelling,
    write_tables,
)

__all__ = [
    "INTENT_KEYS",
    "INTENT_SIGNALS_KEY",
    "intents_dir",
    "plan_for",
    "preview",
    "read_previous",
    "read_signals",
    "run_labelling",
    "session_labels",
    "write_tables",
]

INTENT_SIGNALS_KEY = dg.AssetKey(["intent_signals"])
INTENT_KEYS = {name: dg.AssetKey(["intents", name]) for name in INTENT_TABLES}


class LabellingConfig(dg.Config):
    """Run configuration: the budget (e.g. ``sessions=50,seconds=120,images=5000``; empty = all)."""

    budget: str = ""
    # Processes that label a large plan (a first run, an import); 0 is one per core.
    workers: int = 0


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            deps=[INTENT_SIGNALS_KEY],
            group_name="intents",
            description=description,
            kinds={"python", "parquet"},
            automation_condition=follow_inputs(),
        )
        for key, description in (
            (INTENT_KEYS["session_phases"], "Each session's phases with intent and label."),
            (INTENT_KEYS["session_intents"], "One intent, label and arc per session."),
            (INTENT_KEYS["member_phases"], "The phase of every generation of a labelled session."),
        )
    ],
    name="session_labels",
    pool=WAREHOUSE_POOL,
)
def session_labels(
    context: dg.AssetExecutionContext, config: LabellingConfig, paths: DataPaths
) -> Iterator[dg.MaterializeResult]:
    """Label the sessions whose inputs changed, within the configured budget."""
    budget = Budget.parse(config.budget)
    outcome = run_labelling(paths, budget, workers=config.workers)
    plan = outcome.plan
    context.log.info(
        "labelled %d sessions, %d unchanged, %d remaining (budget %s) in %.1f s",
        plan.todo.height,
        plan.skipped.height,
        plan.remaining.height,
        budget,
        outcome.seconds,
    )
    resolved = outcome.corrections
    shared = {
        "sessions_labelled": plan.todo.height,
        "sessions_skipped_unchanged": plan.skipped.height,
        "sessions_remaining": plan.remaining.height,
        "sessions_dropped": plan.dropped.height,
        "seconds": round(outcome.seconds, 3),
        "estimated_seconds_remaining": round(plan.remaining_seconds, 1),
        "images_to_embed_remaining": plan.remaining_images,
        "budget": str(budget),
        "corrections_applied": len(resolved.effective) if resolved else 0,
        "corrections_orphaned": len(resolved.orphaned) if resolved else 0,
        "calibrated_artists": ", ".join(outcome.calibrated_artists) or "none",
        "intents": dg.MetadataValue.json(outcome.intent_counts),
    }
    for name, key in INTENT_KEYS.items():
        table: pa.Table = outcome.tables.as_dict()[name]
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                **shared,
                "dagster/row_count": table.num_rows,
                "path": str(intents_dir(paths) / f"{name}.parquet"),
            },
        )
