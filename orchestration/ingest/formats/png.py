"""PNG: walk every chunk by its length, reading IHDR, text chunks, tIME and eXIf.

Text may sit after the image data (some savers append it), so the whole file is walked; IDAT
payloads are skipped by length: never copied or inflated, and not even read from a file (see
``source``). CRCs are not checked: a flipped bit in a checksum should not cost an artist their
metadata.
"""

from __future__ import annotations

import os
import struct
from datetime import UTC, datetime

from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.source import Source
from orchestration.ingest.formats.text import (
    MAX_TEXT_BYTES,
    TextTooLarge,
    decode_legacy,
    decode_utf8,
    inflate,
)
from orchestration.ingest.records import ImageContainer, UnreadableFile

SIGNATURE = b"\x89PNG\r\n\x1a\n"
XMP_KEYWORD = "XML:com.adobe.xmp"
_ALPHA_COLOUR_TYPES = (4, 6)  # grey+alpha, RGBA
_MAX_CHUNK = 2**31 - 1  # the spec's limit on a chunk length
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")
_CHUNK_HEADER = struct.Struct(">I4s")  # length, type


def read_png(data: bytes | Source) -> tuple[ImageContainer, bool]:
    """The container and whether its pixels carry an alpha channel.

    Raises:
        UnreadableFile: no IHDR, a chunk cut off before the image data is complete, or no IDAT.
    """
    src = data if isinstance(data, Source) else Source.from_bytes(data)
    n = src.size
    head = src.read(0, 33)
    if n >= 16 and head[12:16] != b"IHDR":
        raise UnreadableFile(f"corrupt PNG: first chunk is {_name(head[12:16])}, not IHDR")
    length = struct.unpack_from(">I", head, 8)[0] if n >= 12 else 13
    if length < 13:
        raise UnreadableFile(f"corrupt PNG: IHDR chunk is {length} bytes, not 13")
    if 8 + 12 + length > n:
        raise UnreadableFile(f"truncated PNG: chunk IHDR runs past end of file ({n} bytes)")
    width, height = struct.unpack_from(">II", head, 16)
    colour_type = head[25]
    container = ImageContainer(format="png", width=width, height=height)
    if width == 0 or height == 0:
        raise UnreadableFile(f"corrupt PNG: image size {width}x{height}")
    seen_idat = idat_done = False
    pos = 8 + 12 + length
    read, fd = src.read, src.fd
    unpack_from, unpack = _CHUNK_HEADER.unpack_from, _CHUNK_HEADER.unpack
    held_bytes = src.head
    held = len(held_bytes)
    while True:
        if pos + 8 > n:
            if idat_done:
                break  # cut in the trailing chunks: the image itself is whole
            where = "inside the image data" if seen_idat else "before the image data"
            raise UnreadableFile(f"truncated PNG: file ends {where} (no IEND, {n} bytes)")
        if pos + 8 <= held:  # in the bytes already at hand (all of them, on the bytes path)
            length, kind = unpack_from(held_bytes, pos)
        elif fd is not None:  # one pread per chunk past the head (the IDATs), no more
            length, kind = unpack(os.pread(fd, 8, pos))
        else:
            length, kind = unpack(read(pos, 8))
        body = pos + 8
        if not kind.isalpha() or length > _MAX_CHUNK:
            if idat_done:
                break  # junk after the image: keep what was read
            raise UnreadableFile(f"corrupt PNG: invalid chunk header at byte {pos}")
        if body + length + 4 > n:
            if seen_idat and kind != b"IDAT":
                break  # the image data ended before the cut: keep what was read
            raise UnreadableFile(
                f"truncated PNG: chunk {_name(kind)} runs past end of file "
                f"(needs {body + length + 4} bytes, has {n})"
            )
        if kind == b"IDAT":  # most chunks: skipped by length, nothing else to check
            seen_idat = True
            pos = body + length + 4
            continue
        if seen_idat:
            idat_done = True
        if kind == b"IEND":
            break
        if kind in _TEXT_CHUNKS:
            if length > MAX_TEXT_BYTES:  # skipped unread: no generator writes that much
                container.skipped.append(
                    f"PNG {_name(kind)} chunk {_keyword(read(body, 80))!r} is {length:,} bytes, "
                    f"over the {MAX_TEXT_BYTES // (1024 * 1024)} MB text limit: not read"
                )
            elif body + length <= held:
                _read_text(container, kind, held_bytes, body, body + length)
            else:
                _read_text(container, kind, read(body, length), 0, length)
        elif kind == b"tIME" and length == 7:
            container.png_time = _png_time(read(body, 7))
        elif kind == b"eXIf":
            exif = read_exif(read(body, length))
            for key, value in exif.text.items():
                container.text.setdefault(key, value)
            container.exif_datetime_original = exif.datetime_original
        pos = body + length + 4
    if not seen_idat:
        raise UnreadableFile("corrupt PNG: no image data (no IDAT chunk)")
    return container, colour_type in _ALPHA_COLOUR_TYPES


def _png_time(body: bytes) -> datetime | None:
    """A tIME chunk's UTC time (the spec says UTC), or None when its fields are out of range."""
    year, month, day, hour, minute, second = struct.unpack(">HBBBBB", body)
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except ValueError:
        return None


def _name(kind: bytes) -> str:
    return kind.decode("latin-1") if kind.isalpha() else repr(kind)


def _keyword(head: bytes) -> str:
    """A text chunk's keyword from its first bytes (what a reason can name)."""
    return head.split(b"\x00", 1)[0][:79].decode("latin-1")


def _read_text(container: ImageContainer, kind: bytes, buf: bytes, start: int, end: int) -> None:
    """Decode one text chunk, ``buf[start:end]``, into ``container.text``.

    A damaged chunk is skipped, not fatal. One that inflates past the text limit is skipped too,
    and noted in ``container.skipped``.
    """
    sep = buf.find(b"\x00", start, min(start + 80, end))
    if sep <= start:  # no keyword, or none ended within 80 bytes
        return
    keyword = buf[start:sep].decode("latin-1")
    try:
        if kind == b"tEXt":
            text: str | None = decode_legacy(buf[sep + 1 : end])
        elif kind == b"zTXt":
            rest = memoryview(buf)[sep + 1 : end]  # compressed: inflated from place, not copied
            inflated = inflate(rest[1:]) if len(rest) >= 1 and rest[0] == 0 else None
            text = None if inflated is None else decode_legacy(inflated)
        else:
            text = _itxt(memoryview(buf)[sep + 1 : end])
    except TextTooLarge as exc:  # noted, so a quarantine reason says what was found
        container.skipped.append(f"PNG {_name(kind)} chunk {keyword!r} {exc}: not read")
        return
    if text is None:
        return
    key = "xmp" if keyword == XMP_KEYWORD else keyword
    container.text.setdefault(key, text)


def _itxt(rest: memoryview) -> str | None:
    """Decode an iTXt body after its keyword: flags, language, translated keyword, UTF-8 text."""
    if len(rest) < 2:
        return None
    compressed, method = rest[0], rest[1]
    # language tag and translated keyword are short: find their NULs in a small window
    window = bytes(rest[2:2050])
    lang_end = window.find(b"\x00")
    if lang_end < 0:
        return None
    trans_end = window.find(b"\x00", lang_end + 1)
    if trans_end < 0:
        return None
    payload = rest[2 + trans_end + 1 :]
    if compressed:
        if method != 0:
            return None
        inflated = inflate(payload)
        return None if inflated is None else decode_utf8(inflated)
    return decode_utf8(payload)
