"""Synthetic artists whose sessions follow known strategies, so their labels are ground truth.

Pure functions of a ``random.Random``: the sample archive and a later synthetic evaluation draw
the same kinds of sessions. A ``SessionPlan`` lists phases; each phase becomes generations whose
prompts and parameters show its strategy (``drafting``), and a timeline puts them 10 s – 6 min
apart inside a session and at least two hours apart between sessions.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.drafting import Draft, SessionState, base_settings, draft_phase
from orchestration.sample.plans import (
    ArtistProfile,
    Axis,
    PhaseIntent,
    SessionIntent,
    SessionPlan,
)
from orchestration.sample.vocabulary import TOOLS

SAMPLE_START = datetime(2026, 3, 2, tzinfo=UTC)
SESSION_GAP = timedelta(hours=2)  # the least time between two sessions of one artist
# Seconds between consecutive generations, by phase: exploring takes thought, sweeps are quick.
_GAPS: dict[PhaseIntent, tuple[int, int]] = {
    "exploration": (40, 360),
    "refinement": (10, 150),
    "optimization": (10, 90),
}


@dataclass(slots=True)
class SampleGeneration:
    """One generation and the labels it was made under.

    ``render_seed`` drives the procedural pixels (it differs between the four images of one
    Midjourney job, which share metadata); ``batch_index`` is the image's place in its job.
    """

    meta: GenerationMeta
    artist: str
    created_at: datetime
    concept: str
    render_seed: int
    session_key: str
    phase_no: int
    phase_intent: PhaseIntent
    session_intent: SessionIntent
    batch_index: int = 0


@dataclass(slots=True)
class SamplePhase:
    """A realised phase: its intent and the concepts it touched, in order of first use."""

    intent: PhaseIntent
    concepts: list[str]
    axis: Axis | None
    generations: list[SampleGeneration] = field(default_factory=list)


@dataclass(slots=True)
class SampleSession:
    """A realised session: key, derived intent and phases."""

    key: str
    artist: str
    tool: str
    intent: SessionIntent
    phases: list[SamplePhase]

    @property
    def generations(self) -> list[SampleGeneration]:
        """All generations of the session in the artist's order."""
        return [g for p in self.phases for g in p.generations]

    @property
    def arc(self) -> str:
        """The phase arc as the design writes it, e.g. ``explore → refine → pivot → explore``."""
        verbs = {"exploration": "explore", "refinement": "refine", "optimization": "optimize"}
        return " → ".join(verbs[p.intent] for p in self.phases)


@dataclass(slots=True)
class ArtistScenario:
    """One artist's sessions, ordered in time."""

    name: str
    habit: str
    sessions: list[SampleSession]

    @property
    def generations(self) -> list[SampleGeneration]:
        """Every generation of the artist in time order."""
        return [g for s in self.sessions for g in s.generations]


def derive_session_intent(phases: list[SamplePhase]) -> SessionIntent:
    """Session intent from its phases: one strategy throughout, convergent selection, or mixed."""
    intents = {p.intent for p in phases}
    if len(intents) == 1:
        return phases[0].intent
    if [p.intent for p in phases] == ["exploration", "refinement"] and phases[1].concepts[
        0
    ] in phases[0].concepts:
        return "convergent_selection"
    return "mixed"


def _session(
    rng: random.Random, artist: str, index: int, plan: SessionPlan, start: datetime
) -> SampleSession:
    """Realise one plan from ``start``; times are whole even seconds, as zip entries keep them."""
    tool = TOOLS[plan.tool]
    state = SessionState(base_settings(rng, tool))
    phases: list[SamplePhase] = []
    drafts_by_phase: list[list[Draft]] = []
    for spec in plan.phases:
        drafts = draft_phase(rng, spec, tool, state)
        concepts = list(dict.fromkeys(d.concept.key for d in drafts))
        phases.append(SamplePhase(spec.intent, concepts, spec.axis))
        drafts_by_phase.append(drafts)
    key, intent = f"{artist}#{index:02d}", derive_session_intent(phases)
    at, first = start, True
    for phase_no, (phase, drafts) in enumerate(zip(phases, drafts_by_phase, strict=True), 1):
        low, high = _GAPS[phase.intent]
        for draft in drafts:
            if not first:
                at += timedelta(seconds=2 * rng.randint(low // 2, high // 2))
            first = False
            job_id = None
            if tool.tool == "midjourney":  # one job id per grid, as Midjourney names files
                job_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            for batch_index in range(draft.images):
                meta = GenerationMeta(
                    tool=tool.tool,
                    prompt=draft.prompt,
                    seed=draft.seed,
                    created_at=at,
                    job_id=job_id,
                    **asdict(draft.settings),
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
                        batch_index=batch_index,
                    )
                )
    return SampleSession(key, artist, tool.tool, intent, phases)


def generate_artist(
    rng: random.Random,
    profile: ArtistProfile,
    *,
    start: datetime = SAMPLE_START,
    days: int = 24,
    session_starts: list[datetime] | None = None,
) -> ArtistScenario:
    """Lay out a profile's sessions over ``days`` from ``start``, at least two hours apart.

    ``session_starts`` pins the intended start times (used to make several log users overlap);
    a start that would fall within two hours of the previous session is pushed later.
    """
    n = len(profile.plans)
    if session_starts is None:
        day_list = sorted(rng.choices(range(days), k=n))
        session_starts = [
            start + timedelta(days=d, hours=rng.randint(9, 22), minutes=2 * rng.randint(0, 29))
            for d in day_list
        ]
    sessions: list[SampleSession] = []
    for index, (plan, planned) in enumerate(
        zip(profile.plans, sorted(session_starts), strict=True)
    ):
        at = planned
        if sessions:
            earliest = sessions[-1].generations[-1].created_at + SESSION_GAP
            at = max(at, earliest + timedelta(minutes=2 * rng.randint(0, 30)))
        sessions.append(_session(rng, profile.name, index, plan, at))
    return ArtistScenario(profile.name, profile.habit, sessions)


def generate_artists(
    rng: random.Random,
    profiles: tuple[ArtistProfile, ...],
    *,
    start: datetime = SAMPLE_START,
    days: int = 24,
) -> list[ArtistScenario]:
    """Generate every profile in turn from one random stream (so one seed fixes them all)."""
    return [generate_artist(rng, p, start=start, days=days) for p in profiles]


def generate_log_users(
    rng: random.Random,
    profiles: tuple[ArtistProfile, ...],
    *,
    start: datetime = SAMPLE_START,
    days: int = 24,
) -> list[ArtistScenario]:
    """Artists sharing one channel: their sessions start within minutes of each other.

    Every profile needs the same number of plans; their rows interleave in a shared log.
    """
    n = len(profiles[0].plans)
    day_list = sorted(rng.sample(range(days), k=n))
    shared = [start + timedelta(days=d, hours=rng.randint(12, 21)) for d in day_list]
    return [
        generate_artist(
            rng,
            p,
            start=start,
            days=days,
            session_starts=[s + timedelta(minutes=2 * rng.randint(0, 10)) for s in shared],
        )
        for p in profiles
    ]
