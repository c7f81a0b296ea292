"""Score a warehouse's intent labels against a synthetic archive's ground truth."""

from __future__ import annotations

from pathlib import Path

from orchestration.intent.evaluation import EvalReport, score
from orchestration.sample.truth import truth_by_generation
from orchestration.store.warehouse_queries import fetch_frame, read_only


def score_warehouse(warehouse: Path, ground_truth: Path) -> EvalReport:
    """Per-generation phase intents and per-session intents from the views, scored."""
    with read_only(warehouse) as con:
        signals = fetch_frame(con, "eval_signals")
        predicted = fetch_frame(con, "eval_predictions")
    return score(predicted, truth_by_generation(ground_truth, signals))
