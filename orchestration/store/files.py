"""Whole-file replacement: readers see the old file or the new one, never a mix, even after a crash.

Every module that rewrites a file in the data directory (registry, corrections, labelling plan,
model file, journal pages and manifest, lock records, intent tables) goes through here, so the
temp-file → fsync → rename → fsync-folder sequence is written once.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Iterator
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


# Above this many files one system-wide flush is cheaper than an fsync each; below it, a flush
# could wait on other programs' unwritten data for more than the fsyncs would take.
SYNC_ALL_FROM = 1_000


def atomic_write_many(files: Iterable[tuple[Path, bytes | str]]) -> list[Path]:
    """Replace each path with its data, as `atomic_write` does, fsyncing each folder once.

    A journal rewrite can be every artist's page (176k at 1M generations): an fsync of each file
    and of its folder after each rename cost most of the write there. Here every temp file is
    written first (``files`` may render lazily) and made durable (an fsync each, or one
    ``os.sync()`` for `SYNC_ALL_FROM` files or more), then each is renamed into place and each
    folder is fsynced once. A failure removes the temp files and leaves every path as it was,
    or already replaced by complete data.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, data in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_beside(path)
            staged.append((tmp, path))
            tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        if len(staged) >= SYNC_ALL_FROM:
            os.sync()
        else:
            for tmp, _ in staged:
                fsync_file(tmp)
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
    for folder in {path.parent for _, path in staged}:
        fsync_dir(folder)
    return [path for _, path in staged]


def remove_stale_temps(folder: Path) -> None:
    """Temp files a killed writer left in ``folder`` (their names say they are temporary)."""
    if folder.is_dir():
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
