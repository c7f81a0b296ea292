"""Per-unit evidence as a person reads a session: subject and style apart, context both ways.

The bins in ``features`` describe one move against the previous unit. Real sessions need more:
people reword and churn style tails inside one subject (whole-prompt similarity drops while the
subject stays), fill a fixed frame with a new subject every render (strings stay close while
the subject changes), and pivot from one refined subject to the next. What separates these is
*context*: refinement is a subject iterated over two or more renders, exploration one render
per subject. So each unit gets a vector of numbers about itself against its neighbours on both
sides, which the learned model (``model``) turns into intent and boundary scores.

Seeds count only where they carry intent: a tool or artist that draws a random seed for every
render (DiffusionDB, most front ends by default) says nothing by a new seed, so the seed
features are scaled by how often this artist keeps or steps a seed at all.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from orchestration.intent.features import SEED_STEP, SessionRows, Step
from orchestration.intent.prompt_parts import (
    DEFAULT_LEXICON,
    PromptParts,
    StyleLexicon,
    content_words,
    jaccard,
    overlap,
    word_tuple,
    words,
)

WINDOW = 3  # units looked at on each side for a recurring subject
RECUR = 0.5  # subject word overlap at which two units draw the same subject
SETTINGS = ("cfg_scale", "steps", "width", "height", "sampler", "scheduler", "model")
FEATURE_NAMES: tuple[str, ...] = (
    "cos_prev",
    "cos_next",
    "jac_prev",
    "jac_next",
    "subj_prev",
    "subj_next",
    "subj_jac_prev",
    "subj_jac_next",
    "style_jac_prev",
    "same_prev",
    "same_next",
    "recur_max",
    "recur_share",
    "back_max",
    "ahead_max",
    "back_head",
    "ahead_head",
    "back_all",
    "ahead_all",
    "distinct_prev",
    "distinct_next",
    "distinct_back",
    "distinct_ahead",
    "novel_back",
    "novel_ahead",
    "slot_prev",
    "slot_next",
    "modifier_prev",
    "modifier_next",
    "param_prev",
    "param_next",
    "param_kept_prompt_prev",
    "param_kept_prompt_next",
    "settings_moved",
    "seed_kept_prev",
    "seed_kept_next",
    "img_prev",
    "img_next",
    "has_img",
    "gap_prev",
    "gap_next",
    "is_first",
    "is_last",
)


# The seed weight's ramp: 0 at or under this share of kept seeds, 1 from floor + span up.
SEED_WEIGHT_FLOOR = 0.05
SEED_WEIGHT_SPAN = 0.25


@dataclass(frozen=True, slots=True)
class ArtistHabits:
    """How an artist works, across their sessions: here, whether seeds are chosen at all."""

    seed_share: float = 1.0  # share of consecutive renders with a kept or stepped seed

    @property
    def seed_weight(self) -> float:
        """0 for random-seed habits (under 5% kept), rising to 1 when seeds are kept often."""
        return min(1.0, max(0.0, (self.seed_share - SEED_WEIGHT_FLOOR) / SEED_WEIGHT_SPAN))

    @classmethod
    def from_signals(cls, artist_signals: pl.DataFrame) -> ArtistHabits:
        """Seed habit over every consecutive pair of the artist's sessions."""
        if artist_signals.height < 2 or "seed" not in artist_signals.columns:
            return cls()
        pairs = (
            artist_signals.sort("session_id", "position")
            .with_columns(previous=pl.col("seed").shift(1).over("session_id"))
            .filter(pl.col("seed").is_not_null() & pl.col("previous").is_not_null())
        )
        if pairs.height == 0:
            return cls()
        kept = pairs.filter(
            (pl.col("seed").cast(pl.Int64) - pl.col("previous").cast(pl.Int64)).abs() <= SEED_STEP
        ).height
        return cls(seed_share=kept / pairs.height)


