"""TensorArt: ``generation_data`` JSON (site parameters) beside the ComfyUI ``prompt`` graph.

``generation_data`` holds what the artist set on the site (prompt, negativePrompt, seed,
steps, cfgScale, samplerName/ksamplerName, schedule, width, height, baseModel.modelFileName).
Its seed is often "-1" (random): the seed actually used is then only in the ComfyUI graph the
site ran, so fields the site data lacks are filled from that graph. The dispatcher must try
this parser before the ComfyUI one.
"""

from __future__ import annotations

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools import comfyui

TOOL = "tensorart"
_KEYS = frozenset({"generation_data"})  # case-folded


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read TensorArt parameters, or None when the file has none.

    Raises:
        FileRejected: ``generation_data`` is present but unreadable and no graph backs it up.
    """
    raw = co.get_ci(c.text, "generation_data") if co.has_key_ci(c.text, _KEYS) else None
    if raw is None:
        return None
    data = co.load_json_object(raw)
    meta = _from_site_data(data) if data is not None else GenerationMeta(tool=TOOL)
    graph_meta = _graph_meta(c)
    if graph_meta is not None:
        co.fill_missing(meta, graph_meta)
    if not co.has_generation_data(meta):
        raise FileRejected("TensorArt generation_data is unreadable")
    return meta


def _from_site_data(data: dict[str, object]) -> GenerationMeta:
    base_model = co.get_ci(data, "baseModel")
    model = None
    if isinstance(base_model, dict):
        model = co.to_label(co.get_ci(base_model, "modelFileName", "label"))
    meta = GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(co.get_ci(data, "prompt")),
        negative_prompt=co.to_text(co.get_ci(data, "negativePrompt", "negative_prompt")),
        seed=co.to_seed(co.get_ci(data, "seed")),
        steps=co.to_steps(co.get_ci(data, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(data, "cfgScale", "cfg_scale")),
        sampler=co.to_label(co.get_ci(data, "samplerName", "ksamplerName", "sampler")),
        scheduler=co.to_label(co.get_ci(data, "schedule", "scheduler")),
        model=model,
        width=co.to_dimension(co.get_ci(data, "width")),
        height=co.to_dimension(co.get_ci(data, "height")),
    )
    if isinstance(base_model, dict):
        family = co.to_label(co.get_ci(base_model, "baseModel"))
        if family is not None:
            meta.extra["base_model"] = family
    return meta


def _graph_meta(c: ImageContainer) -> GenerationMeta | None:
    """What the embedded ComfyUI graph says; a broken graph just contributes nothing."""
    try:
        return comfyui.parse(c)
    except FileRejected:  # a broken secondary graph must not reject the site data
        return None
