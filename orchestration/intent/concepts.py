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

from orchestration.intent.features import token_jaccard

_STOP = frozenset(
    "a an the of in on at to for with and or by from into over under above below near among "
    "inside is are be as its his her their this that these those very seen".split()
)
_PARTICIPLES = frozenset("lit seen made done worn grown".split())
WHOLE_RUN_BONUS = 1.3
_CHUNK = re.compile(r"[,;|.\n]|::|\s--\w+(?:\s+[\w:.]+)?")
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
SUBJECT_BONUS = 1.5
LENGTH_BONUS = 0.35  # per extra word: "neon rain" says more than "neon"
SAME_CONCEPT_JACCARD = 0.4  # prompts at least this alike (tokens) are one concept


def _runs(words: list[str]) -> list[list[str]]:
    """Word runs between function words: roughly the noun phrases of a prompt chunk."""
    runs: list[list[str]] = [[]]
    for word in words:
        if word in _STOP:
            runs.append([])
        else:
            runs[-1].append(word)
    return [r for r in runs if r]


def _trailing_verb(word: str) -> bool:
    """"floating", "seen", "lit": a phrase ending on a participle names no thing."""
    return word.endswith(("ing", "ed")) or word in _PARTICIPLES


def phrases(prompt: str | None) -> dict[str, float]:
    """Candidate phrases of one prompt with their weight (subject chunk, whole runs highest)."""
    out: dict[str, float] = {}
    if not prompt:
        return out
    for index, chunk in enumerate(_CHUNK.split(prompt.lower())):
        weight = SUBJECT_BONUS if index == 0 else 1.0
        for run in _runs(_WORD.findall(chunk)):
            for size in (1, 2, 3):
                for start in range(len(run) - size + 1):
                    gram = run[start : start + size]
                    if gram[0].isdigit() or (size > 1 and _trailing_verb(gram[-1])):
                        continue
                    whole = WHOLE_RUN_BONUS if size == len(run) else 1.0
                    phrase = " ".join(gram)
                    out[phrase] = max(out.get(phrase, 0.0), weight * whole)
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
        p: (tf[p] / len(present))
        * context.idf(p)
        * weight[p]
        * (1 + LENGTH_BONUS * (p.count(" ")))
        for p in tf
    }
    ranked = sorted(scores, key=lambda p: (-scores[p], p))
    kept: list[str] = []
    for phrase in ranked:
        if not any(phrase in k or k in phrase for k in kept):
            kept.append(phrase)
    return kept


def concept_groups(prompts: Sequence[str | None]) -> list[list[int]]:
    """Indices of prompts grouped by concept, in order of first use (similar tokens join)."""
    groups: list[list[int]] = []
    for index, prompt in enumerate(prompts):
        if not prompt:
            continue
        for group in groups:
            if any(token_jaccard(prompt, prompts[j]) >= SAME_CONCEPT_JACCARD for j in group):
                group.append(index)
                break
        else:
            groups.append([index])
    return groups


def name_concepts(prompts: Sequence[str | None], context: ArtistContext) -> list[str]:
    """One name per distinct concept among the prompts, distinct from each other."""
    names: list[str] = []
    for group in concept_groups(prompts):
        for phrase in rank_phrases([prompts[j] for j in group], context):
            if phrase not in names:
                names.append(phrase)
                break
    return names
