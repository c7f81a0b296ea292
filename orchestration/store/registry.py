"""The registry of archives an artist has handed over: partition key → path and artist.

It is an input, like the archives themselves, so it lives beside the lake and is never rebuilt.
Registering the same path twice gives the same key, so ``ingest`` is idempotent.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.ingest.archives import archive_kind
from orchestration.store.files import atomic_write


@dataclass(frozen=True, slots=True)
class RegisteredArchive:
    """One archive, log or folder and the partition that holds its generations."""

    key: str
    path: str
    artist: str
    kind: str


def artist_source(entry: RegisteredArchive, *, given: str | None, earlier: bool) -> str:
    """Why ``entry`` has its artist, for ``ingest`` to say so when ``--artist`` was left out."""
    if given is not None:
        return "as given"
    if earlier:
        return "kept from its earlier registration"
    name = {"folder": "the folder name", "log": "the log's file name"}.get(
        entry.kind, "the archive's file name"
    )
    if entry.kind == "log":
        return f"from {name}; rows with a user column keep their own artist"
    return f"from {name}"


def archive_key(path: Path) -> str:
    """A readable, stable partition key: the archive's name plus a hash of its absolute path."""
    resolved = path.resolve()
    stem = resolved.name
    for suffix in (".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".tar", ".zip"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:40] or "archive"
    digest = hashlib.sha1(str(resolved).encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{slug}-{digest}"


class ArchiveRegistry:
    """A JSON file of registered archives, rewritten atomically on every change."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def all(self) -> list[RegisteredArchive]:
        """Every registered archive, in registration order."""
        if not self.path.exists():
            return []
        rows = json.loads(self.path.read_text(encoding="utf-8"))
        return [RegisteredArchive(**row) for row in rows]

    def get(self, key: str) -> RegisteredArchive:
        """The archive behind a partition key; a clear error when it is unknown."""
        for archive in self.all():
            if archive.key == key:
                return archive
        raise KeyError(f"no archive registered under partition key {key!r} (see {self.path})")

    def register(self, path: Path, artist: str | None = None) -> RegisteredArchive:
        """Add (or update the artist of) an archive; returns its entry.

        ``archive_kind`` refuses a FIFO, socket or device (``NotRegularFile``, a ``ValueError``)
        by its ``stat``, before anything opens it: reading a FIFO would hold the run lock for ever.
        """
        resolved = path.resolve()
        kind = archive_kind(resolved)
        key = archive_key(resolved)
        entries = self.all()
        existing = next((a for a in entries if a.key == key), None)
        if existing is not None and artist in (None, existing.artist):
            return existing
        entry = RegisteredArchive(
            key=key, path=str(resolved), artist=artist or key.rsplit("-", 1)[0], kind=kind
        )
        if existing is None:
            entries.append(entry)
        else:
            entries = [entry if a.key == key else a for a in entries]
        self._write(entries)
        return entry

    def remove(self, key: str) -> RegisteredArchive:
        """Unregister one archive; its files and its lake rows are left where they are."""
        entries = self.all()
        archive = next((a for a in entries if a.key == key), None)
        if archive is None:
            raise KeyError(f"no archive registered under partition key {key!r} (see {self.path})")
        self._write([a for a in entries if a.key != key])
        return archive

    def _write(self, entries: list[RegisteredArchive]) -> None:
        atomic_write(self.path, json.dumps([asdict(e) for e in entries], indent=2))
