"""NovelAI metadata: PNG text chunks, or the same fields packed into WebP EXIF."""

from __future__ import annotations

import json
from typing import Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none


def novelai_text(
    g: GenerationMeta,
    *,
    container: Literal["png", "webp"] = "png",
    characters: tuple[str, ...] = (),
) -> dict[str, str]:
    """The metadata NovelAI writes for ``g``.

    PNG: Title/Description/Software/Source/Generation time/Comment chunks. WebP: EXIF
    UserComment holds all of them as one JSON object, Software the Source, ImageDescription the
    prompt and DocumentName the title. ``characters`` become V4 character captions.
    """
    source = None if g.model is None else f"{g.model} {(fake_hash(g.model, 8) or '').upper()}"
    caption = {
        "base_caption": g.prompt or "",
        "char_captions": [
            {"char_caption": c, "centers": [{"x": 0.5, "y": 0.5}]} for c in characters
        ],
    }
    comment = without_none(
        {
            "prompt": g.prompt,
            "steps": g.steps,
            "height": g.height,
            "width": g.width,
            "scale": g.cfg_scale,
            "uncond_scale": 0.0,
            "cfg_rescale": 0.0,
            "seed": g.seed,
            "n_samples": 1,
            "noise_schedule": g.scheduler,
            "v4_prompt": {"caption": caption, "use_coords": bool(characters), "use_order": True},
            "v4_negative_prompt": {
                "caption": {"base_caption": g.negative_prompt or "", "char_captions": []}
            },
            "sampler": g.sampler,
            "uc": g.negative_prompt,
            "request_type": "PromptGenerateRequest",
        }
    )
    fields = without_none(
        {
            "Title": "NovelAI generated image",
            "Description": g.prompt,
            "Software": "NovelAI",
            "Source": source,
            "Generation time": "1.93",
            "Comment": json.dumps(comment),
        }
    )
    if container == "png":
        return fields
    return without_none(
        {
            "exif:UserComment": json.dumps(fields, ensure_ascii=False),
            "exif:Software": source or "NovelAI",
            "exif:DocumentName": fields["Title"],
            "exif:ImageDescription": g.prompt,
        }
    )
