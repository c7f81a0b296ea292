"""Turn a ComfyUI UI workflow (``workflow`` chunk) into an API-like graph.

Only used when a file has no API graph. The UI format stores widget values positionally
(``widgets_values``) and wiring in a separate ``links`` table, so for the node types that matter
the positions are named here; unknown nodes keep their links and expose string widgets as
``text_<i>`` so prompt text behind custom nodes is still found. Muted nodes and bypassed
samplers are dropped; other bypassed nodes stay as pass-throughs without widgets.
"""

from __future__ import annotations

from typing import Any

from orchestration.ingest.tools._comfy_graph import MAX_NODES

_CONTROL = "$control"  # control_after_generate: present in newer saves only
_CONTROL_VALUES = frozenset({"fixed", "increment", "decrement", "randomize"})
_MUTED, _BYPASSED = 2, 4
_SAMPLERS = frozenset({"KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"})

WIDGETS: dict[str, tuple[str, ...]] = {
    "KSampler": ("seed", _CONTROL, "steps", "cfg", "sampler_name", "scheduler", "denoise"),
    "KSamplerAdvanced": (
        "add_noise",
        "noise_seed",
        _CONTROL,
        "steps",
        "cfg",
        "sampler_name",
        "scheduler",
        "start_at_step",
        "end_at_step",
        "return_with_leftover_noise",
    ),
    "SamplerCustom": ("add_noise", "noise_seed", _CONTROL, "cfg"),
    "RandomNoise": ("noise_seed", _CONTROL),
    "KSamplerSelect": ("sampler_name",),
    "BasicScheduler": ("scheduler", "steps", "denoise"),
    "SDTurboScheduler": ("steps", "denoise"),
    "CFGGuider": ("cfg",),
    "FluxGuidance": ("guidance",),
    "EmptyLatentImage": ("width", "height", "batch_size"),
    "EmptySD3LatentImage": ("width", "height", "batch_size"),
    "EmptyHunyuanLatentVideo": ("width", "height", "length", "batch_size"),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "CheckpointLoader": ("config_name", "ckpt_name"),
    "UNETLoader": ("unet_name", "weight_dtype"),
    "CLIPTextEncode": ("text",),
    "CLIPTextEncodeFlux": ("clip_l", "t5xxl", "guidance"),
    "CLIPTextEncodeSDXL": (
        "width",
        "height",
        "crop_w",
        "crop_h",
        "target_width",
        "target_height",
        "text_g",
        "text_l",
    ),
    "PrimitiveNode": ("value", _CONTROL),
}


def ui_to_api(workflow: dict[str, Any]) -> dict[str, dict[str, Any]] | None:
    """An API-shaped graph from a UI workflow, or None when it has no usable nodes."""
    nodes = workflow.get("nodes")
    if not isinstance(nodes, list):
        return None
    origins = _link_origins(workflow.get("links"))
    graph: dict[str, dict[str, Any]] = {}
    for node in nodes[:MAX_NODES]:
        if not isinstance(node, dict) or not isinstance(node.get("type"), str):
            continue
        mode = node.get("mode")
        if mode == _MUTED or (mode == _BYPASSED and node["type"] in _SAMPLERS):
            continue
        widgets = {} if mode == _BYPASSED else _widgets(node)
        graph[str(node.get("id"))] = {
            "class_type": node["type"],
            "inputs": {**widgets, **_linked_inputs(node, origins, widgets)},
            "_meta": {"title": node.get("title") if isinstance(node.get("title"), str) else ""},
        }
    return graph or None


def _link_origins(links: object) -> dict[object, tuple[str, int]]:
    """Map link id → (origin node id, origin slot); links may be arrays or objects."""
    origins: dict[object, tuple[str, int]] = {}
    if not isinstance(links, list):
        return origins
    for link in links[: MAX_NODES * 8]:
        if isinstance(link, list) and len(link) >= 3:
            link_id, origin, slot = link[0], link[1], link[2]
        elif isinstance(link, dict):
            link_id, origin, slot = link.get("id"), link.get("origin_id"), link.get("origin_slot")
        else:
            continue
        if isinstance(link_id, int | str) and isinstance(origin, int | str):
            origins[link_id] = (str(origin), slot if isinstance(slot, int) else 0)
    return origins


def _widgets(node: dict[str, Any]) -> dict[str, Any]:
    values = node.get("widgets_values")
    if isinstance(values, dict):
        return {str(k): v for k, v in values.items() if isinstance(v, str | int | float)}
    if not isinstance(values, list):
        return {}
    layout = WIDGETS.get(node["type"]) or _loader_layout(node["type"])
    if layout is None:  # unknown node: keep its strings so custom prompt nodes still count
        return {f"text_{i}": v for i, v in enumerate(values[:64]) if isinstance(v, str)}
    named: dict[str, Any] = {}
    position = 0
    for name in layout:
        if position >= len(values):
            break
        value = values[position]
        if name == _CONTROL:
            # "fixed"/"randomize"… in current saves, a bool in early ones, absent in others
            if isinstance(value, bool) or (isinstance(value, str) and value in _CONTROL_VALUES):
                position += 1
            continue
        named[name] = value
        position += 1
    return named


def _loader_layout(node_type: str) -> tuple[str, ...] | None:
    """Checkpoint/UNet loader variants (unCLIP, custom packs) name the model in widget 0."""
    lowered = node_type.lower()
    if "checkpointloader" in lowered:
        return ("ckpt_name",)
    if "unetloader" in lowered:
        return ("unet_name",)
    return None


def _linked_inputs(
    node: dict[str, Any], origins: dict[object, tuple[str, int]], widgets: dict[str, Any]
) -> dict[str, list[Any]]:
    """Input name → [origin id, slot]; a widget converted to an input keeps its stored value."""
    linked: dict[str, list[Any]] = {}
    inputs = node.get("inputs")
    if not isinstance(inputs, list):
        return linked
    for item in inputs[:256]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        link_id = item.get("link")
        if not isinstance(link_id, int | str) or link_id not in origins:
            continue
        if item["name"] in widgets:
            continue
        origin, slot = origins[link_id]
        linked[item["name"]] = [origin, slot]
    return linked
