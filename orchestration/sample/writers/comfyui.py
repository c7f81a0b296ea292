"""ComfyUI metadata as ComfyUI (and its popular savers) write it.

``comfyui_api_graph`` builds the API graph (the executed ``prompt``) for one generation; options
reproduce the shapes the ingest parser must handle: sampler families, SDXL/Flux text encoders,
conditioning chains, primitive nodes feeding widgets, a refiner or hires second pass.
``comfyui_text`` places graph and UI workflow under the keys each saver uses. Fields that are
``None`` are left out of the graph (the node simply lacks that input).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._comfy_workflow import api_to_workflow

SamplerKind = Literal["KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"]
Encoder = Literal["CLIPTextEncode", "CLIPTextEncodeSDXL", "CLIPTextEncodeFlux"]
SecondPass = Literal["refiner", "hires"] | None
Layout = Literal["png", "exif", "save_image_extended", "saveimage_plus", "workflow_only"]


class _Builder:
    """Appends nodes with consecutive string ids, as the ComfyUI frontend numbers them."""

    def __init__(self) -> None:
        self.graph: dict[str, dict[str, Any]] = {}

    def add(self, class_type: str, inputs: dict[str, Any], title: str | None = None) -> str:
        node_id = str(len(self.graph) + 1)
        kept = {k: v for k, v in inputs.items() if v is not None}
        self.graph[node_id] = {
            "inputs": kept,
            "class_type": class_type,
            "_meta": {"title": title or class_type},
        }
        return node_id

    def value(self, value: object, primitive: str | None) -> object:
        """The literal, or a link to a primitive node holding it."""
        if primitive is None or value is None:
            return value
        return [self.add(primitive, {"value": value}), 0]


def comfyui_api_graph(
    g: GenerationMeta,
    *,
    sampler_kind: SamplerKind = "KSampler",
    text_encoder: Encoder = "CLIPTextEncode",
    conditioning: tuple[str, ...] = (),
    latent: str = "EmptyLatentImage",
    loader: str = "CheckpointLoaderSimple",
    second_pass: SecondPass = None,
    primitives: bool = False,
) -> dict[str, dict[str, Any]]:
    """The API graph ComfyUI would record for ``g``.

    Args:
        g: the generation to describe.
        sampler_kind: the sampler node family.
        text_encoder: the node that encodes both prompts.
        conditioning: node types inserted, in order, between the positive encoder and the
            sampler (``ConditioningSetArea``, ``ControlNetApply``, ``FluxGuidance``,
            ``ConditioningCombine``, or any custom name taking a ``conditioning`` input).
        latent: the empty-latent node type that sets the size.
        loader: ``CheckpointLoaderSimple`` or ``UNETLoader`` (then a separate CLIP loader).
        second_pass: add an SDXL refiner or a hires-fix pass after the first sampler.
        primitives: feed text, seed and size through primitive nodes (linked widgets).
    """
    b = _Builder()
    text_primitive = "PrimitiveStringMultiline" if primitives else None
    int_primitive = "PrimitiveInt" if primitives else None
    if loader == "UNETLoader":
        model = b.add("UNETLoader", {"unet_name": g.model, "weight_dtype": "default"})
        clip = [b.add("CLIPLoader", {"clip_name": "t5xxl_fp16.safetensors", "type": "sd3"}), 0]
        vae = [b.add("VAELoader", {"vae_name": "ae.safetensors"}), 0]
    else:
        model = b.add(loader, {"ckpt_name": g.model})
        clip, vae = [model, 1], [model, 2]

    def encode(text: str | None, title: str) -> str:
        value = b.value(text if text is not None else "", text_primitive)
        if text_encoder == "CLIPTextEncodeSDXL":
            size = {
                "width": g.width,
                "height": g.height,
                "crop_w": 0,
                "crop_h": 0,
                "target_width": g.width,
                "target_height": g.height,
            }
            return b.add(
                text_encoder, {**size, "text_g": value, "text_l": value, "clip": clip}, title
            )
        if text_encoder == "CLIPTextEncodeFlux":
            inputs = {"clip_l": value, "t5xxl": value, "guidance": 3.5, "clip": clip}
            return b.add(text_encoder, inputs, title)
        return b.add("CLIPTextEncode", {"text": value, "clip": clip}, title)

    positive = encode(g.prompt, "CLIP Text Encode (Positive Prompt)")
    if g.negative_prompt is None:
        negative = b.add("ConditioningZeroOut", {"conditioning": [positive, 0]})
    else:
        negative = encode(g.negative_prompt, "CLIP Text Encode (Negative Prompt)")
    positive, negative_slot = _chain(b, conditioning, positive, negative)
    size = {"width": b.value(g.width, int_primitive), "height": b.value(g.height, int_primitive)}
    latent_id = b.add(latent, {**size, "batch_size": 1})
    first = _sampler(
        b,
        g,
        sampler_kind,
        model,
        [positive, 0],
        negative_slot,
        [latent_id, 0],
        b.value(g.seed, int_primitive),
        refined=second_pass == "refiner",
    )
    last = _second_pass(b, g, second_pass, first, clip)
    decoded = b.add("VAEDecode", {"samples": [last, 0], "vae": vae})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": [decoded, 0]})
    return b.graph


def _chain(
    b: _Builder, kinds: tuple[str, ...], positive: str, negative: str
) -> tuple[str, list[Any]]:
    """Insert conditioning nodes after the positive encoder; returns (positive, negative link)."""
    negative_link: list[Any] = [negative, 0]
    for kind in kinds:
        cond = [positive, 0]
        if kind == "ConditioningSetArea":
            inputs = {"width": 512, "height": 512, "x": 0, "y": 0, "strength": 1.0}
            positive = b.add(kind, {**inputs, "conditioning": cond})
        elif kind in ("ControlNetApply", "ControlNetApplyAdvanced"):
            net = b.add("ControlNetLoader", {"control_net_name": "control_canny.safetensors"})
            image = b.add("LoadImage", {"image": "pose.png"})
            common = {"strength": 0.8, "control_net": [net, 0], "image": [image, 0]}
            if kind == "ControlNetApply":
                positive = b.add(kind, {"conditioning": cond, **common})
            else:
                positive = b.add(kind, {"positive": cond, "negative": negative_link, **common})
                negative_link = [positive, 1]
        elif kind == "FluxGuidance":
            positive = b.add(kind, {"guidance": 3.5, "conditioning": cond})
        elif kind == "ConditioningCombine":
            empty = b.add("CLIPTextEncode", {"text": "", "clip": None})
            positive = b.add(kind, {"conditioning_1": cond, "conditioning_2": [empty, 0]})
        else:
            positive = b.add(kind, {"conditioning": cond, "strength": 1.0})
    return positive, negative_link


def _sampler(
    b: _Builder,
    g: GenerationMeta,
    kind: SamplerKind,
    model: str,
    positive: list[Any],
    negative: list[Any],
    latent: list[Any],
    seed: object,
    *,
    refined: bool = False,
) -> str:
    common = {
        "steps": g.steps,
        "cfg": g.cfg_scale,
        "sampler_name": g.sampler,
        "scheduler": g.scheduler,
    }
    links = {
        "model": [model, 0],
        "positive": positive,
        "negative": negative,
        "latent_image": latent,
    }
    if kind == "KSampler":
        return b.add(kind, {"seed": seed, **common, "denoise": 1.0, **links})
    if kind == "KSamplerAdvanced":
        end = max(1, int((g.steps or 25) * 0.8)) if refined else 10000
        leftover = "enable" if refined else "disable"
        return b.add(
            kind,
            {
                "add_noise": "enable",
                "noise_seed": seed,
                **common,
                "start_at_step": 0,
                "end_at_step": end,
                "return_with_leftover_noise": leftover,
                **links,
            },
        )
    select = b.add("KSamplerSelect", {"sampler_name": g.sampler})
    sigmas = b.add(
        "BasicScheduler",
        {"scheduler": g.scheduler, "steps": g.steps, "denoise": 1.0, "model": [model, 0]},
    )
    if kind == "SamplerCustom":
        return b.add(
            kind,
            {
                "add_noise": True,
                "noise_seed": seed,
                "cfg": g.cfg_scale,
                **links,
                "sampler": [select, 0],
                "sigmas": [sigmas, 0],
            },
        )
    noise = b.add("RandomNoise", {"noise_seed": seed})
    if g.cfg_scale is None:
        guider = b.add("BasicGuider", {"model": [model, 0], "conditioning": positive})
    else:
        guider = b.add(
            "CFGGuider",
            {"cfg": g.cfg_scale, "model": [model, 0], "positive": positive, "negative": negative},
        )
    return b.add(
        kind,
        {
            "noise": [noise, 0],
            "guider": [guider, 0],
            "sampler": [select, 0],
            "sigmas": [sigmas, 0],
            "latent_image": latent,
        },
    )


def _second_pass(
    b: _Builder, g: GenerationMeta, kind: SecondPass, first: str, clip: list[Any]
) -> str:
    """A refiner (other checkpoint, no new noise) or a hires pass (upscaled latent, new seed)."""
    if kind is None:
        return first
    if kind == "refiner":
        model = b.add("CheckpointLoaderSimple", {"ckpt_name": "sd_xl_refiner_1.0.safetensors"})
        clip = [model, 1]
    else:
        model = b.add("CheckpointLoaderSimple", {"ckpt_name": "hires_detailer.safetensors"})
    positive = b.add("CLIPTextEncode", {"text": "refined detail pass", "clip": clip})
    negative = b.add("CLIPTextEncode", {"text": "blurry", "clip": clip})
    if kind == "refiner":
        start = max(1, int((g.steps or 25) * 0.8))
        return b.add(
            "KSamplerAdvanced",
            {
                "add_noise": "disable",
                "noise_seed": 0,
                "steps": g.steps,
                "cfg": g.cfg_scale,
                "sampler_name": g.sampler,
                "scheduler": g.scheduler,
                "start_at_step": start,
                "end_at_step": 10000,
                "return_with_leftover_noise": "disable",
                "model": [model, 0],
                "positive": [positive, 0],
                "negative": [negative, 0],
                "latent_image": [first, 0],
            },
        )
    upscaled = b.add(
        "LatentUpscaleBy",
        {"upscale_method": "nearest-exact", "scale_by": 1.5, "samples": [first, 0]},
    )
    return b.add(
        "KSampler",
        {
            "seed": (g.seed or 0) + 1,
            "steps": 12,
            "cfg": 5.0,
            "sampler_name": "dpmpp_2m",
            "scheduler": "karras",
            "denoise": 0.5,
            "model": [model, 0],
            "positive": [positive, 0],
            "negative": [negative, 0],
            "latent_image": [upscaled, 0],
        },
    )


def comfyui_text(g: GenerationMeta, *, layout: Layout = "png", **options: Any) -> dict[str, str]:
    """The text fields a ComfyUI save node writes for ``g``.

    Args:
        g: the generation.
        layout: ``png`` (``prompt``/``workflow`` chunks); ``exif`` (core WebP/animated saver:
            EXIF Make ``workflow:…``, Model ``prompt:…``); ``save_image_extended``
            (ImageDescription ``Workflow: …``, Make ``Prompt: …``); ``saveimage_plus``
            (UserComment ``{"prompt": …, "workflow": …}``); ``workflow_only``.
        **options: passed to :func:`comfyui_api_graph`.
    """
    api = comfyui_api_graph(g, **options)
    api_json, ui_json = json.dumps(api), json.dumps(api_to_workflow(api))
    if layout == "exif":
        return {"exif:Make": f"workflow:{ui_json}", "exif:Model": f"prompt:{api_json}"}
    if layout == "save_image_extended":
        return {"exif:ImageDescription": f"Workflow: {ui_json}", "exif:Make": f"Prompt: {api_json}"}
    if layout == "saveimage_plus":
        wrapped = json.dumps({"prompt": api, "workflow": api_to_workflow(api)})
        return {"exif:UserComment": wrapped}
    if layout == "workflow_only":
        return {"workflow": ui_json}
    return {"prompt": api_json, "workflow": ui_json}
