"""Append-only JSON-lines files that survive crashes: the corrections and the keeper marks.

Both are the artist's own input, kept outside everything rebuilt, so each append is whole and
durable: writers take an exclusive lock, a fragment a crash left is ended before the new
line, and the file and (when it is new) its folder are fsynced.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from orchestration.store.files import fsync_dir


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the exclusive writer lock of ``path`` (a ``.<name>.lock`` file beside it)."""
    created_dir = not path.parent.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    if created_dir:
        fsync_dir(path.parent.parent)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def append_lines(path: Path, payload: bytes) -> None:
    """Append whole lines to ``path`` (call under ``locked``) and fsync them."""
    if not payload:
        return
    created = not path.exists()
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            payload = b"\n" + payload  # a crash tore the previous append: end that fragment
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        fsync_dir(path.parent)
