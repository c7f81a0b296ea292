"""A prompt split the way a person reads it: the subject drawn, and the style it is drawn in.

Real prompts lead with what is drawn ("spanish magpie in avila"), often behind a frame ("an
accurate close-up portrait of …"), then trail style chunks that people churn freely ("4 k",
"concept art", "by wlop, artgerm, greg rutkowski", "8 5 mm, f 2. 8 aperture"). Whole-prompt
similarity mixes the two: a shared style tail makes different subjects look alike, and a churned
tail makes one subject look different. So intent features and labels compare subjects and styles
separately.

A chunk is style when it is in the style lexicon (chunks that recur across many artists, learned
by ``creative-sessions train`` and shipped in the model file), names an artist or medium ("by …",
"in the style of …"), or consists mostly of words that only ever describe rendering. The subject
is what is left, with its frame ("a photo of", "portrait of") stripped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

CHUNK_SPLIT = re.compile(r"[,;|\n]|\.\s|::|\s--\w+(?:\s+[\w:.]+)?|\s\+\s")
# Words, plus each emoji or other symbol on its own ("🐉 as 🐨" draws two things).
WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[^\w\s!-/:-@\[-`{-~]", re.UNICODE)
# "an accurate close - up portrait of", "a cg render of a", "photo of the"
FRAME = re.compile(
    r"^(?:(?:a|an|the)\s+)?(?:(?:[\w\-]+\s+){0,5})?"
    r"(?:photo(?:graph)?|portrait|painting|picture|image|illustration|drawing|render(?:ing)?|"
    r"sketch|poster|still|shot|photography|artwork|concept art|digital art|closeup|close up|"
    r"headshot|head shot|icon|wallpaper|screenshot)\s+of\s+(?:(?:a|an|the)\s+)?"
)
LEADING = re.compile(r"^(?:(?:macro\s+)?close\s*-?\s*up|closeup|headshot|head shot)\s+(?:of\s+)?")
BY_TAIL = re.compile(
    r"\s+(?:(?:painted|drawn|illustrated|photographed|made|art|artwork|rendered)\s+)?by\s+.+$"
)
STYLE_OPENERS = ("by ", "painted by", "art by", "in the style of", "style of", "inspired by")
# Words that describe how a picture is made or rendered, never what it shows.
STYLE_WORDS = frozenset(
    """
    4k 8k 4 8 16 k hd uhd fhd hdr highly detailed detail details intricate elegant sharp focus
    cinematic lighting light lights volumetric dramatic atmosphere atmospheric concept art digital
    illustration photorealistic hyperrealistic realistic hyper hyperdetailed masterpiece award
    winning bokeh dslr lens mm aperture f canon nikon sony eos photography photograph photo studio
    smooth matte painting oil baroque style artstation trending octane render rendering unreal
    engine cgsociety deviantart behance pixiv artgerm wlop rutkowski greg mucha alphonse 3 d 3d cgi
    resolution quality beautiful epic ultra realism vray redshift blender colorful vibrant soft
    golden hour ray tracing global illumination depth field shallow film grain kodak portra
    polaroid vintage centered symmetrical symmetry ratio high low poly stylized 35mm 85mm 50mm
    wide angle shot closeup close up portrait full body lit rim backlit soft focus 1 0 2 5
    composition professional trending featured on stunning gorgeous amazing insanely very
    extremely super ultrarealistic photoreal octanerender unrealengine cryengine zbrush substance
    painter keyshot arnold corona sss subsurface scattering backdrop background white black
    """.split()
)
STYLE_SHARE = 0.6  # a chunk is style when this share of its words are style words
# Entries of a per-prompt cache: the reuse is within a session (each prompt against both its
# neighbours) and among the sessions of one run, not across a history of distinct prompts, where
# 65,536 entries of word sets held about 180 MiB per cache.
PROMPT_CACHE = 4096


@dataclass(frozen=True, slots=True)
class PromptParts:
    """A prompt read as subject and style."""

    subject: str  # the first non-style chunk, frame stripped ("spanish magpie in avila")
    details: tuple[str, ...]  # the other non-style chunks ("green fields", "fall season")
    style: tuple[str, ...]  # style chunks and "by …" tails, as written

    @property
    def subject_words(self) -> frozenset[str]:
        """Content words of the subject (function words dropped)."""
        return content_words(self.subject)

    @property
    def style_words(self) -> frozenset[str]:
        """Words of the style chunks."""
        return _style_words(self.style)


@lru_cache(maxsize=PROMPT_CACHE)
def _style_words(style: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w for chunk in style for w in words(chunk))


FUNCTION_WORDS = frozenset(
    "a an the of in on at to for with and or by from into over under as is are its his her "
    "their this that these those very".split()
)


def words(text: str | None) -> list[str]:
    """Lower-case word tokens (letters and digits; emoji and punctuation dropped)."""
    return WORD.findall(text.lower()) if text else []


@lru_cache(maxsize=PROMPT_CACHE)
def word_tuple(text: str | None) -> tuple[str, ...]:
    """`words` as a tuple, cached: a session reads each prompt's words against both neighbours."""
    return tuple(words(text))


