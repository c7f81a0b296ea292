"""Expensive read-only test data built once per pytest run and shared by every xdist worker.

A fixture asks `built_once` for a folder; the first process to ask fills it under a file lock,
the others wait and then read it. A test that writes copies what it needs to its own `tmp_path`.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The folder ``shared-<name>`` of this run, filled by ``build`` the first time it is asked."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's own folder, above each worker's `popen-gwN`
    root = base / f"shared-{name}"
    with open(base / f".shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (root / ".built").exists():
            shutil.rmtree(root, ignore_errors=True)  # a build that failed half-way
            root.mkdir()
            build(root)
            (root / ".built").touch()
    return root


@dataclass(frozen=True)
class Ingested:
    """Two small archives after one uninterrupted `creative-sessions ingest` (read it, or copy)."""

    sources: list[Path]
    data: Path

    def copy_data(self, to: Path) -> Path:
        """The data directory copied to ``to``, for a test that runs or breaks things there."""
        shutil.copytree(self.data, to)
        return to
