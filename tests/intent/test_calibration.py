"""Corrections teach: a calibrated artist is read better on the sessions she did not correct."""

from __future__ import annotations

import json
import random

import polars as pl
import pytest

from orchestration.intent.calibration import Calibration, CorrectedExample, fit_calibration
from orchestration.intent.evaluation import score
from orchestration.intent.evidence import ArtistHabits
from orchestration.intent.infer import build_artist_context, infer_session, predictions_frame
from orchestration.intent.model import IntentModel, load_model
from orchestration.intent.pooling import ARTIST_L2, pooled_model
from orchestration.sample.habits import generate_style_study_artist
from orchestration.sample.signals import signals_and_truth
from tests.intent.signal_frames import refine, session_frame, sweep_cfg


def _examples(
    signals: pl.DataFrame, truth: pl.DataFrame, keys: list[str]
) -> list[CorrectedExample]:
    out = []
    for key in keys:
        rows = signals.filter(pl.col("session_id") == key)
        phase = truth.filter(pl.col("session_id") == key).sort("generation_id")
        out.append(
            CorrectedExample(rows, phase["session_intent"][0], phase["phase_intent"].to_list())
        )
    return out


def test_correcting_two_sessions_raises_accuracy_on_the_others():
    artist = generate_style_study_artist(random.Random(5), n_sessions=12)
    signals, truth = signals_and_truth(artist.sessions)
    context = build_artist_context(signals)
    habits = {"tove": ArtistHabits.from_signals(signals)}
    keys = [s.key for s in artist.sessions]
    corrected, held_out = keys[:2], keys[2:]
    held = signals.filter(pl.col("session_id").is_in(held_out))

    def evaluate(model: IntentModel):
        inferences = [
            infer_session(s, context, None, habits["tove"], model)
            for _, s in held.group_by("session_id", maintain_order=True)
        ]
        return score(predictions_frame(held, inferences), truth)

    shipped = load_model()
    examples = _examples(signals, truth, corrected)
    # What the intent asset does: every artist's corrections pooled into the global model,
    # then this artist's own corrections as her layer on top.
    pooled = pooled_model(shipped, examples, habits)
    layered = pooled_model(pooled, examples, habits, l2=ARTIST_L2)
    before, after = evaluate(shipped), evaluate(layered)
    # Her style studies (locked seed, medium swapped) are explorations; the shipped model reads
    # most of them so already, and her two corrections teach it the rest.
    assert after.phase_recall["exploration"] > max(before.phase_recall["exploration"], 0.9)
    assert after.macro_f1 > before.macro_f1
    assert after.session_accuracy > before.session_accuracy


def test_a_session_intent_alone_teaches_only_when_it_names_one_strategy():
    frame = session_frame(refine(6))
    single = fit_calibration([CorrectedExample(frame, "exploration", None)])
    assert single.n_examples == 1
    assert sum(single.counts["prompt"]["exploration"].values()) == 5  # five steps, all inner
    mixed = fit_calibration([CorrectedExample(frame, "mixed", None)])
    assert mixed.n_examples == 0 and mixed.counts == {}


def test_calibration_round_trips_through_json_with_a_stable_version():
    frame = session_frame(refine(5) + sweep_cfg([4, 6, 8, 10]))
    intents = ["refinement"] * 5 + ["optimization"] * 4
    calibration = fit_calibration([CorrectedExample(frame, "mixed", intents)])
    restored = Calibration.from_dict(json.loads(json.dumps(calibration.to_dict())))
    assert restored == calibration
    assert restored.version == calibration.version
    assert calibration.version != Calibration().version
    again = fit_calibration([CorrectedExample(frame, "mixed", intents)])
    assert again.version == calibration.version
    more = fit_calibration([CorrectedExample(frame, "mixed", intents)], base=calibration)
    assert more.n_examples == 2 and more.version != calibration.version


def test_phase_intents_must_cover_every_position():
    with pytest.raises(ValueError, match="3 phase intents for 5 rows"):
        fit_calibration([CorrectedExample(session_frame(refine(5)), None, ["refinement"] * 3)])
