"""Fooocus and RuinedFooocus metadata as they write it into the PNG ``parameters`` chunk."""

from __future__ import annotations

import json
from typing import Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none

FOOOCUS_VERSION = "Fooocus v2.5.5"


def fooocus_text(
    g: GenerationMeta, *, scheme: Literal["fooocus", "a1111"] = "fooocus"
) -> dict[str, str]:
    """Fooocus's ``parameters`` + ``fooocus_scheme`` chunks for ``g``.

    The ``fooocus`` scheme is JSON (seed as a string, resolution as "(w, h)"); the ``a1111``
    scheme is A1111-style text ending in ``Version: Fooocus …``.
    """
    if scheme == "a1111":
        return {"parameters": _a1111_text(g), "fooocus_scheme": "a1111"}
    resolution = f"({g.width}, {g.height})" if g.width and g.height else None
    data = without_none(
        {
            "adm_guidance": "(1.5, 0.8, 0.3)",
            "base_model": g.model,
            "base_model_hash": fake_hash(g.model),
            "clip_skip": 2,
            "guidance_scale": g.cfg_scale,
            "loras": [],
            "metadata_scheme": "fooocus",
            "negative_prompt": g.negative_prompt if g.negative_prompt is not None else "",
            "performance": "Speed",
            "prompt": g.prompt,
            "refiner_model": "None",
            "refiner_switch": 0.5,
            "resolution": resolution,
            "sampler": g.sampler,
            "scheduler": g.scheduler,
            "seed": None if g.seed is None else str(g.seed),
            "sharpness": 2,
            "steps": g.steps,
            "styles": "['Fooocus V2', 'Fooocus Enhance', 'Fooocus Sharp']",
            "vae": "Default (model)",
            "version": FOOOCUS_VERSION,
        }
    )
    return {"parameters": json.dumps(data), "fooocus_scheme": "fooocus"}


def _a1111_text(g: GenerationMeta) -> str:
    settings = without_none(
        {
            "Steps": g.steps,
            "Sampler": g.sampler,
            "Scheduler": g.scheduler,
            "Seed": g.seed,
            "CFG scale": g.cfg_scale,
            "Size": f"{g.width}x{g.height}" if g.width and g.height else None,
            "Model": g.model,
            "Sharpness": 2,
            "Version": FOOOCUS_VERSION,
        }
    )
    lines = [g.prompt or ""]
    if g.negative_prompt is not None:
        lines.append(f"Negative prompt: {g.negative_prompt}")
    lines.append(", ".join(f"{k}: {v}" for k, v in settings.items()))
    return "\n".join(lines)


def ruinedfooocus_text(g: GenerationMeta) -> dict[str, str]:
    """RuinedFooocus's JSON ``parameters`` chunk for ``g``."""
    data = without_none(
        {
            "Prompt": g.prompt,
            "Negative": g.negative_prompt,
            "steps": g.steps,
            "cfg": g.cfg_scale,
            "width": g.width,
            "height": g.height,
            "seed": g.seed,
            "sampler_name": g.sampler,
            "scheduler": g.scheduler,
            "base_model_name": g.model,
            "base_model_hash": fake_hash(g.model, 64),
            "loras": [],
            "start_step": 0,
            "clip_skip": 1,
            "software": "RuinedFooocus",
        }
    )
    return {"parameters": json.dumps(data)}
