"""A minimal TIFF/EXIF reader: the few text tags generators use, IFD0 and the Exif sub-IFD.

EXIF is where JPEG and WebP outputs keep their metadata (A1111 UserComment, ComfyUI savers'
Make/Model, NovelAI's ImageDescription). Offsets in hostile files may point anywhere or loop, so
every read is bounds-checked, each IFD is visited once, and a broken block yields what was read
before the damage instead of an error: bad EXIF does not make a readable image unreadable.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestration.ingest.formats.text import (
    MAX_TEXT_BYTES,
    decode_legacy,
    decode_user_comment,
    repair_mojibake,
    strip_nuls,
)

TAG_NAMES = {
    0x010D: "DocumentName",
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x0132: "DateTime",
    0x013B: "Artist",
    0x8298: "Copyright",
    0x9286: "UserComment",
    0x9C9C: "XPComment",
}
EXIF_IFD_POINTER = 0x8769
DATETIME_ORIGINAL = 0x9003
USER_COMMENT = 0x9286
XP_COMMENT = 0x9C9C
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
_ASCII, _LONG, _IFD = 2, 4, 13
_MAX_ENTRIES = 1024
# (header: magic, first IFD offset; an IFD's entry count; one entry) for each byte order
_LITTLE = (struct.Struct("<HI"), struct.Struct("<H"), struct.Struct("<HHII"))
_BIG = (struct.Struct(">HI"), struct.Struct(">H"), struct.Struct(">HHII"))
_EXIF_DATETIME = re.compile(r"\s*(\d{4})[:-](\d\d)[:-](\d\d)[ T](\d\d):(\d\d):(\d\d)")


@dataclass(slots=True)
class ExifData:
    """The EXIF text tags (keyed ``exif:<TagName>``) and DateTimeOriginal (naive, read as UTC)."""

    text: dict[str, str] = field(default_factory=dict)
    datetime_original: datetime | None = None


def parse_exif_datetime(value: str) -> datetime | None:
    """``YYYY:MM:DD HH:MM:SS`` as an aware UTC datetime; blank or impossible dates are None."""
    match = _EXIF_DATETIME.match(value)
    if not match:
        return None
    try:
        return datetime(*(int(g) for g in match.groups()), tzinfo=UTC)
    except ValueError:  # "0000:00:00 00:00:00", month 13...
        return None


def read_exif(buf: bytes, start: int = 0, end: int | None = None) -> ExifData:
    r"""Read a TIFF header at ``buf[start:end]`` (an ``Exif\0\0`` prefix is skipped if present)."""
    end = len(buf) if end is None else min(end, len(buf))
    if buf[start : start + 6] == b"Exif\x00\x00":
        start += 6
    result = ExifData()
    try:
        _read_tiff(buf, start, end, result)
    except (struct.error, IndexError, ValueError, OverflowError):
        pass  # keep what was read before the damage
    return result


def _read_tiff(buf: bytes, base: int, end: int, result: ExifData) -> None:
    order = buf[base : base + 2]
    if order == b"II":
        header, count_of, entry_of = _LITTLE
    elif order == b"MM":
        header, count_of, entry_of = _BIG
    else:
        return
    magic, first = header.unpack_from(buf, base + 2)
    if magic != 42 or end - base < 8:
        return
    pending: list[tuple[int, bool]] = [(first, True)]
    seen: set[int] = set()
    while pending:
        offset, is_ifd0 = pending.pop(0)
        if offset in seen or offset < 8 or base + offset + 2 > end:
            continue
        seen.add(offset)
        pos = base + offset
        (count,) = count_of.unpack_from(buf, pos)
        pos += 2
        count = min(count, _MAX_ENTRIES, (end - pos) // 12)
        for index in range(count):
            entry = pos + 12 * index
            tag, kind, n, value = entry_of.unpack_from(buf, entry)
            if tag == EXIF_IFD_POINTER and is_ifd0:
                if kind in (_LONG, _IFD):
                    pending.append((value, False))
                continue
            if tag not in TAG_NAMES and tag != DATETIME_ORIGINAL:
                continue
            size = _TYPE_SIZES.get(kind)
            if size is None or n == 0 or size * n > MAX_TEXT_BYTES:
                continue
            total = size * n
            at = entry + 8 if total <= 4 else base + value
            if at + total > end:
                continue
            _store(result, tag, kind, buf[at : at + total], override=not is_ifd0)


def _store(result: ExifData, tag: int, kind: int, raw: bytes, *, override: bool) -> None:
    """Decode one tag's bytes; the Exif IFD wins over a non-standard copy in IFD0."""
    if tag == DATETIME_ORIGINAL:
        moment = parse_exif_datetime(decode_legacy(raw))
        if moment is not None and (override or result.datetime_original is None):
            result.datetime_original = moment
        return
    if tag == USER_COMMENT and kind != _ASCII:
        text = decode_user_comment(raw)
    elif tag == XP_COMMENT:
        text = strip_nuls(raw[: len(raw) // 2 * 2].decode("utf-16-le", "replace"))
    else:
        text = strip_nuls(repair_mojibake(decode_legacy(raw)))
    key = f"exif:{TAG_NAMES[tag]}"
    if text and (override or key not in result.text):
        result.text[key] = text
