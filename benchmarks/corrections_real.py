"""Corrections that teach without harm, measured on real labels.

For each draw, k of the 24 labelled DiffusionDB development sessions are "corrected" (their true
phases, as `creative-sessions correct --phase` records them). Leave-one-artist-out: each
artist's other sessions are labelled by a model fitted without that artist and without the
corrected sessions, first as it is, then with every artist's corrections pooled into it plus
the artist's own calibration layer — exactly what the intent asset does. Accuracy is measured
on the sessions nobody corrected, so the two columns compare the same sessions.

    .venv/bin/python benchmarks/corrections_real.py                    # builds its warehouse
    .venv/bin/python benchmarks/corrections_real.py --work-dir /tmp/cr  # where to build it
"""

import argparse
import random
import statistics
import time
from pathlib import Path

import polars as pl

from orchestration.cli.training import DEFAULT_REALDATA, EVAL_SEED, build_corpus
from orchestration.intent.calibration import CorrectedExample
from orchestration.intent.evaluation import score
from orchestration.intent.infer import build_artist_context, infer_session, predictions_frame
from orchestration.intent.pooling import ARTIST_L2, pooled_model
from orchestration.intent.real_eval import (
    LabelledSession,
    attach,
    fit_real_only,
    sessions_with_truth,
)

KS = (0, 1, 3, 5)


def _example(session: LabelledSession, truth: pl.DataFrame) -> CorrectedExample:
    by_generation = dict(truth.select("generation_id", "phase_intent").iter_rows())
    ids = session.signals.sort("position")["generation_id"].to_list()
    intent = truth.filter(pl.col("session_id") == session.session_id)["session_intent"][0]
    return CorrectedExample(session.signals, intent, [by_generation[g] for g in ids])


def draw(sessions, truth, corrected: set[str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Predictions on the uncorrected sessions without and with the corrections."""
    examples = {s.session_id: _example(s, truth) for s in sessions if s.session_id in corrected}
    habits = {s.artist: s.habits for s in sessions}
    plain, taught = [], []
    for artist in sorted({s.artist for s in sessions}):
        train = [s for s in sessions if s.artist != artist and s.session_id not in corrected]
        base = fit_real_only(train)
        pooled = pooled_model(base, list(examples.values()), habits)
        own = [
            examples[s.session_id]
            for s in sessions
            if s.artist == artist and s.session_id in examples
        ]
        layered = pooled_model(pooled, own, habits, l2=ARTIST_L2)
        for s in sessions:
            if s.artist != artist or s.session_id in corrected:
                continue
            context = build_artist_context(s.signals)
            for model, out in ((base, plain), (layered, taught)):
                result = infer_session(s.signals, context, None, s.habits, model)
                out.append(predictions_frame(s.signals, [result]))
    return pl.concat(plain), pl.concat(taught)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/corrections-real"))
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()
    corpus = build_corpus(args.work_dir, args.realdata, synthetic_seeds=(EVAL_SEED,))
    attached = attach(corpus.real_signals, corpus.real_truth)
    sessions = sessions_with_truth(corpus.real_signals, attached)
    truth = attached.select("generation_id", "session_id", "phase_intent", "session_intent")
    started = time.perf_counter()
    print(f"{len(sessions)} labelled sessions, {args.draws} draws per k")
    print("k | accuracy without → with corrections (other sessions) | macro-F1 without → with")
    for k in KS:
        acc, f1 = [], []
        for d in range(args.draws if k else 1):
            rng = random.Random(1000 * k + d)
            corrected = {s.session_id for s in rng.sample(sessions, k)}
            plain, taught = draw(sessions, truth, corrected)
            a, b = score(plain, truth), score(taught, truth)
            acc.append((a.session_accuracy, b.session_accuracy))
            f1.append((a.macro_f1, b.macro_f1))
        mean = lambda pairs, i: statistics.mean(p[i] for p in pairs)  # noqa: E731
        worst = min(b - a for a, b in acc)
        print(
            f"{k} | {mean(acc, 0):.3f} → {mean(acc, 1):.3f} (worst draw {worst:+.3f}) | "
            f"{mean(f1, 0):.3f} → {mean(f1, 1):.3f}"
        )
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
