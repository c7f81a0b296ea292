"""Prompts the way people edit them: a subject with details, an optional frame, a style tail.

Real refinement is messy: reworded subjects, style chunks added and dropped, reruns of the same
text for a new random seed, the odd larger rewrite. Real exploration is a new subject each
render, often under the same style tail or inside a fixed frame whose slot changes. These
functions draw both from a ``random.Random``, so a seed fixes every prompt.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from orchestration.sample.people_vocab import (
    ADJECTIVES,
    DETAILS,
    FAMILIES,
    FRAMES,
    LEADS,
    STYLES,
    SYNONYMS,
)

PLAIN = "{}"  # the frame of a prompt that is only its subject
_MAX_DETAILS = 4
_MAX_TAIL = 16


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt's parts; ``key`` is the subject the artist iterates on (ground truth concept)."""

    key: str
    family: str
    frame: str = PLAIN
    lead: str = ""
    adjectives: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    tail: tuple[str, ...] = ()

    def text(self) -> str:
        """The prompt as the user typed it: subject in its frame, details, then the tail."""
        core = " ".join((*self.adjectives, self.key))
        if self.frame == PLAIN:
            core = " ".join(w for w in (self.lead, core) if w)
        head = self.frame.format(core)
        if self.details:
            head = ", ".join((f"{head} {self.details[0]}", *self.details[1:]))
        return ", ".join((head, *self.tail))


def draw_tail(rng: random.Random, pool: tuple[str, ...], size: int) -> tuple[str, ...]:
    """``size`` distinct style chunks, mostly from the artist's pool, a few from anywhere."""
    chosen: list[str] = []
    while len(chosen) < size:
        chunk = rng.choice(pool if rng.random() < 0.85 else STYLES)
        if chunk not in chosen:
            chosen.append(chunk)
    return tuple(chosen)


def new_subject(
    rng: random.Random, used: set[str], base: Prompt | None, *, lead: str | None = None
) -> Prompt:
    """A subject not drawn yet this session, under ``base``'s tail (or bare)."""
    family = rng.choice(tuple(FAMILIES))
    key = _fresh(rng, FAMILIES[family], used)
    n_adj = rng.choices((0, 1, 2), weights=(0.45, 0.4, 0.15))[0]
    n_det = rng.choices((0, 1, 2, 3), weights=(0.25, 0.4, 0.25, 0.1))[0]
    return Prompt(
        key=key,
        family=family,
        lead=rng.choice(LEADS) if lead is None else lead,
        adjectives=tuple(rng.sample(ADJECTIVES, n_adj)),
        details=tuple(rng.sample(DETAILS, n_det)),
        tail=base.tail if base is not None else (),
    )


def new_frame(rng: random.Random, used: set[str], tail: tuple[str, ...]) -> Prompt:
    """A fixed frame with its first filler: the start of a template series."""
    frame, family = rng.choice(FRAMES)
    return Prompt(key=_fresh(rng, FAMILIES[family], used), family=family, frame=frame, tail=tail)


def refill(rng: random.Random, prompt: Prompt, used: set[str]) -> Prompt:
    """The same frame and tail with a new subject in the slot (jay → wren → oriole)."""
    return replace(prompt, key=_fresh(rng, FAMILIES[prompt.family], used), adjectives=())


def churn(rng: random.Random, prompt: Prompt, pool: tuple[str, ...], p: float) -> Prompt:
    """With probability ``p``, one style chunk added or dropped: tails drift between renders."""
    if rng.random() >= p:
        return prompt
    return _tail_drop(rng, prompt, pool) if rng.random() < 0.5 else _tail_add(rng, prompt, pool)


def refine_edit(rng: random.Random, prompt: Prompt, pool: tuple[str, ...]) -> Prompt:
    """The next prompt of a refinement: one to three edits that keep the subject.

    An unchanged prompt is a rerun for a new seed, which people do often in DiffusionDB.
    """
    if rng.random() < 0.11:
        return prompt
    n = rng.choices((1, 2, 3), weights=(0.55, 0.3, 0.15))[0]
    for _ in range(n):
        op = rng.choices(_EDITS, weights=_EDIT_WEIGHTS)[0]
        prompt = op(rng, prompt, pool)
    return prompt


