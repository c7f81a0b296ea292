"""Relabel in place, as `correct` does: new labels and fresh journal pages in about a second.

The intent views read the lake's Parquet files, so once they exist a relabel is the labelling
itself (`run_labelling`, under the warehouse's writer lock) plus the HTML journal; no dbt build
and no Dagster run. Before the views exist (or when they read another data directory's files)
there is nothing to refresh in place: the caller launches the labels job instead.
"""

from __future__ import annotations

from collections.abc import Callable

from orchestration.intent.label_plan import Budget
from orchestration.intent.labelling import LabellingOutcome
from orchestration.intent.tables import run_labelling, views_read_lake
from orchestration.journal.incremental import build_journal
from orchestration.journal.pages import WrittenJournal
from orchestration.store.data_dir import DataDir
from orchestration.store.warehouse_lock import reading_connection


def can_relabel_in_place(data: DataDir) -> bool:
    """Whether the intent views exist and read this data directory's intent tables."""
    if not data.warehouse_path.exists():
        return False
    with reading_connection(data.root, data.warehouse_path, holder="relabel check") as con:
        return views_read_lake(con, data)


def refresh_journal(data: DataDir) -> WrittenJournal:
    """Rewrite the HTML pages whose sessions changed, and the index (under the reader lock)."""
    with reading_connection(data.root, data.warehouse_path, holder="journal pages") as con:
        return build_journal(con, data.thumbnails_dir, data.journal_dir).written


def relabel_in_place(
    data: DataDir, *, on_progress: Callable[[str], None] = lambda _line: None
) -> LabellingOutcome | None:
    """Label every session whose inputs changed, then the journal; None when views are missing."""
    if not can_relabel_in_place(data):
        return None
    outcome = run_labelling(data, Budget())
    plan = outcome.plan
    on_progress(
        f"intents: {plan.todo.height} sessions labelled, {plan.skipped.height} unchanged "
        f"in {outcome.seconds:.1f} s"
    )
    if plan.todo.height or plan.dropped.height or not (data.journal_dir / "index.html").exists():
        on_progress(f"journal: {refresh_journal(data).index}")
    return outcome
