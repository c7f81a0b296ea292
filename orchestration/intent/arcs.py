"""From phases to the session: pivots, the arc text, the session intent and its label.

A *pivot* is a phase that starts on a new concept after a refinement or optimization
(``explore → refine → pivot → explore``). A session is *convergent selection* when it opens
with exploration and then refines or optimizes one result in a single further phase;
one strategy throughout keeps that strategy's name; longer arcs are *mixed*.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from orchestration.intent.concepts import distinct, same_subject
from orchestration.intent.features import SAME_SUBJECT, SessionRows, Step, subject, token_jaccard
from orchestration.intent.labels import MAX_LABEL, PARAMETER_NAMES, clip, listing, plural

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


@dataclass
class _Clause:
    """One run of same-strategy phases as a clause: ``refined 3 subjects (a, b and 1 more)``."""

    intent: str
    names: list[str]
    n_generations: int
    parameters: list[str]
    again: bool = False  # a second exploration: "explored 4 more"
    further: bool = False  # same subject as the clause before: "optimized size, refined further"

    def render(self, shown: int, *, alone: bool = False) -> str:
        names, n = self.names, len(self.names)
        if self.intent == "optimization":
            what = ", ".join(self.parameters) or "settings"
            named = shown and names and not self.further
            return f"optimized {what}" + (f" for {names[0]}" if named else "")
        if not names:
            return f"{VERBS[self.intent]}d {plural(self.n_generations, 'render')}"
        if self.intent == "exploration":
            if shown:
                return f"explored {listing(names, shown)}"
            return f"explored {n} more" if self.again else f"explored {plural(n, 'subject')}"
        if self.further:
            return "refined further"
        if n == 1:
            return f"refined {names[0]}" if shown else "refined 1 subject"
        head = f"refined {n} subjects"
        if not shown:
            return head
        return f"{head}: {listing(names, shown)}" if alone else f"{head} ({listing(names, shown)})"


def _parameter(label: str) -> str | None:
    """The setting an optimization label names (the labeller wrote it, so it reads back)."""
    return next((p for p in PARAMETER_NAMES.values() if label.startswith(f"Optimized: {p} ")), None)


def _clauses(phases: list[PhaseView]) -> list[_Clause]:
    clauses: list[_Clause] = []
    for phase in phases:
        if not clauses or clauses[-1].intent != phase.intent:
            again = any(c.intent == "exploration" for c in clauses)
            clauses.append(_Clause(phase.intent, [], 0, [], again=again))
        clause = clauses[-1]
        clause.names = distinct([*clause.names, *phase.concepts])
        clause.n_generations += phase.n_generations
        parameter = _parameter(phase.label)
        if parameter and parameter not in clause.parameters:
            clause.parameters.append(parameter)
    for prev, cur in pairwise(clauses):
        working = "exploration" not in (prev.intent, cur.intent) and bool(cur.names)
        kept = all(any(same_subject(a, b) for b in prev.names) for a in cur.names)
        cur.further = working and kept
    return clauses


def _fit(prefix: str, clauses: list[_Clause], joiner: str = ", ") -> str:
    """The clauses with as many names as fit in ``MAX_LABEL``: long lists shrink first."""
    alone = len(clauses) == 1
    shown = [len(c.names) for c in clauses]

    def text() -> str:
        body = joiner.join(c.render(k, alone=alone) for c, k in zip(clauses, shown, strict=True))
        return prefix + (body if prefix else body[:1].upper() + body[1:])

    # A list loses names one at a time, the longest first; a clause's one subject goes last,
    # an optimization's (usually the subject just refined) before a refinement's.
    while len(text()) > MAX_LABEL:
        lists = [i for i, k in enumerate(shown) if k > 1 or (k == 1 and len(clauses[i].names) > 1)]
        if lists:  # "a and 4 more" previews nothing: from two names straight to the count
            i = max(lists, key=lambda i: (shown[i], -i))
            shown[i] = shown[i] - 1 if shown[i] > 2 else 0
            continue
        singles = [i for i, k in enumerate(shown) if k == 1]
        if not singles:
            break
        shown[max(singles, key=lambda i: (clauses[i].intent == "optimization", i))] = 0
    return clip(text())


def session_label(intent: str, phases: list[PhaseView]) -> str:
    """The session's headline in at most ``MAX_LABEL`` characters, built from its phases.

    One phase: its label. Otherwise each run of same-strategy phases becomes a clause, its
    subjects cut to "and N more" as space requires; the phases keep their full labels.
    """
    if len(phases) == 1:
        return phases[0].label
    clauses = _clauses(phases)
    if intent == "convergent_selection" and len(clauses) == 2:
        return _fit("Selected: ", clauses, ", then ")
    if len(clauses) == 1 and clauses[0].intent == "exploration" and clauses[0].names:
        names = clauses[0].names
        fits = (f"Explored: {listing(names, k)}" for k in range(len(names), 0, -1))
        return next((t for t in fits if len(t) <= MAX_LABEL), clip(f"Explored: {names[0]}"))
    return _fit("", clauses)