@lru_cache(maxsize=PROMPT_CACHE)
def content_words(text: str | None) -> frozenset[str]:
    """Words minus function words (cached: features compare each prompt with its neighbours)."""
    return frozenset(w for w in words(text) if w not in FUNCTION_WORDS)


def chunks(prompt: str | None) -> list[str]:
    """Comma-, period- and weight-separated chunks, stripped, empty ones dropped."""
    if not prompt:
        return []
    return [c.strip(" .!?\"'()[]{}") for c in CHUNK_SPLIT.split(prompt.lower()) if c.strip(" .")]


class StyleLexicon:
    """Which chunks are style: the built-in rules plus chunks learned from many artists."""

    def __init__(self, learned: Iterable[str] = ()) -> None:
        self.learned = frozenset(_norm(c) for c in learned)

    def is_style(self, chunk: str) -> bool:
        """Whether a chunk describes rendering or an artist rather than what is drawn."""
        return _is_style(_norm(chunk), self.learned)

    def split(self, prompt: str | None) -> PromptParts:
        """The prompt's subject, details and style."""
        return _split(prompt, self)


# Chunks recur across prompts and artists (style tails above all), so their reading is cached.
@lru_cache(maxsize=65536)
def _norm(chunk: str) -> str:
    return " ".join(words(chunk))


@lru_cache(maxsize=65536)
def _is_style(norm: str, learned: frozenset[str]) -> bool:
    if not norm or norm in learned:
        return bool(norm)
    if norm.startswith(STYLE_OPENERS):
        return True
    ws = [w for w in words(norm) if w not in FUNCTION_WORDS]
    if not ws:
        return True
    return sum(w in STYLE_WORDS for w in ws) / len(ws) >= STYLE_SHARE


DEFAULT_LEXICON = StyleLexicon()


@lru_cache(maxsize=8)
def _lexicon_of(learned: frozenset[str]) -> StyleLexicon:
    """The lexicon of these learned chunks, built once (it normalizes every chunk)."""
    return DEFAULT_LEXICON if not learned else StyleLexicon(learned)


@lru_cache(maxsize=65536)
def _split_cached(prompt: str, learned: frozenset[str]) -> PromptParts:
    lexicon = _lexicon_of(learned)
    subject_parts: list[str] = []
    style: list[str] = []
    in_names = False  # after "by wlop": short chunks are more artist names ("artgerm")
    for chunk in chunks(prompt):
        is_name = in_names and _looks_like_name(chunk)
        if is_name or lexicon.is_style(chunk):
            style.append(chunk)
            in_names = is_name or _norm(chunk).startswith(STYLE_OPENERS)
            continue
        in_names = False
        tail = BY_TAIL.search(chunk)
        if tail and tail.start() > 0:
            style.append(chunk[tail.start() :].strip())
            chunk = chunk[: tail.start()].strip()
        subject_parts.append(chunk)
    if not subject_parts:  # all style: the first chunk is still what the artist led with
        subject_parts = chunks(prompt)[:1]
    head = strip_frame(subject_parts[0]) if subject_parts else ""
    return PromptParts(head, tuple(subject_parts[1:]), tuple(style))


def _looks_like_name(chunk: str) -> bool:
    ws = words(chunk)
    return 0 < len(ws) <= 3 and not any(w in FUNCTION_WORDS for w in ws)


def _split(prompt: str | None, lexicon: StyleLexicon) -> PromptParts:
    if not prompt:
        return PromptParts("", (), ())
    return _split_cached(prompt, lexicon.learned)


def strip_frame(text: str) -> str:
    """``an accurate close-up portrait of alvar aalto`` → ``alvar aalto``."""
    out = LEADING.sub("", text.strip())
    stripped = FRAME.sub("", out, count=1)
    return stripped if stripped.strip() else out


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Shared words over the smaller set: "doom slayer" is in "doom slayer in power armor"."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    """Shared words over all words (0 when either is empty)."""
    return len(a & b) / len(a | b) if a and b else 0.0
