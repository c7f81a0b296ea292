"""TensorArt metadata: ``generation_data`` JSON beside the ComfyUI graph the site ran."""

from __future__ import annotations

import json

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none
from orchestration.sample.writers.comfyui import comfyui_api_graph


def tensorart_text(
    g: GenerationMeta, *, random_seed: bool = False, with_graph: bool = True
) -> dict[str, str]:
    """The ``generation_data`` (and ``prompt`` graph) chunks TensorArt writes for ``g``.

    With ``random_seed`` the site data says ``"seed": "-1"`` as TensorArt does when the user
    left the seed random; the seed actually used is then only in the graph.
    """
    base_model = without_none(
        {
            "label": "v1",
            "type": "BASE_MODEL",
            "modelId": "943946051788787917",
            "modelFileId": "943946051788787918",
            "modelFileName": g.model,
            "baseModel": "SDXL",
            "hash": (fake_hash(g.model, 64) or "").upper() or None,
            "baseModelType": "STANDARD",
        }
    )
    seed = "-1" if random_seed or g.seed is None else str(g.seed)
    data = without_none(
        {
            "prompt": g.prompt,
            "negativePrompt": g.negative_prompt,
            "width": g.width,
            "height": g.height,
            "imageCount": 1,
            "steps": g.steps,
            "cfgScale": g.cfg_scale,
            "seed": seed,
            "clipSkip": 2,
            "baseModel": base_model if g.model is not None else None,
            "sdVae": "Automatic",
            "etaNoiseSeedDelta": 31337,
            "ksamplerName": g.sampler,
            "schedule": g.scheduler,
        }
    )
    # TensorArt terminates the chunk with a NUL byte.
    fields = {
        "generation_data": json.dumps(data, separators=(",", ":"), ensure_ascii=False) + "\x00"
    }
    if with_graph:
        fields["prompt"] = json.dumps(comfyui_api_graph(g))
    return fields
