"""Name what a phase was about: key phrases that set its prompts apart from the artist's other work.

A prompt is split into comma-separated chunks (subject first, then modifiers); candidate phrases
are the chunk's word n-grams (1–3 words) that neither start nor end with a function word. A
phrase scores by TF-IDF: how many of the phase's prompts use it, against how many of the
artist's sessions do. Style boilerplate every session repeats ("highly detailed", "8k") sinks on
its own; the subject chunk gets a small bonus because artists lead with what they draw.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from orchestration.intent.features import CHUNK, SAME_SUBJECT, subject, token_jaccard

_STOP = frozenset(
    "a an the of in on at to for with and or by from into over under above below near among "
    "inside is are be as its his her their this that these those very seen".split()
)
_PARTICIPLES = frozenset("lit seen made done worn grown".split())
WHOLE_RUN_BONUS = 1.3
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
SUBJECT_BONUS = 2.5  # labels say what was drawn before how
LENGTH_BONUS = 0.35  # per extra word: "neon rain" says more than "neon"


def _runs(words: list[str]) -> list[list[str]]:
    """Word runs between function words: roughly the noun phrases of a prompt chunk."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in _STOP:
            runs.append([])
        else:
            runs[-1].append(word)
    return [r for r in runs if r]


def _participle(word: str) -> bool:
    return word.endswith(("ing", "ed")) or word in _PARTICIPLES


def _verbal(first: str, last: str) -> bool:
    """Whether a phrase reads as a clause rather than a thing.

    Ending on a participle ("caravan crossing") names no thing, starting on one ("crossing red
    desert") is a clause; "glowing panels" is lost with them, a small price.
    """
    return _participle(last) or _participle(first)


@lru_cache(maxsize=65536)
def phrases(prompt: str | None) -> dict[str, float]:
    """Candidate phrases of one prompt with their weight (subject chunk, whole runs highest).

    Cached: an artist re-runs prompts, and every phase and context asks again. Callers must
    not mutate the returned dict.
    """
    out: dict[str, float] = {}
    if not prompt:
        return out
    for index, chunk in enumerate(CHUNK.split(prompt.lower())):
        weight = SUBJECT_BONUS if index == 0 else 1.0
        for position, run in enumerate(_runs(_WORD.findall(chunk))):
            early = 1.0 + 0.1 * max(0, 2 - position)  # the head noun tends to come first
            for size in (1, 2, 3):
                for start in range(len(run) - size + 1):
                    gram = run[start : start + size]
                    if gram[0].isdigit() or (size > 1 and _verbal(gram[0], gram[-1])):
                        continue
                    whole = WHOLE_RUN_BONUS if size == len(run) else 1.0
                    phrase = " ".join(gram)
                    out[phrase] = max(out.get(phrase, 0.0), weight * whole * early)
    return out


@dataclass
class ArtistContext:
    """Document frequencies of phrases over one artist's sessions (one document per session)."""

    artist: str
    n_sessions: int = 0
    document_frequency: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_prompts(cls, artist: str, sessions: Iterable[Iterable[str | None]]) -> ArtistContext:
        """Count each phrase once per session that uses it."""
        ctx = cls(artist)
        for prompts in sessions:
            seen: set[str] = set()
            for prompt in prompts:
                seen.update(phrases(prompt))
            ctx.document_frequency.update(seen)
            ctx.n_sessions += 1
        return ctx

    def idf(self, phrase: str) -> float:
        """Smoothed inverse document frequency; unseen phrases count as rare."""
        df = self.document_frequency.get(phrase, 0)
        return math.log((1 + self.n_sessions) / (1 + df)) + 1.0


def key_phrase(prompts: Sequence[str | None], context: ArtistContext) -> str | None:
    """The phrase that best names these prompts against the artist's other work."""
    ranked = rank_phrases(prompts, context)
    return ranked[0] if ranked else None


def rank_phrases(prompts: Sequence[str | None], context: ArtistContext) -> list[str]:
    """Phrases by TF-IDF score, best first, without phrases contained in a better one."""
    present = [p for p in prompts if p]
    if not present:
        return []
    tf: Counter[str] = Counter()
    weight: dict[str, float] = {}
    for prompt in present:
        for phrase, w in phrases(prompt).items():
            tf[phrase] += 1
            weight[phrase] = max(weight.get(phrase, 0.0), w)
    scores = {
        p: (tf[p] / len(present)) * context.idf(p) * weight[p] * (1 + LENGTH_BONUS * (p.count(" ")))
        for p in tf
    }
    ranked = sorted(scores, key=lambda p: (-scores[p], p))
    kept: list[str] = []
    for phrase in ranked:
        if not any(phrase in k or k in phrase for k in kept):
            kept.append(phrase)
    return kept


def concept_groups(prompts: Sequence[str | None]) -> list[list[int]]:
    """Indices of prompts grouped by concept, in order of first use.

    Prompts join a group when their subjects share enough words; whole prompts would not do,
    since a long style tail repeated across different subjects makes them look alike.
    """
    groups: list[list[int]] = []
    for index, prompt in enumerate(prompts):
        if not prompt:
            continue
        head = subject(prompt)
        for group in groups:
            if any(token_jaccard(head, subject(prompts[j])) >= SAME_SUBJECT for j in group):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


def name_concepts(prompts: Sequence[str | None], context: ArtistContext) -> list[str]:
    """One name per distinct concept; a group whose best name is taken is the same concept."""
    names: list[str] = []
    for group in concept_groups(prompts):
        best = key_phrase([prompts[j] for j in group], context)
        if best and not any(best in n or n in best for n in names):
            names.append(best)
    return names
