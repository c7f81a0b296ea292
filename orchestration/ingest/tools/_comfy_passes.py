"""The later passes a ComfyUI graph holds: upscale nodes, a later sampler's denoise, an init image.

The sampler read for the generation is the first pass (see ``_comfy_api``); what happened to its
latent or image afterwards (a latent upscale and a second sampler, an upscale model, a resize) and
where a first pass started from a loaded image (img2img) are noted in ``meta.extra`` under
``upscale_by``, ``upscale_to``, ``upscaler``, ``pass_denoise`` and ``init_image``. They are facts
about the file; ``ingest.passes`` turns them into the lake's second-pass columns.
"""

from __future__ import annotations

import re
from functools import lru_cache

from orchestration.ingest.records import GenerationMeta
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools._comfy_graph import Graph, resolve

# LatentUpscale(By), ImageScale(By), ImageUpscaleWithModel, UltimateSDUpscale, NNLatentUpscale,
# HighRes-Fix Script, Iterative Upscale…; loaders name the upscale model.
_UPSCALE_NODE = re.compile(r"upscal|scaleby|imagescale|latentscale|hires|highres", re.IGNORECASE)
# Nodes that resize an input or reference image to what a model wants: no second pass.
_NOT_UPSCALE_NODE = re.compile(r"kontext|controlnet|preprocess", re.IGNORECASE)
# The same lower-case patterns, case-sensitive, for lower-cased ASCII names (the usual ones):
# the same matches, at a third of the cost of a case-insensitive search on every node.
_UPSCALE_ASCII = re.compile(_UPSCALE_NODE.pattern)
_NOT_UPSCALE_ASCII = re.compile(_NOT_UPSCALE_NODE.pattern)
_FACTOR_KEYS = ("scale_by", "upscale_by", "upscale_factor", "scale_factor", "scale")
_MODEL_KEYS = ("model_name", "upscale_model_name", "upscaler", "upscale_model")
_INIT_PATHS = frozenset({"latent_image", "latent", "samples", "pixels", "image", "images"})
_MAX_FACTOR = 16.0


def read_passes(graph: Graph, meta: GenerationMeta, samplers: list[str], first: str | None) -> None:
    """Note the graph's upscale nodes, the denoise of a later pass and any init image."""
    graph.refill()
    factors: list[float] = []
    targets: list[tuple[int, int]] = []
    models: list[str] = []
    methods: list[str] = []
    for node_id, (kind, inputs, _) in graph.nodes.items():
        if not _is_upscale_node(kind):
            continue
        if "loader" in kind.lower():
            name = co.to_label(resolve(graph, node_id, _MODEL_KEYS))
            models.extend([name] if name else [])
            continue
        factor = co.to_float(resolve(graph, node_id, _FACTOR_KEYS), 0.0, _MAX_FACTOR)
        if factor is not None:
            factors.append(factor)
        width = co.to_dimension(resolve(graph, node_id, ("width",)))
        height = co.to_dimension(resolve(graph, node_id, ("height",)))
        if width and height:
            targets.append((width, height))
        method = co.to_label(inputs.get("upscale_method"))
        methods.append(f"{kind} ({method})" if method else kind)
    if factors:
        meta.extra["upscale_by"] = f"{max(factors):g}"
    if targets:
        meta.extra["upscale_to"] = "{}x{}".format(*max(targets, key=lambda t: t[0] * t[1]))
    if models or methods:
        meta.extra["upscaler"] = (models or methods)[0]
    later = [s for s in samplers if s != first]
    for sampler in later:
        denoise = co.to_float(resolve(graph, sampler, ("denoise",)), 0.0, 1.0)
        if denoise is not None and denoise < 1.0:
            meta.extra["pass_denoise"] = f"{denoise:g}"
            break
    if first is not None:
        image = _init_image(graph, first)
        if image is not None:
            meta.extra["init_image"] = image


@lru_cache(maxsize=4096)  # the same few dozen node types on every file
def _is_upscale_node(kind: str) -> bool:
    if kind.isascii():
        lowered = kind.lower()
        return bool(_UPSCALE_ASCII.search(lowered)) and not _NOT_UPSCALE_ASCII.search(lowered)
    return bool(_UPSCALE_NODE.search(kind)) and not _NOT_UPSCALE_NODE.search(kind)


def _init_image(graph: Graph, sampler: str) -> str | None:
    """The file a LoadImage node feeds into the first pass's latent (img2img), if named."""
    starts = [t for name, t in graph.links(sampler) if name in _INIT_PATHS]
    for node_id in graph.walk(starts, follow=_INIT_PATHS.__contains__):
        if "loadimage" in graph.class_type(node_id).lower():
            name = co.to_text(graph.inputs(node_id).get("image"))
            if name:
                return name
    return None
