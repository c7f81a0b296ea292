"""Write the journal's pages into one folder, each atomically; drop pages of vanished artists."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestration.journal.model import ArtistJournal, IndexEntry
from orchestration.journal.render import render_artist, render_index
from orchestration.store.files import atomic_write, atomic_write_many, remove_stale_temps

INDEX_PAGE = "index.html"


@dataclass(frozen=True, slots=True)
class WrittenJournal:
    """What a journal build wrote."""

    index: Path
    pages: list[Path]
    sessions: int
    removed: int


def page_names(folder: Path) -> set[str]:
    """The names of the HTML pages in ``folder`` (one directory read, no stat per page)."""
    if not folder.is_dir():
        return set()
    return {name for name in os.listdir(folder) if name.endswith(".html")}


def write_journal(
    journals: Sequence[ArtistJournal],
    folder: Path,
    only: Collection[str] | None = None,
    index_entries: Sequence[IndexEntry] | None = None,
) -> WrittenJournal:
    """One page per artist (``<slug>.html``) plus ``index.html``; a reader never sees half a page.

    With ``only``, just those artists' pages are rewritten (the others are current). The index
    lists ``index_entries`` (every artist; by default the journals given), and pages of artists
    not in it are removed, so the folder mirrors the data.
    """
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder)
    # The pages first, then the index that links them (a crash between leaves the old index).
    pages = atomic_write_many(
        (folder / f"{journal.slug}.html", render_artist(journal))
        for journal in journals
        if only is None or journal.artist in only
    )
    entries = [IndexEntry.of(j) for j in journals] if index_entries is None else index_entries
    index = folder / INDEX_PAGE
    atomic_write(index, render_index(entries))
    keep = {INDEX_PAGE, *(f"{entry.slug}.html" for entry in entries)}
    stale = [folder / name for name in page_names(folder) - keep]
    for page in stale:
        page.unlink()
    return WrittenJournal(index, pages, sum(e.n_sessions for e in entries), len(stale))
