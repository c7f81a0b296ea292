"""Scoring: per-generation phase F1, per-session intent accuracy, confusion matrices."""

from __future__ import annotations

import random

import polars as pl
import pytest

from orchestration.intent.evaluation import score
from orchestration.intent.infer import infer_all, predictions_frame
from orchestration.sample.plans import SAMPLE_PROFILES
from orchestration.sample.scenarios import generate_artists
from orchestration.sample.signals import signals_and_truth


def _frame(rows: list[tuple[str, str, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema=["generation_id", "session_id", "phase_intent", "session_intent"], orient="row"
    )


def test_score_counts_generations_and_sessions():
    truth = _frame(
        [
            ("g1", "a", "exploration", "convergent_selection"),
            ("g2", "a", "exploration", "convergent_selection"),
            ("g3", "a", "refinement", "convergent_selection"),
            ("g4", "a", "refinement", "convergent_selection"),
            ("g5", "b", "optimization", "optimization"),
            ("g6", "b", "optimization", "optimization"),
        ]
    )
    predicted = _frame(
        [
            ("g1", "a", "exploration", "convergent_selection"),
            ("g2", "a", "refinement", "convergent_selection"),
            ("g3", "a", "refinement", "convergent_selection"),
            ("g4", "a", "refinement", "convergent_selection"),
            ("g5", "b", "optimization", "mixed"),
            ("g6", "b", "refinement", "mixed"),
        ]
    )
    report = score(predicted, truth)
    assert report.n_generations == 6 and report.n_sessions == 2
    assert report.phase_precision["exploration"] == 1.0
    assert report.phase_recall["exploration"] == 0.5
    assert report.phase_f1["exploration"] == pytest.approx(2 / 3)
    assert report.phase_f1["refinement"] == pytest.approx(2 * 0.5 * 1.0 / 1.5)
    assert report.phase_f1["optimization"] == pytest.approx(2 / 3)
    assert report.macro_f1 == pytest.approx((2 / 3 + 2 / 3 + 2 / 3) / 3)
    assert report.session_accuracy == 0.5
    confusion = {r["true"]: r for r in report.phase_confusion.iter_rows(named=True)}
    assert confusion["exploration"]["refinement"] == 1
    assert confusion["optimization"]["refinement"] == 1
    sessions = {r["true"]: r for r in report.session_confusion.iter_rows(named=True)}
    assert sessions["optimization"]["mixed"] == 1
    summary = report.summary()
    assert "phase macro-F1 (per generation): 0.667" in summary
    assert "shape:" not in summary and "i64" not in summary  # a table, not a frame dump
    table = summary.split("phase confusion")[1].splitlines()
    row = next(line for line in table if line.split()[:1] == ["optimization"])
    assert row.split() == ["optimization", "0", "1", "1"]  # true optimization: 1 refi, 1 opti


def test_score_needs_shared_generations():
    a = _frame([("g1", "a", "exploration", "exploration")])
    b = _frame([("g9", "a", "exploration", "exploration")])
    with pytest.raises(ValueError, match="share no generation_id"):
        score(a, b)


def test_sample_artists_from_metadata_alone_score_above_the_goal():
    # The sample's own artists, signals without embeddings: prompts, seeds, settings, time.
    scenarios = generate_artists(random.Random(7), SAMPLE_PROFILES)
    signals, truth = signals_and_truth(s for a in scenarios for s in a.sessions)
    report = score(predictions_frame(signals, infer_all(signals)), truth)
    assert report.macro_f1 >= 0.9
    assert report.session_accuracy >= 0.8
