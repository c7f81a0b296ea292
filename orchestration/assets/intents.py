"""The intent asset: phases, session intents and member phases from the warehouse's signals.

Reads the dbt mart ``intent_signals`` (read-only), the previous labels and the artist's
corrections; labels only sessions whose fingerprint changed, most valuable first, within the
run's budget; writes three Parquet tables under ``<lake>/intents/`` that dbt exposes as views.
"""

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.automation import WAREHOUSE_POOL, follow_inputs
from orchestration.intent.backfill import Budget, CostModel, LabellingPlan
from orchestration.intent.contract import INTENT_TABLES
from orchestration.intent.corrections import CorrectionStore
from orchestration.intent.labelling import IntentTables, LabellingOutcome, label, prepare_plan
from orchestration.pause_points import pause_point
from orchestration.resources import DataPaths

log = logging.getLogger(__name__)

INTENT_SIGNALS_KEY = dg.AssetKey(["intent_signals"])
INTENT_KEYS = {name: dg.AssetKey(["intents", name]) for name in INTENT_TABLES}
# Written last: it holds the fingerprints, so a crash before it makes the next run redo the work.
_WRITE_ORDER = ("member_phases", "session_phases", "session_intents")


class LabellingConfig(dg.Config):
    """Run configuration: the budget (e.g. ``sessions=50,seconds=120,images=5000``; empty = all)."""

    budget: str = ""


def intents_dir(paths: DataPaths) -> Path:
    """Where the intent tables live in the lake."""
    return paths.lake_dir / "intents"


def read_signals(paths: DataPaths) -> pl.DataFrame:
    """The mart ``intent_signals`` from the warehouse, opened read-only."""
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        return con.execute("select * from intent_signals order by session_id, position").pl()


def read_previous(paths: DataPaths) -> IntentTables:
    """The tables the last run wrote, or empty ones."""
    folder = intents_dir(paths)
    tables = {}
    for name, schema in INTENT_TABLES.items():
        path = folder / f"{name}.parquet"
        tables[name] = pq.read_table(path).cast(schema) if path.exists() else schema.empty_table()
    return IntentTables(**tables)


def write_tables(paths: DataPaths, tables: IntentTables) -> None:
    """Each table to a temp file, fsynced, then renamed into place in `_WRITE_ORDER`."""
    folder = intents_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".*.parquet.tmp-*"):  # left by a run that was killed
        stale.unlink(missing_ok=True)
    staged = []
    for name in _WRITE_ORDER:
        final = folder / f"{name}.parquet"
        temp = folder / f".{name}.parquet.tmp-{os.getpid()}"
        pq.write_table(tables.as_dict()[name], temp)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        staged.append((temp, final))
    pause_point("intents-commit")
    for number, (temp, final) in enumerate(staged):
        os.replace(temp, final)
        if number == 0:
            pause_point("intents-partial")
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def plan_for(paths: DataPaths, budget: Budget) -> LabellingPlan:
    """What a run with this budget would label, and what it would leave, without running."""
    store = CorrectionStore.in_dir(paths.corrections_dir)
    cost = CostModel.load(CostModel.path_in(paths.root))
    plan, _, _ = prepare_plan(read_signals(paths), read_previous(paths), store.all(), budget, cost)
    return plan


def preview(paths: DataPaths, budget: Budget) -> str:
    """The plan as text a person reads before a backfill."""
    return plan_for(paths, budget).describe()


def run_labelling(paths: DataPaths, budget: Budget) -> LabellingOutcome:
    """Label, write, and learn the run's cost; what the asset and tests call."""
    store = CorrectionStore.in_dir(paths.corrections_dir)
    cost_path = CostModel.path_in(paths.root)
    cost = CostModel.load(cost_path)
    outcome = label(read_signals(paths), read_previous(paths), store.all(), budget, cost)
    write_tables(paths, outcome.tables)
    if outcome.plan.todo.height:
        cost.observed(sessions=outcome.plan.todo.height, labelling_seconds=outcome.seconds).save(
            cost_path
        )
    return outcome


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
    outcome = run_labelling(paths, budget)
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
