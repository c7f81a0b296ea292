"""Whole-file replacement: readers see the old file or the new one, never a mix, even after a crash.

Every module that rewrites a file in the data directory (registry, corrections, labelling plan,
model file, journal pages and manifest, lock records, intent tables) goes through here, so the
temp-file → fsync → rename → fsync-folder sequence is written once.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a folder's new or renamed entries durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_file(path: Path) -> None:
    """Flush a closed file's contents to disk (a writer such as pyarrow closed it already)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_beside(path: Path) -> Path:
    """A hidden temporary name in ``path``'s folder (same file system, so a rename is atomic)."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def replacing(path: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on failure it is removed.

    ``durable`` fsyncs the file and the folder; a lock's holder record, rewritten on every
    acquisition and worthless after a reboot, skips that.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_beside(path)
    try:
        yield tmp
        if durable:
            fsync_file(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    if durable:
        fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | str, *, durable: bool = True) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8)."""
    with replacing(path, durable=durable) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
