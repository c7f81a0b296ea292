"""Rewrite only the pages whose content moved: a fingerprint per artist page, kept beside them.

A page shows an artist's sessions with their labels, so its fingerprint is computed in SQL from
the ``sessions`` rows and the labels' own fingerprints (which cover members, embeddings, models
and corrections), plus the page's file name and the journal code. A run where nothing moved
writes nothing; one new session rewrites its artist's page and the index.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import duckdb

from orchestration.journal.model import ArtistJournal, IndexEntry, artist_slugs, load_journals
from orchestration.journal.pages import INDEX_PAGE, WrittenJournal, page_names, write_journal
from orchestration.store.files import atomic_write

# The content is an order-free combination of each session row's hash (no text is built per
# row), and the latest start comes back as a UTC timestamp without a zone, which Python reads
# without a time-zone lookup per artist: at 1M generations this is 0.3 CPU-s against 2.3 for
# md5 over the rows as text.
_PAGE_SQL = """
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
"""


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


@dataclass(frozen=True, slots=True)
class Page:
    """An artist's page as the warehouse has it now: its fingerprint and its index line."""

    fingerprint: str
    entry: IndexEntry


def page_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, Page]:
    """Per artist: the fingerprint of their page and their line in the index."""
    rows = con.execute(_PAGE_SQL).fetchall()
    slugs = artist_slugs(sorted(artist for artist, *_ in rows))
    version = _code_version()
    return {
        artist: Page(
            hashlib.sha256(f"{content}|{slugs[artist]}|{version}".encode()).hexdigest(),
            IndexEntry(artist, slugs[artist], n, latest and latest.replace(tzinfo=UTC)),
        )
        for artist, n, latest, content in rows
    }


def manifest_path(journal_dir: Path) -> Path:
    """Beside the folder, not in it: the folder holds the pages and nothing else."""
    return journal_dir.with_name(f"{journal_dir.name}.pages.json")


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        return dict(json.loads(manifest_path(folder).read_text(encoding="utf-8")))
    except (FileNotFoundError, ValueError, TypeError):
        return {}  # no manifest (or a damaged one): every page is rewritten


def _write_manifest(folder: Path, fingerprints: dict[str, str]) -> None:
    atomic_write(manifest_path(folder), json.dumps(fingerprints, sort_keys=True))


def build_journal(
    con: duckdb.DuckDBPyConnection, thumbnails_dir: Path, journal_dir: Path
) -> JournalBuild:
    """Rewrite the pages of artists whose page fingerprint moved, and then the index.

    The manifest is written after the pages, so a crash between leaves pages newer than it and
    the next build rewrites them again rather than missing one.
    """
    pages = page_fingerprints(con)
    fingerprints = {artist: page.fingerprint for artist, page in pages.items()}
    stored = _read_manifest(journal_dir)
    present = page_names(journal_dir)
    changed = {
        artist
        for artist, page in pages.items()
        if stored.get(artist) != page.fingerprint or f"{page.entry.slug}.html" not in present
    }
    index = journal_dir / INDEX_PAGE
    sessions = sum(page.entry.n_sessions for page in pages.values())
    if not changed and stored.keys() == fingerprints.keys() and index.exists():
        return JournalBuild(WrittenJournal(index, [], sessions, 0), len(pages))
    # Only the rewritten artists are loaded; the index comes from the aggregate above.
    slugs = {artist: page.entry.slug for artist, page in pages.items()}
    journals = load_journals(con, thumbnails_dir, journal_dir, only=changed, slugs=slugs)
    entries = sorted((p.entry for p in pages.values()), key=lambda e: (e.artist.lower(), e.artist))
    written = write_journal(journals, journal_dir, index_entries=entries)
    _write_manifest(journal_dir, fingerprints)
    return JournalBuild(written, len(pages), True, journals)
