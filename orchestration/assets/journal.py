"""The journal asset: one static HTML page per artist, built from the warehouse's session views."""

import time

import dagster as dg

from orchestration.automation import WAREHOUSE_POOL, follow_inputs
from orchestration.journal.model import load_journals
from orchestration.journal.pages import write_journal
from orchestration.resources import DataPaths
from orchestration.warehouse_lock import reading_connection

JOURNAL_KEY = dg.AssetKey(["journal"])
# The views the pages read; the intent views follow the intent asset, so labels arrive with them.
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
]


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
    """Render every artist's page from the warehouse (opened read-only) and the thumbnails."""
    started = time.perf_counter()
    holder = f"journal in run {context.run_id[:8]}"
    with reading_connection(
        paths.root, paths.warehouse_path, holder=holder, on_wait=context.log.info
    ) as con:
        journals = load_journals(con, paths.thumbnails_dir, paths.journal_dir)
    written = write_journal(journals, paths.journal_dir)
    sessions = [s for j in journals for s in j.sessions]
    phases = [p for s in sessions for p in s.phases]
    context.log.info(f"journal: {len(written.pages)} artist pages in {paths.journal_dir}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(written.index)),
            "pages_written": len(written.pages) + 1,
            "artists": len(journals),
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
