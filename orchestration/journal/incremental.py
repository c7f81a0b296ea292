"""Rewrite only the pages whose content moved: a fingerprint per artist page, kept beside them.

A page shows an artist's sessions with their labels, so its fingerprint is computed in SQL from
the ``sessions`` rows and the labels' own fingerprints (which cover members, embeddings, models
and corrections), plus the page's file name and the journal code. A run where nothing moved
writes nothing; one new session rewrites its artist's page and the index.

The manifest (``journal.pages.parquet``) keeps, per artist, the slug, the fingerprint and the
artist's line in the index as rendered. Fingerprints, slugs and the comparison with the manifest
are one query, and the index is the stored lines with the rewritten artists' lines replaced: no
Python work per artist whose page did not move (at 1M generations, 175k artists).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.journal.model import SLUG_SQL, ArtistJournal, IndexEntry, load_journals
from orchestration.journal.pages import (
    INDEX_PAGE,
    WrittenJournal,
    page_names,
    write_index,
    write_pages,
)
from orchestration.journal.render import render_index_item, render_index_page
from orchestration.store.files import replacing

# The content is an order-free combination of each session row's hash (no text is built per
# row), and the latest start comes back as a UTC timestamp without a zone, which Python reads
# without a time-zone lookup per artist.
_PAGE_SQL = (
    """
with pages as (
    select
        s.artist,
        count(*) as n_sessions,
        timezone('UTC', max(s.started_at)) as latest,
        bit_xor(hash(
            s.session_id, s.started_at, s.ended_at, s.n_generations, s.tools,
            i.fingerprint, i.intent, i.label, i.arc, i.corrected, i.labelled_at
        )) as content
    from sessions as s
    left join session_intents as i using (session_id)
    group by s.artist
),

slug_input as (select artist from pages),

slugs as ("""
    + SLUG_SQL
    + """),

fingerprinted as (
    select
        pages.artist,
        slugs.slug,
        pages.n_sessions,
        pages.latest,
        sha256(concat_ws('|', pages.content::varchar, slugs.slug, $version)) as fingerprint
    from pages
    inner join slugs using (artist)
)

select
    fingerprinted.*,
    stored.item,
    stored.fingerprint is distinct from fingerprinted.fingerprint
        or present.name is null as changed
from fingerprinted
left join journal_manifest as stored using (artist)
left join journal_present as present on present.name = fingerprinted.slug || '.html'
order by lower(fingerprinted.artist), fingerprinted.artist
"""
)

MANIFEST_SCHEMA = pa.schema(
    [(name, pa.string()) for name in ("artist", "slug", "fingerprint", "item")]
)


@dataclass(frozen=True, slots=True)
class JournalBuild:
    """What a build wrote: the files, and the rewritten artists' journals (for its metadata)."""

    written: WrittenJournal
    artists: int
    index_written: bool = False
    rewritten: list[ArtistJournal] = field(default_factory=list)


@functools.cache
def _code_version() -> str:
    """The journal package's source: a change to how pages render rewrites them all."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def manifest_path(journal_dir: Path) -> Path:
    """Beside the folder, not in it: the folder holds the pages and nothing else."""
    return journal_dir.with_name(f"{journal_dir.name}.pages.parquet")


def _read_manifest(journal_dir: Path) -> pa.Table:
    try:
        return (
            pq.read_table(manifest_path(journal_dir))
            .select(MANIFEST_SCHEMA.names)
            .cast(MANIFEST_SCHEMA)
        )
    except (OSError, ValueError, KeyError, pa.ArrowException):
        return MANIFEST_SCHEMA.empty_table()  # none (or a damaged one): every page is rewritten


def _write_manifest(journal_dir: Path, manifest: pa.Table) -> None:
    with replacing(manifest_path(journal_dir)) as temp:
        pq.write_table(manifest, temp, compression="zstd")
    # The JSON manifest of earlier versions: replaced by this one.
    journal_dir.with_name(f"{journal_dir.name}.pages.json").unlink(missing_ok=True)


def _page_states(
    con: duckdb.DuckDBPyConnection, journal_dir: Path, present: set[str]
) -> tuple[pa.Table, int]:
    """Per artist, in index order: slug, fingerprint, stored line and whether the page moved.

    Also how many artists the manifest held (more than now: some vanished). ``present``: the
    page files in the folder (a missing one is rewritten).
    """
    stored = _read_manifest(journal_dir)
    con.register("journal_manifest", stored)
    con.register("journal_present", pa.table({"name": pa.array(list(present), pa.string())}))
    try:
        states = con.execute(_PAGE_SQL, {"version": _code_version()}).to_arrow_table()
    finally:
        con.unregister("journal_manifest")
        con.unregister("journal_present")
    return states, stored.num_rows


def build_journal(
    con: duckdb.DuckDBPyConnection, thumbnails_dir: Path, journal_dir: Path
) -> JournalBuild:
    """Rewrite the pages of artists whose page fingerprint moved, and then the index.

    The manifest is written after the pages and the index, so a crash between leaves pages
    newer than it and the next build rewrites them again rather than missing one.
    """
    present = page_names(journal_dir)
    states, n_stored = _page_states(con, journal_dir, present)
    changed = states.filter(states["changed"])
    index = journal_dir / INDEX_PAGE
    sessions = int(pc.sum(states["n_sessions"]).as_py() or 0)
    if changed.num_rows == 0 and n_stored == states.num_rows and index.exists():
        return JournalBuild(WrittenJournal(index, [], sessions, 0), states.num_rows)
    slugs = dict(zip(changed["artist"].to_pylist(), changed["slug"].to_pylist(), strict=True))
    # Only the rewritten artists are loaded; the others keep their stored line in the index.
    journals = load_journals(con, thumbnails_dir, journal_dir, only=slugs, slugs=slugs)
    days: dict[date, str] = {}
    fresh = {
        row["artist"]: render_index_item(
            IndexEntry(
                row["artist"],
                row["slug"],
                row["n_sessions"],
                row["latest"] and row["latest"].replace(tzinfo=UTC),
            ),
            days,
        )
        for row in changed.select(["artist", "slug", "n_sessions", "latest"]).to_pylist()
    }
    artists = states["artist"].to_pylist()
    items = [
        fresh.get(artist) or item
        for artist, item in zip(artists, states["item"].to_pylist(), strict=True)
    ]
    pages = write_pages(journals, journal_dir)
    index, removed = write_index(
        journal_dir, render_index_page(items), states["slug"].to_pylist(), present
    )
    manifest = pa.table(
        [states["artist"], states["slug"], states["fingerprint"], pa.array(items, pa.string())],
        schema=MANIFEST_SCHEMA,
    )
    _write_manifest(journal_dir, manifest)
    return JournalBuild(
        WrittenJournal(index, pages, sessions, removed), states.num_rows, True, journals
    )
