"""How sure a phase label is, calibrated so that "80%" is right about 80% of the time.

A phase's confidence is the mean, over its units, of the model's probability of the phase's
intent, after temperature scaling: logits divided by one number fitted on held-out predictions
of the real labels (leave-one-artist-out). Naive per-unit probabilities are over-confident
where neighbouring units share evidence; one temperature fixes most of it and cannot reorder
anything. The expected calibration error (ECE, ten equal-width bins, weighted by generations)
is what ``creative-sessions train`` reports before and after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

TEMPERATURES = tuple(round(0.02 * 1.1**k, 4) for k in range(60))  # 0.02 … 6, geometric


@dataclass(frozen=True, slots=True)
class HeldOutPhase:
    """One decoded phase on held-out data: its units' logits, its intent, its truth per unit."""

    logits: Sequence[dict[str, float]]  # per unit, log-probabilities at temperature 1
    intent: str
    truth: Sequence[str]


def scaled(logits: dict[str, float], temperature: float) -> dict[str, float]:
    """Probabilities after dividing log-probabilities by the temperature."""
    z = {k: v / temperature for k, v in logits.items()}
    top = max(z.values())
    total = sum(math.exp(v - top) for v in z.values())
    return {k: math.exp(v - top) / total for k, v in z.items()}


def phase_confidence(logits: Sequence[dict[str, float]], intent: str, temperature: float) -> float:
    """Mean calibrated probability of ``intent`` over the phase's units."""
    if not logits:
        return 0.0
    return sum(scaled(u, temperature).get(intent, 0.0) for u in logits) / len(logits)


def expected_calibration_error(
    confidence: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Weighted mean |accuracy − confidence| over equal-width confidence bins."""
    if not confidence:
        return 0.0
    totals = [[0, 0.0, 0.0] for _ in range(bins)]  # n, sum confidence, sum correct
    for c, ok in zip(confidence, correct, strict=True):
        b = min(int(c * bins), bins - 1)
        totals[b][0] += 1
        totals[b][1] += c
        totals[b][2] += float(ok)
    n = len(confidence)
    return sum(abs(s_ok - s_c) / n for k, s_c, s_ok in totals if k)


def per_generation(phases: Sequence[HeldOutPhase], temperature: float) -> tuple[list, list]:
    """Each unit's phase confidence and whether its phase intent is its true intent."""
    conf, correct = [], []
    for phase in phases:
        c = phase_confidence(phase.logits, phase.intent, temperature)
        for truth in phase.truth:
            conf.append(c)
            correct.append(truth == phase.intent)
    return conf, correct


def fit_temperature(phases: Sequence[HeldOutPhase]) -> tuple[float, float, float]:
    """The temperature with the lowest ECE, with the ECE at 1 and at that temperature."""
    before = expected_calibration_error(*per_generation(phases, 1.0))
    best = min(
        TEMPERATURES, key=lambda t: (expected_calibration_error(*per_generation(phases, t)), t)
    )
    return best, before, expected_calibration_error(*per_generation(phases, best))
