"""Records as JSON lines for the time staging file: safe to read back, faithful to the values.

A staged record must reach the lake's guard as the reader produced it (a naive or aware
datetime, bytes, a non-finite float, a lone surrogate), so the codec tags what JSON cannot
carry instead of normalising it. Reading back runs no code from the file, unlike pickle.
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Any

_TAG = "__staged__"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, bytes | bytearray):
        return {_TAG: "bytes", "v": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, tuple):
        return {_TAG: "tuple", "v": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return {_TAG: "text", "v": str(value), "type": type(value).__name__}


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(_TAG)
    if kind == "datetime":
        return datetime.fromisoformat(value["v"])
    if kind == "date":
        return date.fromisoformat(value["v"])
    if kind == "bytes":
        return base64.b64decode(value["v"])
    if kind == "tuple":
        return tuple(_decode(v) for v in value["v"])
    if kind == "text":  # a value of a type JSON cannot hold: the guard sees its text
        return value["v"]
    return {k: _decode(v) for k, v in value.items()}


def dumps(record: dict[str, Any]) -> bytes:
    """One record as one JSON line (lone surrogates and non-finite floats survive)."""
    return json.dumps(_encode(record), ensure_ascii=True).encode("ascii") + b"\n"


def loads(line: bytes) -> dict[str, Any]:
    """The record ``dumps`` wrote."""
    return _decode(json.loads(line))
