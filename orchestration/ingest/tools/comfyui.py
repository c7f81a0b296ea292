"""ComfyUI: generation parameters from the node graph a file carries.

Where the graph lives depends on the saver: PNG text chunks ``prompt`` (API graph) and
``workflow`` (UI graph); WebP/JPEG EXIF ``Make``/``Model`` (``workflow:{…}``/``prompt:{…}``,
or ``Workflow: …``/``Prompt: …`` in ``ImageDescription``/``Make`` from Save Image Extended);
raw ``{"prompt": {…}, "workflow": {…}}`` JSON in ``UserComment`` (comfyui-saveimage-plus). The
API graph is authoritative; the UI graph is a fallback. Civitai's on-site generator saves its
ComfyUI graph in ``UserComment`` with an ``extraMetadata`` JSON string of the site parameters;
those fill what the graph lacks (an upscale-only graph has no sampler at all). SwarmUI,
TensorArt and Stability Matrix also embed ``prompt`` graphs, so the dispatcher must try their
parsers before this one.
"""

from __future__ import annotations

import re
from typing import Any

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co
from orchestration.ingest.tools._coerce import fill_missing, has_generation_data, load_json
from orchestration.ingest.tools._comfy_api import parse_api_graph
from orchestration.ingest.tools._comfy_ui import ui_to_api

TOOL = "comfyui"
_PREFIX = re.compile(r"^[\s\x00]*(?:prompt|workflow)\s*:\s*", re.IGNORECASE)
_PREFERRED_KEYS = (
    "prompt",
    "workflow",
    "exif:Model",
    "exif:Make",
    "exif:UserComment",
    "exif:ImageDescription",
)
_RANK = {key: rank for rank, key in enumerate(_PREFERRED_KEYS)}
_MARKERS = ('"class_type"', '"widgets_values"')


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read the ComfyUI graph, or None when the file carries none.

    Raises:
        FileRejected: a ComfyUI graph is present but broken, or names no sampler and no text.
    """
    text = c.text
    keys = [  # one scan of each field (_has_marker, inline: this runs on every file)
        k
        for k, value in text.items()
        if isinstance(value, str) and (_MARKERS[0] in value or _MARKERS[1] in value)
    ]
    if not keys:
        return None  # the common case (other tools' files), before building anything
    sources = _Sources(text, keys)
    api = sources.first("api")
    meta = parse_api_graph(api) if api is not None else None
    civitai = _civitai_params(api)
    if civitai is not None:
        meta = fill_missing(meta or GenerationMeta(tool=TOOL), civitai)
        meta.extra["platform"] = "civitai"
    ui = None
    if meta is None or not has_generation_data(meta):
        ui = sources.first("ui")  # parsed only when the API graph does not suffice
        converted = ui_to_api(ui) if ui is not None else None
        from_ui = parse_api_graph(converted) if converted else None
        if from_ui is not None and has_generation_data(from_ui):
            from_ui.extra["graph"] = "workflow"
            meta = from_ui
    if api is None and ui is None:
        raise FileRejected("ComfyUI graph is not valid JSON")
    if meta is None or not has_generation_data(meta):
        raise FileRejected("ComfyUI graph without sampler or prompt text")
    return meta


class _Sources:
    """Text fields that look like ComfyUI graphs, parsed lazily and at most once each."""

    def __init__(self, text: dict[str, str], keys: list[str]) -> None:
        """``keys``: the fields of ``text`` that ``_has_marker`` accepts, in the file's order."""
        if len(keys) > 1:  # the preferred keys first, in that order; the rest in the file's
            keys.sort(key=lambda k: _RANK.get(k, len(_RANK)))
        self.candidates = [text[k] for k in keys]
        self._parsed: dict[int, tuple[dict[str, Any] | None, dict[str, Any] | None]] = {}

    def first(self, kind: str) -> dict[str, Any] | None:
        """The first API (``kind="api"``) or UI (``"ui"``) graph among the candidates."""
        for index, value in enumerate(self.candidates):
            if index not in self._parsed:
                self._parsed[index] = _classify(load_json(_PREFIX.sub("", value, count=1)))
            api, ui = self._parsed[index]
            found = api if kind == "api" else ui
            if found is not None:
                return found
        return None


def _has_marker(value: object) -> bool:
    """Whether a text field could hold a graph: it names ``class_type`` or ``widgets_values``."""
    return isinstance(value, str) and (_MARKERS[0] in value or _MARKERS[1] in value)


def _classify(value: object) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Tell an API graph from a UI workflow; unwrap ``{"prompt": …, "workflow": …}``."""
    if not isinstance(value, dict):
        return None, None
    if isinstance(value.get("nodes"), list):
        return None, value
    if any(isinstance(n, dict) and "class_type" in n for n in value.values()):
        return value, None
    api: dict[str, Any] | None = None
    ui: dict[str, Any] | None = None
    for key in ("prompt", "workflow"):
        inner = value.get(key)
        inner = load_json(inner) if isinstance(inner, str) else inner
        if isinstance(inner, dict):
            if isinstance(inner.get("nodes"), list):
                ui = ui or inner
            elif any(isinstance(n, dict) and "class_type" in n for n in inner.values()):
                api = api or inner
    return api, ui


def _civitai_params(api: dict[str, Any] | None) -> GenerationMeta | None:
    """The site parameters Civitai adds to its graphs as ``extraMetadata``."""
    raw = api.get("extraMetadata") if api is not None else None
    data = load_json(raw) if isinstance(raw, str) else raw
    if not isinstance(data, dict):
        return None
    return GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(co.get_ci(data, "prompt")),
        negative_prompt=co.to_text(co.get_ci(data, "negativePrompt")),
        seed=co.to_seed(co.get_ci(data, "seed")),
        steps=co.to_steps(co.get_ci(data, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(data, "cfgScale")),
        sampler=co.to_label(co.get_ci(data, "sampler")),
        width=co.to_dimension(co.get_ci(data, "width")),
        height=co.to_dimension(co.get_ci(data, "height")),
    )
