"""Hand-built ``intent_signals`` frames: one dict per generation, pair columns derived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from orchestration.intent.contract import SIGNAL_COLUMNS
from orchestration.intent.features import token_jaccard

START = datetime(2026, 3, 1, 10, tzinfo=UTC)
SUBJECTS = (
    "portrait of a woman under neon rain",
    "mountain landscape at dawn above a glacier lake",
    "sci-fi space station corridor with glowing panels",
    "abstract wave pattern of flowing ribbons",
    "lighthouse on a cliff in a thunderstorm",
    "koi fish in a lily pond",
    "retro diner interior with chrome stools",
    "steampunk airship above a sea of clouds",
)
_FLOATS = ("cfg_scale", "prompt_similarity", "image_similarity", "seconds_since_previous")


def gen(**overrides: object) -> dict:
    """One generation with A1111-like defaults; ``gap`` is seconds after the previous one."""
    return {
        "prompt": SUBJECTS[0] + ", cinematic lighting",
        "seed": 1000,
        "steps": 30,
        "cfg_scale": 7.0,
        "sampler": "DPM++ 2M",
        "scheduler": "Karras",
        "model": "dreamshaper_8",
        "width": 512,
        "height": 768,
        "job_id": None,
        "gap": 40,
        "image_similarity": None,
        "prompt_similarity": None,
    } | overrides


def _diff(a: object, b: object) -> float | None:
    return None if a is None or b is None else float(a) - float(b)  # type: ignore[arg-type]


def _changed(a: object, b: object) -> bool | None:
    return None if a is None or b is None else a != b


def session_frame(gens: list[dict], *, session_id: str = "s1", artist: str = "ada") -> pl.DataFrame:
    """Rows in SIGNAL_COLUMNS; pair columns computed the way the warehouse computes them."""
    rows, at = [], START
    for position, g in enumerate(gens, 1):
        p = gens[position - 2] if position > 1 else None
        at += timedelta(seconds=g["gap"] if p else 0)
        row = dict.fromkeys(SIGNAL_COLUMNS)
        row |= {k: v for k, v in g.items() if k in SIGNAL_COLUMNS}
        row |= {
            "session_id": session_id,
            "artist": artist,
            "tool": "a1111",
            "generation_id": f"{session_id}-{position}",
            "position": position,
            "created_at": at,
        }
        if p is not None:
            row |= {
                "seconds_since_previous": float(g["gap"]),
                "is_prompt_kept": g["prompt"] == p["prompt"],
                "prompt_jaccard": None
                if g["prompt"] is None or p["prompt"] is None
                else token_jaccard(g["prompt"], p["prompt"]),
                "is_seed_kept": None
                if g["seed"] is None or p["seed"] is None
                else g["seed"] == p["seed"],
                "cfg_scale_change": _diff(g["cfg_scale"], p["cfg_scale"]),
                "steps_change": _diff(g["steps"], p["steps"]),
                "is_size_changed": _changed((g["width"], g["height"]), (p["width"], p["height"]))
                if g["width"] is not None and p["width"] is not None
                else None,
                "is_sampler_changed": _changed(g["sampler"], p["sampler"]),
                "is_scheduler_changed": _changed(g["scheduler"], p["scheduler"]),
                "is_model_changed": _changed(g["model"], p["model"]),
            }
        else:
            row["image_similarity"] = row["prompt_similarity"] = None
        rows.append(row)
    overrides = {c: pl.Float64 for c in _FLOATS} | {"steps_change": pl.Float64}
    return pl.DataFrame(rows, infer_schema_length=None, schema_overrides=overrides)


def explore(n: int, *, seed: int = 5000, start: int = 0) -> list[dict]:
    """``n`` renders of different subjects with fresh seeds, a thinking pause apart."""
    return [
        gen(
            prompt=f"{SUBJECTS[(start + i) % len(SUBJECTS)]}, oil painting",
            seed=seed + 7919 * i,
            gap=200,
        )
        for i in range(n)
    ]


def refine(n: int, *, subject: int = 0, base_seed: int = 42) -> list[dict]:
    """``n`` renders of one prompt as a seed sweep, quickly one after another."""
    prompt = f"{SUBJECTS[subject]}, oil painting"
    return [gen(prompt=prompt, seed=base_seed + i, gap=30) for i in range(n)]


def sweep_cfg(values: list[float], *, subject: int = 0, seed: int = 42) -> list[dict]:
    """One prompt and seed rendered at each CFG scale in turn."""
    prompt = f"{SUBJECTS[subject]}, oil painting"
    return [gen(prompt=prompt, seed=seed, cfg_scale=v, gap=20) for v in values]