def _edit(a: Sequence[str], b: Sequence[str]) -> tuple[bool, bool]:
    """(slot substitution, modifier edit) between two prompts' word lists.

    A slot substitution keeps a frame and swaps one span for a disjoint one ("minimalist
    inuyasha" → "minimalist goldfinger"); a modifier edit only inserts or deletes words. A number
    swapped for a number ("variant 2" → "variant 3", "4 k" → "8 k") names no new subject: it
    counts as a modifier edit, never as a slot.
    """
    if a == b or not a or not b:
        return False, False
    if not _may_keep_half(a, b):
        return False, False
    ops = [o for o in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()]
    changes = [o for o in ops if o[0] != "equal"]
    kept = sum(i2 - i1 for tag, i1, i2, _, _ in ops if tag == "equal")
    share = kept / max(len(a), len(b))
    replaces = [
        o
        for o in changes
        if o[0] == "replace" and not (_numbers(a[o[1] : o[2]]) and _numbers(b[o[3] : o[4]]))
    ]
    slot = (
        len(replaces) == 1
        and len(changes) <= 2
        and share >= 0.5
        and not set(a[replaces[0][1] : replaces[0][2]]) & set(b[replaces[0][3] : replaces[0][4]])
    )
    modifier = not replaces and share >= 0.5
    return slot, modifier


def _may_keep_half(a: Sequence[str], b: Sequence[str]) -> bool:
    """False when the two lists cannot keep half the longer one in order (both edits need it).

    The sequence matcher keeps no more words than the lists share, counted with repeats; the
    distinct shared words plus the fewer repeats of either list bound that from above. Most
    steps of an exploration fail this, and are settled without the matcher.
    """
    set_a, set_b = set(a), set(b)
    repeats = min(len(a) - len(set_a), len(b) - len(set_b))
    return 2 * (len(set_a & set_b) + repeats) >= max(len(a), len(b))


def _numbers(span: Sequence[str]) -> bool:
    return all(w.isdigit() for w in span)


EDIT_TYPES = ("rerun", "modifier", "slot", "rewrite", "new_subject")


def edit_type(
    previous: str | None, prompt: str | None, lexicon: StyleLexicon = DEFAULT_LEXICON
) -> str:
    """How a prompt was made from the one before, as a person would name the edit.

    ``rerun``: the same prompt. ``modifier``: words or style chunks only added or removed.
    ``slot``: a fixed frame with one span swapped for a disjoint one ("minimalist inuyasha" →
    "minimalist goldfinger"): a new subject in a template. ``rewrite``: reworded, the subject
    kept. ``new_subject``: little of the subject survives.
    """
    if previous == prompt:
        return "rerun"
    a, b = words(previous), words(prompt)
    slot, modifier = _edit(a, b)
    if modifier:
        return "modifier"
    if slot:
        return "slot"
    before, after = lexicon.split(previous), lexicon.split(prompt)
    kept = max(
        overlap(before.subject_words, after.subject_words),
        jaccard(
            before.subject_words | content_words(" ".join(before.details)),
            after.subject_words | content_words(" ".join(after.details)),
        ),
    )
    return "rewrite" if kept >= RECUR else "new_subject"


def _setting_tuple(rows: SessionRows, row: int) -> tuple:
    return tuple(rows.columns.get(s, [None] * rows.n)[row] for s in SETTINGS)


