"""SwarmUI metadata: ``sui_image_params`` JSON in PNG ``parameters`` or EXIF ``UserComment``."""

from __future__ import annotations

import json
from typing import Any, Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none
from orchestration.sample.writers.comfyui import comfyui_api_graph

SWARM_VERSION = "0.9.7.4"


def swarmui_text(
    g: GenerationMeta,
    *,
    container: Literal["png", "exif"] = "png",
    date_format: str = "%Y-%m-%d",
    with_graph: bool = True,
) -> dict[str, str]:
    """The metadata SwarmUI writes for ``g``.

    Args:
        g: the generation; ``created_at`` (UTC) becomes ``sui_extra_data.date``.
        container: ``png`` (``parameters`` chunk, plus the ComfyUI ``prompt`` graph it ran) or
            ``exif`` (``UserComment``, as in its JPEG/WebP output).
        date_format: SwarmUI writes only the day; a format with a time exercises that path.
        with_graph: add the ComfyUI graph (PNG only, as SwarmUI does).
    """
    params = without_none(
        {
            "prompt": g.prompt,
            "negativeprompt": g.negative_prompt,
            "model": g.model,
            "seed": g.seed,
            "steps": g.steps,
            "cfgscale": g.cfg_scale,
            "aspectratio": "Custom",
            "width": g.width,
            "height": g.height,
            "sampler": g.sampler,
            "scheduler": g.scheduler,
            "automaticvae": True,
            "swarm_version": SWARM_VERSION,
        }
    )
    extra: dict[str, Any] = {"prep_time": "0.02 sec", "generation_time": "6.53 sec"}
    if g.created_at is not None:
        extra = {"date": g.created_at.strftime(date_format), **extra}
    document: dict[str, Any] = {"sui_image_params": params, "sui_extra_data": extra}
    if g.model is not None:
        document["sui_models"] = [
            {
                "name": f"{g.model}.safetensors",
                "param": "model",
                "hash": f"0x{fake_hash(g.model, 64)}",
            }
        ]
    text = json.dumps(document, indent=2)
    if container == "exif":
        return {"exif:UserComment": text}
    fields = {"parameters": text}
    if with_graph:
        graph = comfyui_api_graph(g, sampler_kind="KSamplerAdvanced")
        fields["prompt"] = json.dumps(graph)
    return fields
