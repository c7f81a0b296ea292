"""Turn a planned session into renders a DiffusionDB user would have made, phase by phase.

Seeds are random on almost every render, as in the real log, so a new seed says nothing; an
optimization holds the prompt while one setting moves (CFG 7 → 12, 512 → 768 wide, 50 → 150
steps) and sometimes keeps its seed. Refinements now and then touch a setting too, as people do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import TypeVar

from orchestration.sample.people_edits import (
    PLAIN,
    Prompt,
    churn,
    draw_tail,
    new_frame,
    new_subject,
    refill,
    refine_edit,
)
from orchestration.sample.people_plans import PhasePlan, PhaseTruth
from orchestration.sample.plans import PhaseIntent

SEED_SPACE = 2**32
_T = TypeVar("_T")
_CFG = (3.0, 5.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 15.0, 18.0, 20.0)
_STEPS = (20, 30, 50, 70, 100, 120, 150)
_SIZES = ((512, 512), (512, 640), (512, 704), (512, 768), (640, 512), (704, 512), (768, 512),
          (768, 768), (1024, 512), (512, 1024), (576, 1024))  # fmt: skip
_SAMPLERS = ("k_lms", "ddim", "k_euler_ancestral", "k_euler", "plms")


@dataclass(frozen=True, slots=True)
class LogSettings:
    """What a DiffusionDB row records besides prompt and seed."""

    steps: int
    cfg: float
    sampler: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Habit:
    """One user's way of prompting: style pool, tail length, taste for frames, usual settings."""

    pool: tuple[str, ...]
    tail_mean: float
    template: float
    settings: LogSettings


@dataclass(frozen=True, slots=True)
class Render:
    """One planned render with its labels."""

    prompt: Prompt
    settings: LogSettings
    seed: int
    phase_no: int
    intent: PhaseIntent


@dataclass(slots=True)
class _Session:
    rng: random.Random
    habit: Habit
    used: set[str] = field(default_factory=set)
    ends: list[Prompt] = field(default_factory=list)  # the last prompt of each phase so far
    explored: list[Prompt] = field(default_factory=list)  # the previous exploration's subjects
    renders: list[Render] = field(default_factory=list)
    tail: tuple[str, ...] = ()

    @property
    def current(self) -> Prompt | None:
        return self.renders[-1].prompt if self.renders else None

    @property
    def settings(self) -> LogSettings:
        return self.renders[-1].settings if self.renders else self.habit.settings

    def add(
        self,
        prompt: Prompt,
        settings: LogSettings,
        plan: PhasePlan,
        no: int,
        seed: int | None = None,
    ) -> None:
        """Append a render; a seed is drawn at random unless one is kept."""
        seed = self.rng.randrange(SEED_SPACE) if seed is None else seed
        self.renders.append(Render(prompt, settings, seed, no, plan.intent))


def draft_session(
    rng: random.Random, habit: Habit, plan: tuple[PhasePlan, ...]
) -> tuple[list[Render], list[PhaseTruth]]:
    """The renders of one session and its phases as the guideline reads them."""
    s = _Session(rng, habit)
    size = max(0, round(rng.gauss(habit.tail_mean, 1.5)))
    s.tail = draw_tail(rng, habit.pool, size)
    truths = []
    for no, phase in enumerate(plan, 1):
        start = len(s.renders)
        _PHASES[phase.intent](s, phase, no)
        keys = tuple(dict.fromkeys(r.prompt.key for r in s.renders[start:]))
        truths.append(PhaseTruth(phase.intent, keys, phase.size))
        s.ends.append(s.renders[-1].prompt)
    return s.renders, truths


def _explore(s: _Session, plan: PhasePlan, no: int) -> None:
    """A new subject each render: in a fixed frame, under the session's tail, or anew."""
    rng, pool = s.rng, s.habit.pool
    mode = rng.choices(("frame", "tail", "wild"), weights=(s.habit.template, 0.45, 0.45))[0]
    lead = rng.choice(("", "a photo of", "a painting of", "an illustration of"))
    prompts: list[Prompt] = []
    for i in range(plan.size):
        if mode == "frame":
            p = new_frame(rng, s.used, s.tail) if i == 0 else refill(rng, prompts[-1], s.used)
            p = churn(rng, p, pool, 0.15)
        elif mode == "tail":
            base = prompts[-1] if prompts else Prompt("", "", tail=s.tail)
            p = churn(rng, new_subject(rng, s.used, base, lead=lead), pool, 0.3)
        else:
            p = new_subject(rng, s.used, None)
            p = replace(p, tail=draw_tail(rng, pool, rng.choice((0, 0, 1, 2, 4, 6))))
        prompts.append(p)
        s.add(p, _fiddle(rng, s.settings, 0.04), plan, no)
    s.explored = prompts


