"""How far a synthetic archive's consecutive-prompt statistics are from real people's.

A generator is only useful for tuning inference if its pairs look like real pairs. The measure is
the two-sample Kolmogorov–Smirnov statistic (largest gap between the two empirical CDFs, 0 for
the same distribution, 1 for disjoint ones) of each pair signal over consecutive renders of one
session. Frames are shaped like the warehouse mart ``intent_signals``; ``log_signals`` builds one
from a DiffusionDB-style CSV without the pipeline, so the real log and a synthetic one are read
the same way.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl

SESSION_GAP = timedelta(minutes=30)
_WORD = re.compile(r"[^\W_]+")  # letters and digits, as the warehouse splits prompts


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov–Smirnov statistic: the sup distance between the empirical CDFs."""
    a, b = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    if a.size == 0 or b.size == 0:
        raise ValueError("KS needs at least one value on each side")
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / a.size
    cdf_b = np.searchsorted(b, grid, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def token_jaccard(a: str | None, b: str | None) -> float | None:
    """Jaccard of the lower-case word sets of two prompts (None when either is missing)."""
    if a is None or b is None:
        return None
    ta, tb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(ta & tb) / len(ta | tb) if ta | tb else None


def pair_values(signals: pl.DataFrame, column: str) -> np.ndarray:
    """The column's values on consecutive pairs within sessions (a session's first row has none).

    ``prompt_jaccard`` is recomputed from ``prompt`` where the frame lacks it, so a frame with
    prompts only still gives token Jaccard.
    """
    frame = signals.sort("session_id", "position")
    if column == "prompt_jaccard" and column not in frame.columns:
        previous = pl.col("prompt").shift(1).over("session_id")
        frame = frame.with_columns(
            pl.struct(a=previous, b="prompt")
            .map_elements(lambda r: token_jaccard(r["a"], r["b"]), return_dtype=pl.Float64)
            .alias(column)
        )
    first = pl.col("position") == pl.col("position").min().over("session_id")
    values = frame.filter(~first).get_column(column).drop_nulls()
    return values.cast(pl.Float64).to_numpy()


def pair_distance(real: pl.DataFrame, synthetic: pl.DataFrame) -> dict[str, float]:
    """KS statistic per pair signal: token Jaccard, and embedding similarity where both have it.

    0 means the synthetic pairs are distributed like the real ones; 1 means no overlap at all.
    """
    out = {"prompt_jaccard": ks_statistic(*_both(real, synthetic, "prompt_jaccard"))}
    if "prompt_similarity" in real.columns and "prompt_similarity" in synthetic.columns:
        a, b = _both(real, synthetic, "prompt_similarity")
        if a.size and b.size:
            out["prompt_similarity"] = ks_statistic(a, b)
    return out


def log_signals(path: Path, gap: timedelta = SESSION_GAP) -> pl.DataFrame:
    """Sessions of a DiffusionDB-style CSV as ``intent_signals``-shaped rows.

    Sorted by user, timestamp, then row order; a user's session ends after more than ``gap``.
    """
    log = (
        pl.read_csv(path, infer_schema=False, columns=["prompt", "user_name", "timestamp"])
        .with_row_index("row")
        .with_columns(at=pl.col("timestamp").str.to_datetime(time_zone="UTC"))
        .sort("user_name", "at", "row")
    )
    new_session = (pl.col("user_name") != pl.col("user_name").shift(1)).fill_null(True) | (
        pl.col("at") - pl.col("at").shift(1) > gap
    ).fill_null(True)
    log = log.with_columns(session_no=new_session.cum_sum())
    log = log.with_columns(
        session_id=pl.format("{}#{}", pl.col("user_name").str.slice(0, 8), "session_no"),
        position=pl.int_range(1, pl.len() + 1).over("session_no"),
    )
    return log.select("session_id", "position", "prompt", created_at="at")


def _both(real: pl.DataFrame, synthetic: pl.DataFrame, column: str) -> tuple[np.ndarray, ...]:
    return pair_values(real, column), pair_values(synthetic, column)
