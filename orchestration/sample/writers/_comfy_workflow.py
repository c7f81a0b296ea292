"""Render a ComfyUI API graph as the UI workflow the ComfyUI frontend saves beside it.

The frontend stores widget values positionally, so the order of each node type's widgets is
spelled out here (from ComfyUI's node definitions), independently of the ingest parser's table:
a round trip through both checks that they agree with the real layout.
"""

from __future__ import annotations

from typing import Any

_CONTROL = "$control"
WIDGET_ORDER: dict[str, tuple[str, ...]] = {
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
    "CFGGuider": ("cfg",),
    "FluxGuidance": ("guidance",),
    "EmptyLatentImage": ("width", "height", "batch_size"),
    "EmptySD3LatentImage": ("width", "height", "batch_size"),
    "CheckpointLoaderSimple": ("ckpt_name",),
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
}


def api_to_workflow(api: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A UI workflow (nodes, links, widgets_values) equivalent to the API graph."""
    ids = {node_id: index for index, node_id in enumerate(api, start=1)}
    links: list[list[Any]] = []
    nodes: list[dict[str, Any]] = []
    outputs: dict[int, dict[int, list[int]]] = {}
    for node_id, node in api.items():
        inputs, widget_names = [], _widget_names(node)
        for name, value in node["inputs"].items():
            if not _is_link(value) or value[0] not in ids:
                continue
            link_id = len(links) + 1
            origin = ids[value[0]]
            links.append([link_id, origin, value[1], ids[node_id], len(inputs), "*"])
            outputs.setdefault(origin, {}).setdefault(value[1], []).append(link_id)
            item: dict[str, Any] = {"name": name, "type": "*", "link": link_id}
            if name in widget_names:
                item["widget"] = {"name": name}
            inputs.append(item)
        nodes.append(
            {
                "id": ids[node_id],
                "type": node["class_type"],
                "pos": [260 * (ids[node_id] % 6), 180 * (ids[node_id] // 6)],
                "size": [300, 120],
                "flags": {},
                "order": ids[node_id] - 1,
                "mode": 0,
                "inputs": inputs,
                "outputs": [],
                "title": node.get("_meta", {}).get("title", node["class_type"]),
                "properties": {"Node name for S&R": node["class_type"]},
                "widgets_values": _widget_values(api, node, widget_names),
            }
        )
    for node in nodes:
        slots = outputs.get(node["id"], {})
        node["outputs"] = [
            {"name": f"OUT{slot}", "type": "*", "links": slots[slot], "slot_index": slot}
            for slot in sorted(slots)
        ]
    return {
        "last_node_id": len(nodes),
        "last_link_id": len(links),
        "nodes": nodes,
        "links": links,
        "groups": [],
        "config": {},
        "extra": {},
        "version": 0.4,
    }


def _is_link(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and isinstance(value[1], int)


def _widget_names(node: dict[str, Any]) -> tuple[str, ...]:
    order = WIDGET_ORDER.get(node["class_type"])
    if order is not None:
        return order
    return tuple(k for k, v in node["inputs"].items() if not _is_link(v))


def _widget_values(
    api: dict[str, dict[str, Any]], node: dict[str, Any], names: tuple[str, ...]
) -> list[Any]:
    """Values in widget order; a widget fed by a primitive node shows the primitive's value."""
    values: list[Any] = []
    for name in names:
        if name == _CONTROL:
            values.append("fixed")
            continue
        value = node["inputs"].get(name)
        if _is_link(value):
            value = api.get(value[0], {}).get("inputs", {}).get("value")
        values.append(value)
    return values
