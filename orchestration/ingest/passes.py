"""A render's second pass as the lake records it, from what each reader found in the metadata.

The lake keeps four facts, each ``None`` when the file does not say:
  - ``upscale_factor``: how much a second pass enlarged the first (A1111/Forge ``Hires upscale``,
    SD.Next ``Hires scale``, ``Hires resize`` over the first-pass size, extras'
    ``Postprocess upscale by``; ComfyUI ``scale_by`` or a resize target over the first pass);
  - ``upscaler``: the upscaler named (``Hires upscaler``, ``Postprocess upscaler``, a ComfyUI
    upscale model, or the upscale node and its method);
  - ``denoising_strength``: A1111 ``Denoising strength`` (hires or img2img), a ComfyUI sampler's
    ``denoise`` below 1 (a first pass started from an image, or a later pass);
  - ``init_image``: the file a ComfyUI ``LoadImage`` fed into the first pass (img2img).
"""

from __future__ import annotations

from typing import Any

from orchestration.ingest.records import GenerationMeta
from orchestration.ingest.tools import _coerce as co

PASS_COLUMNS = ("upscale_factor", "upscaler", "denoising_strength", "init_image")
_MAX_FACTOR = 16.0
_FACTOR_KEYS = ("hires_upscale", "hires_scale", "postprocess_upscale_by", "upscale_by")
_TARGET_KEYS = ("hires_resize", "hires_size", "postprocess_upscale_to", "upscale_to")
_UPSCALER_KEYS = ("hires_upscaler", "postprocess_upscaler", "upscaler")
_DENOISE_KEYS = ("denoising_strength", "denoise", "pass_denoise")
_INIT_KEYS = ("init_image", "init_image_path")


def second_pass_fields(meta: GenerationMeta) -> dict[str, Any]:
    """The lake's second-pass columns for one record (all ``None`` for a plain render)."""
    extra = meta.extra
    factor = next(
        (
            f
            for f in (co.to_float(extra.get(k), 0.0, _MAX_FACTOR) for k in _FACTOR_KEYS)
            if f is not None
        ),
        None,
    )
    if factor is None and meta.width:
        for key in _TARGET_KEYS:
            width, _ = co.parse_size(extra.get(key))
            if width and width > meta.width:  # a resize to the same size or smaller is no upscale
                factor = round(width / meta.width, 4)
                break
    upscaler = next((co.to_label(extra[k]) for k in _UPSCALER_KEYS if extra.get(k)), None)
    denoise = next(
        (d for d in (co.to_float(extra.get(k), 0.0, 1.0) for k in _DENOISE_KEYS) if d is not None),
        None,
    )
    init = next((co.to_text(extra[k]) for k in _INIT_KEYS if extra.get(k)), None)
    return {
        "upscale_factor": factor or None,
        "upscaler": upscaler,
        "denoising_strength": denoise,
        "init_image": init,
    }
