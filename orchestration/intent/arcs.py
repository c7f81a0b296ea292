"""From phases to the session: pivots, the arc text, the session intent and its label.

A *pivot* is a phase that starts on a new concept after a refinement or optimization
(``explore → refine → pivot → explore``). A session is *convergent selection* when it opens
with exploration and then refines or optimizes one result in a single further phase;
one strategy throughout keeps that strategy's name; longer arcs are *mixed*.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from orchestration.intent.features import SAME_SUBJECT, SessionRows, Step, subject, token_jaccard

VERBS = {"exploration": "explore", "refinement": "refine", "optimization": "optimize"}
_EDGE = 3  # prompts compared on each side of a boundary


@dataclass(frozen=True, slots=True)
class PhaseView:
    """What the session-level rules read of a phase."""

    intent: str
    steps: list[Step]
    label: str
    concepts: list[str]
    n_generations: int


def new_concept(rows: SessionRows, before: list[Step], after: list[Step]) -> bool:
    """Whether ``after`` opens on a concept not among ``before``'s prompts.

    With prompts, no subject of ``after``'s first units shares enough words with ``before``'s;
    without them, the image at the boundary is unlike the one before it.
    """
    left = [rows.prompts[s.first_row] for s in before]
    right = [rows.prompts[s.first_row] for s in after[:_EDGE]]
    left, right = [p for p in left if p], [p for p in right if p]
    if left and right:  # subjects, not whole prompts: a shared style tail is not a concept
        heads = {subject(a) for a in left}
        return all(token_jaccard(h, subject(b)) < SAME_SUBJECT for h in heads for b in right)
    return after[0].bins.get("image") == "low"


def pivots(rows: SessionRows, phases: list[PhaseView]) -> list[bool]:
    """Per phase, whether it is a pivot (never the first, never after an exploration)."""
    out = [False]
    for prev, cur in pairwise(phases):
        out.append(prev.intent != "exploration" and new_concept(rows, prev.steps, cur.steps))
    return out


def arc_text(phases: list[PhaseView], pivot: list[bool]) -> str:
    """``explore → refine → pivot → explore``."""
    words: list[str] = []
    for phase, is_pivot in zip(phases, pivot, strict=True):
        if is_pivot:
            words.append("pivot")
        words.append(VERBS[phase.intent])
    return " → ".join(words)


def session_intent(phases: list[PhaseView]) -> str:
    """One strategy, convergent selection, or mixed."""
    intents = [p.intent for p in phases]
    if len(set(intents)) == 1:
        return intents[0]
    # Two phases, exploring then working on one result: the kept concept may be the one explored
    # last, whose first renders the decoder already counts as refinement, so only a pivot
    # (impossible right after exploring) or a third phase makes the arc mixed.
    if len(intents) == 2 and intents[0] == "exploration":
        return "convergent_selection"
    return "mixed"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _short(label: str) -> str:
    """A phase label without its verb, lower-cased verb kept for the arc summary."""
    verb, _, rest = label.partition(": ")
    return f"{verb.lower()} {rest}" if rest else label


def session_label(intent: str, phases: list[PhaseView]) -> str:
    """The session's headline, built from its phases' facts."""
    if len(phases) == 1:
        return phases[0].label
    if intent == "exploration":
        concepts = list(dict.fromkeys(c for p in phases for c in p.concepts))
        head = ", ".join(concepts[:5])
        more = len(concepts) - 5
        return f"Explored: {head}" + (f" and {more} more" if more > 0 else "")
    if intent == "convergent_selection":
        first, kept = phases[0], phases[1]
        concept = kept.concepts[0] if kept.concepts else "one direction"
        n_later = sum(p.n_generations for p in phases[1:])
        how = "refined" if kept.intent == "refinement" else "optimized"
        started = (
            f"started with {_plural(len(first.concepts), 'concept')}"
            if first.concepts
            else f"started with {_plural(first.n_generations, 'exploration')}"
        )
        return f"Selected: {started}, converged on {concept}, {how} through {n_later} variations"
    return " → ".join([phases[0].label, *(_short(p.label) for p in phases[1:])])
