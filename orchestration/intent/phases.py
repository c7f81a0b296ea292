"""Decoded segments → phases as an artist would name them.

A decoded optimization that only toggled its setting and went back is a tweak inside another
strategy and takes its next-best intent. The decoder may cut a phase in two where a stray step
made a boundary cheap; two neighbouring segments of one intent are one phase unless the second
starts a new concept (refine → pivot → refine) or, for optimization, sweeps a different setting
(CFG, then steps). Two explorations side by side are always one phase: exploring is changing
concept.
"""

from __future__ import annotations

from orchestration.intent.arcs import new_concept
from orchestration.intent.features import SessionRows, Step
from orchestration.intent.labels import setting_value, swept_parameter
from orchestration.intent.segmentation import Segment, segment_loglik
from orchestration.intent.templates import slot_renders

PIVOT_MIN_ODDS = 0.0  # log-odds of a phase start needed to keep two refinements apart
EXPLORED_PAIR = 2  # renders: a subject drawn this often amid exploration is still explored


def _explored_in_passing(
    rows: SessionRows, session_steps: list[Step], segments: list[Segment]
) -> list[Segment]:
    """A refinement with exploration on every side of it that drew no subject thrice is exploration.

    The guideline's exploration is "one render (or so) per subject": a subject drawn twice
    while moving between subjects does not make a phase of work on it, and neither does a
    fixed frame whose slot changed every render or so ("portrait of aggressive {humanoid
    crocodile, humanoid crocodile, female bunny}"), however close its strings are. Only a
    refinement that touches no other working phase is read so; two renders before an
    optimization or another refinement stay a phase of their own.
    """
    out = list(segments)
    for k, seg in enumerate(out):
        neighbours = out[max(k - 1, 0) : k] + out[k + 1 : k + 2]
        first, last = session_steps[seg.first].first_row, session_steps[seg.last].last_row
        if (
            seg.intent == "refinement"
            and neighbours
            and all(n.intent == "exploration" for n in neighbours)
            and _renders_per_subject(rows.prompts[first : last + 1]) <= EXPLORED_PAIR
        ):
            out[k] = Segment(seg.first, seg.last, "exploration")
    return out


def _renders_per_subject(prompts: list[str | None]) -> int:
    """The most renders one subject got: per slot value where the prompts fill one frame."""
    per_value = slot_renders(prompts)
    return len(prompts) if per_value is None else min(per_value, len(prompts))


def _split_sweeps(session_steps: list[Step], seg: Segment) -> list[Segment]:
    """Cut an optimization where the swept setting changes for at least two steps running."""
    out = [seg]
    u = seg.first + 2
    while u < seg.last:
        cur, nxt, prev = session_steps[u], session_steps[u + 1], session_steps[u - 1]
        start = out[-1].first
        if (
            cur.changed
            and cur.changed == nxt.changed
            and cur.changed != prev.changed
            and u - start >= 2
        ):
            out[-1] = Segment(start, u - 1, seg.intent)
            out.append(Segment(u, seg.last, seg.intent))
        u += 1
    return out


def _is_sweep(rows: SessionRows, session_steps: list[Step], seg: Segment) -> bool:
    """Whether the phase moved its setting somewhere, rather than there and back.

    Stepping CFG, raising steps, doubling the size or swapping the model all count, even as one
    change; trying a value and returning to the one before (CFG 7→15→7) is a toggle inside
    some other strategy, also when the return is the first render after the phase (1600→1024,
    then back to 1600 with the next prompt edit).
    """
    phase_steps = session_steps[seg.first : seg.last + 1]
    parameter = swept_parameter(phase_steps)
    if parameter is None:
        return False
    start = max(phase_steps[0].first_row - 1, 0)
    end = min(phase_steps[-1].last_row + 1, rows.n - 1)
    values = [setting_value(rows, parameter, r) for r in range(start, end + 1)]
    return len(set(values)) >= 3 or values[-1] != values[0]


def toggles(rows: SessionRows, session_steps: list[Step], segments: list[Segment]) -> list[Segment]:
    """Decoded optimizations that only tried a setting and went back: no sweep to name."""
    return [
        seg
        for seg in segments
        if seg.intent == "optimization" and not _is_sweep(rows, session_steps, seg)
    ]


def _relabel_tweaks(
    rows: SessionRows,
    session_steps: list[Step],
    segments: list[Segment],
    loglik: list[dict[str, float]],
    intents: tuple[str, ...],
) -> list[Segment]:
    """A tweak is not a sweep: such a phase takes its next-best intent."""
    out = []
    for seg in segments:
        if seg.intent == "optimization" and not _is_sweep(rows, session_steps, seg):
            ll = segment_loglik(loglik, seg, intents)
            others = [i for i in intents if i != "optimization"]
            seg = Segment(seg.first, seg.last, max(others, key=lambda i: ll[i]))
        out.append(seg)
    return out


def finalize(
    rows: SessionRows,
    session_steps: list[Step],
    segments: list[Segment],
    loglik: list[dict[str, float]],
    intents: tuple[str, ...],
    *,
    pivot_odds: list[float] | None = None,
) -> list[Segment]:
    """Relabel tweaks and explored pairs, merge neighbours that continue one phase, split sweeps.

    With ``pivot_odds`` (a learned boundary model's log-odds that a phase starts at each unit)
    two refinements side by side stay apart only where the model sees a pivot and the second
    opens on a subject the first did not draw: a split inside one subject's work (or a return
    to it after a stray render) would turn a refinement into a mixed session.
    """
    merged: list[Segment] = []
    relabelled = _relabel_tweaks(rows, session_steps, segments, loglik, intents)
    for seg in _explored_in_passing(rows, session_steps, relabelled):
        if merged and merged[-1].intent == seg.intent and seg.intent != "exploration":
            if pivot_odds is not None:
                prev = merged[-1]
                left = session_steps[prev.first : prev.last + 1]
                right = session_steps[seg.first : seg.last + 1]
                if pivot_odds[seg.first] >= PIVOT_MIN_ODDS and new_concept(rows, left, right):
                    merged.append(seg)
                else:
                    merged[-1] = Segment(merged[-1].first, seg.last, seg.intent)
                continue
        if merged and merged[-1].intent == seg.intent:
            prev = merged[-1]
            left = session_steps[prev.first : prev.last + 1]
            right = session_steps[seg.first : seg.last + 1]
            same_sweep = seg.intent != "optimization" or swept_parameter(left) == swept_parameter(
                right[1:] or right
            )
            if seg.intent == "exploration" or (same_sweep and not new_concept(rows, left, right)):
                merged[-1] = Segment(prev.first, seg.last, seg.intent)
                continue
        merged.append(seg)
    out: list[Segment] = []
    for seg in merged:
        out.extend(_split_sweeps(session_steps, seg) if seg.intent == "optimization" else [seg])
    return out
