"""Score a warehouse's intent labels against a synthetic archive's ground truth."""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.intent.evaluation import EvalReport, score
from orchestration.sample.truth import truth_by_generation


def score_warehouse(warehouse: Path, ground_truth: Path) -> EvalReport:
    """Per-generation phase intents and per-session intents from the views, scored."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        signals = con.execute(
            "select generation_id, session_id, source_archive, source_path from intent_signals"
        ).pl()
        predicted = con.execute(
            """
            select m.generation_id, m.session_id,
                   p.inferred_intent as phase_intent, i.inferred_intent as session_intent
            from session_members as m
            join session_phases as p using (session_id, phase_no)
            join session_intents as i using (session_id)
            """
        ).pl()
    finally:
        con.close()
    return score(predicted, truth_by_generation(ground_truth, signals))
