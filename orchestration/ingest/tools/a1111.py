"""AUTOMATIC1111-style "parameters" text and the tools that write it.

A1111, Forge, reForge, SD.Next and Civitai's site generator all write the same infotext (see
``_infotext``); some ComfyUI save nodes imitate it. The family member is told by its markers:
  - Civitai: ``Civitai resources`` / ``Civitai metadata`` / ``Created Date`` keys;
  - SD.Next: ``App: SD.Next``;
  - ComfyUI savers: ``Version: ComfyUI``, or no Version and a model *file* name
    (``.safetensors``): A1111 and its forks write the checkpoint name without extension;
  - reForge: ``Version: f1.0.0v2-v1.10.1RC-…`` (its own version, then "-v" and A1111's);
  - Forge: ``Version: f2.0.1v1.10.1-…`` (f + Forge version + A1111 version), and the Forge Classic
    / Neo forks, which write ``Version: classic`` / ``Version: neo``;
  - Fooocus in A1111 scheme: ``Version: Fooocus …``;
  - anything else: A1111 (``Version: v1.10.1``).
The text is read from the PNG ``parameters`` chunk, EXIF UserComment (JPEG/WebP), or pixels
(stealth). Settings other than the core fields go to ``extra`` under snake_case keys.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from orchestration.ingest.records import GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools._infotext import Infotext, split_infotext

TOOL = "a1111"
SOURCES = ("parameters", "exif:UserComment", "stealth", "jpeg:comment", "exif:XPComment")
_CORE = {
    "steps",
    "sampler",
    "schedule type",
    "cfg scale",
    "seed",
    "size",
    "model",
    "created date",
}
_CIVITAI_KEYS = frozenset({"civitai resources", "civitai metadata", "created date"})
_REFORGE = re.compile(r"^f\d+(?:\.\d+)*v\d+-v\d")
_FORGE = re.compile(r"^f\d+(?:\.\d+)*v\d")
_MODEL_FILE = re.compile(r"\.(?:safetensors|ckpt|pt|pth|bin|gguf|sft)$", re.IGNORECASE)
_LONG_FRACTION = re.compile(r"(\.\d{6})\d+")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_COMFY_PLACEHOLDER = "unknown"  # Comfy Image Saver writes this when no prompt is wired in
_MAX_EXTRA = 4000


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read A1111-family infotext from the first field that holds it, or None."""
    for key in SOURCES:
        text = c.text.get(key)
        if text:
            meta = parse_text(text)
            if meta is not None:
                return meta
    return None


def parse_text(text: str) -> GenerationMeta | None:
    """Read one infotext string, or None when it is not infotext."""
    info = split_infotext(text)
    if info is None:
        return None
    tool = detect_tool(info)
    prompt, negative = info.prompt, info.negative_prompt
    if tool == "comfyui":
        prompt = None if prompt == _COMFY_PLACEHOLDER else prompt
        negative = None if negative == _COMFY_PLACEHOLDER else negative
    get = info.folded.get  # keys already case-folded: this runs once per file
    width, height = co.parse_size(get("size"))
    scheduler = get("schedule type")
    if scheduler is None:
        scheduler = get("scheduler")
    if scheduler is None and tool == "sdnext":
        scheduler = get("sampler sigma")
    meta = GenerationMeta(
        tool=tool,
        prompt=prompt,
        negative_prompt=negative,
        seed=co.to_seed(get("seed")),
        steps=co.to_steps(get("steps")),
        cfg_scale=co.to_cfg(get("cfg scale")),
        sampler=co.to_label(get("sampler")),
        scheduler=co.to_label(scheduler),
        model=co.to_label(get("model")) or _civitai_model(info),
        width=width,
        height=height,
        created_at=_created(get("created date")),
    )
    for key, value in info.params.items():
        if value:
            name = _extra_name(key)
            if name is not None:
                meta.extra.setdefault(name, value[:_MAX_EXTRA])
    return meta


def detect_tool(info: Infotext) -> str:
    """Which member of the A1111 family wrote this infotext."""
    get = info.folded.get  # the params' case-folded keys
    if not _CIVITAI_KEYS.isdisjoint(info.folded):
        return "civitai"
    if (get("app") or "").casefold().replace(" ", "") == "sd.next":
        return "sdnext"
    version = (get("version") or "").strip()
    folded = version.casefold()
    if folded == "comfyui":
        return "comfyui"
    if not version and _MODEL_FILE.search(get("model") or ""):
        return "comfyui"
    if folded.startswith("fooocus"):
        return "fooocus"
    if _REFORGE.match(version):
        return "reforge"
    if _FORGE.match(version) or folded in ("classic", "neo"):
        return "forge"
    return TOOL


def _created(value: str | None) -> datetime | None:
    """Civitai's ``Created Date`` (``2026-01-04T01:27:21.2717070Z``: 7 fractional digits)."""
    if not value:
        return None
    trimmed = _LONG_FRACTION.sub(r"\1", value.strip())
    return co.to_utc_datetime(trimmed)


def _civitai_model(info: Infotext) -> str | None:
    """The checkpoint's name from ``Civitai resources`` when no ``Model`` key is present."""
    resources = co.load_json(info.get("Civitai resources"))
    if not isinstance(resources, list):
        return None
    for item in resources:
        if isinstance(item, dict) and co.get_ci(item, "type") == "checkpoint":
            return co.to_label(co.get_ci(item, "modelName"))
    return None


@lru_cache(maxsize=4096)  # the same few dozen keys on every file; a key is at most 64 chars
def _extra_name(key: str) -> str | None:
    """The ``extra`` key a setting is kept under, or None for the core fields read above."""
    folded = key.casefold()
    if folded in _CORE:
        return None
    return _NON_WORD.sub("_", folded).strip("_") or "param"