def unit_features(
    rows: SessionRows,
    session_steps: list[Step],
    habits: ArtistHabits | None = None,
    lexicon: StyleLexicon = DEFAULT_LEXICON,
) -> list[list[float]]:
    """One vector per unit, in ``FEATURE_NAMES`` order.

    Every comparison of two units is computed once and read by both units' vectors (most
    features look at the same neighbours from either side): labelling spends most of its time
    here, and the same numbers come out as when each vector computed its own.
    """
    habits = habits or ArtistHabits()
    n = len(session_steps)
    firsts = [s.first_row for s in session_steps]
    prompts = [rows.prompts[r] for r in firsts]
    parts: list[PromptParts] = [lexicon.split(p) for p in prompts]
    head = [p.subject_words for p in parts]
    subj = [h | content_words(" ".join(p.details)) for h, p in zip(head, parts, strict=True)]
    whole = [content_words(p) for p in prompts]
    word_lists = [word_tuple(p) for p in prompts]
    styles = [p.style_words for p in parts]
    settings = [_setting_tuple(rows, r) for r in firsts]
    cos = rows.columns["prompt_similarity"]
    img = rows.columns["image_similarity"]
    gaps = rows.columns["seconds_since_previous"]
    seeds = rows.seeds
    seed_weight = habits.seed_weight

    # Words most of the session repeats are its frame (a shared style tail, a template);
    # what is left distinguishes one render's subject from another's.
    df: dict[str, int] = {}
    for ws in whole:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    norm = math.log(n + 1)
    weight = {w: math.log((n + 1) / k) / norm if n > 1 else 1.0 for w, k in df.items()}
    weight_of = weight.__getitem__
    mass = [sum(map(weight_of, ws)) for ws in whole]

    def distinct_sim(u: int, v: int) -> float:
        """Overlap of two units' words, each word weighted by how rare it is in the session."""
        if not 0 <= v < n:
            return 0.0
        if prompts[u] is not None and prompts[u] == prompts[v]:
            return 1.0
        a, b = whole[u], whole[v]
        wa, wb = mass[u], mass[v]
        if wa <= 1e-9 or wb <= 1e-9:
            return 1.0 if a == b else 0.0
        return sum(map(weight_of, a & b)) / min(wa, wb)

    # By distance d = 1..WINDOW, [d][u] compares unit u with unit u + d (these measures are
    # symmetric): head_at the head chunks' overlap, all_at all subject words' Jaccard, sim_at
    # the larger of the two (subject sameness).
    head_at = [[0.0] * n for _ in range(WINDOW + 1)]
    all_at = [[0.0] * n for _ in range(WINDOW + 1)]
    sim_at = [[0.0] * n for _ in range(WINDOW + 1)]
    for d in range(1, WINDOW + 1):
        for u in range(n - d):
            h, a = overlap(head[u], head[u + d]), jaccard(subj[u], subj[u + d])
            head_at[d][u], all_at[d][u], sim_at[d][u] = h, a, max(h, a)

    # By unit u >= 1: u against u - 1.
    same = [False] * n
    whole_jac = [0.0] * n
    head_jac = [0.0] * n
    cos_prev = [0.0] * n
    edits: list[tuple[bool, bool]] = [(False, False)] * n
    param = [False] * n
    seed_kept = [False] * n
    for u in range(1, n):
        same[u] = prompts[u] == prompts[u - 1]
        whole_jac[u] = jaccard(whole[u], whole[u - 1])
        head_jac[u] = jaccard(head[u], head[u - 1])
        value = cos[firsts[u]]
        if prompts[u] is not None and same[u]:
            cos_prev[u] = 1.0
        else:
            cos_prev[u] = float(value) if value is not None else whole_jac[u]
        edits[u] = _edit(word_lists[u - 1], word_lists[u])
        param[u] = settings[u] != settings[u - 1]
        seed_kept[u] = _seed_kept(seeds[firsts[u]], seeds[session_steps[u - 1].last_row])

    def settings_moved(u: int) -> bool:
        """Whether the same prompt ran with other settings within two units of this one."""
        near = range(max(0, u - 2), min(n, u + 3))
        same = {settings[v] for v in near if prompts[v] is not None and prompts[v] == prompts[u]}
        return len(same) >= 2

    out: list[list[float]] = []
    for u in range(n):
        has_prev, has_next = u > 0, u + 1 < n
        back = range(max(0, u - WINDOW), u)
        ahead = range(u + 1, min(n, u + 1 + WINDOW))
        back_sims = [sim_at[u - v][v] for v in back]
        ahead_sims = [sim_at[v - u][u] for v in ahead]
        around = back_sims + ahead_sims
        back2, ahead2 = range(max(0, u - 2), u), range(u + 1, min(n, u + 3))
        seen_back = set().union(*(subj[v] for v in back)) if back else set()
        seen_ahead = set().union(*(subj[v] for v in ahead)) if ahead else set()
        novel_back = len(subj[u] - seen_back) / len(subj[u]) if subj[u] and back else 1.0
        novel_ahead = len(subj[u] - seen_ahead) / len(subj[u]) if subj[u] and ahead else 1.0
        slot_prev, mod_prev = edits[u] if has_prev else (0, 0)
        slot_next, mod_next = edits[u + 1] if has_next else (0, 0)
        same_prev = has_prev and same[u]
        same_next = has_next and same[u + 1]
        param_prev = has_prev and param[u]
        param_next = has_next and param[u + 1]
        distinct_back = [distinct_sim(u, u - 2), distinct_sim(u, u - 1)]
        distinct_ahead = [distinct_sim(u, u + 1), distinct_sim(u, u + 2)]
        img_prev = img[firsts[u]] if has_prev else None
        img_next = img[firsts[u + 1]] if has_next else None
        gap_prev = gaps[firsts[u]] if has_prev else None
        gap_next = gaps[firsts[u + 1]] if has_next else None
        out.append(
            [
                cos_prev[u] if has_prev else 0.0,
                cos_prev[u + 1] if has_next else 0.0,
                whole_jac[u] if has_prev else 0.0,
                whole_jac[u + 1] if has_next else 0.0,
                sim_at[1][u - 1] if has_prev else 0.0,
                sim_at[1][u] if has_next else 0.0,
                head_jac[u] if has_prev else 0.0,
                head_jac[u + 1] if has_next else 0.0,
                _style_kept(styles[u], styles[u - 1]) if has_prev else 0.0,
                float(same_prev),
                float(same_next),
                max(around, default=0.0),
                sum(s >= RECUR for s in around) / len(around) if around else 0.0,
                max(back_sims, default=0.0),
                max(ahead_sims, default=0.0),
                max([head_at[u - v][v] for v in back2], default=0.0),
                max([head_at[v - u][u] for v in ahead2], default=0.0),
                max([all_at[u - v][v] for v in back2], default=0.0),
                max([all_at[v - u][u] for v in ahead2], default=0.0),
                distinct_back[1] if has_prev else 0.0,
                distinct_ahead[0] if has_next else 0.0,
                max(distinct_back[2 - len(back2) :], default=0.0),
                max(distinct_ahead[: len(ahead2)], default=0.0),
                novel_back,
                novel_ahead,
                float(slot_prev),
                float(slot_next),
                float(mod_prev),
                float(mod_next),
                float(param_prev),
                float(param_next),
                float(param_prev and (same_prev or cos_prev[u] >= 0.97)),
                float(param_next and (same_next or cos_prev[u + 1] >= 0.97)),
                float(settings_moved(u)),
                float(has_prev and seed_kept[u]) * seed_weight,
                float(has_next and seed_kept[u + 1]) * seed_weight,
                float(img_prev) if img_prev is not None else 0.0,
                float(img_next) if img_next is not None else 0.0,
                float(img_prev is not None or img_next is not None),
                _log_minutes(gap_prev),
                _log_minutes(gap_next),
                float(u == 0),
                float(u == n - 1),
            ]
        )
    return out


def _style_kept(a: frozenset[str], b: frozenset[str]) -> float:
    """Style words two prompts share; two prompts with no style at all kept it (none)."""
    if not a and not b:
        return 1.0
    return jaccard(a, b)


def _seed_kept(a: int | None, b: int | None) -> bool:
    return a is not None and b is not None and abs(int(a) - int(b)) <= SEED_STEP


def _log_minutes(seconds: float | None) -> float:
    return math.log1p(max(float(seconds), 0.0) / 60.0) if seconds is not None else 0.0
