"""Phase labels computed from the phase's own rows: concepts, counts, parameter and range.

Labels describe what the artist did (how many renders, which setting moved and how far, which
results they came back to); they never judge. Every word that is not a verb or a unit comes
from the data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from orchestration.intent.concepts import ArtistContext, key_phrase, name_concepts
from orchestration.intent.features import IMAGE_HIGH, SessionRows, Step

PARAMETER_NAMES = {
    "cfg_scale": "CFG scale",
    "steps": "steps",
    "size": "size",
    "sampler": "sampler",
    "scheduler": "scheduler",
    "model": "model",
}
MAX_LISTED = 4  # concepts named in an exploration label before "and N more"


@dataclass(frozen=True, slots=True)
class PhaseFacts:
    """What a label states, kept as fields so the journal and the tables can show them."""

    label: str
    concepts: list[str]
    parameter: str | None = None
    first_value: str | None = None
    last_value: str | None = None
    n_candidates: int | None = None


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _unit_prompts(rows: SessionRows, phase_steps: list[Step]) -> list[str | None]:
    return [rows.prompts[s.first_row] for s in phase_steps]


def explored(rows: SessionRows, phase_steps: list[Step], context: ArtistContext) -> PhaseFacts:
    """``Explored: a, b, c`` from the concepts; else what can be counted (prompts, images)."""
    concepts = name_concepts(_unit_prompts(rows, phase_steps), context)
    if concepts:
        listed = ", ".join(concepts[:MAX_LISTED])
        more = len(concepts) - MAX_LISTED
        return PhaseFacts(
            f"Explored: {listed}" + (f" and {more} more" if more > 0 else ""), concepts
        )
    prompts = {p for p in _unit_prompts(rows, phase_steps) if p}
    if prompts:  # prompts without words to name (emoji, numbers)
        return PhaseFacts(f"Explored: {_plural(len(prompts), 'different prompt')}", [])
    if any("image" in s.bins for s in phase_steps):
        jumps = 1 + sum(1 for s in phase_steps[1:] if s.bins.get("image") in ("low", "mid"))
        return PhaseFacts(f"Explored: {_plural(jumps, 'visually distinct direction')}", [])
    n = phase_steps[-1].last_row - phase_steps[0].first_row + 1
    return PhaseFacts(f"Explored: {_plural(n, 'render')} without prompts to compare", [])


def _variation_counts(rows: SessionRows, phase_steps: list[Step]) -> str:
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    n = last - first + 1
    jobs = len(phase_steps)
    if any(rows.columns["job_id"][first : last + 1]) and jobs < n:
        text = f"{_plural(n, 'image')} from {_plural(jobs, 'job')}"
    else:
        seeds = {s for s in rows.seeds[first : last + 1] if s is not None}
        if len(seeds) > 1:
            text = _plural(len(seeds), "seed variation")
            text += f" in {n} renders" if len(seeds) < n else ""
        else:
            text = _plural(n, "variation")
    edits = sum(1 for s in phase_steps[1:] if s.bins.get("prompt") in ("close", "related"))
    return text + (f", {_plural(edits, 'prompt edit')}" if edits else "")


def candidates(rows: SessionRows, phase_steps: list[Step]) -> int | None:
    """Distinct results the artist came back to: re-used seeds, else runs of near-twin images.

    A seed rendered again anywhere in the session (an upscale, a hi-res pass, a sweep from it)
    marks a kept result; without seeds, consecutive images above the high visual similarity
    cut form a cluster. None when the data can show neither.
    """
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    all_seeds = Counter(s for s in rows.seeds if s is not None)
    phase_seeds = {s for s in rows.seeds[first : last + 1] if s is not None}
    # A seed locked for most of the session is a working habit, not a result returned to.
    reused = sum(1 for s in phase_seeds if 1 < all_seeds[s] <= rows.n // 2)
    if reused:
        return reused
    sims = rows.columns["image_similarity"][first + 1 : last + 1]
    if all(s is None for s in sims):
        return None
    clusters, inside = 0, False
    for s in sims:
        close = s is not None and s >= IMAGE_HIGH
        clusters += close and not inside
        inside = close
    return clusters


def refined(rows: SessionRows, phase_steps: list[Step], context: ArtistContext) -> PhaseFacts:
    """``Refined: concept — N seed variations, converged on C candidates``."""
    concept = key_phrase(_unit_prompts(rows, phase_steps), context)
    n_candidates = candidates(rows, phase_steps)
    detail = _variation_counts(rows, phase_steps)
    if n_candidates:
        detail += f", converged on {_plural(n_candidates, 'candidate')}"
    if concept:
        head = f"Refined: {concept}"
    elif any("image" in s.bins for s in phase_steps):
        head = "Refined: one visual direction"  # images alike, nothing else to name it by
    else:
        head = "Refined: unnamed renders"  # no prompt words, no images: only the counts
    return PhaseFacts(f"{head} — {detail}", [concept] if concept else [], n_candidates=n_candidates)


def setting_value(rows: SessionRows, parameter: str, row: int) -> str | None:
    """One row's value of a setting as a label prints it (``7``, ``512×768``, ``euler``)."""
    c = rows.columns
    if parameter == "size":
        w, h = c["width"][row], c["height"][row]
        return None if w is None or h is None else f"{w}×{h}"
    value = c[parameter][row]
    if isinstance(value, float):
        return f"{value:g}"
    return None if value is None else str(value)


def swept_parameter(phase_steps: list[Step]) -> str | None:
    """The setting that changed most often inside the phase (ties: the earliest to change)."""
    changes = Counter(p for s in phase_steps for p in s.changed)
    return max(changes, key=lambda p: changes[p]) if changes else None


def optimized(rows: SessionRows, phase_steps: list[Step], context: ArtistContext) -> PhaseFacts:
    """``Optimized: CFG scale 5→12 for concept prompt — N renders``."""
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    concept = key_phrase(_unit_prompts(rows, phase_steps), context)
    parameter = swept_parameter(phase_steps)
    n = last - first + 1
    if parameter is None:
        return PhaseFacts(
            f"Optimized: settings for {concept or 'one'} prompt — {_plural(n, 'render')}",
            [concept] if concept else [],
        )
    a, b = setting_value(rows, parameter, first), setting_value(rows, parameter, last)
    values = list(dict.fromkeys(setting_value(rows, parameter, r) for r in range(first, last + 1)))
    path = f"{a}→{b}"
    if a == b and len(values) > 1:  # went out and came back: show the turning point
        path = f"{a}→{values[-1] if values[-1] != a else values[1]}→{b}"
    target = f" for {concept} prompt" if concept else ""
    label = (
        f"Optimized: {PARAMETER_NAMES[parameter]} {path}{target} — "
        f"{_plural(len(values), 'value')}, {_plural(n, 'render')}"
    )
    return PhaseFacts(
        label, [concept] if concept else [], parameter=parameter, first_value=a, last_value=b
    )


LABELLERS = {"exploration": explored, "refinement": refined, "optimization": optimized}
