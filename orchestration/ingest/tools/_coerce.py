"""Defensive conversions shared by the tool parsers.

Metadata is written by many programs and sometimes edited by hand, so every number may arrive as
an int, a float, a string ("7.0", " 42 "), NaN or nonsense. A value that cannot be read as a
plausible number becomes ``None``: the parsers never crash on it and never keep absurd values.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from orchestration.ingest.records import GenerationMeta

MAX_JSON_CHARS = 16_000_000  # larger metadata is not something any real tool writes
# ComfyUI accepts seeds up to 2**64-1, but the lake stores seeds as int64 and every real
# generator's random seeds stay far below (ComfyUI 2**50, Fooocus 2**63-1): larger is unknown.
MAX_SEED = 2**63 - 1
MAX_STEPS = 10_000
MAX_DIMENSION = 65_536
MAX_CFG = 100.0

_SCAN = json.JSONDecoder().scan_once  # what json.loads calls, with the same default decoder
_JOIN_FOLD_MIN = 8  # keys from which has_key_ci folds them all at once
_SIZE_RE = re.compile(r"(\d{1,6})\s*[,x×*]\s*(\d{1,6})")


def load_json(text: object) -> Any | None:
    """Parse JSON text, or return ``None`` for anything that is not valid JSON.

    Tolerates a few bytes of junk before the opening brace (an EXIF charset header such as
    ``ASCII`` plus NULs, NUL padding) and trailing NULs. Deeply nested input raises RecursionError
    inside :mod:`json`; that is caught too.
    """
    if not isinstance(text, str) or len(text) > MAX_JSON_CHARS:
        return None
    candidate = text.strip().strip("\x00").strip()
    try:
        return _loads(candidate)
    except (ValueError, RecursionError):
        pass
    start = candidate.find("{")
    if 0 < start <= 16:
        try:
            return _loads(candidate[start:])
        except (ValueError, RecursionError):
            return None
    return None


def _loads(text: str) -> Any:
    """``json.loads(text)`` for text with no whitespace around it, without loads' wrappers.

    The decoder's own scanner, called directly (~1 µs less per graph or parameters object);
    ``json.loads`` adds only a BOM check (a BOM is no JSON value here either) and whitespace
    skipping, which the caller's strip has done.

    Raises:
        ValueError: not one JSON value (``json.JSONDecodeError`` for malformed JSON).
    """
    try:
        value, end = _SCAN(text, 0)
    except StopIteration as exc:  # no JSON value starts at 0
        raise ValueError("Expecting value") from exc
    if end != len(text):
        raise ValueError("Extra data")
    return value


def load_json_object(text: object) -> dict[str, Any] | None:
    """Parse JSON text that must be an object (dict); anything else is ``None``."""
    value = load_json(text)
    return value if isinstance(value, dict) else None


def get_ci(mapping: Mapping[str, Any] | None, *keys: str) -> Any | None:
    """First present, non-``None`` value among ``keys``: exact match first, then case-insensitive.

    Tools disagree on capitalisation (``Prompt`` vs ``prompt``, ``cfgScale`` vs ``cfgscale``).
    """
    if type(mapping) is not dict and not isinstance(mapping, Mapping):
        return None
    for key in keys:
        value = mapping.get(key)
        if value is not None:
            return value
    if not _may_fold_to(mapping, [key.casefold() for key in keys]):
        return None  # (most misses: no key of any case is there)
    folded = {str(k).casefold(): v for k, v in mapping.items()}
    for key in keys:
        value = folded.get(key.casefold())
        if value is not None:
            return value
    return None


def get_each_ci(mapping: dict[str, Any], keys: tuple[str, ...]) -> list[Any | None]:
    """``[get_ci(mapping, key) for key in keys]``, with one look-up per key spelt as it is."""
    values = list(map(mapping.get, keys))
    if None in values:  # (a key absent as spelt: any case, as get_ci looks)
        for index, value in enumerate(values):
            if value is None:
                values[index] = get_ci(mapping, keys[index])
    return values


def _may_fold_to(mapping: Mapping[str, Any], folded_keys: Iterable[str]) -> bool:
    """False when no key of ``mapping`` case-folds to one of ``folded_keys``; True may be wrong.

    One case-fold of the keys joined by NULs: case folding maps each character alone, so a key
    that folds to ``k`` puts NUL + ``k`` + NUL in the joined fold. True for non-string keys.
    """
    try:
        joined = "\x00" + "\x00".join(mapping).casefold() + "\x00"
    except TypeError:
        return True
    for wanted in folded_keys:
        if f"\x00{wanted}\x00" in joined:
            return True
    return False


def has_key_ci(mapping: Mapping[str, Any], folded_keys: frozenset[str]) -> bool:
    """Whether a key of ``mapping``, case-folded, is in ``folded_keys`` (already case-folded).

    When it is not, ``get_ci`` finds none of those keys: a parser can say "not mine" at the cost
    of one pass over the few keys a container has. Over many keys (a JSON object), one
    case-fold of them all rules the keys out first (``_may_fold_to``); a hit is confirmed key by
    key.
    """
    if len(mapping) > _JOIN_FOLD_MIN and not _may_fold_to(mapping, folded_keys):
        return False
    for key in mapping:
        if str(key).casefold() in folded_keys:
            return True
    return False


def _number(value: object) -> float | int | None:
    """A finite int or float from an int, float or numeric string; bools and the rest are None."""
    if isinstance(value, str):  # the common case (metadata text) first; the types are disjoint
        if value.isdecimal():  # plain digits (most values): what ``int`` below would return
            return int(value) if len(value) <= 64 else None
        text = value.strip()
        if not text or len(text) > 64:
            return None
        if "." not in text:  # (``int`` refuses any text with a point: no exception to pay)
            try:
                return int(text)
            except ValueError:
                pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return None


def to_int(value: object, lo: int, hi: int) -> int | None:
    """An integer in ``[lo, hi]``; integral floats ("512.0") accepted, fractions rejected."""
    # the two usual cases first, as _number and the rest below would answer them
    if type(value) is str and value.isdecimal():  # plain digits (infotext)
        if len(value) > 64:
            return None
        number = int(value)
        return number if lo <= number <= hi else None
    if type(value) is int:  # a JSON number
        return value if lo <= value <= hi else None
    number = _number(value)
    if number is None:
        return None
    if isinstance(number, float):
        if not number.is_integer():
            return None
        number = int(number)
    return number if lo <= number <= hi else None


def to_float(value: object, lo: float, hi: float) -> float | None:
    """A finite float in ``[lo, hi]``."""
    if type(value) is float:  # (JSON numbers: what _number and the rest below would return)
        return value if math.isfinite(value) and lo <= value <= hi else None
    number = _number(value)
    if number is None:
        return None
    result = float(number)
    return result if lo <= result <= hi else None


def to_seed(value: object) -> int | None:
    """A concrete seed; ``-1`` ("random") and other negatives mean the seed is unknown."""
    return to_int(value, 0, MAX_SEED)


def to_steps(value: object) -> int | None:
    """A plausible step count."""
    return to_int(value, 1, MAX_STEPS)


def to_dimension(value: object) -> int | None:
    """A plausible width or height in pixels."""
    return to_int(value, 1, MAX_DIMENSION)


def to_cfg(value: object) -> float | None:
    """A plausible guidance (CFG) scale."""
    return to_float(value, 0.0, MAX_CFG)


def to_text(value: object) -> str | None:
    """A non-empty string with surrounding whitespace and NUL padding removed."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text and text[0] != "\x00" and text[-1] != "\x00":  # no NUL padding: nothing more to strip
        return text
    text = text.strip("\x00").strip()
    return text or None


