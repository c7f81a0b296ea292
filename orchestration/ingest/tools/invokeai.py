"""InvokeAI: three generations of metadata, newest first.

- ``invokeai_metadata`` (3.x and later): flat JSON with ``positive_prompt``, ``seed``… and a
  ``model`` object (``name`` since 4.x, ``model_name`` in 3.x).
- ``sd-metadata`` (2.x): JSON with an ``image`` object whose ``prompt`` is a string or a list of
  ``{prompt, weight}``; ``model_weights`` names the model.
- ``Dream`` (1.x/2.x): a dream command line, ``"prompt [negative]" -s 50 -S 42 -W 512 …``.
In 1.x/2.x the negative prompt is written inside the prompt in square brackets.
InvokeAI calls the sampling algorithm its "scheduler" (``euler_a``, ``dpmpp_2m_k``); it is the
same thing other tools call the sampler, so it is stored as ``sampler``.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import _coerce as co

TOOL = "invokeai"
_KEYS = ("invokeai_metadata", "sd-metadata", "Dream")
_FOLDED_KEYS = frozenset(k.casefold() for k in _KEYS)
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
# dream switches: short and long spellings → GenerationMeta field
_DREAM_FLAGS = {
    "-s": "steps",
    "--steps": "steps",
    "-S": "seed",
    "--seed": "seed",
    "-W": "width",
    "--width": "width",
    "-H": "height",
    "--height": "height",
    "-C": "cfg_scale",
    "--cfg_scale": "cfg_scale",
    "-A": "sampler",
    "--sampler": "sampler",
    "--model": "model",
}


def parse(c: ImageContainer) -> GenerationMeta | None:
    """Read InvokeAI metadata, or None when the file has none.

    Raises:
        FileRejected: an InvokeAI key is present but none of its variants can be read.
    """
    if not co.has_key_ci(c.text, _FOLDED_KEYS):
        return None  # the common case (other tools' files), decided in one pass over the keys
    keys = _KEYS
    present = [k for k in keys if co.get_ci(c.text, k) is not None]
    if not present:
        return None
    for reader, key in (
        (_from_invokeai_metadata, keys[0]),
        (_from_sd_metadata, keys[1]),
        (_from_dream, keys[2]),
    ):
        raw = co.get_ci(c.text, key)
        meta = reader(raw) if raw is not None else None
        if meta is not None and co.has_generation_data(meta):
            return meta
    raise FileRejected(f"unreadable InvokeAI metadata ({', '.join(present)})")


def _from_invokeai_metadata(raw: str) -> GenerationMeta | None:
    data = co.load_json_object(raw)
    if data is None:
        return None
    model = co.get_ci(data, "model")
    meta = GenerationMeta(
        tool=TOOL,
        prompt=co.to_text(co.get_ci(data, "positive_prompt")),
        negative_prompt=co.to_text(co.get_ci(data, "negative_prompt")),
        seed=co.to_seed(co.get_ci(data, "seed")),
        steps=co.to_steps(co.get_ci(data, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(data, "cfg_scale")),
        sampler=co.to_label(co.get_ci(data, "scheduler")),
        model=_model_name(model),
        width=co.to_dimension(co.get_ci(data, "width")),
        height=co.to_dimension(co.get_ci(data, "height")),
    )
    for key in ("generation_mode", "app_version", "positive_style_prompt"):
        value = co.to_label(co.get_ci(data, key))
        if value is not None:
            meta.extra[key] = value
    return meta


def _model_name(model: object) -> str | None:
    if isinstance(model, dict):
        return co.to_label(co.get_ci(model, "name", "model_name"))
    return co.to_label(model)


def _from_sd_metadata(raw: str) -> GenerationMeta | None:
    data = co.load_json_object(raw)
    image = co.get_ci(data, "image") if data is not None else None
    if not isinstance(image, dict) or data is None:
        return None
    prompt, negative = split_negative(_prompt_text(co.get_ci(image, "prompt")))
    meta = GenerationMeta(
        tool=TOOL,
        prompt=prompt,
        negative_prompt=negative,
        seed=co.to_seed(co.get_ci(image, "seed")),
        steps=co.to_steps(co.get_ci(image, "steps")),
        cfg_scale=co.to_cfg(co.get_ci(image, "cfg_scale")),
        sampler=co.to_label(co.get_ci(image, "sampler")),
        model=co.to_label(co.get_ci(data, "model_weights")),
        width=co.to_dimension(co.get_ci(image, "width")),
        height=co.to_dimension(co.get_ci(image, "height")),
    )
    version = co.to_label(co.get_ci(data, "app_version"))
    if version is not None:
        meta.extra["app_version"] = version
    return meta


def _prompt_text(value: Any) -> str | None:
    """A prompt string, or the blended ``[{prompt, weight}, …]`` list joined in order."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [
            co.to_text(co.get_ci(p, "prompt")) if isinstance(p, dict) else co.to_text(p)
            for p in value[:64]
        ]
        return " ".join(p for p in parts if p) or None
    return None


def split_negative(text: str | None) -> tuple[str | None, str | None]:
    """``"a cat [blurry] on a mat [text]"`` → ("a cat on a mat", "blurry, text")."""
    if text is None:
        return None, None
    negatives = [n.strip() for n in _BRACKETS.findall(text) if n.strip()]
    positive = re.sub(r"\s{2,}", " ", _BRACKETS.sub(" ", text)).strip(" ,")
    return co.to_text(positive), ", ".join(negatives) or None


def _from_dream(raw: str) -> GenerationMeta | None:
    text = co.to_text(raw)
    if text is None:
        return None
    match = re.match(r'^"((?:[^"\\]|\\.)*)"(.*)$', text, re.DOTALL)
    if match:
        prompt_text, switches = match.group(1).replace('\\"', '"'), match.group(2)
    else:  # unquoted prompt: everything before the first switch
        head = re.split(r"\s(?=-{1,2}[A-Za-z])", text, maxsplit=1)
        prompt_text, switches = head[0], head[1] if len(head) > 1 else ""
    try:
        tokens = shlex.split(switches)
    except ValueError:
        tokens = switches.split()
    values: dict[str, str] = {}
    for index, flag in enumerate(tokens[:-1]):
        field = _DREAM_FLAGS.get(flag)
        if field is not None and field not in values:
            values[field] = tokens[index + 1]
    prompt, negative = split_negative(prompt_text)
    return GenerationMeta(
        tool=TOOL,
        prompt=prompt,
        negative_prompt=negative,
        seed=co.to_seed(values.get("seed")),
        steps=co.to_steps(values.get("steps")),
        cfg_scale=co.to_cfg(values.get("cfg_scale")),
        sampler=co.to_label(values.get("sampler")),
        model=co.to_label(values.get("model")),
        width=co.to_dimension(values.get("width")),
        height=co.to_dimension(values.get("height")),
    )
