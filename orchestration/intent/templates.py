"""Explorations that fill one fixed frame: ``face icon stylized minimalist {inuyasha, x-men}``.

An exploration often keeps a frame and changes one slot every render ("portrait of {architect}
by rembrandt"). Listing each full subject would repeat the frame; the frame is found with
difflib over the subject chunks' words (the words common to the run, in order), and the differing
spans are the slot values. Runs of prompts that do not share a frame are listed by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from orchestration.intent.concepts import (
    ARTICLES,
    CUT_WORDS,
    LEADING_WORDS,
    SLOT_WORDS,
    STYLE_TAIL,
    clean,
    distinct,
    name,
    same_subject,
    shorten,
    subject_name,
    trim,
)
from orchestration.intent.prompt_parts import (
    BY_TAIL,
    DEFAULT_LEXICON,
    FUNCTION_WORDS,
    STYLE_WORDS,
    chunks,
    strip_frame,
)


@dataclass(frozen=True, slots=True)
class Template:
    """A fixed frame whose slot changed: ``prefix {values} suffix``."""

    prefix: str
    values: tuple[str, ...]
    suffix: str

    def render(self, shown: int | None = None) -> str:
        """The frame with its slot values, the first ``shown`` of them when given."""
        values = list(self.values[:shown])
        if shown is not None and shown < len(self.values):
            values.append("…")
        slot = "{" + ", ".join(values) + "}"
        return " ".join(p for p in (self.prefix, slot, self.suffix) if p)


# Words that open a place or an attribute ("on a wooden pier", "with a red hat"), not a subject.
SETTING_OPENERS = frozenset("of in on at to for with from into over under by near inside".split())

Item = str | Template  # one entry of an exploration's list
Seq = tuple[str, ...]  # a subject chunk's words


@lru_cache(maxsize=65536)
def _subject_chunk(prompt: str) -> Seq:
    """Words of the first chunk that is not style, frame still on, "by …" tail off."""
    for chunk in chunks(prompt):
        if not DEFAULT_LEXICON.is_style(chunk):
            return tuple(STYLE_TAIL.sub("", BY_TAIL.sub("", clean(chunk))).split())
    return ()


def _meaning(words: Iterable[str]) -> set[str]:
    """Words that say what is drawn: neither function words nor style ("photo", "4k")."""
    return {w for w in words if w not in FUNCTION_WORDS and w not in STYLE_WORDS}


def _anchor(block: Sequence[str]) -> bool:
    """A shared run that can be a frame: two words or more, one of them a content word."""
    return len(block) >= 2 and any(w not in FUNCTION_WORDS for w in block)


def _common(seqs: Sequence[Seq]) -> Seq:
    frame = seqs[0]
    for seq in seqs[1:]:
        blocks = SequenceMatcher(None, frame, seq, autojunk=False).get_matching_blocks()
        kept = [frame[a : a + n] for a, _, n in blocks if _anchor(frame[a : a + n])]
        frame = tuple(w for block in kept for w in block)
    return frame


def _gaps(frame: Seq, seq: Seq) -> dict[int, str] | None:
    """What ``seq`` puts between the frame's words, by frame position; None if it lacks one."""
    out: dict[int, str] = {}
    for tag, i1, _, j1, j2 in SequenceMatcher(None, frame, seq, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            return None
        if tag == "insert":
            out[i1] = " ".join(seq[j1:j2])
    return out


def _prefix(words: Sequence[str]) -> str:
    """The frame before the slot, less its own frame ("a cg render of a colorful" → "colorful")."""
    text = " ".join(words)
    stripped = strip_frame(f"{text} x")[:-1].strip() if text else ""
    ws = (stripped or text).split()
    while ws and ws[0] in LEADING_WORDS:
        ws = ws[1:]
    while ws and ws[-1] in ARTICLES:
        ws = ws[:-1]
    return " ".join(ws[-SLOT_WORDS:])


def _suffix(words: Sequence[str]) -> str:
    text = STYLE_TAIL.sub("", BY_TAIL.sub("", " " + " ".join(words))).split()
    return " ".join(trim(shorten(text, SLOT_WORDS))) if text else ""


@dataclass(frozen=True, slots=True)
class _Frame:
    """Where a run's subjects agree: the shared words and the gap they fill (the slot)."""

    words: Seq
    slot: int

    def value(self, seq: Seq) -> str | None:
        """What ``seq`` puts in the slot; None unless it fills it."""
        gaps = _gaps(self.words, seq)
        return None if gaps is None else self.pick(gaps)

    def pick(self, gaps: dict[int, str]) -> str | None:
        """The slot's value among ``gaps``; None unless the other edits say less than the frame.

        Two prompts sharing "thomas the tank" around different scenes are two subjects, not
        one frame: their edits outside the slot carry more meaning than the shared words.
        """
        edits = {w for p, v in gaps.items() if p != self.slot for w in v.split()}
        if not gaps.get(self.slot) or len(_meaning(edits)) > len(_meaning(self.words)):
            return None
        return gaps[self.slot]

    def template(self, values: Iterable[str]) -> Template:
        """The frame rendered around its distinct slot values."""
        names = distinct(name(v, SLOT_WORDS) for v in values)
        return Template(
            _prefix(self.words[: self.slot]), tuple(names), _suffix(self.words[self.slot :])
        )


def _fit(seqs: Sequence[Seq]) -> _Frame | None:
    """The frame these subjects fill, or None.

    The slot is the gap where the most distinct values appear; other gaps are edits ("close
    up", "smoking dmt") left out of the name. A slot at the very start only counts when a
    preposition follows ("{magpie, wagtail} in avila"): "{young, anthropomorphic} yorkie dog"
    is two subjects, better listed whole.
    """
    words = _common(seqs)
    gaps = [_gaps(words, s) for s in seqs] if words else []
    if not gaps or any(g is None for g in gaps):
        return None
    best: tuple[int, _Frame] | None = None
    for pos in sorted({p for g in gaps if g for p in g}):
        frame = _Frame(words, pos)
        values = [frame.pick(g) for g in gaps if g is not None]
        if any(v is None for v in values):
            continue
        n = len(frame.template(v for v in values if v).values)
        bare = frame.template(())
        opener = bare.suffix.split()[:1]
        framed = bool(bare.prefix) or (bool(opener) and opener[0] in CUT_WORDS)
        if n >= 2 and framed and (best is None or n > best[0]):
            best = (n, frame)
    return best[1] if best else None


@dataclass
class _Run:
    """Consecutive subjects that are one prompt re-rendered or one frame's slot values."""

    name: str
    seqs: list[Seq]
    values: list[str] = field(default_factory=list)
    frame: _Frame | None = None

    def take(self, seq: Seq) -> bool:
        """Add ``seq`` when it continues the run; the frame is refitted only when it must shrink."""
        if seq in self.seqs:
            return True
        value = self.frame.value(seq) if self.frame else None
        if value is None:
            frame = _fit([*self.seqs, seq])
            if frame is None:
                return False
            self.frame, self.values = frame, [v for s in self.seqs if (v := frame.value(s))]
            value = frame.value(seq) or ""
        self.seqs.append(seq)
        self.values.append(value)
        return True

    def item(self) -> Item:
        return self.frame.template(self.values) if self.frame else self.name


def explored_items(prompts: Sequence[str | None]) -> list[Item]:
    """Distinct subjects of an exploration in order; runs that fill one frame as a template."""
    runs: list[_Run] = []
    for prompt in prompts:
        seq = _subject_chunk(prompt) if prompt else ()
        if seq and not (runs and runs[-1].take(seq)):
            runs.append(_Run(subject_name(prompt), [seq]))
    items: list[Item] = []
    seen: list[str] = []
    for run in runs:
        item = run.item()
        if isinstance(item, Template):
            items.append(item)
            seen += item.values
        elif item and not any(same_subject(item, k) for k in seen):
            items.append(item)
            seen.append(item)
    return items


def slot_renders(prompts: Sequence[str | None]) -> int | None:
    """The most renders any one slot value got, where the prompts fill one fixed frame.

    None unless the subjects fit a frame with at least two distinct values. A frame whose slot
    changes every render or so ("a cg render of a colorful {luffy, 🐉 as 🦕} in a noir jungle",
    "portrait of aggressive {humanoid crocodile, female bunny}") is exploration however close
    the strings are; a frame whose value is re-rendered three times or more is work on it.
    Values that name one subject ("🌚🐨🐆🐉", "🌚 as 🐨 as 🐆 as 🐉") count together. A slot
    that opens on a preposition is where or with what the subject is drawn ("sleepy hercules
    {on a wooden pier, in a snowy field}"), not the subject: no frame of subjects then.
    """
    seqs = [s for p in prompts if p and (s := _subject_chunk(p))]
    if len(set(seqs)) < 2:
        return None
    frame = _fit(seqs)
    if frame is None:
        return None
    values = [frame.value(seq) or "" for seq in seqs]
    if any(v.split()[:1] and v.split()[0] in SETTING_OPENERS for v in values):
        return None
    counts: list[tuple[str, int]] = []
    for value in values:
        k = next((k for k, (v, _) in enumerate(counts) if same_subject(v, value)), None)
        if k is None:
            counts.append((value, 1))
        else:
            counts[k] = (counts[k][0], counts[k][1] + 1)
    return max(n for _, n in counts)
