"""Name what a phase was about as a reader would: the subject, as the artist wrote it.

Ranking phrases by how often they repeat against the artist's own sessions (most real artists
have one or two) named what repeats: style tails, "by X" artists, fragments ("d toy" from
"3 d toy"). A name here is the prompt's subject (``prompt_parts``) with the tokeniser's spacing
undone ("3 d" → "3d", "close - up" → "close-up"), its frame, article and style tail dropped, and
cut at a clause boundary to a few words, never inside a noun phrase ("table full of artifacts",
not "table full"). A phase is named by its most representative subject; an exploration lists
its distinct subjects (a fixed frame whose slot changes is named by ``templates``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from orchestration.intent.features import SAME_SUBJECT
from orchestration.intent.prompt_parts import (
    BY_TAIL,
    DEFAULT_LEXICON,
    FUNCTION_WORDS,
    content_words,
    jaccard,
    strip_frame,
)

MAX_WORDS = 6  # a name is a noun phrase, not the prompt
SLOT_WORDS = MAX_WORDS  # a template's slot value, shown inside braces
_SAMPLE = 48  # subjects a representative is compared against, at most
_SPACED_DIGITS = re.compile(r"(?<=\b\d) (?=\d\b)")  # "1 9 8 8" → "1988", "7 6" → "76"
_UNIT = re.compile(r"\b(\d+) (s|k|d|th|mm|px)\b")  # "9 0 s" → "90s", "3 d" → "3d"
_SPACED_HYPHEN = re.compile(r"(?<=\w) - (?=\w)")
_SYMBOLS = re.compile(r"[()\[\]{}<>\\/*\"!?~^_=+#|:;.,]")
STYLE_TAIL = re.compile(
    r"(?:^|\s)(?:in (?:the )?style of|style of|inspired by|trending on|by)\b.*$"
    r"|\s(?:art|artwork|painted|drawn|illustrated|photographed|rendered)\s+by\b.*$"
)
_DESIGN_FRAME = re.compile(
    r"^(?:(?:heroic|key|anime|official)\s+)*(?:character design|visual)\s+of\s+(?:(?:a|an|the)\s+)?"
)
ARTICLES = frozenset(("a", "an", "the"))
LEADING_WORDS = ARTICLES | {"closeup", "close-up", "headshot", "macro"}
_PARTICLES = frozenset("down up out off away around back".split())
# A word before which a noun phrase ends: prepositions, relative words, "as" ("x as y").
CUT_WORDS = frozenset(
    "in on at with near under over from into through while who that which as during behind "
    "beside inside above below against without for to".split()
)
_LINKS = FUNCTION_WORDS | CUT_WORDS | _PARTICLES | {"around", "by"}  # what follows a participle
_ING_NOUNS = frozenset(
    "building painting king ring wing thing clothing ceiling morning evening pudding wedding "
    "string spring sibling earring darling".split()
)
# Words that end a prompt chunk but never a subject ("cerberus intricate", "luffy behance hd").
_TAIL_WORDS = frozenset(
    "intricate detailed hd uhd hdr 4k 8k 16k behance artstation cgsociety deviantart pixiv "
    "octane masterpiece trending realistic photorealistic hyperrealistic hyperdetailed "
    "cinematic elegant sharp focus epic ultra dramatic coherent".split()
)


def clean(text: str | None) -> str:
    """Lower case, the tokeniser's spacing undone, punctuation (not emoji) dropped."""
    t = (text or "").lower()
    t = _UNIT.sub(r"\1\2", _SPACED_DIGITS.sub("", t))
    t = _SYMBOLS.sub(" ", _SPACED_HYPHEN.sub("-", t))
    return " ".join(w.strip("'-") for w in t.split() if w.strip("'-"))


def _verb(word: str, following: str | None = None) -> bool:
    """A participle that starts a clause ("wearing", "made", "illuminated by"), not a modifier.

    "-ing" words are verbs unless known nouns; "-ed" words only when a function word or nothing
    follows ("wrapped around", "illuminated by"), since "colored clouds" is a modifier.
    """
    if word.endswith("ing"):
        return len(word) >= 5 and word not in _ING_NOUNS
    participle = word.endswith("ed") and len(word) >= 6 and not word.endswith("eed")
    return participle and (following is None or following in _LINKS)


def trim(ws: list[str]) -> list[str]:
    """Drop leading articles and trailing function words, style words and dangling verbs."""
    while ws and ws[0] in LEADING_WORDS:
        ws = ws[1:]
    while len(ws) > 1 and (
        ws[-1] in FUNCTION_WORDS or ws[-1] in _TAIL_WORDS or ws[-1] in _PARTICLES or _verb(ws[-1])
    ):
        ws = ws[:-1]
    return [] if ws and ws[-1] in FUNCTION_WORDS else ws


