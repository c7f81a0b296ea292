"""Calibration benchmark: does correcting k sessions of an unusual artist help on her others?

The artist is ``tove`` (``orchestration/sample/habits.py``): her explorations are style studies
with a locked seed, which the default rules read as refinement. For each seed, her first
``max(K)`` sessions are the pool she may correct (phase intents, as the CLI records them), the
rest are held out; for k in K the first k corrections fit a calibration and the held-out
sessions are inferred with the shipped model plus the corrections (pooled into the global
model, then her own layer). Signals come from ``orchestration/sample/signals.py`` (metadata
only, no embeddings), so the run takes seconds.

    .venv/bin/python benchmarks/calibration.py
    .venv/bin/python benchmarks/calibration.py --seeds 10 --sessions 20
"""

import argparse
import random
import statistics
import time

import polars as pl

from orchestration.intent.calibration import CorrectedExample
from orchestration.intent.evaluation import score
from orchestration.intent.evidence import ArtistHabits
from orchestration.intent.infer import build_artist_context, infer_session, predictions_frame
from orchestration.intent.model import load_model
from orchestration.intent.pooling import ARTIST_L2, pooled_model
from orchestration.sample.habits import generate_style_study_artist
from orchestration.sample.signals import signals_and_truth

KS = (0, 1, 2, 4)


def run(seed: int, n_sessions: int, ks: tuple[int, ...] = KS) -> dict[int, tuple[float, float]]:
    """Per k: (phase macro-F1, session-intent accuracy) on the held-out sessions."""
    artist = generate_style_study_artist(random.Random(seed), n_sessions=n_sessions)
    signals, truth = signals_and_truth(artist.sessions)
    context = build_artist_context(signals)
    keys = [s.key for s in artist.sessions]
    pool, held_out = keys[: max(ks)], keys[max(ks) :]
    examples = []
    for key in pool:
        rows = signals.filter(pl.col("session_id") == key).sort("position")
        phase = truth.filter(pl.col("session_id") == key).sort("generation_id")
        examples.append(
            CorrectedExample(rows, phase["session_intent"][0], phase["phase_intent"].to_list())
        )
    held = signals.filter(pl.col("session_id").is_in(held_out))
    habits = {artist.name: ArtistHabits.from_signals(signals)}
    shipped = load_model()
    out = {}
    for k in ks:
        # As the intent asset does: corrections pooled into the global model, then the
        # artist's own layer on top (a refit on her corrections alone).
        pooled = pooled_model(shipped, examples[:k], habits)
        model = pooled_model(pooled, examples[:k], habits, l2=ARTIST_L2)
        inferences = [
            infer_session(session, context, None, habits[artist.name], model)
            for _, session in held.group_by("session_id", maintain_order=True)
        ]
        report = score(predictions_frame(held, inferences), truth)
        out[k] = (report.macro_f1, report.session_accuracy)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="independent artists drawn")
    parser.add_argument("--sessions", type=int, default=16, help="sessions per artist")
    args = parser.parse_args()
    started = time.perf_counter()
    results = [run(seed, args.sessions) for seed in range(args.seeds)]
    held = args.sessions - max(KS)
    print(
        f"artist: tove (style studies, locked seed); {args.seeds} draws, {held} held-out sessions"
    )
    print(f"{'k corrected':>12}  {'phase macro-F1':>15}  {'session accuracy':>17}")
    for k in KS:
        f1 = statistics.mean(r[k][0] for r in results)
        acc = statistics.mean(r[k][1] for r in results)
        print(f"{k:>12}  {f1:>15.3f}  {acc:>17.3f}")
    print(f"({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
