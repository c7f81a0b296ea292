"""An artist whose habits the default decision rules misread, to show that corrections teach.

"tove" explores *styles* rather than subjects: a style study keeps one subject and locks the
seed, swapping the whole style block each render, and she works fast (seconds apart). To rules
tuned on the taxonomy's typical artist, a locked seed, a shared subject and quick renders read as
refinement, so her explorations come out wrong until she corrects a few sessions. Her
refinements (seed sweeps on one prompt) and sweeps (CFG, steps) are the usual ones.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.drafting import (
    Draft,
    SessionState,
    base_settings,
    draft_phase,
)
from orchestration.sample.plans import PhaseIntent, PhaseSpec
from orchestration.sample.scenarios import (
    SAMPLE_START,
    ArtistScenario,
    SampleGeneration,
    SamplePhase,
    SampleSession,
    derive_session_intent,
)
from orchestration.sample.vocabulary import CONCEPTS, TOOLS

HABIT = "studies styles on one subject with a locked seed, fast"
# The media a style study runs through, one per render.
MEDIUMS: tuple[str, ...] = (
    "oil painting",
    "watercolor",
    "35mm photo",
    "digital art",
    "matte painting",
    "concept art",
    "charcoal sketch",
    "ukiyo-e print",
    "pixel art",
    "claymation",
)
_ARCS: tuple[tuple[PhaseIntent, ...], ...] = (
    ("exploration",),
    ("exploration", "refinement"),
    ("refinement",),
    ("exploration", "refinement", "optimization"),
    ("refinement", "optimization"),
)


def _style_study(rng: random.Random, size: int, state: SessionState) -> list[Draft]:
    """One subject and seed; each render swaps the medium, the rest of the prompt stays."""
    concept = rng.choice([c for c in CONCEPTS if c not in state.used])
    state.used.append(concept)
    seed = rng.randrange(1, 2**32)
    drafts = []
    for medium in rng.sample(MEDIUMS, size):
        prompt = ", ".join([concept.subject, *concept.modifiers, medium])
        drafts.append(Draft(concept, prompt, seed, state.settings))
    pick = rng.choice(drafts)
    state.explored, state.prompts[concept.key], state.last = [concept], pick.prompt, pick
    return drafts


def _session(
    rng: random.Random, artist: str, index: int, arc: tuple[PhaseIntent, ...], start: datetime
) -> SampleSession:
    tool = TOOLS["a1111"]
    state = SessionState(base_settings(rng, tool))
    phases: list[SamplePhase] = []
    drafted: list[list[Draft]] = []
    for intent in arc:
        if intent == "exploration":
            drafts = _style_study(rng, rng.randint(6, 9), state)
            axis = None
        else:
            axis = rng.choice(("cfg", "steps")) if intent == "optimization" else None
            drafts = draft_phase(rng, PhaseSpec(intent, rng.randint(6, 12), axis), tool, state)
        phases.append(SamplePhase(intent, list(dict.fromkeys(d.concept.key for d in drafts)), axis))
        drafted.append(drafts)
    key = f"{artist}#{index:02d}"
    intent = derive_session_intent(phases)
    at = start
    for phase_no, (phase, drafts) in enumerate(zip(phases, drafted, strict=True), 1):
        for draft in drafts:
            at += timedelta(seconds=2 * rng.randint(4, 25))
            meta = GenerationMeta(
                tool=tool.tool,
                prompt=draft.prompt,
                seed=draft.seed,
                created_at=at,
                steps=draft.settings.steps,
                cfg_scale=draft.settings.cfg_scale,
                sampler=draft.settings.sampler,
                scheduler=draft.settings.scheduler,
                model=draft.settings.model,
                width=draft.settings.width,
                height=draft.settings.height,
                negative_prompt=draft.settings.negative_prompt,
            )
            phase.generations.append(
                SampleGeneration(
                    meta=meta,
                    artist=artist,
                    created_at=at,
                    concept=draft.concept.key,
                    render_seed=rng.randrange(2**31),
                    session_key=key,
                    phase_no=phase_no,
                    phase_intent=phase.intent,
                    session_intent=intent,
                )
            )
    return SampleSession(key, artist, tool.tool, intent, phases)


def generate_style_study_artist(
    rng: random.Random, *, name: str = "tove", n_sessions: int = 12, start: datetime = SAMPLE_START
) -> ArtistScenario:
    """``n_sessions`` sessions a day apart, cycling through her usual arcs in random order."""
    arcs = [_ARCS[i % len(_ARCS)] for i in range(n_sessions)]
    rng.shuffle(arcs)
    sessions = [
        _session(rng, name, i, arc, start + timedelta(days=i, hours=rng.randint(9, 20)))
        for i, arc in enumerate(arcs)
    ]
    return ArtistScenario(name, HABIT, sessions)
