"""Split a session into phases with one joint decoder: a penalised semi-Markov search.

Why this decoder: a step's evidence (prompt, seed, settings, image, time against the previous
unit) describes the *move* between two units, and the move that crosses a phase boundary
belongs to neither phase: the first refinement of an explored concept jumps back to it and looks
like exploration. A frame-level HMM must give that step to one of its states and misplaces
every boundary by one. A segmental model scores each phase by its *inner* steps only and
scores the crossing step with an intent-agnostic mixture, so boundaries land where the strategy
changes. Segments carry a switching penalty and a minimum length (a stray generation cannot
pay for a phase of its own; it joins the neighbouring phase) and a per-intent prior that
calibration can move. Exact search over all segmentations is O(n·K) with running maxima, so a
session of hundreds of generations decodes in well under a millisecond per generation.

All signals enter together through each step's log-likelihood; missing ones are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from orchestration.intent.calibration import MIN_UNITS, SWITCH_PENALTY
from orchestration.intent.contract import PHASE_INTENTS
from orchestration.intent.features import Step


@dataclass(frozen=True, slots=True)
class Segment:
    """Units ``first..last`` (inclusive) decoded as one phase of ``intent``."""

    first: int
    last: int
    intent: str


def step_loglik(
    session_steps: list[Step], tables: dict[str, dict[str, dict[str, float]]]
) -> list[dict[str, float]]:
    """``log P(step | intent)`` for every step (zero for the first, which has no predecessor)."""
    out = []
    for step in session_steps:
        out.append(
            {
                i: sum(tables[f][i][b] for f, b in step.bins.items() if f in tables)
                for i in PHASE_INTENTS
            }
        )
    return out


def _mixture(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values) / len(values))


def boundary_loglik(
    session_steps: list[Step],
    tables: dict[str, dict[str, dict[str, float]]],
    intents: tuple[str, ...],
) -> list[dict[str, float]]:
    """Score of the step that crosses into a phase of each intent.

    The crossing move belongs to neither phase, so seed, image and time are scored by an
    intent-agnostic mixture. Two features are not: a new phase usually opens on a prompt jump
    (to a new concept, or back to an explored one), so the prompt has its own boundary table;
    and a phase that sweeps a setting opens on its first change while others open without one.
    Without these, a boundary is as cheap one step early as on time, and lands early.
    """
    out = [dict.fromkeys(intents, 0.0)]
    for step in session_steps[1:]:
        other = [
            sum(tables[f][i][b] for f, b in step.bins.items() if f not in ("params", "prompt"))
            for i in intents
        ]
        shared = _mixture(other)
        if "prompt" in step.bins:
            shared += tables["boundary_prompt"]["any"][step.bins["prompt"]]
        params = step.bins.get("params")
        out.append({i: shared + (tables["params"][i][params] if params else 0.0) for i in intents})
    return out


def decode(
    loglik: list[dict[str, float]],
    boundary: list[dict[str, float]],
    priors: dict[str, float],
    intents: tuple[str, ...] = PHASE_INTENTS,
    *,
    penalty: float = SWITCH_PENALTY,
    min_units: int = MIN_UNITS,
    no_repeat: tuple[str, ...] = (),
) -> list[Segment]:
    """Best segmentation of units ``0..n-1`` into phases, each at least ``min_units`` long.

    An intent in ``no_repeat`` never follows itself: two explorations side by side are one
    phase, so a learned boundary model (trained with exploration's every render inside its
    phase) must not be offered a cheap start in the middle of one.
    """
    n = len(loglik)
    if n == 0:
        return []
    if n < 2 * min_units:  # too short to hold two phases: one phase, the likeliest intent
        best = max(intents, key=lambda i: priors[i] + sum(s[i] for s in loglik[1:]))
        return [Segment(0, n - 1, best)]
    # cum[i][b]: sum of step log-likelihoods of units 1..b under intent i.
    cum = {i: [0.0] * n for i in intents}
    for i in intents:
        for b in range(1, n):
            cum[i][b] = cum[i][b - 1] + loglik[b][i]
    neg = -math.inf
    # best_end[j][b]: best score of units 0..b with a phase of intent j ending at b.
    best_end = {j: [neg] * n for j in intents}
    end_start = {j: [0] * n for j in intents}
    prev_intent: dict[str, list[str | None]] = {j: [None] * n for j in intents}
    run_max = dict.fromkeys(intents, neg)  # max over allowed starts a of G_i[a]
    run_arg: dict[str, tuple[int, str | None]] = dict.fromkeys(intents, (0, None))
    for b in range(n):
        a = b - min_units + 1  # the newest start a phase ending at b may have
        if a >= 0:
            for i in intents:
                if a == 0:
                    before, came_from = 0.0, None
                else:
                    options = [j for j in intents if not (j == i and i in no_repeat)]
                    came_from = max(options, key=lambda j: best_end[j][a - 1])
                    before = best_end[came_from][a - 1] - penalty
                if before == neg:
                    continue
                g = before + boundary[a][i] - cum[i][a]  # boundary[0]: the first unit's own
                if g > run_max[i]:
                    run_max[i], run_arg[i] = g, (a, came_from)
        for i in intents:
            if run_max[i] == neg:
                continue
            best_end[i][b] = cum[i][b] + priors[i] + run_max[i]
            end_start[i][b], prev_intent[i][b] = run_arg[i]
    last = max(intents, key=lambda j: best_end[j][n - 1])
    if best_end[last][n - 1] == neg:
        raise RuntimeError("no segmentation satisfies the minimum phase length")
    segments: list[Segment] = []
    b, intent = n - 1, last
    while b >= 0 and intent is not None:
        start = end_start[intent][b]
        segments.append(Segment(start, b, intent))
        b, intent = start - 1, prev_intent[intent][b]
    return segments[::-1]


def segment_loglik(
    loglik: list[dict[str, float]], segment: Segment, intents: tuple[str, ...] = PHASE_INTENTS
) -> dict[str, float]:
    """Summed inner-step log-likelihood of one segment under each intent."""
    return {
        i: sum(loglik[u][i] for u in range(segment.first + 1, segment.last + 1)) for i in intents
    }
