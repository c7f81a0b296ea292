"""The segment decoder's search and the regressions' solver, against brute force and theory."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from orchestration.intent.model import fit_logistic
from orchestration.intent.segmentation import Segment, decode

INTENTS = ("exploration", "refinement", "optimization")


def _score(segments, loglik, boundary) -> float:
    total = 0.0
    for seg in segments:
        total += boundary[seg.first][seg.intent]
        total += sum(loglik[u][seg.intent] for u in range(seg.first + 1, seg.last + 1))
    return total


def _all_segmentations(n: int, min_units: int, no_repeat: tuple[str, ...]):
    """Every split of ``0..n-1`` into phases of ``min_units`` or more, with every labelling."""
    for cuts in itertools.product((False, True), repeat=n - 1):
        starts = [0] + [u + 1 for u, cut in enumerate(cuts) if cut]
        ends = [s - 1 for s in starts[1:]] + [n - 1]
        if any(e - s + 1 < min_units for s, e in zip(starts, ends, strict=True)):
            continue
        for labels in itertools.product(INTENTS, repeat=len(starts)):
            if any(a == b and a in no_repeat for a, b in itertools.pairwise(labels)):
                continue
            yield [Segment(s, e, i) for s, e, i in zip(starts, ends, labels, strict=True)]


@pytest.mark.parametrize("no_repeat", [(), ("exploration",)])
def test_the_decoder_finds_the_best_segmentation(no_repeat):
    rng = np.random.default_rng(7)
    for _ in range(25):
        n = int(rng.integers(4, 9))
        loglik = [dict(zip(INTENTS, rng.normal(-1.5, 1.0, 3), strict=True)) for _ in range(n)]
        boundary = [dict(zip(INTENTS, rng.normal(-1.0, 1.0, 3), strict=True)) for _ in range(n)]
        priors = dict.fromkeys(INTENTS, 0.0)
        found = decode(loglik, boundary, priors, penalty=0.0, no_repeat=no_repeat)
        best = max(_score(s, loglik, boundary) for s in _all_segmentations(n, 2, no_repeat))
        assert math.isclose(_score(found, loglik, boundary), best, abs_tol=1e-9)
        labels = [s.intent for s in found]
        assert not any(a == b and a in no_repeat for a, b in itertools.pairwise(labels))


def test_two_explorations_side_by_side_are_not_bought_with_a_cheap_start():
    # Every render of an exploration looks like a phase start to a boundary model; the decoder
    # may not cut the exploration there to collect that score.
    n = 6
    loglik = [{"exploration": -0.2, "refinement": -3.0, "optimization": -4.0} for _ in range(n)]
    boundary = [{"exploration": 0.0, "refinement": -3.0, "optimization": -4.0} for _ in range(n)]
    priors = dict.fromkeys(INTENTS, 0.0)
    assert len(decode(loglik, boundary, priors, penalty=0.0)) == 3
    assert decode(loglik, boundary, priors, penalty=0.0, no_repeat=("exploration",)) == [
        Segment(0, 5, "exploration")
    ]


def _gradient(model, x, y, weight, l2):
    """Gradient of the weighted, ridge-penalised cross-entropy at the fitted weights."""
    xs = (x - model.mean) / model.scale
    z = xs @ model.weights + model.bias
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    target = np.array([[c == t for c in model.classes] for t in y], dtype=float)
    err = (p - target) * weight[:, None]
    return xs.T @ err + l2 / len(y) * model.weights, err.sum(axis=0)


def test_the_fit_reaches_the_optimum_of_its_objective():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(300, 6))
    y = [INTENTS[int(k)] for k in np.argmax(x[:, :3] + rng.normal(0, 1.0, (300, 3)), axis=1)]
    model = fit_logistic(x, y, INTENTS, l2=50.0)
    counts = {c: y.count(c) for c in INTENTS}  # classes are balanced, weights sum to one
    weight = np.array([1.0 / (3 * counts[t]) for t in y])
    grad_w, grad_b = _gradient(model, x, y, weight, 50.0)
    assert np.abs(grad_w).max() < 1e-8 and np.abs(grad_b).max() < 1e-8
    assert np.mean(np.array(INTENTS)[model.log_proba(x).argmax(axis=1)] == np.array(y)) > 0.6


def test_a_class_never_seen_is_never_predicted():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(80, 4))
    y = ["exploration" if v > 0 else "refinement" for v in x[:, 0]]
    model = fit_logistic(x, y, INTENTS, l2=10.0)
    assert model.log_proba(x)[:, INTENTS.index("optimization")].max() < -20


def _finalized(intents_by_unit: list[str]) -> list[tuple[str, int]]:
    """``finalize`` of decoded segments over hand-built units (one generation each)."""
    from orchestration.intent.features import session_rows, steps
    from orchestration.intent.phases import finalize
    from tests.intent.signal_frames import explore, session_frame

    rows = session_rows(session_frame(explore(len(intents_by_unit))))
    session_steps = steps(rows)
    segments, start = [], 0
    for u in range(1, len(intents_by_unit) + 1):
        if u == len(intents_by_unit) or intents_by_unit[u] != intents_by_unit[start]:
            segments.append(Segment(start, u - 1, intents_by_unit[start]))
            start = u
    loglik = [dict.fromkeys(INTENTS, -1.0) for _ in intents_by_unit]
    out = finalize(rows, session_steps, segments, loglik, INTENTS)
    return [(s.intent, s.last - s.first + 1) for s in out]


def test_a_subject_drawn_twice_amid_exploration_is_explored():
    # "One render (or so) per subject": two renders between explorations make no phase.
    e, r = "exploration", "refinement"
    assert _finalized([e, e, e, r, r, e, e]) == [(e, 7)]
    assert _finalized([r, r, e, e, e]) == [(e, 5)]
    assert _finalized([e, e, r, r]) == [(e, 4)]
    # Three renders of it are a phase of work.
    assert _finalized([e, e, r, r, r, e, e]) == [(e, 2), (r, 3), (e, 2)]
