"""Fooocus and RuinedFooocus: JSON in the PNG ``parameters`` chunk.

Fooocus (2.2+) writes ``fooocus_scheme`` = "fooocus" beside a JSON ``parameters`` (prompt,
negative_prompt, steps, guidance_scale, seed as a string, sampler, scheduler, base_model,
resolution "(w, h)", version "Fooocus v2.x"), or, with scheme "a1111", A1111-style text that
ends in ``Version: Fooocus …``; that text is read by the A1111 parser and relabelled.
RuinedFooocus writes its own JSON (Prompt, Negative, cfg, sampler_name, base_model_name,
``"software": "RuinedFooocus"``) and is a separate tool, "ruinedfooocus".
"""

from __future__ import annotations

import ast
import importlib
import re
from typing import Any

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "fooocus"
RUINED_TOOL = "ruinedfooocus"
_MAX_LIST = 100_000  # characters of a list repr worth evaluating
_SCHEME_KEY = frozenset({"fooocus_scheme"})  # case-folded
_SOFTWARE_KEY = frozenset({"software"})
_A1111_VERSION = re.compile(r"(?:^|[,\n])\s*Version:\s*Fooocus", re.IGNORECASE)


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read Fooocus or RuinedFooocus metadata, or None when the file has neither.

    Raises:
        FileRejected: Fooocus-marked metadata that holds no prompt and no parameters.
    """
    raw = co.get_ci(c.text, "parameters")
    scheme_value = c.text.get("fooocus_scheme")  # (as written by Fooocus: no case to fold)
    if scheme_value is None and co.has_key_ci(c.text, _SCHEME_KEY):
        scheme_value = co.get_ci(c.text, "fooocus_scheme")
    if scheme_value is None and not _may_be_fooocus(raw):
        return None  # the common case (other tools' files): decided without parsing anything
    scheme = (co.to_text(scheme_value) or "").casefold()
    data = co.load_json_object(raw)
    meta: GenerationMeta | None = None
    if data is not None and _is_ruined(data):
        meta = _ruined(data)
    elif data is not None and (scheme == "fooocus" or _is_fooocus_json(data)):
        meta = _fooocus(data)
    elif isinstance(raw, str) and (scheme == "a1111" or _A1111_VERSION.search(raw)):
        meta = _a1111_scheme(c)
    elif scheme:
        raise FileRejected(f"Fooocus metadata (scheme {scheme!r}) is not readable")
    if meta is not None and not co.has_generation_data(meta):
        raise FileRejected(f"{meta.tool} metadata without prompt or parameters")
    return meta


def _may_be_fooocus(raw: object) -> bool:
    """Whether unmarked ``parameters`` could be Fooocus's, decided without parsing.

    That needs a JSON object (``load_json`` allows a few bytes before the brace) or text that
    names Fooocus (as ``Version: Fooocus`` does).
    """
    if not isinstance(raw, str):
        return False
    lead = raw.lstrip().lstrip("\x00").lstrip()[:17]
    return "{" in lead or "fooocus" in raw.casefold()


def _is_ruined(data: dict[str, Any]) -> bool:
    has_software = co.has_key_ci(data, _SOFTWARE_KEY)  # Fooocus's own JSON has none
    software = (co.to_text(co.get_ci(data, "software")) if has_software else None) or ""
    if software.casefold().startswith("ruinedfooocus"):
        return True
    return "base_model_name" in data and "Prompt" in data


def _is_fooocus_json(data: dict[str, Any]) -> bool:
    version = co.to_text(co.get_ci(data, "version")) or ""
    scheme = co.to_text(co.get_ci(data, "metadata_scheme")) or ""
    return version.casefold().startswith("fooocus") or scheme.casefold() == "fooocus"


_FIELDS = (
    "resolution",
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "guidance_scale",
    "sampler",
    "scheduler",
    "base_model",
)
_EXTRA_KEYS = ("performance", "styles", "version", "refiner_model")


def _fooocus(data: dict[str, Any]) -> GenerationMeta:
    values = co.get_each_ci(data, _FIELDS + _EXTRA_KEYS)  # one call, not one per key
    size, prompt, negative, seed, steps, cfg, sampler, scheduler, model = values[: len(_FIELDS)]
    width, height = co.parse_size(size)
    meta = GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(prompt),
        negative_prompt=co.to_text(negative)
        or _prompt_list(co.get_ci(data, "full_negative_prompt")),
        seed=co.to_seed(seed),
        steps=co.to_steps(steps),
        cfg_scale=co.to_cfg(cfg),
        sampler=co.to_label(sampler),
        scheduler=co.to_label(scheduler),
        model=co.to_label(model),
        width=width,
        height=height,
    )
    for key, raw in zip(_EXTRA_KEYS, values[len(_FIELDS) :], strict=True):
        value = co.to_label(raw)
        if value is not None and value != "None":
            meta.extra[key] = value
    return meta


def _prompt_list(value: object) -> str | None:
    """Fooocus's ``full_negative_prompt``, the parts joined with ", ".

    It is a list of prompt parts, or that list's Python repr (``"['a', 'b']"``, as Fooocus 2.4
    writes it).
    """
    if isinstance(value, str) and value.lstrip().startswith("[") and len(value) <= _MAX_LIST:
        try:
            value = ast.literal_eval(value.strip())
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return co.to_text(value)
    if isinstance(value, (list, tuple)):
        parts = [co.to_text(part) for part in value]
        return ", ".join(p for p in parts if p) or None
    return co.to_text(value)


def _ruined(data: dict[str, Any]) -> GenerationMeta:
    return GenerationMeta(
        tool=RUINED_TOOL,
        prompt=co.to_text(co.get_ci(data, "Prompt")),
        negative_prompt=co.to_text(co.get_ci(data, "Negative")),
        seed=co.to_seed(co.get_ci(data, "seed")),
        steps=co.to_steps(co.get_ci(data, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(data, "cfg")),
        sampler=co.to_label(co.get_ci(data, "sampler_name")),
        scheduler=co.to_label(co.get_ci(data, "scheduler")),
        model=co.to_label(co.get_ci(data, "base_model_name")),
        width=co.to_dimension(co.get_ci(data, "width")),
        height=co.to_dimension(co.get_ci(data, "height")),
    )


def _a1111_scheme(c: ImageContainer) -> GenerationMeta | None:
    """Fooocus's A1111-style text: the A1111 parser reads it; the tool stays "fooocus"."""
    try:
        a1111 = importlib.import_module("orchestration.ingest.tools.a1111")
    except ImportError:
        a1111 = None
    parser = getattr(a1111, "parse", None)
    meta = parser(c) if callable(parser) else None
    if isinstance(meta, GenerationMeta):
        meta.tool = TOOL
        return meta
    return _minimal_a1111(co.to_text(co.get_ci(c.text, "parameters")))


def _minimal_a1111(text: str | None) -> GenerationMeta | None:
    """Prompt and negative prompt only, for when no A1111 parser is available."""
    if text is None:
        return None
    lines = text.splitlines()
    if lines and re.match(r"^\s*Steps:", lines[-1]):
        lines = lines[:-1]
    body = "\n".join(lines)
    prompt, _, negative = body.partition("Negative prompt:")
    return GenerationMeta(
        tool=TOOL, prompt=co.to_text(prompt), negative_prompt=co.to_text(negative)
    )