def to_label(value: object) -> str | None:
    """A short name (sampler, scheduler, model); a number here is a misread field, not a name."""
    if not isinstance(value, str):  # (to_text, inline: several labels per file)
        return None
    text = value.strip()
    if not text or text[0] == "\x00" or text[-1] == "\x00":
        text = text.strip("\x00").strip()
        if not text:
            return None
    return text if len(text) <= 512 else None


def parse_size(value: object) -> tuple[int | None, int | None]:
    """Width and height from ``"(768, 1280)"``, ``"1024x1024"`` or a two-item list."""
    if isinstance(value, list | tuple) and len(value) == 2:
        return to_dimension(value[0]), to_dimension(value[1])
    if isinstance(value, str):
        match = _SIZE_RE.search(value)
        if match:
            return to_dimension(match.group(1)), to_dimension(match.group(2))
    return None, None


def to_utc_datetime(value: object) -> datetime | None:
    """An aware UTC datetime from an ISO-like timestamp that has a time of day.

    Naive values are read as UTC (the tools write local time without a zone; the ingest step
    treats all embedded times alike). A bare date is *not* a generation time: it returns None.
    """
    text = to_text(value)
    if text is None or len(text) < 16:
        return None
    normalized = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(normalized)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def fill_missing(target: GenerationMeta, source: GenerationMeta | None) -> GenerationMeta:
    """Copy fields that ``target`` lacks from ``source`` (both read from the same file)."""
    if source is None:
        return target
    for name in target.filled_fields() + source.filled_fields():
        if getattr(target, name) is None:
            setattr(target, name, getattr(source, name))
    return target


def has_generation_data(meta: GenerationMeta) -> bool:
    """Whether a record carries anything beyond its tool name."""
    return meta.has_generation_data()