def shorten(ws: list[str], max_words: int) -> list[str]:
    """At most ``max_words``, cut before a clause (preposition, verb), never inside one.

    A first clause a little over the limit with no article inside is a run of modifiers ending
    on its head noun ("pink and purple colored explosive smoke clouds"), so its last words are
    kept; otherwise it holds a verb we cannot see, so its first words are.
    """
    if len(ws) <= max_words:
        return ws
    clauses: list[list[str]] = [[]]
    for i, w in enumerate(ws):
        if i and (w in CUT_WORDS or _verb(w, ws[i + 1] if i + 1 < len(ws) else None)):
            clauses.append([])
        clauses[-1].append(w)
    first = clauses[0]
    if len(first) > max_words:
        modifiers = len(first) <= max_words + 3 and not ARTICLES.intersection(first[1:])
        if not modifiers:
            return first[:max_words]
        tail = first[-max_words:]
        return tail[1:] if tail[0] in FUNCTION_WORDS else tail
    out = list(first)
    for clause in clauses[1:]:
        if len(out) + len(clause) > max_words:
            break
        out += clause
    return out


@lru_cache(maxsize=65536)
def name(text: str | None, max_words: int = MAX_WORDS) -> str:
    """A subject as a reader names it: ``a table full of artifacts`` → ``table full of …``."""
    t = STYLE_TAIL.sub("", BY_TAIL.sub("", clean(text)))
    t = _DESIGN_FRAME.sub("", strip_frame(t)) if t else ""
    ws = trim(shorten(trim(t.split()), max_words))
    return " ".join(ws)


def subject_name(prompt: str | None) -> str:
    """The name of one prompt's subject (empty when it has none: no prompt, only style)."""
    return name(DEFAULT_LEXICON.split(prompt).subject)


@lru_cache(maxsize=65536)
def _words(text: str) -> frozenset[str]:
    return content_words(clean(text))


def same_subject(a: str, b: str) -> bool:
    """Whether two names are one subject: enough shared words, or the same symbols (emoji)."""
    wa, wb = _words(a), _words(b)
    return jaccard(wa, wb) >= SAME_SUBJECT if wa or wb else a == b


def distinct(names: Iterable[str]) -> list[str]:
    """Names in order of first use, near-identical ones ("shells", "sea shells") once."""
    kept: dict[str, frozenset[str]] = {}
    for n in names:
        if n and n not in kept:
            w = _words(n)
            if not any(jaccard(w, k) >= SAME_SUBJECT if w or k else False for k in kept.values()):
                kept[n] = w
    return list(kept)


def representative(prompts: Sequence[str | None]) -> str | None:
    """The subject sharing most words with the other prompts' subjects (ties: the earliest).

    Scored by summed word overlap (Jaccard) with the others; re-runs of one prompt count with
    their multiplicity, and a phase of hundreds of subjects is compared against an even sample.
    """
    counts = Counter(DEFAULT_LEXICON.split(p).subject for p in prompts if p)
    subjects = [s for s in counts if name(s)]
    if not subjects:
        return None
    sets = {s: _words(s) for s in subjects}
    step = max(1, len(subjects) // _SAMPLE)
    sample = subjects[::step]

    def score(s: str) -> float:
        shared = sum(counts[t] * jaccard(sets[s], sets[t]) for t in sample if t != s)
        return shared + (counts[s] - 1)  # its own re-runs agree with it fully

    best = max(range(len(subjects)), key=lambda i: (score(subjects[i]), -i))
    return name(subjects[best])


@dataclass
class ArtistContext:
    """Subject words per session over one artist's work (one document per session).

    Names come from prompt structure, not from these counts; the context stays the labellers'
    third argument so callers that build it per artist keep working.
    """

    artist: str
    n_sessions: int = 0
    document_frequency: Counter[str] = field(default_factory=Counter)

    @classmethod
    def from_prompts(cls, artist: str, sessions: Iterable[Iterable[str | None]]) -> ArtistContext:
        """Count each subject word once per session that uses it."""
        ctx = cls(artist)
        for prompts in sessions:
            seen: set[str] = set()
            for prompt in prompts:
                seen.update(DEFAULT_LEXICON.split(prompt).subject_words)
            ctx.document_frequency.update(seen)
            ctx.n_sessions += 1
        return ctx


def key_phrase(prompts: Sequence[str | None], context: ArtistContext | None = None) -> str | None:
    """The name of what these prompts draw: their most representative subject."""
    return representative(prompts)


def name_concepts(prompts: Sequence[str | None], context: ArtistContext | None = None) -> list[str]:
    """One name per distinct subject, in order of first use."""
    return distinct(subject_name(p) for p in prompts)