def _refine(s: _Session, plan: PhasePlan, no: int) -> None:
    """One subject, edited render after render (rewording, modifier churn, reruns)."""
    rng, pool = s.rng, s.habit.pool
    first = _start(s, plan)
    s.add(first, _fiddle(rng, s.settings, 0.05, edited=_edited(s, first)), plan, no)
    for _ in range(plan.size - 1):
        prompt = refine_edit(rng, s.renders[-1].prompt, pool)
        s.add(prompt, _fiddle(rng, s.settings, 0.05, edited=_edited(s, prompt)), plan, no)


def _edited(s: _Session, prompt: Prompt) -> bool:
    """Whether ``prompt`` differs from the last render's: a rerun is not an edit."""
    return s.current is None or prompt.text() != s.current.text()


def _optimize(s: _Session, plan: PhasePlan, no: int) -> None:
    """The prompt held while one setting moves a step or two each render."""
    rng = s.rng
    prompt = s.current if plan.target == "continue" and s.current else _start(s, plan)
    axis = rng.choices(("cfg", "steps", "size", "sampler"), weights=(0.45, 0.25, 0.25, 0.05))[0]
    settings, up, seed = s.settings, rng.random() < 0.75, rng.randrange(SEED_SPACE)
    for _ in range(plan.size):
        settings = _move(rng, settings, axis, up)
        seed = seed if rng.random() < 0.3 else rng.randrange(SEED_SPACE)
        s.add(prompt, settings, plan, no, seed)


def _start(s: _Session, plan: PhasePlan) -> Prompt:
    """The phase's first prompt: a pivot, an explored subject, the resumed one, or the current."""
    rng, pool, current = s.rng, s.habit.pool, s.current
    if plan.target == "explored" and s.explored:
        return churn(rng, rng.choice(s.explored), pool, 0.4)
    if plan.target == "resume" and len(s.ends) >= 2:
        return refine_edit(rng, s.ends[-2], pool)
    if plan.target == "continue" and current is not None:
        return refine_edit(rng, current, pool)
    if current is not None and current.frame != PLAIN and rng.random() < 0.7:
        return churn(rng, refill(rng, current, s.used), pool, 0.3)
    roll = rng.random()
    if current is not None and roll < 0.5:
        tail = current.tail  # the same look on a new subject
    elif roll < 0.7:
        tail = s.tail
    else:  # a fresh start: new subject, new style
        tail = draw_tail(rng, pool, rng.choice((0, 1, 3, 5, 8)))
    if rng.random() < s.habit.template:  # a series in a frame: refine jay, then wren, ...
        return new_frame(rng, s.used, tail)
    return churn(rng, new_subject(rng, s.used, Prompt("", "", tail=tail)), pool, 0.3)


def _fiddle(
    rng: random.Random, settings: LogSettings, p: float, *, edited: bool = True
) -> LogSettings:
    """Now and then a setting changes alongside a prompt edit.

    Only alongside one: a setting moved on a rerun of the same prompt is what the guideline
    calls optimization, so a refinement's truth would contradict its own renders. The draw is
    made either way, so the rest of the log does not depend on whether the prompt was edited.
    """
    if rng.random() >= p:
        return settings
    moved = _move(rng, settings, rng.choice(("cfg", "steps", "size")), rng.random() < 0.6)
    return moved if edited else settings


def _move(rng: random.Random, settings: LogSettings, axis: str, up: bool) -> LogSettings:
    step = rng.choice((1, 1, 2)) * (1 if up else -1)
    if axis == "cfg":
        return replace(settings, cfg=_along(_CFG, settings.cfg, step))
    if axis == "steps":
        return replace(settings, steps=int(_along(_STEPS, settings.steps, step)))
    if axis == "size":
        width, height = _along(_SIZES, (settings.width, settings.height), step)
        return replace(settings, width=width, height=height)
    return replace(settings, sampler=_along(_SAMPLERS, settings.sampler, step))


def _along(ladder: tuple[_T, ...], value: _T, step: int) -> _T:
    """The value ``step`` rungs along ``ladder`` (bouncing at the ends)."""
    i = ladder.index(value) if value in ladder else 0
    j = i + step
    if not 0 <= j < len(ladder):
        j = i - step
    return ladder[max(0, min(len(ladder) - 1, j))]


_PHASES = {"exploration": _explore, "refinement": _refine, "optimization": _optimize}
