"""A batch of ``intent_signals`` rows as per-session `SessionRows`, converted to lists once.

Labelling loops over sessions in Python; cutting the batch's frame into one frame per session and
converting each to lists cost a polars call (about 0.1 ms) per session and per column set, more
than many sessions take to label. Here the batch is converted in chunks of whole sessions and each
session is a slice of those lists: the same values, in the same order, as ``session_rows``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import polars as pl

from orchestration.intent.contract import SIGNAL_COLUMNS
from orchestration.intent.features import SessionRows, rows_from_columns

CHUNK_ROWS = 10_000  # rows converted to Python lists at once: bounds the lists alive at a time
_SETTINGS = ("seed", "steps", "cfg_scale", "sampler")  # what `needs_visual` looks for


@dataclass(frozen=True, slots=True)
class BatchSession:
    """One session of a batch: its rows, and whether it records no seed or setting at all."""

    rows: SessionRows
    sparse: bool


def batch_sessions(signals: pl.DataFrame) -> Iterator[BatchSession]:
    """Every session of ``signals`` (ordered by session and position), in that order."""
    if "session_id" not in signals.columns or signals.height == 0:
        return
    present = [c for c in SIGNAL_COLUMNS if c in signals.columns]
    sizes = signals.get_column("session_id").rle().struct.field("len").to_list()
    start = 0
    for chunk_sizes in _chunks(sizes):
        n = sum(chunk_sizes)
        cols = signals.slice(start, n).select(present).to_dict(as_series=False)
        start += n
        offset = 0
        for size in chunk_sizes:
            yield _session(cols, offset, offset + size)
            offset += size


def _chunks(sizes: list[int]) -> Iterator[list[int]]:
    """Consecutive session sizes grouped into chunks of about ``CHUNK_ROWS`` rows."""
    chunk: list[int] = []
    rows = 0
    for size in sizes:
        if chunk and rows + size > CHUNK_ROWS:
            yield chunk
            chunk, rows = [], 0
        chunk.append(size)
        rows += size
    if chunk:
        yield chunk


def _session(cols: dict[str, list], lo: int, hi: int) -> BatchSession:
    rows = rows_from_columns({c: values[lo:hi] for c, values in cols.items()}, hi - lo)
    has = [rows.columns[c] for c in _SETTINGS if c in cols]
    sparse = not has or all(v is None for values in has for v in values)
    return BatchSession(rows, sparse)
