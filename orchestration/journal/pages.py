"""Write the journal's pages into one folder, each atomically; drop pages of vanished artists."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
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


def write_pages(journals: Iterable[ArtistJournal], folder: Path) -> list[Path]:
    """Each journal's page (``<slug>.html``), atomically; the index comes after them."""
    folder.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(folder)
    return atomic_write_many((folder / f"{j.slug}.html", render_artist(j)) for j in journals)


def write_index(
    folder: Path, index_html: str, slugs: Iterable[str], present: set[str] | None = None
) -> tuple[Path, int]:
    """The index, then the removal of pages not among ``slugs`` (every artist's).

    The folder mirrors the data. ``present`` is `page_names` of the folder when the caller
    read it before writing pages (a page written since is among ``slugs``). Returns the
    index's path and how many pages were removed.
    """
    index = folder / INDEX_PAGE
    atomic_write(index, index_html)
    keep = {INDEX_PAGE, *(f"{slug}.html" for slug in slugs)}
    stale = [folder / name for name in (page_names(folder) if present is None else present) - keep]
    for page in stale:
        page.unlink()
    return index, len(stale)


def write_journal(journals: Sequence[ArtistJournal], folder: Path) -> WrittenJournal:
    """Every journal's page (``<slug>.html``) plus ``index.html``; a reader never sees half a page.

    Pages of artists not among ``journals`` are removed, so the folder mirrors the data. The
    nightly build rewrites only moved pages (`incremental.build_journal`).
    """
    # The pages first, then the index that links them (a crash between leaves the old index).
    pages = write_pages(journals, folder)
    entries = [IndexEntry.of(j) for j in journals]
    index, removed = write_index(folder, render_index(entries), (e.slug for e in entries))
    return WrittenJournal(index, pages, sum(e.n_sessions for e in entries), removed)
