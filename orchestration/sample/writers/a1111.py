"""A1111-family infotext (the PNG ``parameters`` text) for a generation, per front end.

Each flavour writes the keys and the ``Version`` marker its real counterpart writes (see
``orchestration.ingest.tools.a1111`` for how they are told apart on reading).
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash

Flavour = Literal["a1111", "forge", "reforge", "sdnext", "civitai"]
VERSIONS = {
    "a1111": "v1.10.1",
    "forge": "f2.0.1v1.10.1-previous-669-gdfdcbab6",
    "reforge": "f1.0.0v2-v1.10.1RC-latest-2498-g5120e679",
    "sdnext": "56a8aea",
}


def quote(value: object) -> str:
    """A1111's quoting: a value with a comma, colon or newline becomes a JSON string."""
    text = str(value)
    if "," not in text and ":" not in text and "\n" not in text and '"' not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _number(value: float) -> str:
    return f"{value:g}"


def a1111_parameters(g: GenerationMeta, *, flavour: Flavour = "a1111") -> str:
    """The infotext ``flavour`` writes for ``g``; fields ``g`` lacks are left out."""
    size = f"{g.width}x{g.height}" if g.width and g.height else None
    model_hash = fake_hash(g.model)
    params: list[tuple[str, object | None]]
    if flavour == "sdnext":
        params = [
            ("Steps", g.steps),
            ("Size", size),
            ("Sampler", g.sampler),
            ("Seed", g.seed),
            ("CFG scale", None if g.cfg_scale is None else _number(g.cfg_scale)),
            ("App", "SD.Next"),
            ("Version", VERSIONS["sdnext"]),
            ("Pipeline", "StableDiffusionXLPipeline"),
            ("Operations", "txt2img"),
            ("Model", g.model),
            ("Model hash", model_hash),
            ("Sampler sigma", g.scheduler),
        ]
    else:
        params = [
            ("Steps", g.steps),
            ("Sampler", g.sampler),
            ("Schedule type", g.scheduler),
            ("CFG scale", None if g.cfg_scale is None else _number(g.cfg_scale)),
            ("Seed", g.seed),
            ("Size", size),
        ]
        if flavour == "civitai":
            created = g.created_at.astimezone(UTC) if g.created_at else None
            resources = (
                [
                    {
                        "type": "checkpoint",
                        "modelVersionId": 2514310,
                        "modelName": g.model,
                        "modelVersionName": "v1.0",
                    }
                ]
                if g.model
                else None
            )
            params += [
                ("Clip skip", 2),
                ("Created Date", created.strftime("%Y-%m-%dT%H:%M:%S.%f0Z") if created else None),
                (
                    "Civitai resources",
                    json.dumps(resources, separators=(",", ":")) if resources else None,
                ),
                ("Civitai metadata", "{}"),
            ]
        else:
            params += [
                ("Model hash", model_hash),
                ("Model", g.model),
                ("Version", VERSIONS[flavour]),
            ]
    line = ", ".join(
        f"{k}: {v if k in ('Civitai resources', 'Civitai metadata') else quote(v)}"
        for k, v in params
        if v is not None
    )
    parts = [g.prompt or ""]
    if g.negative_prompt:
        parts.append(f"Negative prompt: {g.negative_prompt}")
    parts.append(line)
    return "\n".join(parts)
