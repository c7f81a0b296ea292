"""Per-step evidence: each generation against its predecessor, reduced to a few discrete bins.

Why bins and not raw numbers: the decoder needs a likelihood per intent, and a categorical
table per feature is something an artist's corrections can re-estimate from a handful of
sessions (see ``calibration``), which a continuous model could not. A feature whose inputs are
NULL (Midjourney has no seed or settings; a run without image embeddings has no visual
similarity) gets no bin and is left out of the likelihood instead of being guessed.

A *unit* is what the artist decided on: one generation, or one Midjourney job (the four images
of a grid share a job id and a prompt, so comparing them says nothing about strategy).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import polars as pl

from orchestration.intent.contract import SIGNAL_COLUMNS
from orchestration.intent.prompt_parts import PROMPT_CACHE

FEATURES: tuple[str, ...] = ("prompt", "seed", "params", "image", "gap")
BINS: dict[str, tuple[str, ...]] = {
    "prompt": ("kept", "close", "related", "far"),
    "seed": ("kept", "step", "new"),
    "params": ("none", "one", "sweep", "many"),
    "image": ("high", "mid", "low"),
    "gap": ("quick", "medium", "slow"),
}
# Which signal columns each feature reads, for a label's ``signals`` list.
FEATURE_SIGNALS: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt_similarity", "prompt_jaccard"),
    "seed": ("seed",),
    "params": ("parameter_changes",),
    "image": ("image_similarity",),
    "gap": ("time_gap",),
}
PARAMETERS: tuple[str, ...] = ("cfg_scale", "steps", "size", "sampler", "scheduler", "model")
CHUNK = re.compile(r"[,;|.\n]|::|\s--\w+(?:\s+[\w:.]+)?")  # prompt chunk separators
SAME_SUBJECT = 0.5  # subjects sharing at least this share of words are one concept
_TOKEN = re.compile(r"[^\W_]+")  # runs of str.isalnum characters
SEED_STEP = 16  # |seed - previous seed| up to this is a seed sweep (base, base + 1, ...)
# Visual similarity cut points (pixel-signature-v1 and CLIP cosines both land in 0..1).
IMAGE_HIGH, IMAGE_LOW = 0.93, 0.80


@dataclass(frozen=True, slots=True)
class Step:
    """One unit and how it moved from the unit before it (``bins`` is empty for the first)."""

    first_row: int  # index into the session's sorted rows
    last_row: int
    bins: dict[str, str]
    changed: tuple[str, ...]  # parameters that changed against the previous unit
    prompt_similarity: float | None
    image_similarity: float | None


@dataclass(frozen=True, slots=True)
class SessionRows:
    """One session's rows in position order, as plain lists (the decoder loops over them)."""

    session_id: str
    artist: str
    tool: str | None
    generation_ids: list[str]
    created_at: list[datetime]
    prompts: list[str | None]
    seeds: list[int | None]
    columns: dict[str, list]

    @property
    def n(self) -> int:
        """Number of generations."""
        return len(self.generation_ids)


def session_rows(session: pl.DataFrame) -> SessionRows:
    """Sort one session's signal rows by position and keep what inference reads."""
    missing = [c for c in ("session_id", "position", "generation_id") if c not in session.columns]
    if missing:
        raise ValueError(f"intent_signals rows lack {missing}")
    if session["session_id"].n_unique() != 1:
        raise ValueError("infer one session at a time")
    present = [c for c in SIGNAL_COLUMNS if c in session.columns]
    rows = session.select(present).sort("position")
    return rows_from_columns(rows.to_dict(as_series=False), rows.height)


def rows_from_columns(cols: Mapping[str, list], n: int) -> SessionRows:
    """One session's ``n`` rows from its signal columns as lists (a missing column is nulls)."""

    def col(name: str) -> list:
        values = cols.get(name)
        return [None] * n if values is None else values

    columns = {c: col(c) for c in SIGNAL_COLUMNS}
    return SessionRows(
        session_id=columns["session_id"][0],
        artist=columns["artist"][0] or "",
        tool=columns["tool"][0],
        generation_ids=[str(g) for g in columns["generation_id"]],
        created_at=columns["created_at"],
        prompts=[clean_prompt(p) for p in columns["prompt"]],
        seeds=columns["seed"],
        columns=columns,
    )


def keepers_in(rows: SessionRows, first: int, last: int) -> int:
    """Keepers (session_keepers) among rows ``first``..``last``: what a label's candidates count.

    0 when nothing in the data shows a choice; never a guess from seeds or looks alone.
    """
    return sum(1 for reasons in rows.columns["keeper_reasons"][first : last + 1] if reasons)


def clean_prompt(prompt: str | None) -> str | None:
    """A prompt stripped of surrounding space; None when nothing is left."""
    return prompt.strip() or None if prompt else None


def units(rows: SessionRows) -> list[tuple[int, int]]:
    """Row ranges of the units: consecutive rows sharing a non-NULL job id form one unit."""
    jobs = rows.columns["job_id"]
    spans: list[tuple[int, int]] = []
    for i in range(rows.n):
        if spans and jobs[i] is not None and jobs[i] == jobs[spans[-1][1]]:
            spans[-1] = (spans[-1][0], i)
        else:
            spans.append((i, i))
    return spans


