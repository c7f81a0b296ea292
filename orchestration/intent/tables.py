"""The intent tables in the lake: read the signals, label, write the Parquet the views read.

No Dagster here: the `session_labels` asset and `correct` (which relabels in place, in about a
second) call the same functions. The dbt views ``session_intents``, ``session_phases`` and
``session_members`` read these files directly, so once the views exist, an atomic rewrite of the
files is all a relabel needs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import duckdb
import polars as pl
import pyarrow.parquet as pq

from orchestration.intent.contract import INTENT_TABLES
from orchestration.intent.corrections import CorrectionStore
from orchestration.intent.label_plan import Budget, CostModel, LabellingPlan
from orchestration.intent.labelling import (
    IntentTables,
    LabellingOutcome,
    Prepared,
    label,
    prepare_plan,
)
from orchestration.intent.plan_reuse import Reuse, StateKey, files_state
from orchestration.intent.signal_source import SignalSource
from orchestration.store.files import fsync_dir, fsync_file, remove_stale_temps, temp_beside
from orchestration.store.pause_points import pause_point
from orchestration.store.warehouse_lock import warehouse_access

# Written last: it holds the fingerprints, so a crash before it makes the next run redo the work.
_WRITE_ORDER = ("member_phases", "session_phases", "session_intents")
# The views over the intent tables, and the table each reads.
INTENT_VIEWS = {
    "session_intents": "session_intents",
    "session_phases": "session_phases",
    "session_members": "member_phases",
}


class LabelPaths(Protocol):
    """The paths labelling needs: a `DataDir`, or the `DataPaths` resource that wraps one."""

    @property
    def root(self) -> Path: ...  # noqa: D102

    @property
    def lake_dir(self) -> Path: ...  # noqa: D102

    @property
    def warehouse_path(self) -> Path: ...  # noqa: D102

    @property
    def corrections_dir(self) -> Path: ...  # noqa: D102


def intents_dir(paths: LabelPaths) -> Path:
    """Where the intent tables live in the lake."""
    return paths.lake_dir / "intents"


def views_read_lake(con: duckdb.DuckDBPyConnection, paths: LabelPaths) -> bool:
    """Whether every intent view exists and reads this data directory's Parquet files.

    False before the first labelling run, for views built while the files were still absent (they
    select from nothing), and for a warehouse copied from another data directory.
    """
    found = dict(
        con.execute(
            "select view_name, sql from duckdb_views() where view_name in (select unnest($names))",
            {"names": list(INTENT_VIEWS)},
        ).fetchall()
    )
    folder = intents_dir(paths)
    return all(
        f"read_parquet('{folder / table}.parquet')" in found.get(view, "")
        for view, table in INTENT_VIEWS.items()
    )


def read_signals(paths: LabelPaths) -> pl.DataFrame:
    """The mart ``intent_signals`` from the warehouse, opened read-only."""
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        return con.execute("select * from intent_signals order by session_id, position").pl()


@contextlib.contextmanager
def signal_source(paths: LabelPaths) -> Iterator[SignalSource]:
    """The mart ``intent_signals`` as a `SignalSource`, over a read-only connection."""
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        yield SignalSource(con)


def read_previous(paths: LabelPaths) -> IntentTables:
    """The tables the last run wrote, or empty ones."""
    folder = intents_dir(paths)
    tables = {}
    for name, schema in INTENT_TABLES.items():
        path = folder / f"{name}.parquet"
        tables[name] = pq.read_table(path).cast(schema) if path.exists() else schema.empty_table()
    return IntentTables(**tables)


def write_tables(paths: LabelPaths, tables: IntentTables) -> None:
    """Each table to a temp file, fsynced, then renamed into place in `_WRITE_ORDER`."""
    folder = intents_dir(paths)
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder)  # left by a run that was killed
    staged = []
    for name in _WRITE_ORDER:
        final = folder / f"{name}.parquet"
        temp = temp_beside(final)
        pq.write_table(tables.as_dict()[name], temp)
        fsync_file(temp)
        staged.append((temp, final))
    pause_point("intents-commit")
    for number, (temp, final) in enumerate(staged):
        os.replace(temp, final)
        if number == 0:
            pause_point("intents-partial")
    fsync_dir(folder)


def plan_for(paths: LabelPaths, budget: Budget) -> LabellingPlan:
    """What a run with this budget would label, and what it would leave, without running."""
    store = CorrectionStore.in_dir(paths.corrections_dir)
    cost = CostModel.load(CostModel.path_in(paths.root))
    with (
        warehouse_access(paths.root, write=False, holder="intent labelling plan"),
        signal_source(paths) as source,
    ):
        key = _plan_inputs(paths, budget)
        previous = read_previous(paths)
        prepared = prepare_plan(source, previous, store.all(), budget, cost)
    _last_plan.put(key, (prepared, previous))
    return prepared[0]


_last_plan: Reuse[tuple[Prepared, IntentTables]] = Reuse()
"""The last `plan_for` in this process and the tables it read, which `run_labelling` reuses
while its inputs hold (the tables are among them)."""


def _plan_inputs(paths: LabelPaths, budget: Budget) -> tuple[str, StateKey]:
    """The budget and the state of every file a plan reads."""
    folder = intents_dir(paths)
    files = [
        paths.warehouse_path,
        paths.warehouse_path.with_name(f"{paths.warehouse_path.name}.wal"),
        *(folder / f"{name}.parquet" for name in INTENT_TABLES),
        CorrectionStore.in_dir(paths.corrections_dir).path,
        CostModel.path_in(paths.root),
    ]
    return str(budget), files_state(files)


def preview(paths: LabelPaths, budget: Budget) -> str:
    """The plan as text a person reads before a backfill."""
    return plan_for(paths, budget).describe()


def run_labelling(paths: LabelPaths, budget: Budget, *, workers: int = 1) -> LabellingOutcome:
    """Label, write, and learn the run's cost; what the asset, `correct` and tests call.

    Holds the warehouse for writing from reading the signals to the last rename, so no dbt build
    (from any run or process) sees half the tables or rebuilds the signals underneath. When no
    label moved, nothing is written. The cost model learns from the labelling work alone.
    A large plan is labelled in ``workers`` processes (0: one per core).
    """
    store = CorrectionStore.in_dir(paths.corrections_dir)
    cost_path = CostModel.path_in(paths.root)
    cost = CostModel.load(cost_path)
    with warehouse_access(paths.root, write=True, holder="intent labelling"):
        reused = _last_plan.get(_plan_inputs(paths, budget))
        _last_plan.clear()
        prepared, previous = reused if reused else (None, read_previous(paths))
        with signal_source(paths) as source:
            outcome = label(
                source,
                previous,
                store.all(),
                budget,
                cost,
                prepared=prepared,
                warehouse=paths.warehouse_path,
                workers=workers,
            )
        if outcome.changed or not all(
            (intents_dir(paths) / f"{name}.parquet").exists() for name in INTENT_TABLES
        ):
            write_tables(paths, outcome.tables)
    if outcome.plan.todo.height:
        cost.observed(
            sessions=outcome.plan.todo.height, labelling_seconds=outcome.labelling_seconds
        ).save(cost_path)
    return outcome
