"""One writing run per data directory, enforced with an OS file lock.

Two runs on one data directory would both rewrite the registry, the same lake partitions and the
DuckDB file. ``fcntl.flock`` on ``<data>/locks/run.lock`` makes the second one stop at once with
a message naming the holder. The kernel drops the lock when the holder's process dies, even by
SIGKILL, so a crashed run never leaves a stale lock behind: the holder text in the file is only
information, never the lock itself.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

LOCK_NAME = Path("locks") / "run.lock"


class RunLocked(Exception):
    """Another process holds the data directory's run lock; the message says which."""


def lock_path(data_dir: Path) -> Path:
    """The lock file of a data directory."""
    return data_dir / LOCK_NAME


@contextmanager
def run_lock(data_dir: Path, command: str) -> Iterator[Path]:
    """Hold the data directory's run lock for the duration of the block.

    Raises:
        RunLocked: another live process holds it.
    """
    path = lock_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLocked(_held_message(path, fd)) from None
        holder = {"pid": os.getpid(), "since": datetime.now(UTC).isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({**holder, "command": command}).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _held_message(path: Path, fd: int) -> str:
    try:
        holder = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:  # the holder is between truncating and writing its details
        holder = {}
    since = holder.get("since", "an unknown time")
    who = f"pid {holder.get('pid', '?')}"
    if holder.get("command"):
        who += f", `{holder['command']}`"
    return (
        f"another creative-sessions run holds {path} since {since} ({who}); "
        "wait for it to finish, then run this command again"
    )
