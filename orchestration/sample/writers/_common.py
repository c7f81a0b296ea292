"""Small helpers shared by the metadata text writers."""

from __future__ import annotations

import zlib
from typing import Any


def without_none(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping minus keys whose value is None: a field the generation lacks is not written."""
    return {k: v for k, v in mapping.items() if v is not None}


def fake_hash(text: str | None, digits: int = 10) -> str | None:
    """A stable hex digest standing in for a model hash (deterministic, not a real hash)."""
    if text is None:
        return None
    value = zlib.crc32(text.encode("utf-8"))
    return f"{value:08x}".rjust(digits, "0")[:digits]
