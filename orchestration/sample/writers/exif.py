"""Build EXIF (TIFF) blocks the way generators write them, for JPEG and WebP fixtures.

Pillow's EXIF writer cannot produce the variants real files have (UTF-16 of either byte order
under ``UNICODE``, UserComment misplaced in IFD0, big-endian TIFF), so the block is laid out
here with ``struct``: header, IFD0, the Exif sub-IFD, then the values they point at.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from datetime import datetime
from typing import Literal

UserCommentEncoding = Literal["utf-16-be", "utf-16-le", "ascii", "utf-8", "undefined"]

IFD0_TAGS = {
    "DocumentName": 0x010D,
    "ImageDescription": 0x010E,
    "Make": 0x010F,
    "Model": 0x0110,
    "Software": 0x0131,
    "DateTime": 0x0132,
    "Artist": 0x013B,
    "Copyright": 0x8298,
    "XPComment": 0x9C9C,
}
EXIF_TAGS = {"DateTimeOriginal": 0x9003, "UserComment": 0x9286}
# PNG text keywords as the same fields are called in EXIF (what exiftool maps them to), so one
# metadata dict can feed both a PNG and a WebP/JPEG writer.
PNG_ALIASES = {
    "Description": "ImageDescription",
    "Author": "Artist",
    "Title": "DocumentName",
    "Comment": "UserComment",
    "Creation Time": "DateTime",
}
XMP_KEYS = frozenset({"xmp", "XML:com.adobe.xmp"})
_ASCII, _LONG, _UNDEFINED, _BYTE = 2, 4, 7, 1
_EXIF_POINTER = 0x8769


def user_comment(text: str, encoding: UserCommentEncoding = "utf-16-be") -> bytes:
    """An EXIF UserComment value: 8-byte charset header, then the text.

    ``utf-16-be`` is what A1111/Forge/Civitai write (piexif), ``utf-16-le`` what SwarmUI writes,
    ``ascii`` NovelAI's header (its JSON is ASCII-escaped), ``utf-8`` a header-less UTF-8 value
    as some savers write, ``undefined`` an all-zero header.
    """
    if encoding in ("utf-16-be", "utf-16-le"):
        return b"UNICODE\x00" + text.encode(encoding)
    if encoding == "ascii":
        return b"ASCII\x00\x00\x00" + text.encode("utf-8")
    if encoding == "undefined":
        return b"\x00" * 8 + text.encode("utf-8")
    return text.encode("utf-8")


def exif_name(key: str) -> str:
    """The EXIF tag name for ``exif:<Tag>``, a bare tag name or a PNG keyword alias."""
    name = key.removeprefix("exif:")
    name = PNG_ALIASES.get(name, name)
    if name not in IFD0_TAGS and name not in EXIF_TAGS:
        raise ValueError(f"no EXIF tag for metadata key {key!r}")
    return name


def exif_datetime(moment: datetime) -> str:
    """The EXIF ``YYYY:MM:DD HH:MM:SS`` form (zone dropped, as cameras and generators do)."""
    return moment.strftime("%Y:%m:%d %H:%M:%S")


def tiff_exif(
    tags: Mapping[str, str | bytes],
    *,
    datetime_original: datetime | None = None,
    big_endian: bool = False,
    user_comment_in_ifd0: bool = False,
    comment_encoding: UserCommentEncoding = "utf-16-be",
    prefix: bool = False,
) -> bytes:
    r"""A TIFF/EXIF block holding ``tags`` (keys as accepted by :func:`exif_name`).

    Args:
        tags: text values (``str``) or raw values (``bytes``, e.g. from :func:`user_comment`).
        datetime_original: written as DateTimeOriginal in the Exif IFD.
        big_endian: ``MM`` byte order instead of ``II``.
        user_comment_in_ifd0: put UserComment in IFD0 as ASCII, as ComfyUI SaveImagePlus does.
        comment_encoding: how a ``str`` UserComment is encoded.
        prefix: start with ``Exif\0\0`` (JPEG APP1 style).
    """
    e = ">" if big_endian else "<"
    ifd0: list[tuple[int, int, bytes]] = []
    exif: list[tuple[int, int, bytes]] = []
    for key, value in tags.items():
        name = exif_name(key)
        if name == "UserComment":
            if user_comment_in_ifd0:
                raw = value if isinstance(value, bytes) else value.encode("utf-8") + b"\x00"
                ifd0.append((EXIF_TAGS[name], _ASCII, raw))
            else:
                raw = value if isinstance(value, bytes) else user_comment(value, comment_encoding)
                exif.append((EXIF_TAGS[name], _UNDEFINED, raw))
        elif name == "XPComment":
            raw = value if isinstance(value, bytes) else value.encode("utf-16-le") + b"\x00\x00"
            ifd0.append((IFD0_TAGS[name], _BYTE, raw))
        else:
            raw = value if isinstance(value, bytes) else value.encode("utf-8") + b"\x00"
            target = exif if name in EXIF_TAGS else ifd0
            target.append(((IFD0_TAGS | EXIF_TAGS)[name], _ASCII, raw))
    if datetime_original is not None:
        exif.append(
            (
                EXIF_TAGS["DateTimeOriginal"],
                _ASCII,
                exif_datetime(datetime_original).encode("ascii") + b"\x00",
            )
        )
    if exif:
        ifd0.append((_EXIF_POINTER, _LONG, b""))  # value patched below
    ifd0.sort()
    exif.sort()
    ifd0_size = 2 + 12 * len(ifd0) + 4
    exif_at = 8 + ifd0_size
    data_at = exif_at + (2 + 12 * len(exif) + 4 if exif else 0)
    data = bytearray()
    blocks = []
    for entries, next_ifd in ((ifd0, 0), (exif, 0)):
        if not entries and entries is exif:
            continue
        block = bytearray(struct.pack(e + "H", len(entries)))
        for tag, kind, raw in entries:
            if tag == _EXIF_POINTER:
                block += struct.pack(e + "HHII", tag, _LONG, 1, exif_at)
            elif len(raw) <= 4:
                block += struct.pack(e + "HHI", tag, kind, len(raw)) + raw.ljust(4, b"\x00")
            else:
                block += struct.pack(e + "HHII", tag, kind, len(raw), data_at + len(data))
                data += raw + (b"\x00" if len(raw) % 2 else b"")
        block += struct.pack(e + "I", next_ifd)
        blocks.append(bytes(block))
    header = (b"MM" if big_endian else b"II") + struct.pack(e + "HI", 42, 8)
    body = header + b"".join(blocks) + bytes(data)
    return b"Exif\x00\x00" + body if prefix else body