def steps(rows: SessionRows) -> list[Step]:
    """Evidence per unit, from its first row against the previous unit's last row."""
    out: list[Step] = []
    spans = units(rows)
    for u, (first, last) in enumerate(spans):
        if u == 0:
            out.append(Step(first, last, {}, (), None, None))
            continue
        prev = spans[u - 1][1]
        bins, changed = _bins(rows, prev, first, out[-1].changed)
        sim = rows.columns["prompt_similarity"][first]
        out.append(Step(first, last, bins, changed, sim, rows.columns["image_similarity"][first]))
    # A sweep shows as the same parameter changing step after step: a step is part of one when
    # the next step changes the same setting (so the step that leaves a sweep, going back to
    # the chosen value, is not), or when it is the session's last and continues the previous.
    for u in range(1, len(out)):
        cur = out[u]
        follow = out[u + 1].changed if u + 1 < len(out) else out[u - 1].changed
        if cur.bins.get("params") == "one" and cur.changed == follow:
            cur.bins["params"] = "sweep"
    return out


def _bins(
    rows: SessionRows, prev: int, cur: int, prev_changed: tuple[str, ...]
) -> tuple[dict[str, str], tuple[str, ...]]:
    c = rows.columns
    bins: dict[str, str] = {}
    prompt_bin = _prompt_bin(
        rows.prompts[prev], rows.prompts[cur], c["prompt_similarity"][cur], c["prompt_jaccard"][cur]
    )
    if prompt_bin:
        bins["prompt"] = prompt_bin
    seed, prev_seed = rows.seeds[cur], rows.seeds[prev]
    if seed is not None and prev_seed is not None:
        delta = abs(int(seed) - int(prev_seed))
        bins["seed"] = "kept" if delta == 0 else "step" if delta <= SEED_STEP else "new"
    changed = _changed(rows, cur)
    if changed is not None:
        bins["params"] = "none" if not changed else "one" if len(changed) == 1 else "many"
    image = c["image_similarity"][cur]
    if image is not None:
        bins["image"] = "high" if image >= IMAGE_HIGH else "mid" if image >= IMAGE_LOW else "low"
    gap = c["seconds_since_previous"][cur]
    if gap is not None:
        bins["gap"] = "quick" if gap <= 60 else "medium" if gap <= 180 else "slow"
    return bins, changed or ()


def _prompt_bin(
    prev: str | None, cur: str | None, similarity: float | None, jaccard: float | None
) -> str | None:
    """Kept, lightly edited, same subject reworded, or a different concept.

    Real prompts carry long style tails ("intricate, elegant, highly detailed, artstation")
    that keep token overlap high while the subject changes, so overlap of the whole prompt only
    counts when the subjects overlap too; the embedding similarity, when present, judges the
    rest.
    """
    if prev is None or cur is None:
        return None
    if prev == cur:
        return "kept"
    if jaccard is None:
        jaccard = token_jaccard(prev, cur)
    same_subject = token_jaccard(subject(prev), subject(cur)) >= SAME_SUBJECT
    if (similarity is not None and similarity >= 0.93) or (jaccard >= 0.75 and same_subject):
        return "close"
    if similarity is not None:
        related = similarity >= 0.72 or (same_subject and jaccard >= 0.45)
    else:
        related = jaccard >= 0.45 and same_subject
    return "related" if related or same_subject else "far"


def _changed(rows: SessionRows, cur: int) -> tuple[str, ...] | None:
    """Parameters that changed against the predecessor, or None when no setting is recorded."""
    c = rows.columns
    flags = {
        "cfg_scale": _nonzero(c["cfg_scale_change"][cur]),
        "steps": _nonzero(c["steps_change"][cur]),
        "size": c["is_size_changed"][cur],
        "sampler": c["is_sampler_changed"][cur],
        "scheduler": c["is_scheduler_changed"][cur],
        "model": c["is_model_changed"][cur],
    }
    known = {k: v for k, v in flags.items() if v is not None}
    if not known:
        return None
    return tuple(k for k in PARAMETERS if known.get(k))


def _nonzero(value: float | None) -> bool | None:
    return None if value is None else abs(value) > 1e-9


@lru_cache(maxsize=PROMPT_CACHE)
def subject(prompt: str | None) -> str:
    """The prompt's first chunk: what is drawn, before the style tail."""
    return CHUNK.split(prompt.lower(), maxsplit=1)[0] if prompt else ""


@lru_cache(maxsize=PROMPT_CACHE)
def tokens(prompt: str | None) -> frozenset[str]:
    """Lower-case word tokens, as the warehouse's ``prompt_jaccard`` splits them.

    A token is a run of characters for which ``str.isalnum`` holds; cached, since a session
    compares each prompt with both its neighbours.
    """
    return frozenset(_TOKEN.findall(prompt.lower())) if prompt else frozenset()


def token_jaccard(a: str | None, b: str | None) -> float:
    """Token Jaccard of two prompts (0 when either is empty)."""
    ta, tb = tokens(a), tokens(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0
