"""Decoded segments → phases as an artist would name them.

The decoder may cut a phase in two where a stray step made a boundary cheap; two neighbouring
segments of one intent are one phase unless the second starts a new concept (refine → pivot →
refine) or, for optimization, sweeps a different setting (CFG, then steps). Two explorations
side by side are always one phase: exploring is changing concept.
"""

from __future__ import annotations

from orchestration.intent.arcs import new_concept
from orchestration.intent.features import SessionRows, Step
from orchestration.intent.labels import swept_parameter
from orchestration.intent.segmentation import Segment


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


def finalize(rows: SessionRows, session_steps: list[Step], segments: list[Segment]) -> list[Segment]:
    """Merge same-intent neighbours that continue one concept; split multi-setting sweeps."""
    merged: list[Segment] = []
    for seg in segments:
        if merged and merged[-1].intent == seg.intent:
            prev = merged[-1]
            left = session_steps[prev.first : prev.last + 1]
            right = session_steps[seg.first : seg.last + 1]
            same_sweep = seg.intent != "optimization" or swept_parameter(
                left
            ) == swept_parameter(right[1:] or right)
            if seg.intent == "exploration" or (
                same_sweep and not new_concept(rows, left, right)
            ):
                merged[-1] = Segment(prev.first, seg.last, seg.intent)
                continue
        merged.append(seg)
    out: list[Segment] = []
    for seg in merged:
        out.extend(_split_sweeps(session_steps, seg) if seg.intent == "optimization" else [seg])
    return out