def _fresh(rng: random.Random, options: tuple[str, ...], used: set[str]) -> str:
    left = [o for o in options if o not in used] or list(options)
    choice = rng.choice(left)
    used.add(choice)
    return choice


def _tail_add(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    if len(p.tail) >= _MAX_TAIL:
        return _tail_swap(rng, p, pool)
    fresh = tuple(c for c in pool if c not in p.tail) or tuple(c for c in STYLES if c not in p.tail)
    extra = draw_tail(rng, fresh, min(len(fresh), rng.randint(1, 3)))
    at = rng.randint(0, len(p.tail))
    return replace(p, tail=(*p.tail[:at], *extra, *p.tail[at:]))


def _tail_drop(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    if not p.tail:
        return _tail_add(rng, p, pool)
    drop = set(rng.sample(range(len(p.tail)), min(len(p.tail), rng.randint(1, 2))))
    return replace(p, tail=tuple(c for i, c in enumerate(p.tail) if i not in drop))


def _tail_swap(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    return _tail_add(rng, _tail_drop(rng, p, pool), pool)


def _reorder(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    """Move one chunk of the tail (or one detail) elsewhere; with nothing to move, add one."""
    parts = "tail" if len(p.tail) >= 2 else "details" if len(p.details) >= 2 else None
    if parts is None:
        return _tail_add(rng, p, pool)
    items = list(getattr(p, parts))
    i, j = rng.sample(range(len(items)), 2)
    items.insert(j, items.pop(i))
    return replace(p, **{parts: tuple(items)})


def _detail_add(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    if len(p.details) >= _MAX_DETAILS:  # a subject holds only so many details: swap one
        return _detail_swap(rng, p, pool)
    extra = rng.choice([d for d in DETAILS if d not in p.details])
    return replace(p, details=(*p.details, extra))


def _detail_swap(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    if not p.details:
        return _detail_add(rng, p, pool)
    i = rng.randrange(len(p.details))
    new = rng.choice([d for d in DETAILS if d not in p.details])
    return replace(p, details=(*p.details[:i], new, *p.details[i + 1 :]))


def _adjective(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    if p.adjectives and rng.random() < 0.4:
        return replace(p, adjectives=p.adjectives[1:])
    new = rng.choice([a for a in ADJECTIVES if a not in p.adjectives])
    return replace(p, adjectives=(new, *p.adjectives[:1]))


def _reword(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    """Swap one word for a synonym in the details or adjectives; the lead may change too."""
    parts = [*p.adjectives, *p.details]
    candidates = [(i, w) for i, part in enumerate(parts) for w in part.split() if w in SYNONYMS]
    if not candidates:
        if p.frame != PLAIN:
            return _adjective(rng, p, pool)
        return replace(p, lead=rng.choice([lead for lead in LEADS if lead != p.lead]))
    i, word = rng.choice(candidates)
    parts[i] = " ".join(rng.choice(SYNONYMS[w]) if w == word else w for w in parts[i].split())
    k = len(p.adjectives)
    return replace(p, adjectives=tuple(parts[:k]), details=tuple(parts[k:]))


def _rewrite(rng: random.Random, p: Prompt, pool: tuple[str, ...]) -> Prompt:
    """A larger rewrite around the same subject: new details, maybe a new lead."""
    n = max(1, len(p.details))
    details = tuple(rng.sample([d for d in DETAILS if d not in p.details], n))
    lead = rng.choice(LEADS) if p.frame == PLAIN and rng.random() < 0.5 else p.lead
    return replace(p, details=details, lead=lead)


_EDITS = (
    _tail_add,
    _tail_drop,
    _tail_swap,
    _reorder,
    _detail_add,
    _detail_swap,
    _adjective,
    _reword,
    _rewrite,
)
_EDIT_WEIGHTS = (0.12, 0.1, 0.08, 0.03, 0.14, 0.15, 0.12, 0.12, 0.08)
