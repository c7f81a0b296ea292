"""The journal asset: one static HTML page per artist, built from the warehouse's session views."""

import time

import dagster as dg

from orchestration.defs.assets.intents import INTENT_KEYS
from orchestration.defs.automation import WAREHOUSE_POOL, follow_inputs
from orchestration.defs.resources import DataPaths
from orchestration.journal.incremental import build_journal
from orchestration.store.warehouse_lock import reading_connection

JOURNAL_KEY = dg.AssetKey(["journal"])
# The views the pages read; the intent views follow the intent asset, so labels arrive with them.
# The labels' tables are named too: the views read them live, and a run of the labels and the
# journal without the views (which need no rebuild for new rows) must still order the two.
JOURNAL_INPUTS = [
    dg.AssetKey(name)
    for name in (
        "session_intents",
        "session_phases",
        "session_members",
        "sessions",
        "generations",
        "similarity_series",
    )
] + list(INTENT_KEYS.values())


@dg.asset(
    key=JOURNAL_KEY,
    deps=JOURNAL_INPUTS,
    group_name="journal",
    kinds={"html"},
    automation_condition=follow_inputs(),
    pool=WAREHOUSE_POOL,  # a read-only DuckDB connection cannot open while dbt writes
    description="The journal an artist reads: per artist, sessions newest first with label and "
    "arc, phases with thumbnails, parameter sweeps and similarity plots; static HTML that opens "
    "from disk (<data_dir>/journal/index.html).",
)
def journal(context: dg.AssetExecutionContext, paths: DataPaths) -> dg.MaterializeResult:
    """Render the pages whose sessions changed from the warehouse (read-only), then the index."""
    started = time.perf_counter()
    holder = f"journal in run {context.run.run_id[:8]}"
    with reading_connection(
        paths.root, paths.warehouse_path, holder=holder, on_wait=context.log.info
    ) as con:
        built = build_journal(con, paths.thumbnails_dir, paths.journal_dir)
    written = built.written
    # Counts over the rewritten pages: the others did not change.
    sessions = [s for j in built.rewritten for s in j.sessions]
    phases = [p for s in sessions for p in s.phases]
    context.log.info(f"journal: {len(written.pages)} artist pages rewritten in {paths.journal_dir}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.index)),
            "pages_written": len(written.pages) + built.index_written,
            "pages_unchanged": built.artists - len(written.pages),
            "artists": built.artists,
            "dagster/row_count": written.sessions,
            "sessions": written.sessions,
            "sessions_unlabelled": sum(s.label is None for s in sessions),
            "labels_corrected": sum(s.corrected for s in sessions)
            + sum(p.corrected for p in phases),
            "phases": len(phases),
            "thumbnails_shown": sum(len(p.thumbnails) for p in phases),
            "pages_removed": written.removed,
            "seconds": round(time.perf_counter() - started, 2),
        }
    )
