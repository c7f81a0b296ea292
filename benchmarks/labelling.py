"""Session labelling alone: every session of a warehouse, its CPU seconds and its labels' hashes.

Runs what the `session_labels` asset runs between reading the signals and writing the tables
(`labelling.prepare_plan`, then `labelling.label` over every session, no corrections, a fixed
``now``), read-only against the warehouse of a data directory (the nightly benchmark keeps one
with ``--keep``). Prints CPU seconds of planning and of labelling, sessions per CPU-second, peak
memory, and a SHA-256 of each output table in Arrow IPC: two commits that print the same hashes
wrote the same labels.

``--cold`` clears the per-prompt caches before each session. The replicated benchmark history
repeats the real slice's 1,000 prompts, so those caches hit across sessions far more than on a
real history (about 92% distinct prompts); cold keeps only the reuse within a session.

    .venv/bin/python benchmarks/labelling.py benchmarks/out/nightly-100000/data
    PYTHONPATH=<other worktree> .venv/bin/python benchmarks/labelling.py <data> --cold
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import pkgutil
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

import orchestration.intent as intent_package
from orchestration.intent import labelling
from orchestration.intent.label_plan import Budget, CostModel
from orchestration.intent.signal_source import SignalSource

NOW = datetime(2026, 1, 1, tzinfo=UTC)  # labelled_at, so that runs hash alike
# Caches that hold the model, not prompts: kept in --cold.
MODEL_CACHES = {"load_model", "_lexicon", "_lexicon_of"}


def table_hash(table: pa.Table) -> str:
    """SHA-256 of the table as one Arrow IPC stream (chunking does not change it)."""
    sink = pa.BufferOutputStream()
    whole = table.combine_chunks()
    with pa.ipc.new_stream(sink, whole.schema) as writer:
        writer.write_table(whole, max_chunksize=max(whole.num_rows, 1))
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


def prompt_caches() -> list[Any]:
    """Every ``lru_cache`` of the intent package except the model's."""
    found: list[Any] = []
    for module in pkgutil.iter_modules(intent_package.__path__):
        namespace = vars(importlib.import_module(f"{intent_package.__name__}.{module.name}"))
        for name, value in namespace.items():
            if hasattr(value, "cache_clear") and name not in MODEL_CACHES and value not in found:
                found.append(value)
    return found


def clearing(function: Callable[..., Any], caches: list[Any]) -> Callable[..., Any]:
    """``function`` with the caches cleared before every call."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        for cache in caches:
            cache.cache_clear()
        return function(*args, **kwargs)

    return wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("data_dir", type=Path, help="a data directory with warehouse.duckdb")
    parser.add_argument("--sessions", type=int, default=0, help="label at most N (0: all)")
    parser.add_argument("--cold", action="store_true", help="clear prompt caches per session")
    args = parser.parse_args()
    if args.cold:  # labels one session per call: `infer_rows`, or `infer_session` before it
        caches = prompt_caches()
        for name in ("infer_rows", "infer_session"):
            if hasattr(labelling, name):
                setattr(labelling, name, clearing(getattr(labelling, name), caches))
    budget = Budget(max_sessions=args.sessions) if args.sessions else Budget()
    previous = labelling.IntentTables.empty()
    with duckdb.connect(str(args.data_dir / "warehouse.duckdb"), read_only=True) as con:
        source = SignalSource(con)
        started = time.process_time()
        prepared = labelling.prepare_plan(source, previous, [], budget, CostModel(), now=NOW)
        planned = time.process_time()
        outcome = labelling.label(
            source, previous, [], budget, CostModel(), now=NOW, prepared=prepared
        )
        labelled = time.process_time()
    sessions = outcome.plan.todo.height
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"plan {planned - started:.2f} CPU-s; label {labelled - planned:.2f} CPU-s for "
        f"{sessions} sessions ({sessions / (labelled - planned):.0f} sessions/CPU-s)"
        f"{' cold' if args.cold else ''}; peak {peak_mib:.0f} MiB"
    )
    for name, table in outcome.tables.as_dict().items():
        print(f"{name:16s} {table.num_rows:8d} rows  {table_hash(table)}")


if __name__ == "__main__":
    main()
