"""Session shapes as real DiffusionDB users make them, and the labelling guideline's session rule.

Lengths follow the real log's heavy tail (many short sessions, some of 20–70 renders); long
sessions hold more phases, and most multi-phase sessions pivot from one subject to the next.
The session intent is derived from the phases exactly as the hand labels are
(``realdata/.../labels/README.md``), so the synthetic truth means what the real truth means.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from orchestration.intent.session_rule import dominant_intent
from orchestration.sample.plans import PhaseIntent, SessionIntent

# Where a phase's subject comes from: a new one (a pivot), one the exploration just before it
# drew, the one worked on before the previous phase (after an interlude), or the current prompt.
Target = Literal["new", "explored", "resume", "continue"]

# Session lengths (renders) with their weights, shaped on the real log's 30-minute sessions.
_LENGTH_BANDS: tuple[tuple[int, int, float], ...] = (
    (1, 1, 0.40),
    (2, 2, 0.14),
    (3, 3, 0.12),
    (4, 4, 0.07),
    (5, 10, 0.13),
    (11, 19, 0.08),
    (20, 35, 0.04),
    (36, 72, 0.02),
)
_CAP: dict[PhaseIntent, int] = {"exploration": 18, "refinement": 40, "optimization": 4}
_PULL: dict[PhaseIntent, float] = {"exploration": 1.5, "refinement": 2.5, "optimization": 0.3}


@dataclass(frozen=True, slots=True)
class PhasePlan:
    """One planned phase: its strategy, its number of renders, and where its subject comes from."""

    intent: PhaseIntent
    size: int
    target: Target = "new"


@dataclass(frozen=True, slots=True)
class PhaseTruth:
    """A realised phase as the guideline reads it: intent, subjects in order, renders."""

    intent: PhaseIntent
    concepts: tuple[str, ...]
    size: int


def draw_length(rng: random.Random, min_length: int = 1) -> int:
    """A session length from the real heavy-tailed distribution, at least ``min_length``."""
    bands = [(max(lo, min_length), hi, w) for lo, hi, w in _LENGTH_BANDS if hi >= min_length]
    lo, hi, _ = rng.choices(bands, weights=[w for *_, w in bands])[0]
    return rng.randint(lo, hi)


def draw_arc(rng: random.Random, n: int) -> tuple[PhasePlan, ...]:
    """Phases for a session of ``n`` renders; a phase has at least two renders."""
    if n < 5:
        intent = rng.choices(_SINGLE, weights=(0.4, 0.55, 0.05))[0]
        return (PhasePlan(intent if n > 1 else "exploration", n),)
    long = n >= 20
    kinds = ("single", "convergent", "pair", "interlude", "mixed")
    weights = (
        0.1 if long else 0.4,
        0.12,
        0.15,
        0.08 if n >= 7 else 0.0,
        0.55 if long else 0.25 if n >= 6 else 0.0,
    )
    kind = rng.choices(kinds, weights=weights)[0]
    if kind == "single":
        intent = rng.choices(_SINGLE, weights=(0.4, 0.55, 0.05 if n <= 8 else 0.0))[0]
        return (PhasePlan(intent, n),)
    if kind == "convergent":
        second = rng.choices(("refinement", "optimization"), weights=(0.85, 0.15))[0]
        return _sized(rng, n, (("exploration", "new"), (second, "explored")))
    if kind == "pair":
        second = rng.choice((("refinement", "new"), ("optimization", "continue"), _EXPLORE))
        return _sized(rng, n, (("refinement", "new"), second))
    if kind == "interlude":
        middle = rng.choice((("optimization", "continue"), _EXPLORE))
        return _sized(rng, n, (("refinement", "new"), middle, ("refinement", "resume")), short=1)
    return _mixed(rng, n)


def guideline_session_intent(phases: Sequence[PhaseTruth]) -> SessionIntent:
    """The session rule of the labelling guideline.

    One phase gives its intent; exploration then refinement or optimization of an explored
    subject, as the only two phases, is convergent selection; two phases otherwise, or a short
    interlude inside one subject's work, give the dominant intent; anything longer is mixed.
    """
    if len(phases) == 1:
        return phases[0].intent
    if len(phases) == 2:
        first, second = phases
        if (
            first.intent == "exploration"
            and second.intent != "exploration"
            and second.concepts[0] in first.concepts
        ):
            return "convergent_selection"
        return _dominant(phases)
    if _is_interlude(phases):
        return _dominant(phases)
    return "mixed"


_SINGLE: tuple[PhaseIntent, ...] = ("exploration", "refinement", "optimization")
_EXPLORE: tuple[PhaseIntent, Target] = ("exploration", "new")


def _dominant(phases: Sequence[PhaseTruth]) -> SessionIntent:
    return dominant_intent([(p.intent, p.size) for p in phases])  # type: ignore[return-value]


def _is_interlude(phases: Sequence[PhaseTruth]) -> bool:
    """Three phases where a few renders of another strategy interrupt one subject's work."""
    if len(phases) != 3:
        return False
    before, middle, after = phases
    return (
        before.intent == after.intent
        and after.concepts[0] == before.concepts[-1]
        and middle.size <= 3
    )


def _mixed(rng: random.Random, n: int) -> tuple[PhasePlan, ...]:
    """Three or more phases; after the first, each one pivots, explores or tunes what it has."""
    k = rng.randint(3, max(3, min(n // 2, 2 + n // 6)))
    while True:
        steps: list[tuple[PhaseIntent, Target]] = [
            ("refinement", "new") if rng.random() < 0.6 else _EXPLORE
        ]
        while len(steps) < k:
            previous = steps[-1][0]
            if previous == "exploration":
                steps.append(("refinement", "explored" if rng.random() < 0.4 else "new"))
            elif previous == "refinement":
                options = (("refinement", "new"), _EXPLORE, ("optimization", "continue"))
                steps.append(rng.choices(options, weights=(0.6, 0.28, 0.12))[0])
            else:
                steps.append(("refinement", "new") if rng.random() < 0.7 else _EXPLORE)
        if any(target == "new" for _, target in steps[1:]):  # a pivot, or it is not mixed
            return _sized(rng, n, tuple(steps))


def _sized(
    rng: random.Random,
    n: int,
    steps: tuple[tuple[PhaseIntent, Target], ...],
    *,
    short: int | None = None,
) -> tuple[PhasePlan, ...]:
    """Share ``n`` renders among phases: two each, the rest drawn by strategy, within caps.

    ``short`` names a phase held to at most three renders (an interlude).
    """
    caps = [3 if i == short else _CAP[intent] for i, (intent, _) in enumerate(steps)]
    sizes = [2] * len(steps)
    pull = [_PULL[intent] * rng.expovariate(1.0) for intent, _ in steps]
    for _ in range(n - 2 * len(steps)):
        open_ = [i for i in range(len(steps)) if sizes[i] < caps[i]] or [0]
        i = rng.choices(open_, weights=[pull[j] + 1e-9 for j in open_])[0]
        sizes[i] += 1
    return tuple(
        PhasePlan(intent, size, target) for (intent, target), size in zip(steps, sizes, strict=True)
    )
