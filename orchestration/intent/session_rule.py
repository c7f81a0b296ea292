"""The session's intent from its phases, as the labelling guideline states it.

- one phase: its intent;
- exploration, then refinement or optimization of one explored subject, as the only two phases:
  convergent selection;
- two phases of the same intent, or a short interlude inside one subject's work (a few renders
  of another strategy between two phases that are not exploration): the dominant intent;
- three or more phases with pivots between subjects: mixed.

Dominant means most generations; a tie goes to the earlier phase.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

INTERLUDE = 3  # generations: a phase this short between two working phases is an interlude


class PhaseLike(Protocol):
    """What the rule reads of a phase."""

    intent: str
    n_generations: int


def _without_interludes(phases: Sequence[PhaseLike]) -> list[PhaseLike]:
    out = list(phases)
    k = 1
    while k < len(out) - 1:
        before, cur, after = out[k - 1], out[k], out[k + 1]
        working = before.intent != "exploration" and after.intent != "exploration"
        another = cur.intent != before.intent and before.intent == after.intent
        if working and another and cur.n_generations <= INTERLUDE:
            del out[k]  # the interlude's renders count toward nobody's dominance
            continue
        k += 1
    return out


def dominant_intent(phases: Sequence[tuple[str, int]]) -> str:
    """The intent with the most generations over ``(intent, n_generations)``; ties: earliest."""
    weight: Counter[str] = Counter()
    for intent, n in phases:
        weight[intent] += n
    top = max(weight.values())
    return next(intent for intent, _ in phases if weight[intent] == top)


def _dominant(phases: Sequence[PhaseLike]) -> str:
    return dominant_intent([(p.intent, p.n_generations) for p in phases])


def session_intent(phases: Sequence[PhaseLike]) -> str:
    """One of the phase intents, ``convergent_selection`` or ``mixed``."""
    if not phases:
        raise ValueError("a session has at least one phase")
    kept = _without_interludes(phases)
    if len(kept) == 1 or (len({p.intent for p in kept}) == 1 and len(kept) == 2):
        return _dominant(phases)
    if len(kept) == 2:
        if kept[0].intent == "exploration":
            return "convergent_selection"
        return _dominant(kept)
    return "mixed"
