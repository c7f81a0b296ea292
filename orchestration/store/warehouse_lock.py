"""Readers and writers of the warehouse file take turns, whichever process or run they come from.

DuckDB lets one process write a database file, and a reader in another process cannot open it
while that writer holds it. A CLI run, a run launched from the UI and the daemon's runs all reach
the same file, so every step that opens it takes ``<data>/locks/warehouse.lock`` first: shared
(``flock`` LOCK_SH) to read, exclusive to write. A step waits for its turn; after ``wait_seconds``
it gives up with the holder named. The kernel drops a lock when its process dies (SIGKILL too),
so a crash never leaves one behind. Within one process the lock is re-entrant.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from orchestration.store.data_dir import DataDir
from orchestration.store.files import atomic_write

LOCK_FILE = "warehouse.lock"
HOLDER_FILE = "warehouse.holder.json"
DEFAULT_WAIT_SECONDS = 900.0
_POLL_SECONDS = 0.2

_held: dict[Path, tuple[int, int, bool]] = {}  # lock path → (fd, depth, exclusive)
_guard = threading.Lock()


class WarehouseBusy(Exception):
    """The warehouse stayed locked by another process for longer than the caller would wait."""


@contextmanager
def warehouse_access(
    data_dir: Path,
    *,
    write: bool,
    holder: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the warehouse for reading (shared) or writing (exclusive) for the block.

    ``holder`` says who is asking ("dbt build (run 1a2b…)"); it is recorded so that a process
    kept waiting can name the latest taker. ``on_wait`` (a callable taking one line) hears once that
    the caller is waiting and for whom.

    Raises:
        WarehouseBusy: the lock was not free within ``wait_seconds``.
    """
    path = (DataDir.at(data_dir).locks_dir / LOCK_FILE).resolve()
    with _guard:
        held = _held.get(path)
        if held is not None and (held[2] or not write):
            _held[path] = (held[0], held[1] + 1, held[2])
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                fd, depth, exclusive = _held[path]
                _held[path] = (fd, depth - 1, exclusive)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        _acquire(fd, path, write=write, wait_seconds=wait_seconds, on_wait=on_wait)
        _record_holder(path.parent / HOLDER_FILE, f"{holder} ({'writing' if write else 'reading'})")
        with _guard:
            _held[path] = (fd, 1, write)
        try:
            yield
        finally:
            with _guard:
                _held.pop(path, None)
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _acquire(
    fd: int,
    path: Path,
    *,
    write: bool,
    wait_seconds: float,
    on_wait: Callable[[str], None] | None,
) -> None:
    mode = (fcntl.LOCK_EX if write else fcntl.LOCK_SH) | fcntl.LOCK_NB
    deadline = time.monotonic() + wait_seconds
    told = False
    while True:
        try:
            fcntl.flock(fd, mode)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"the warehouse is busy: {describe_holder(path.parent)}; "
                    f"gave up after {wait_seconds:.0f} s — try again when it is done"
                ) from None
            if not told and on_wait is not None:
                on_wait(f"warehouse: waiting for {describe_holder(path.parent)}")
                told = True
            time.sleep(_POLL_SECONDS)


def _record_holder(path: Path, holder: str) -> None:
    details = {
        "holder": holder,
        "pid": os.getpid(),
        "since": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    atomic_write(path, json.dumps(details), durable=False)


def describe_holder(locks: Path) -> str:
    """The latest taker's record ("dbt build (writing) (pid 123, since …)"), or a fallback."""
    try:
        details = json.loads((locks / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another process is using it"
    return (
        f"{details.get('holder', 'another process')} "
        f"(pid {details.get('pid', '?')}, since {details.get('since', '?')})"
    )


@contextmanager
def reading_connection(
    data_dir: Path,
    warehouse: Path,
    *,
    holder: str,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse, held under the shared lock for the block."""
    with (
        warehouse_access(
            data_dir, write=False, holder=holder, wait_seconds=wait_seconds, on_wait=on_wait
        ),
        duckdb.connect(str(warehouse), read_only=True) as con,
    ):
        yield con
