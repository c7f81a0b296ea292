"""Labelling on several cores: whole-artist batches handed to worker processes.

Inference is pure Python and independent per session, so a large plan (a first run, a historical
import) is split by the same artist batches the single-process path uses and each worker reads its
batches from the warehouse over its own read-only connection. Results come back in batch order, so
the tables are the same as one process would write. Small plans (a nightly increment) stay in the
calling process: starting a worker costs its imports, about a second of CPU.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from orchestration.intent.signal_source import SignalSource

if TYPE_CHECKING:
    from orchestration.intent.labelling import InferenceSetup, IntentTables

    LabelBatch = Callable[[SignalSource, list[str], InferenceSetup], IntentTables]

# Below this many planned sessions one process labels them: about 1 ms each, against a worker's
# start-up of about a second.
MIN_SESSIONS_FOR_WORKERS = 4_000

_worker: dict[str, object] = {}


def worker_count(requested: int, sessions: int) -> int:
    """Processes to label ``sessions`` with: ``requested``, or one per usable core when 0."""
    if sessions < MIN_SESSIONS_FOR_WORKERS:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, requested or cores or 1)


def label_in_workers(
    warehouse: Path,
    batches: list[list[str]],
    setup: InferenceSetup,
    label_batch: LabelBatch,
    workers: int,
) -> Iterator[IntentTables]:
    """Each batch labelled by ``label_batch`` in one of ``workers`` processes, in batch order.

    Workers are spawned, not forked: the parent holds DuckDB connections and threads that a
    forked child must not inherit.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(batches)),
        mp_context=context,
        initializer=_start_worker,
        initargs=(str(warehouse), setup, label_batch),
    ) as pool:
        yield from pool.map(_label_batch, batches)


def _start_worker(warehouse: str, setup: InferenceSetup, label_batch: LabelBatch) -> None:
    """One read-only connection per worker, on one DuckDB thread (the workers fill the cores)."""
    con = duckdb.connect(warehouse, read_only=True, config={"threads": 1})
    _worker.update(source=SignalSource(con), setup=setup, label_batch=label_batch)


def _label_batch(batch: list[str]) -> IntentTables:
    label_batch: LabelBatch = _worker["label_batch"]  # type: ignore[assignment]
    return label_batch(_worker["source"], batch, _worker["setup"])  # type: ignore[arg-type]
