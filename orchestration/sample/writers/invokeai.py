"""InvokeAI metadata as its three generations of releases write it."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none

Variant = Literal["invokeai_metadata", "sd-metadata", "dream"]


def invokeai_text(
    g: GenerationMeta, *, variant: Variant = "invokeai_metadata", model_key: str = "name"
) -> dict[str, str]:
    """The text chunks InvokeAI writes for ``g``.

    Args:
        g: the generation.
        variant: ``invokeai_metadata`` (3.x+), ``sd-metadata`` (2.x, written with ``Dream``)
            or ``dream`` (1.x command line only).
        model_key: ``name`` (4.x+) or ``model_name`` (3.x) inside the ``model`` object.
    """
    if variant == "invokeai_metadata":
        model = None if g.model is None else {model_key: g.model, "base": "sdxl", "type": "main"}
        data = without_none(
            {
                "generation_mode": "txt2img",
                "positive_prompt": g.prompt,
                "negative_prompt": g.negative_prompt,
                "width": g.width,
                "height": g.height,
                "seed": g.seed,
                "rand_device": "cpu",
                "cfg_scale": g.cfg_scale,
                "cfg_rescale_multiplier": 0.0,
                "steps": g.steps,
                "scheduler": g.sampler,
                "model": model,
                "app_version": "5.6.0",
            }
        )
        return {"invokeai_metadata": json.dumps(data, separators=(",", ":"), ensure_ascii=False)}
    combined = _combined_prompt(g)
    dream = _dream_line(g, combined)
    if variant == "dream":
        return {"Dream": dream}
    image = without_none(
        {
            "prompt": [{"prompt": combined, "weight": 1.0}] if combined is not None else None,
            "steps": g.steps,
            "cfg_scale": g.cfg_scale,
            "threshold": 0,
            "perlin": 0,
            "height": g.height,
            "width": g.width,
            "seed": g.seed,
            "seamless": False,
            "hires_fix": False,
            "type": "txt2img",
            "postprocessing": None,
            "sampler": g.sampler,
            "variations": [],
        }
    )
    meta = without_none(
        {
            "model": "stable diffusion",
            "model_weights": g.model,
            "model_hash": fake_hash(g.model, 64),
            "app_id": "invoke-ai/InvokeAI",
            "app_version": "2.3.0",
            "image": image,
        }
    )
    return {"Dream": dream, "sd-metadata": json.dumps(meta)}


def _combined_prompt(g: GenerationMeta) -> str | None:
    """Old InvokeAI puts the negative prompt in square brackets inside the prompt."""
    if g.negative_prompt is None:
        return g.prompt
    return f"{g.prompt or ''} [{g.negative_prompt}]".strip()


def _dream_line(g: GenerationMeta, prompt: str | None) -> str:
    quoted = '"' + (prompt or "").replace('"', '\\"') + '"'
    flags = [
        ("-s", g.steps),
        ("-S", g.seed),
        ("-W", g.width),
        ("-H", g.height),
        ("-C", g.cfg_scale),
        ("-A", g.sampler),
    ]
    return " ".join([quoted, *(f"{flag} {value}" for flag, value in flags if value is not None)])


def invokeai_database(images: dict[str, datetime]) -> bytes:
    """An InvokeAI ``invokeai.db`` holding an ``images`` record per file name, as 5.x writes it.

    Only the columns the ingest reads and the ones that make the table InvokeAI's are filled.
    """
    con = sqlite3.connect(":memory:")
    try:
        con.execute(
            "create table images (image_name text not null primary key, image_origin text not "
            "null, image_category text not null, width integer not null, height integer not "
            "null, session_id text, node_id text, is_intermediate boolean default false, "
            "created_at datetime not null default(strftime('%Y-%m-%d %H:%M:%f', 'now')), "
            "updated_at datetime, deleted_at datetime, starred boolean default false, "
            "has_workflow boolean default false)"
        )
        con.executemany(
            "insert into images (image_name, image_origin, image_category, width, height, "
            "created_at) values (?, 'internal', 'general', 512, 512, ?)",
            [
                (name, f"{at:%Y-%m-%d %H:%M:%S}.{at.microsecond // 1000:03d}")
                for name, at in images.items()
            ],
        )
        con.commit()
        return con.serialize()
    finally:
        con.close()
