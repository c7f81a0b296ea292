"""The sample's ground truth keyed by ``generation_id``, for scoring inferred intents."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from orchestration.store.registry import archive_key


def truth_by_generation(ground_truth: Path, signals: pl.DataFrame) -> pl.DataFrame:
    """Truth rows joined onto the warehouse's generations by archive and path inside it.

    The lake names an archive by its registry key (name plus a hash of the absolute path), the
    truth by its file name; both sit in the sample's folder, so the key is recomputed here.
    """
    root = ground_truth.parent
    truth = pl.read_parquet(ground_truth).filter(pl.col("expected_status") == "ok")
    keys = {a: archive_key((root / a).resolve()) for a in truth["archive"].unique().to_list()}
    truth = truth.with_columns(source_archive=pl.col("archive").replace_strict(keys))
    return signals.select("generation_id", "session_id", "source_archive", "source_path").join(
        truth.select(
            "source_archive",
            "source_path",
            "session_key",
            "phase_no",
            "phase_intent",
            "session_intent",
        ),
        on=["source_archive", "source_path"],
        how="inner",
    )
