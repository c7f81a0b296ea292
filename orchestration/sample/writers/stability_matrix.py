"""Stability Matrix (Inference) metadata: A1111 text, ``parameters-json``, ``smproj``, graph."""

from __future__ import annotations

import json

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers._common import fake_hash, without_none
from orchestration.sample.writers.comfyui import comfyui_api_graph


def display_sampler(sampler: str | None, scheduler: str | None) -> str | None:
    """Stability Matrix's display name: ("euler_ancestral", "karras") → "Euler Ancestral Karras"."""
    words = [w.capitalize() for part in (sampler, scheduler) if part for w in part.split("_")]
    return " ".join(words) or None


def stability_matrix_text(
    g: GenerationMeta, *, with_project: bool = True, with_graph: bool = True
) -> dict[str, str]:
    """The text chunks Stability Matrix writes for ``g`` (``smproj``/graph optional)."""
    model_hash = (fake_hash(g.model, 64) or "").upper() or None
    params = {
        "PositivePrompt": g.prompt,
        "NegativePrompt": g.negative_prompt,
        "Steps": g.steps,
        "Sampler": display_sampler(g.sampler, g.scheduler),
        "CfgScale": g.cfg_scale,
        "Seed": g.seed,
        "Height": g.height,
        "Width": g.width,
        "ModelHash": model_hash,
        "ModelName": g.model,
        "FrameCount": 0,
    }
    fields = {
        "parameters": _a1111_text(g, params),
        "parameters-json": json.dumps(without_none(params), separators=(",", ":")),
    }
    if with_project:
        fields["smproj"] = json.dumps(_project(g), separators=(",", ":"))
    if with_graph:
        fields["prompt"] = json.dumps(comfyui_api_graph(g))
    return fields


def _a1111_text(g: GenerationMeta, params: dict[str, object]) -> str:
    settings = without_none(
        {
            "Steps": g.steps,
            "Sampler": params["Sampler"],
            "CFG scale": g.cfg_scale,
            "Seed": g.seed,
            "Size": f"{g.width}x{g.height}" if g.width and g.height else None,
            "Model hash": params["ModelHash"],
            "Model": g.model,
        }
    )
    lines = [g.prompt or ""]
    if g.negative_prompt is not None:
        lines.append(f"Negative prompt: {g.negative_prompt}")
    lines.append(", ".join(f"{k}: {v}" for k, v in settings.items()))
    return "\n".join(lines)


def _project(g: GenerationMeta) -> dict[str, object]:
    sampler = without_none(
        {
            "Steps": g.steps,
            "CfgScale": g.cfg_scale,
            "Width": g.width,
            "Height": g.height,
            "SelectedSampler": None if g.sampler is None else {"Name": g.sampler},
            "SelectedScheduler": None if g.scheduler is None else {"Name": g.scheduler},
            "SelectedModelType": "SDXL",
        }
    )
    return {
        "Version": 2,
        "ProjectType": "TextToImage",
        "State": {
            "Modules": {"$values": []},
            "Model": {"SelectedModelName": g.model, "SelectedRefinerName": "@none"},
            "Sampler": sampler,
            "Prompt": {"Prompt": g.prompt, "NegativePrompt": g.negative_prompt},
            "BatchSize": {"BatchSize": 1, "BatchCount": 1},
            "Seed": {"Seed": None if g.seed is None else str(g.seed), "IsRandomizeEnabled": False},
        },
    }
