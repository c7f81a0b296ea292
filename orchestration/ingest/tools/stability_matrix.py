"""Stability Matrix (Inference tab): ``parameters-json`` plus the ``smproj`` project state.

``parameters-json`` holds PositivePrompt, NegativePrompt, Seed, Steps, CfgScale, Width, Height,
ModelName, and a display-style ``Sampler`` ("Euler Ancestral Karras") that fuses sampler and
scheduler. ``smproj`` (the saved project, with ``$type``/``$values`` wrappers) keeps them apart
as ComfyUI names (``euler_ancestral``, ``karras``), which match what the embedded ComfyUI graph
ran, so those are preferred. The file also carries A1111-style ``parameters`` and a ComfyUI
``prompt`` graph: the dispatcher must try this parser before the A1111 and ComfyUI ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "stability_matrix"
_KEYS = frozenset({"parameters-json", "smproj"})  # case-folded
T = TypeVar("T")


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read Stability Matrix metadata, or None when the file has none.

    Raises:
        FileRejected: its keys are present but neither can be read.
    """
    if not co.has_key_ci(c.text, _KEYS):
        return None  # the common case (other tools' files), decided in one pass over the keys
    raw_params, raw_project = co.get_ci(c.text, "parameters-json"), co.get_ci(c.text, "smproj")
    if raw_params is None and raw_project is None:
        return None
    params = co.load_json_object(raw_params) or {}
    project = co.load_json_object(raw_project) or {}
    state = co.get_ci(project, "State")
    state = state if isinstance(state, dict) else {}
    sampler_card = _dict(co.get_ci(state, "Sampler"))
    prompt_card = _dict(co.get_ci(state, "Prompt"))
    seed_card = _dict(co.get_ci(state, "Seed"))
    model_card = _dict(co.get_ci(state, "Model"))
    meta = GenerationMeta(
        tool=TOOL,
        prompt=_pick(
            co.to_text, co.get_ci(params, "PositivePrompt"), co.get_ci(prompt_card, "Prompt")
        ),
        negative_prompt=_pick(
            co.to_text,
            co.get_ci(params, "NegativePrompt"),
            co.get_ci(prompt_card, "NegativePrompt"),
        ),
        seed=_pick(co.to_seed, co.get_ci(params, "Seed"), co.get_ci(seed_card, "Seed")),
        steps=_pick(co.to_steps, co.get_ci(params, "Steps"), co.get_ci(sampler_card, "Steps")),
        cfg_scale=_pick(
            co.to_cfg, co.get_ci(params, "CfgScale"), co.get_ci(sampler_card, "CfgScale")
        ),
        sampler=_pick(
            co.to_label,
            _name(co.get_ci(sampler_card, "SelectedSampler")),
            co.get_ci(params, "Sampler"),
        ),
        scheduler=_pick(
            co.to_label,
            _name(co.get_ci(sampler_card, "SelectedScheduler")),
            co.get_ci(params, "Scheduler"),
        ),
        model=_pick(
            co.to_label, co.get_ci(params, "ModelName"), co.get_ci(model_card, "SelectedModelName")
        ),
        width=_pick(co.to_dimension, co.get_ci(params, "Width"), co.get_ci(sampler_card, "Width")),
        height=_pick(
            co.to_dimension, co.get_ci(params, "Height"), co.get_ci(sampler_card, "Height")
        ),
    )
    model_hash = co.to_label(co.get_ci(params, "ModelHash"))
    if model_hash is not None:
        meta.extra["model_hash"] = model_hash
    if not co.has_generation_data(meta):
        raise FileRejected("Stability Matrix metadata is unreadable")
    return meta


def _pick(convert: Callable[[Any], T | None], *candidates: Any) -> T | None:
    """The first candidate that converts to a usable value (parameters-json before smproj)."""
    for candidate in candidates:
        value = convert(candidate)
        if value is not None:
            return value
    return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name(value: Any) -> str | None:
    """``{"Name": "euler_ancestral"}`` → "euler_ancestral"."""
    return co.to_label(co.get_ci(value, "Name")) if isinstance(value, dict) else None
