"""Fit the shipped intent model from real labels and the realistic synthetic set.

Inputs are ``intent_signals`` frames the pipeline built (so the features are the ones the intent
asset sees, MiniLM similarities included) plus their truth. Real development sessions weigh one
per unit; synthetic units together weigh ``SYNTHETIC_SHARE`` of the real ones, enough to teach
what real data barely shows (optimization is 9 of 381 real units) without drowning real habits.
The style lexicon is learned from chunks that recur across several artists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl

from orchestration.intent.model import IntentModel, fit_model
from orchestration.intent.prompt_parts import DEFAULT_LEXICON, StyleLexicon, chunks, words
from orchestration.intent.real_eval import LabelledSession, sessions_with_truth

SYNTHETIC_SHARE = 0.5  # synthetic units' total weight against the real units'
LEXICON_MIN_ARTISTS = 3  # a chunk used by this many artists is shared style, not a subject


def learn_style_lexicon(signals: pl.DataFrame, min_artists: int = LEXICON_MIN_ARTISTS) -> list[str]:
    """Chunks (normalised words) that at least ``min_artists`` different artists wrote.

    A subject is one person's; "trending on artstation", "octane render" and "by greg
    rutkowski" recur across people. The first chunk of a prompt is never counted: it is what
    the artist leads with, the subject, even when two people draw the same thing.
    """
    users: dict[str, set[str]] = defaultdict(set)
    for artist, prompt in signals.select("artist", "prompt").unique().iter_rows():
        for chunk in chunks(prompt)[1:]:
            norm = " ".join(words(chunk))
            if norm and len(norm) <= 60:
                users[norm].add(artist)
    return sorted(c for c, who in users.items() if len(who) >= min_artists)


def synthetic_sessions(
    signals: pl.DataFrame, truth: pl.DataFrame, lexicon: StyleLexicon = DEFAULT_LEXICON
) -> list[LabelledSession]:
    """Synthetic sessions with their truth (``orchestration.sample.truth`` rows)."""
    attached = truth.select(
        "generation_id", "phase_intent", pl.col("session_key").alias("session"), "phase_no"
    )
    return sessions_with_truth(signals, attached, lexicon)


def synthetic_arrays(
    sessions: Sequence[LabelledSession], real_units: int, share: float = SYNTHETIC_SHARE
) -> tuple[np.ndarray, list[str], list[bool], np.ndarray] | None:
    """Stacked synthetic units with weights summing to ``share * real_units`` (None at 0)."""
    if share <= 0 or not sessions:
        return None
    x = np.vstack([s.x for s in sessions])
    weight = np.full(len(x), share * real_units / max(len(x), 1))
    return (
        x,
        [i for s in sessions for i in s.intents],
        [b for s in sessions for b in s.starts],
        weight,
    )


def fit_weighted(
    real: Sequence[LabelledSession],
    synthetic: tuple[np.ndarray, list[str], list[bool], np.ndarray] | None,
    *,
    style_lexicon: Sequence[str] = (),
    trained_on: dict[str, Any] | None = None,
) -> IntentModel:
    """One model over real units (weight 1 each) and the weighted synthetic units."""
    xs = [s.x for s in real]
    ys = [i for s in real for i in s.intents]
    bs = [b for s in real for b in s.starts]
    weights = [np.ones(sum(len(s.intents) for s in real))]
    if synthetic is not None:
        xs.append(synthetic[0])
        ys += synthetic[1]
        bs += synthetic[2]
        weights.append(synthetic[3])
    return fit_model(
        np.vstack(xs),
        ys,
        bs,
        sample_weight=np.concatenate(weights),
        style_lexicon=style_lexicon,
        trained_on=trained_on,
    )
