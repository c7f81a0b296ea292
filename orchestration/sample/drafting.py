"""Turn one planned phase into prompts, seeds and settings that show its strategy.

Exploration jumps between concepts; refinement keeps one concept, draws new seeds (often a
seed sweep) and edits modifiers lightly; optimization holds prompt and seed and steps one setting.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from orchestration.sample.plans import PhaseSpec
from orchestration.sample.vocabulary import (
    CONCEPTS,
    STYLE_MODIFIERS,
    Axis,
    Concept,
    ToolSettings,
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The generation settings besides prompt and seed; a sweep replaces one of them."""

    steps: int | None
    cfg_scale: float | None
    sampler: str | None
    scheduler: str | None
    model: str | None
    width: int
    height: int
    negative_prompt: str | None


@dataclass(slots=True)
class Draft:
    """A generation before it has a time and labels; ``images`` > 1 for a Midjourney grid."""

    concept: Concept
    prompt: str
    seed: int | None
    settings: Settings
    images: int = 1


@dataclass(slots=True)
class SessionState:
    """What a session has done so far, for the phases that continue it."""

    settings: Settings
    used: list[Concept] = field(default_factory=list)
    explored: list[Concept] = field(default_factory=list)  # by the phase just before
    prompts: dict[str, str] = field(default_factory=dict)  # last prompt per concept key
    last: Draft | None = None  # the candidate a following phase builds on


def base_settings(rng: random.Random, tool: ToolSettings) -> Settings:
    """A session's starting settings: the tool's defaults and one of its models."""
    return Settings(
        steps=tool.steps,
        cfg_scale=tool.cfg_scale,
        sampler=tool.sampler,
        scheduler=tool.scheduler,
        model=rng.choice(tool.models) if tool.models else None,
        width=tool.size[0],
        height=tool.size[1],
        negative_prompt=tool.negative_prompt,
    )


def _prompt(concept: Concept, modifiers: list[str]) -> str:
    return ", ".join([concept.subject, *modifiers])


def _new_seed(rng: random.Random, tool: ToolSettings) -> int | None:
    """Midjourney files carry no seed unless asked for, so its drafts have none."""
    return None if tool.tool == "midjourney" else rng.randrange(1, 2**tool.seed_bits)


def _images(rng: random.Random, tool: ToolSettings) -> int:
    """Midjourney renders four per job; artists keep one, two or all of them."""
    return rng.choice((1, 2, 4, 4)) if tool.tool == "midjourney" else 1


def _fresh_concept(rng: random.Random, state: SessionState) -> Concept:
    unused = [c for c in CONCEPTS if c not in state.used]
    concept = rng.choice(unused or list(CONCEPTS))
    state.used.append(concept)
    return concept


def _fresh_modifiers(rng: random.Random, concept: Concept) -> list[str]:
    picks = [m for m in STYLE_MODIFIERS if m not in concept.modifiers]
    return [*concept.modifiers, *rng.sample(picks, rng.randint(1, 3))]


def _explore(
    rng: random.Random, spec: PhaseSpec, tool: ToolSettings, state: SessionState
) -> list[Draft]:
    drafts: list[Draft] = []
    explored: list[Concept] = []
    while len(drafts) < spec.size:
        concept = _fresh_concept(rng, state)
        explored.append(concept)
        for _ in range(min(rng.choice((1, 1, 2)), spec.size - len(drafts))):
            prompt = _prompt(concept, _fresh_modifiers(rng, concept))
            state.prompts[concept.key] = prompt
            drafts.append(
                Draft(concept, prompt, _new_seed(rng, tool), state.settings, _images(rng, tool))
            )
    state.explored = explored
    return drafts


def _refine(
    rng: random.Random, spec: PhaseSpec, tool: ToolSettings, state: SessionState
) -> list[Draft]:
    if state.explored and not spec.pivot:
        concept = rng.choice(state.explored[-4:])  # narrow onto one explored concept
        modifiers = state.prompts[concept.key].split(", ")[1:]
    elif state.last is not None and not spec.pivot:
        concept = state.last.concept
        modifiers = state.last.prompt.split(", ")[1:]
    else:
        concept = _fresh_concept(rng, state)
        modifiers = _fresh_modifiers(rng, concept)
    state.explored = []
    sweep_base = _new_seed(rng, tool)
    drafts = []
    for i in range(spec.size):
        edit = rng.random()
        if i and edit < 0.2:
            modifiers.append(rng.choice([m for m in STYLE_MODIFIERS if m not in modifiers]))
        elif i and edit < 0.3 and len(modifiers) > 2:
            modifiers.pop(rng.randrange(len(modifiers)))
        seed = _new_seed(rng, tool)
        if sweep_base is not None and rng.random() < 0.5:
            seed = sweep_base + i  # a seed sweep: base, base + 1, ...
        drafts.append(
            Draft(concept, _prompt(concept, modifiers), seed, state.settings, _images(rng, tool))
        )
    return drafts


def _sweep(rng: random.Random, axis: Axis, tool: ToolSettings) -> list[dict[str, Any]]:
    """The settings one optimization steps through."""
    if axis == "cfg":
        start = rng.choice((4, 5))
        return [{"cfg_scale": float(c)} for c in range(start, 13)]
    if axis == "steps":
        return [{"steps": s} for s in range(20, 51, rng.choice((5, 10)))]
    if axis == "size":
        sides = (512, 768, 1024) if rng.random() < 0.5 else (512, 640, 768, 896, 1024)
        return [{"width": s, "height": s} for s in sides]
    if axis == "sampler":
        return [{"sampler": s} for s in tool.samplers]
    return [{"model": m} for m in tool.models]


def _optimize(
    rng: random.Random, spec: PhaseSpec, tool: ToolSettings, state: SessionState
) -> list[Draft]:
    if spec.axis is None or spec.axis not in tool.axes:
        raise ValueError(f"{tool.tool} cannot sweep {spec.axis!r}")
    if state.last is None or spec.pivot:
        concept = _fresh_concept(rng, state)
        prompt, seed = _prompt(concept, _fresh_modifiers(rng, concept)), _new_seed(rng, tool)
    else:
        concept, prompt, seed = state.last.concept, state.last.prompt, state.last.seed
    state.explored = []
    steps = [replace(state.settings, **step) for step in _sweep(rng, spec.axis, tool)]
    if state.last is not None and not spec.pivot:  # the kept candidate is already rendered
        steps = [s for s in steps if s != state.last.settings]
    return [Draft(concept, prompt, seed, s) for s in steps]


_DRAFTERS: dict[str, Callable[[random.Random, PhaseSpec, ToolSettings, SessionState], list[Draft]]]
_DRAFTERS = {"exploration": _explore, "refinement": _refine, "optimization": _optimize}


def draft_phase(
    rng: random.Random, spec: PhaseSpec, tool: ToolSettings, state: SessionState
) -> list[Draft]:
    """Draft a phase and remember the candidate (and, after a sweep, the setting) kept."""
    drafts = _DRAFTERS[spec.intent](rng, spec, tool, state)
    if spec.intent == "exploration":
        state.last = drafts[-1]
    else:
        state.last = rng.choice(drafts[-4:] if spec.intent == "refinement" else drafts)
        state.settings = state.last.settings
    return drafts
