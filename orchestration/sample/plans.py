"""Session plans: the strategies an artist follows, as phases, and the sample's artists' habits."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from orchestration.sample.vocabulary import TOOLS, Axis, ToolSettings

PhaseIntent = Literal["exploration", "refinement", "optimization"]
SessionIntent = Literal[
    "exploration", "refinement", "optimization", "convergent_selection", "mixed"
]

PHASE_INTENTS: tuple[PhaseIntent, ...] = ("exploration", "refinement", "optimization")
SESSION_INTENTS: tuple[SessionIntent, ...] = (*PHASE_INTENTS, "convergent_selection", "mixed")


@dataclass(frozen=True, slots=True)
class PhaseSpec:
    """One planned phase.

    ``pivot`` starts on a concept the session has not used yet; otherwise a refinement after an
    exploration narrows onto one explored concept, and later phases continue the current prompt.
    ``size`` counts generations (Midjourney: jobs of four images); an optimization takes its
    length from its sweep.
    """

    intent: PhaseIntent
    size: int = 0
    axis: Axis | None = None
    pivot: bool = False


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """The phases of one session and the tool it is made with."""

    tool: str
    phases: tuple[PhaseSpec, ...]


@dataclass(frozen=True, slots=True)
class ArtistProfile:
    """An artist's habit: which sessions they run, in time order."""

    name: str
    habit: str
    plans: tuple[SessionPlan, ...]


def _explore(n: int, *, pivot: bool = False) -> PhaseSpec:
    return PhaseSpec("exploration", n, pivot=pivot)


def _refine(n: int, *, pivot: bool = False) -> PhaseSpec:
    return PhaseSpec("refinement", n, pivot=pivot)


def _optimize(axis: Axis, *, pivot: bool = False) -> PhaseSpec:
    return PhaseSpec("optimization", axis=axis, pivot=pivot)


def _plan(tool: str, *phases: PhaseSpec) -> SessionPlan:
    return SessionPlan(tool, phases)


# The sample archive's artists; each habit leans on one strategy but touches the others.
SAMPLE_PROFILES: tuple[ArtistProfile, ...] = (
    ArtistProfile(
        "mira",
        "refines with seed sweeps (A1111, later Forge)",
        (
            _plan("a1111", _refine(12)),
            _plan("a1111", _refine(9), _refine(8, pivot=True)),
            _plan("a1111", _explore(6), _refine(10)),
            _plan("a1111", _refine(14)),
            _plan("forge", _explore(6), _refine(7), _explore(5, pivot=True)),
            _plan("forge", _optimize("cfg")),
            _plan("forge", _refine(11)),
        ),
    ),
    ArtistProfile(
        "jonas",
        "optimizes parameters (ComfyUI)",
        (
            _plan("comfyui", _optimize("cfg")),
            _plan("comfyui", _optimize("steps")),
            _plan("comfyui", _refine(7), _optimize("size")),
            _plan("comfyui", _optimize("sampler")),
            _plan("comfyui", _explore(6)),
            _plan("comfyui", _optimize("model"), _refine(6)),
            _plan("comfyui", _refine(8), _optimize("cfg"), _optimize("steps")),
        ),
    ),
    ArtistProfile(
        "sol",
        "explores broadly (Midjourney)",
        (
            _plan("midjourney", _explore(5)),
            _plan("midjourney", _explore(4), _refine(3)),
            _plan("midjourney", _explore(6)),
            _plan("midjourney", _refine(4)),
            _plan("midjourney", _explore(3), _refine(2), _explore(3, pivot=True)),
        ),
    ),
    ArtistProfile(
        "kai",
        "converges from many ideas onto one (mixed tools)",
        (
            _plan("invokeai", _explore(5), _refine(8)),
            _plan("novelai", _explore(6), _refine(7)),
            _plan("fooocus", _explore(4), _refine(9)),
            _plan("swarmui", _optimize("model")),
            _plan("swarmui", _explore(5), _refine(6)),
            _plan("tensorart", _explore(7)),
            _plan("stability_matrix", _refine(8)),
        ),
    ),
)

# Users of one shared Discord channel whose rows interleave in the sample log.
LOG_PROFILES: tuple[ArtistProfile, ...] = (
    ArtistProfile(
        "lumen",
        "explores, then settles",
        (
            _plan("diffusiondb", _explore(10)),
            _plan("diffusiondb", _explore(6), _refine(10)),
            _plan("diffusiondb", _explore(9)),
            _plan("diffusiondb", _explore(6), _refine(8), _explore(5, pivot=True)),
        ),
    ),
    ArtistProfile(
        "quill",
        "tunes settings",
        (
            _plan("diffusiondb", _optimize("cfg")),
            _plan("diffusiondb", _optimize("steps"), _refine(8)),
            _plan("diffusiondb", _optimize("sampler"), _refine(5)),
            _plan("diffusiondb", _optimize("size")),
        ),
    ),
    ArtistProfile(
        "ravi",
        "reruns one prompt",
        (
            _plan("diffusiondb", _refine(16)),
            _plan("diffusiondb", _refine(12)),
            _plan("diffusiondb", _explore(5), _refine(10)),
            _plan("diffusiondb", _refine(9), _refine(8, pivot=True)),
        ),
    ),
)


def random_profile(
    rng: random.Random,
    name: str,
    tools: tuple[str, ...],
    n_sessions: int,
    *,
    weights: dict[SessionIntent, float] | None = None,
) -> ArtistProfile:
    """A profile whose sessions are drawn by intent weights, for synthetic evaluations at scale."""
    weights = weights or dict.fromkeys(SESSION_INTENTS, 1.0)
    intents = list(weights)
    plans = []
    for _ in range(n_sessions):
        tool = rng.choice(tools)
        intent = rng.choices(intents, weights=[weights[i] for i in intents])[0]
        plans.append(SessionPlan(tool, _phases_for(rng, intent, TOOLS[tool])))
    return ArtistProfile(name, "random", tuple(plans))


def _phases_for(
    rng: random.Random, intent: SessionIntent, tool: ToolSettings
) -> tuple[PhaseSpec, ...]:
    """A plausible plan for a session intent; tools without sweepable settings never optimize."""
    explore, refine = _explore(rng.randint(5, 9)), _refine(rng.randint(6, 14))
    if intent == "exploration":
        return (explore,)
    if intent == "refinement":
        return (refine,)
    if intent == "convergent_selection" or (intent == "optimization" and not tool.axes):
        return (explore, refine)
    if intent == "optimization":
        return (_optimize(rng.choice(tool.axes)),)
    arcs = [(explore, refine, _explore(rng.randint(4, 7), pivot=True))]
    if tool.axes:
        arcs.append((refine, _optimize(rng.choice(tool.axes))))
    return rng.choice(arcs)
