"""Cheap fingerprints of an archive on disk, to tell whether it changed since its last ingest."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from orchestration.ingest.archives import walk_tree


def archive_fingerprint(path: Path) -> str:
    """Hash of names, sizes and mtimes: changes whenever a file is added, removed or rewritten."""
    digest = hashlib.sha256()
    if path.is_dir():
        for full in folder_files(path):
            st = full.lstat()
            rel = full.relative_to(path).as_posix()
            digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        st = path.stat()
        digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def archive_bytes(path: Path) -> int:
    """Bytes on disk: the measure backfill estimates scale ingest rates by."""
    if not path.is_dir():
        return path.stat().st_size
    return sum(full.lstat().st_size for full in folder_files(path))


def folder_files(root: Path) -> Iterator[Path]:
    """Files under ``root`` in ``os.walk``'s order and sense (links to folders left out)."""
    for _folder, entries in walk_tree(root):
        yield from (Path(e.path) for e in entries if not _is_dir(e))


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False
