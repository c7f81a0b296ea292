"""NovelAI: PNG text chunks, or the same fields packed into WebP EXIF.

PNG: ``Title``, ``Description`` (the prompt), ``Software`` = "NovelAI", ``Source`` (model name
and a hash, e.g. "NovelAI Diffusion V4.5 4BDE2A90"), ``Comment`` (JSON: prompt, uc = negative,
steps, scale = CFG, seed, sampler, noise_schedule, width, height, v4_prompt…).
WebP: EXIF ``UserComment`` holds a JSON object with those same keys (``Comment`` nested as a
JSON string), ``Software`` holds the Source, ``ImageDescription`` the prompt with NUL padding.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "novelai"
_SOURCE = re.compile(r"^(.*?)\s+([0-9A-F]{8})$")
_MARK_KEYS = frozenset({"software", "source", "exif:software"})
_FIELDS = ("Title", "Description", "Software", "Source", "Comment", "Generation time")
_COMMENT_KEYS = (
    "prompt",
    "uc",
    "seed",
    "steps",
    "scale",
    "sampler",
    "noise_schedule",
    "width",
    "height",
    "v4_prompt",
)


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read NovelAI metadata, or None when the file is not from NovelAI.

    Raises:
        FileRejected: marked as NovelAI but carrying neither parameters nor a prompt.
    """
    if not _may_be_novelai(c.text):
        return None  # the common case (other tools' files): decided without parsing anything
    fields = _fields(c.text)
    if not _is_novelai(fields):
        return None
    comment = co.load_json_object(fields.get("Comment")) or {}
    model, model_hash = _split_source(co.to_text(fields.get("Source")))
    (prompt, negative, seed, steps, scale, sampler, schedule, width, height, v4_prompt) = (
        co.get_each_ci(comment, _COMMENT_KEYS)  # one call, not one per key
    )
    meta = GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(prompt)
        or _v4_caption(v4_prompt)
        or co.to_text(fields.get("Description")),
        negative_prompt=co.to_text(negative)
        or _v4_caption(co.get_ci(comment, "v4_negative_prompt")),
        seed=co.to_seed(seed),
        steps=co.to_steps(steps),
        cfg_scale=co.to_cfg(scale),
        sampler=co.to_label(sampler),
        scheduler=co.to_label(schedule),
        model=model,
        width=co.to_dimension(width),
        height=co.to_dimension(height),
    )
    if model_hash:
        meta.extra["model_hash"] = model_hash
    characters = _characters(v4_prompt)
    if characters:
        meta.extra["characters"] = characters
    if not co.has_generation_data(meta):
        raise FileRejected("NovelAI image without generation parameters or prompt")
    return meta


def _may_be_novelai(text: dict[str, str]) -> bool:
    """Whether a Software/Source field that ``_is_novelai`` accepts could be present.

    "novelai" must occur in one of those values, or in the UserComment that may pack them as JSON.
    """
    packed = text.get("exif:UserComment")
    if packed is not None and ("novelai" in packed.casefold() or "\\u" in packed):
        return True  # (a JSON \u escape could spell the name: let the full check decide)
    return any(
        "novelai" in value.casefold()
        for key, value in text.items()
        if isinstance(value, str) and key.casefold() in _MARK_KEYS
    )


def _fields(text: dict[str, str]) -> dict[str, str]:
    """PNG-style fields, whichever container carried them (PNG chunks win over EXIF)."""
    fields: dict[str, str] = {}
    packed = co.load_json_object(text.get("exif:UserComment"))
    if packed is not None and "Comment" in packed:
        fields.update({k: v for k, v in packed.items() if isinstance(v, str)})
    exif = {
        "Title": text.get("exif:DocumentName"),
        "Description": text.get("exif:ImageDescription"),
        "Source": text.get("exif:Software"),
    }
    for key, value in exif.items():
        if value is not None and key not in fields:
            fields[key] = value
    for key, value in zip(_FIELDS, co.get_each_ci(text, _FIELDS), strict=True):
        if isinstance(value, str):
            fields[key] = value
    return fields


def _is_novelai(fields: dict[str, str]) -> bool:
    software = (co.to_text(fields.get("Software")) or "").casefold()
    source = (co.to_text(fields.get("Source")) or "").casefold()
    return software.startswith("novelai") or source.startswith("novelai")


def _split_source(source: str | None) -> tuple[str | None, str | None]:
    """Split e.g. "NovelAI Diffusion V4.5 4BDE2A90" into ("NovelAI Diffusion V4.5", "4BDE2A90")."""
    if source is None:
        return None, None
    match = _SOURCE.match(source)
    return (match.group(1), match.group(2)) if match else (source, None)


def _v4_caption(value: Any) -> str | None:
    caption = co.get_ci(value, "caption") if isinstance(value, dict) else None
    return co.to_text(co.get_ci(caption, "base_caption")) if isinstance(caption, dict) else None


def _characters(value: Any) -> str | None:
    """V4 per-character prompts, joined with " | " (kept apart from the base prompt)."""
    caption = co.get_ci(value, "caption") if isinstance(value, dict) else None
    chars = co.get_ci(caption, "char_captions") if isinstance(caption, dict) else None
    if not isinstance(chars, list):
        return None
    texts = [co.to_text(co.get_ci(ch, "char_caption")) for ch in chars[:16] if isinstance(ch, dict)]
    return " | ".join(t for t in texts if t) or None
