"""Phase labels computed from the phase's own rows: subjects, counts, parameter and range.

Labels describe what the artist did (which subjects, how many renders, which setting moved and
how far, which results they came back to); they never judge. Every word that is not a verb or a
unit comes from the data. Seeds are only counted where the artist chose them: most tools draw a
random seed per render, so "12 seed variations" would state a choice nobody made.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from orchestration.intent.concepts import ArtistContext, representative, subject_name
from orchestration.intent.features import SEED_STEP, SessionRows, Step, keepers_in
from orchestration.intent.templates import Item, Template, explored_items

PARAMETER_NAMES = {
    "cfg_scale": "CFG scale",
    "steps": "steps",
    "size": "size",
    "sampler": "sampler",
    "scheduler": "scheduler",
    "model": "model",
}
MAX_LABEL = 120  # characters: a label is a line a reader takes in at a glance


@dataclass(frozen=True, slots=True)
class PhaseFacts:
    """What a label states, kept as fields so the journal and the tables can show them."""

    label: str
    concepts: list[str]  # the subjects named, as written
    parameter: str | None = None
    first_value: str | None = None
    last_value: str | None = None


def plural(n: int, word: str) -> str:
    """``1 render``, ``3 renders``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def clip(text: str, limit: int = MAX_LABEL) -> str:
    """Cut at a word boundary with an ellipsis when over ``limit`` characters."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:—- ") + "…"


def listing(names: list[str], shown: int) -> str:
    """``a, b and 3 more`` (all of them when ``shown`` covers the list)."""
    more = len(names) - shown
    head = ", ".join(names[:shown])
    return f"{head} and {more} more" if more > 0 and shown else head


def _unit_prompts(rows: SessionRows, phase_steps: list[Step]) -> list[str | None]:
    return [rows.prompts[s.first_row] for s in phase_steps]


def _fit_items(head: str, items: list[Item]) -> str:
    """``head`` and as many items as fit, long templates cut to their first values first."""
    sizes = [len(i.values) if isinstance(i, Template) else 1 for i in items]
    for k in range(len(items), 0, -1):
        more = sum(sizes[k:])
        templates = any(isinstance(i, Template) for i in items[:k])
        for shown in (None, 3, 2, 1) if templates else (None,):
            parts = [i.render(shown) if isinstance(i, Template) else i for i in items[:k]]
            text = head + ", ".join(parts) + (f" and {more} more" if more else "")
            if len(text) <= MAX_LABEL:
                return text
    return clip(head + (items[0].render(1) if isinstance(items[0], Template) else items[0]))


def explored(rows: SessionRows, phase_steps: list[Step], context: ArtistContext) -> PhaseFacts:
    """``Explored: a, b, frame {x, y}`` from the subjects; else what can be counted."""
    items = explored_items(_unit_prompts(rows, phase_steps))
    if items:
        concepts = [v for i in items for v in (i.values if isinstance(i, Template) else [i])]
        return PhaseFacts(_fit_items("Explored: ", items), concepts)
    prompts = {p for p in _unit_prompts(rows, phase_steps) if p}
    if prompts:  # prompts without a subject to name (only style words)
        return PhaseFacts(f"Explored: {plural(len(prompts), 'different prompt')}", [])
    if any("image" in s.bins for s in phase_steps):
        jumps = 1 + sum(1 for s in phase_steps[1:] if s.bins.get("image") in ("low", "mid"))
        return PhaseFacts(f"Explored: {plural(jumps, 'visually distinct direction')}", [])
    n = phase_steps[-1].last_row - phase_steps[0].first_row + 1
    return PhaseFacts(f"Explored: {plural(n, 'render')} without prompts to compare", [])


def chosen_seeds(seeds: list[int | None]) -> bool:
    """Whether the artist picked seeds: one re-used, or stepped (base, base + 1, …)."""
    known = [s for s in seeds if s is not None]
    if len(set(known)) < len(known):
        return True
    return any(0 < abs(int(b) - int(a)) <= SEED_STEP for a, b in pairwise(known))


def render_counts(rows: SessionRows, phase_steps: list[Step]) -> str:
    """``8 renders``, ``22 renders across 3 seeds``, ``16 images from 4 jobs``; prompt edits."""
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    n, jobs = last - first + 1, len(phase_steps)
    if any(rows.columns["job_id"][first : last + 1]) and jobs < n:
        text = f"{plural(n, 'image')} from {plural(jobs, 'job')}"
    else:
        text = plural(n, "render")
        seeds = rows.seeds[first : last + 1]
        if chosen_seeds(seeds):
            k = len({s for s in seeds if s is not None})
            text += " on one seed" if k == 1 else f" across {k} seeds"
    edits = sum(1 for s in phase_steps[1:] if s.bins.get("prompt") in ("close", "related"))
    return text + (f", {plural(edits, 'prompt edit')}" if edits else "")


def refined(rows: SessionRows, phase_steps: list[Step], context: ArtistContext) -> PhaseFacts:
    """``Refined: subject — N renders, E prompt edits, converged on K candidates``.

    K counts the phase's keepers (session_keepers) and nothing else; without any, no claim.
    """
    subject = representative(_unit_prompts(rows, phase_steps))
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    n_candidates = keepers_in(rows, first, last)
    detail = render_counts(rows, phase_steps)
    if n_candidates:
        detail += f", converged on {plural(n_candidates, 'candidate')}"
    if subject:
        head = f"Refined: {subject}"
    elif any("image" in s.bins for s in phase_steps):
        head = "Refined: one visual direction"  # images alike, nothing else to name it by
    else:
        head = "Refined: unnamed renders"  # no prompt words, no images: only the counts
    label = clip(f"{head} — {detail}")
    return PhaseFacts(label, [subject] if subject else [])


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
    """``Optimized: CFG scale 5→12 for subject — N values, M renders``."""
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    subject = representative(_unit_prompts(rows, phase_steps))
    concepts = [subject] if subject else []
    parameter = swept_parameter(phase_steps)
    n = last - first + 1
    if parameter is None:
        target = f"settings for {subject}" if subject else "settings"
        return PhaseFacts(clip(f"Optimized: {target} — {plural(n, 'render')}"), concepts)
    a, b = setting_value(rows, parameter, first), setting_value(rows, parameter, last)
    values = list(dict.fromkeys(setting_value(rows, parameter, r) for r in range(first, last + 1)))
    path = f"{a}→{b}"
    if a == b and len(values) > 1:  # went out and came back: show the turning point
        path = f"{a}→{values[-1] if values[-1] != a else values[1]}→{b}"
    target = f" for {subject}" if subject else ""
    label = (
        f"Optimized: {PARAMETER_NAMES[parameter]} {path}{target} — "
        f"{plural(len(values), 'value')}, {plural(n, 'render')}"
    )
    return PhaseFacts(clip(label), concepts, parameter=parameter, first_value=a, last_value=b)


def single_render_label(prompt: str | None, n: int = 1) -> str:
    """``Single render: magpie bird in avila``; a job's images (``n``) are still one render."""
    subject = subject_name(prompt)
    images = f" ({plural(n, 'image')})" if n > 1 else ""
    return clip(f"Single render: {subject}{images}" if subject else f"Single render{images}")


LABELLERS = {"exploration": explored, "refinement": refined, "optimization": optimized}
