"""SwarmUI: ``sui_image_params`` JSON in PNG ``parameters`` or in EXIF ``UserComment``.

SwarmUI also embeds the ComfyUI ``prompt`` graph it ran; its own parameters are the ones the
artist set, so the dispatcher tries this parser before the ComfyUI one. ``sui_extra_data.date``
(older versions: ``sui_image_params.date``) is SwarmUI's local time without a zone; it is read
as UTC like every other zone-less time here. Current versions write only the day
("2026-01-03"): a day is not a generation time, so it goes to ``extra["date"]`` and
``created_at`` stays None rather than inventing midnight.
"""

from __future__ import annotations

from typing import Any

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "swarmui"
_SOURCES = ("parameters", "exif:UserComment", "sui_image_params")


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read SwarmUI parameters, or None when the file has none.

    Raises:
        FileRejected: ``sui_image_params`` is present but not a JSON object.
    """
    document = _document(c.text)
    if document is None:
        return None
    params = document.get("sui_image_params")
    if not isinstance(params, dict):
        raise FileRejected("SwarmUI sui_image_params is not a JSON object")
    extra_data = document.get("sui_extra_data")
    extra_data = extra_data if isinstance(extra_data, dict) else {}
    date = co.get_ci(extra_data, "date") or co.get_ci(params, "date")
    meta = GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(co.get_ci(params, "prompt")),
        negative_prompt=co.to_text(co.get_ci(params, "negativeprompt", "negative_prompt")),
        seed=co.to_seed(co.get_ci(params, "seed")),
        steps=co.to_steps(co.get_ci(params, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(params, "cfgscale", "cfg_scale")),
        sampler=co.to_label(co.get_ci(params, "sampler")),
        scheduler=co.to_label(co.get_ci(params, "scheduler")),
        model=co.to_label(co.get_ci(params, "model")),
        width=co.to_dimension(co.get_ci(params, "width")),
        height=co.to_dimension(co.get_ci(params, "height")),
        created_at=co.to_utc_datetime(date),
    )
    for key, value in (("date", date), ("swarm_version", co.get_ci(params, "swarm_version"))):
        label = co.to_label(value)
        if label is not None:
            meta.extra[key] = label
    return meta


def _document(text: dict[str, str]) -> dict[str, Any] | None:
    """The JSON object that holds ``sui_image_params``, from whichever field carries it."""
    for key in _SOURCES:
        raw = text.get(key)
        bare = key == "sui_image_params"  # a params object stored under its own key
        if not isinstance(raw, str) or not (bare or "sui_image_params" in raw):
            continue
        data = co.load_json_object(raw)
        if data is None:
            if raw.lstrip(" \t\r\n\x00\ufeff").startswith("{"):
                raise FileRejected(f"SwarmUI metadata in {key} is not valid JSON")
            continue  # prose that merely mentions the key
        if "sui_image_params" in data:
            return data
        if bare:
            return {"sui_image_params": data}
    return None
