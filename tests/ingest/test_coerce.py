"""The coercions' fast paths answer exactly as the plain definitions they shortcut."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import pytest

from orchestration.ingest.tools import _coerce as co

# keys that fold in surprising ways: long s, Kelvin sign, sharp s, dotted I, NULs inside
KEYS = ["Software", "ſoftware", "SOFTWARE", "software", "ſtrasse", "Straße", "\u212aey", "İd"]
KEYS += ["a\x00software", "software\x00", "x" * 30, "prompt", "Prompt", "PROMPT", "seed"]
WANTED = ["software", "strasse", "key", "i̇d", "prompt", "seed", "missing", "x" * 30]


def _plain_get_ci(mapping: dict[Any, Any], *keys: str) -> Any | None:
    for key in keys:
        if mapping.get(key) is not None:
            return mapping[key]
    folded = {str(k).casefold(): v for k, v in mapping.items()}
    for key in keys:
        if folded.get(key.casefold()) is not None:
            return folded[key.casefold()]
    return None


def _mappings() -> list[dict[Any, Any]]:
    out: list[dict[Any, Any]] = [{}]
    for size in (1, 2, 3, 9, 12):
        for start in range(0, len(KEYS), 3):
            keys = list(itertools.islice(itertools.cycle(KEYS), start, start + size))
            out.append({k: f"v{i}" for i, k in enumerate(keys)})
            out.append({k: (None if i % 2 else i) for i, k in enumerate(keys)})
    out.append({1: "one", "Software": "x", **{f"k{i}": i for i in range(10)}})  # a non-str key
    return out


@pytest.mark.parametrize("mapping", _mappings())
def test_get_ci_and_has_key_ci_match_their_plain_definitions(mapping: dict[Any, Any]) -> None:
    for wanted in WANTED:
        assert co.get_ci(mapping, wanted) == _plain_get_ci(mapping, wanted)
        assert co.get_ci(mapping, "nothing", wanted) == _plain_get_ci(mapping, "nothing", wanted)
        plain = any(str(k).casefold() == wanted for k in mapping)
        assert co.has_key_ci(mapping, frozenset({wanted})) is plain


def _plain_number(value: object) -> float | int | None:
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 64:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return co._number(value)


NUMBERS = ["7", " 7 ", "7.5", "7.", ".5", "1_000", "1_0.5", "٣", "²", "1e3", "nan", "-1", "+2.0"]
NUMBERS += ["", " ", "1" * 64, "1" * 65, "0x10", "1.2.3", "inf", "\x007", "3\u00a0"]


@pytest.mark.parametrize("text", NUMBERS)
def test_number_text_is_read_as_before(text: str) -> None:
    assert repr(co._number(text)) == repr(_plain_number(text))


@pytest.mark.parametrize(
    "text", ["a", " a ", "\x00a\x00", " \x00 a \x00 ", "\x00", " ", "", "a\x00 "]
)
def test_to_text_strips_as_before(text: str) -> None:
    plain = text.strip().strip("\x00").strip() or None
    assert co.to_text(text) == plain


def _plain_load_json(text: str) -> Any | None:
    candidate = text.strip().strip("\x00").strip()
    try:
        return json.loads(candidate)
    except (ValueError, RecursionError):
        pass
    start = candidate.find("{")
    if 0 < start <= 16:
        try:
            return json.loads(candidate[start:])
        except (ValueError, RecursionError):
            return None
    return None


JSON_TEXTS = ['{"a": 1}', ' {"a": [1, 2.5, "x"]} ', '{"a": 1} x', '{"a": 1}{"b": 2}', "", " "]
JSON_TEXTS += ['\ufeff{"a": 1}', 'ASCII\x00\x00\x00{"a": 1}', '\x00{"a": 1}\x00', "NaN", "[1, 2]"]
JSON_TEXTS += ["prompt: {}", '"text"', "12", "{", '{"a": "\\ud800"}', "[" * 100_000 + "]" * 100_000]
JSON_TEXTS += ["nul\x00l", '{"a": 1}\u2028', "1" * 5000, "-", "[1,]", "x" * 17 + '{"a": 1}']


@pytest.mark.parametrize("text", JSON_TEXTS, ids=lambda t: repr(t[:20]))
def test_load_json_reads_as_json_loads_did(text: str) -> None:
    assert repr(co.load_json(text)) == repr(_plain_load_json(text))


@pytest.mark.parametrize("mapping", _mappings())
def test_get_each_ci_is_get_ci_for_each_key(mapping: dict[Any, Any]) -> None:
    keys = (*WANTED, "Software", "PROMPT")
    assert co.get_each_ci(mapping, keys) == [co.get_ci(mapping, key) for key in keys]


def _plain_to_int(value: object, lo: int, hi: int) -> int | None:
    number = co._number(value)
    if number is None or (isinstance(number, float) and not number.is_integer()):
        return None
    return int(number) if lo <= int(number) <= hi else None


def _plain_to_float(value: object, lo: float, hi: float) -> float | None:
    number = co._number(value)
    return None if number is None or not lo <= float(number) <= hi else float(number)


VALUES = [0, 1, -1, 7, 2**63 - 1, 2**63, True, False, 7.0, 7.5, -0.0, 1e300, math.nan, math.inf]
VALUES += ["7", "0", "٣", "1" * 64, "1" * 65, " 7", "7.0", "", "-1", None, [1], {"a": 1}]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_to_int_and_to_float_fast_paths_answer_as_number_does(value: object) -> None:
    for lo, hi in ((0, co.MAX_SEED), (1, co.MAX_STEPS), (1, 100)):
        assert repr(co.to_int(value, lo, hi)) == repr(_plain_to_int(value, lo, hi))
    for lo_f, hi_f in ((0.0, co.MAX_CFG), (0.0, 1.0)):
        assert repr(co.to_float(value, lo_f, hi_f)) == repr(_plain_to_float(value, lo_f, hi_f))


@pytest.mark.parametrize(
    "value", ["a", " a ", "\x00a\x00", " \x00 ", "", "x" * 512, " " + "x" * 513, 5, None], ids=repr
)
def test_to_label_is_to_text_capped_at_512(value: object) -> None:
    text = co.to_text(value)
    assert co.to_label(value) == (text if text is None or len(text) <= 512 else None)
