"""``intent_signals`` rows computed straight from synthetic sessions, without the pipeline.

The warehouse derives these columns in SQL (``int_generation_pairs_compared``); this mirrors
the metadata part of it (token Jaccard, seeds, setting changes, time gaps) so tests and the
calibration benchmark can score thousands of generations in a second. Embedding columns
(``prompt_similarity``, ``image_similarity``) stay NULL, exactly as for a warehouse built
without embeddings; the inference must do without them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import polars as pl

from orchestration.sample.scenarios import SampleSession

_TOKEN = re.compile(r"[^\w]+|_")


def _tokens(prompt: str | None) -> set[str]:
    return {t for t in _TOKEN.split(prompt.lower()) if t} if prompt else set()


def _jaccard(a: str | None, b: str | None) -> float | None:
    if a is None or b is None:
        return None
    ta, tb = _tokens(a), _tokens(b)
    return len(ta & tb) / len(ta | tb) if ta | tb else None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _changed(a: object, b: object) -> bool | None:
    return None if a is None or b is None else a != b


def session_signals(session: SampleSession) -> list[dict]:
    """One row per generation of the session, in order, with the pair columns of the mart."""
    rows: list[dict] = []
    previous = None
    for position, g in enumerate(session.generations, 1):
        m = g.meta
        row = {
            "session_id": session.key,
            "session_fingerprint": None,
            "artist": session.artist,
            "tool": session.tool,
            "generation_id": f"{session.key}/{position:04d}",
            "position": position,
            "created_at": g.created_at,
            "prompt": m.prompt,
            "negative_prompt": m.negative_prompt,
            "prompt_hash": None,
            "seed": m.seed,
            "steps": m.steps,
            "cfg_scale": m.cfg_scale,
            "sampler": m.sampler,
            "scheduler": m.scheduler,
            "model": m.model,
            "width": m.width,
            "height": m.height,
            "content_hash": None,
            "job_id": m.job_id,
            "source_archive": None,
            "source_path": None,
            "prompt_similarity": None,
            "image_similarity": None,
            "prompt_model_id": None,
            "image_model_id": None,
        }
        p = previous.meta if previous is not None else None
        pair = {
            "seconds_since_previous": None
            if previous is None
            else (g.created_at - previous.created_at).total_seconds(),
            "is_prompt_kept": None if p is None else m.prompt == p.prompt,
            "prompt_jaccard": None if p is None else _jaccard(m.prompt, p.prompt),
            "is_seed_kept": None if p is None else _changed(m.seed, p.seed) is False,
            "cfg_scale_change": None if p is None else _diff(m.cfg_scale, p.cfg_scale),
            "steps_change": None if p is None else _diff(m.steps, p.steps),
            "pixel_count_change": None
            if p is None or None in (m.width, m.height, p.width, p.height)
            else m.width * m.height - p.width * p.height,
            "is_size_changed": None
            if p is None
            else _changed((m.width, m.height), (p.width, p.height)),
            "is_sampler_changed": None if p is None else _changed(m.sampler, p.sampler),
            "is_scheduler_changed": None if p is None else _changed(m.scheduler, p.scheduler),
            "is_model_changed": None if p is None else _changed(m.model, p.model),
        }
        if p is not None and (m.seed is None or p.seed is None):
            pair["is_seed_kept"] = None
        rows.append(row | pair)
        previous = g
    return rows


def signals_and_truth(sessions: Iterable[SampleSession]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Signal rows and the matching truth (``generation_id``, ``session_id``, intents)."""
    signal_rows, truth_rows = [], []
    for session in sessions:
        rows = session_signals(session)
        signal_rows.extend(rows)
        for row, g in zip(rows, session.generations, strict=True):
            truth_rows.append(
                {
                    "generation_id": row["generation_id"],
                    "session_id": session.key,
                    "phase_no": g.phase_no,
                    "phase_intent": g.phase_intent,
                    "session_intent": g.session_intent,
                }
            )
    schema_overrides = {
        "prompt_similarity": pl.Float64,
        "image_similarity": pl.Float64,
        "prompt_jaccard": pl.Float64,
        "cfg_scale_change": pl.Float64,
        "seconds_since_previous": pl.Float64,
    }
    signals = pl.DataFrame(signal_rows, infer_schema_length=None, schema_overrides=schema_overrides)
    return signals, pl.DataFrame(truth_rows)
