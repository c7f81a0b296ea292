r"""Encode images with metadata exactly as generators store it: PNG text chunks, JPEG/WebP EXIF.

Used by the tests and by the sample-archive generator. Pillow encodes the pixels; the metadata
chunks are written here with ``struct`` and ``zlib.crc32``, because Pillow cannot place text
after IDAT, write UTF-8 into ``tEXt`` (as Stability Matrix and TensorArt do), or write a WebP
EXIF chunk with the ``Exif\0\0`` prefix (as ComfyUI does). Output is deterministic.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Collection, Iterator, Mapping
from datetime import datetime

from PIL import Image

from orchestration.sample.writers.exif import (
    XMP_KEYS,
    UserCommentEncoding,
    tiff_exif,
    user_comment,
)
from orchestration.sample.writers.stealth import stealth_png_bytes

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = "XML:com.adobe.xmp"
XMP_APP1_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"

__all__ = [
    "jpeg_bytes",
    "png_bytes",
    "png_chunk",
    "stealth_png_bytes",
    "user_comment",
    "webp_bytes",
]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    """One PNG chunk: length, type, body, CRC."""
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _text_chunk(key: str, value: str, *, ztxt: bool, itxt: bool) -> bytes:
    keyword = key.encode("latin-1")
    if not 1 <= len(keyword) <= 79:
        raise ValueError(f"PNG keyword must be 1-79 Latin-1 characters: {key!r}")
    if itxt or key == PNG_XMP_KEYWORD:
        compressed = ztxt
        text = value.encode("utf-8")
        payload = zlib.compress(text) if compressed else text
        return png_chunk(
            b"iTXt", keyword + b"\x00" + bytes((int(compressed), 0)) + b"\x00\x00" + payload
        )
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raw = value.encode("utf-8")  # what many tools do; readers see mojibake to repair
    if ztxt:
        return png_chunk(b"zTXt", keyword + b"\x00\x00" + zlib.compress(raw))
    return png_chunk(b"tEXt", keyword + b"\x00" + raw)


def _png_chunks(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, whole chunk bytes) of a well-formed PNG that Pillow wrote."""
    pos = len(PNG_SIGNATURE)
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        yield data[pos + 4 : pos + 8], data[pos : pos + 12 + length]
        pos += 12 + length


def png_bytes(
    pixels: Image.Image,
    text: Mapping[str, str],
    *,
    ztxt_keys: Collection[str] = (),
    itxt_keys: Collection[str] = (),
    text_after_idat: bool = False,
) -> bytes:
    """A PNG with ``text`` as text chunks.

    Chunks are ``tEXt`` unless the key is in ``ztxt_keys`` or ``itxt_keys`` (a key in both is
    a compressed ``iTXt``).
    ``tEXt`` values outside Latin-1 are stored as UTF-8 bytes, as many generators do. An XMP
    packet (keyword ``XML:com.adobe.xmp``) is always ``iTXt``, as the spec requires; ``exif:*``
    keys go into one ``eXIf`` chunk. ``text_after_idat`` places the chunks after the image
    data, where some savers append them.
    """
    buffer = io.BytesIO()
    pixels.save(buffer, format="PNG", compress_level=6)
    exif = {k: v for k, v in text.items() if k.startswith("exif:")}
    chunks = b"".join(
        _text_chunk(k, v, ztxt=k in ztxt_keys, itxt=k in itxt_keys)
        for k, v in text.items()
        if not k.startswith("exif:")
    )
    if exif:
        chunks += png_chunk(b"eXIf", tiff_exif(exif))
    out = bytearray(PNG_SIGNATURE)
    placed = False
    for kind, chunk in _png_chunks(buffer.getvalue()):
        if not placed and ((kind == b"IDAT" and not text_after_idat) or kind == b"IEND"):
            out += chunks
            placed = True
        out += chunk
    return bytes(out)


def _exif_block(
    exif: Mapping[str, str | bytes],
    exif_datetime: datetime | None,
    comment_encoding: UserCommentEncoding,
    *,
    prefix: bool,
    user_comment_in_ifd0: bool = False,
) -> bytes:
    tags = {k: v for k, v in exif.items() if k not in XMP_KEYS}
    if not tags and exif_datetime is None:
        return b""
    return tiff_exif(
        tags,
        datetime_original=exif_datetime,
        comment_encoding=comment_encoding,
        prefix=prefix,
        user_comment_in_ifd0=user_comment_in_ifd0,
    )


def _xmp(exif: Mapping[str, str | bytes]) -> bytes:
    for key in XMP_KEYS:
        value = exif.get(key)
        if value is not None:
            return value if isinstance(value, bytes) else value.encode("utf-8")
    return b""


def jpeg_bytes(
    img: Image.Image,
    *,
    exif: Mapping[str, str | bytes] | None = None,
    exif_datetime: datetime | None = None,
    comment: str | None = None,
    quality: int = 85,
    comment_encoding: UserCommentEncoding = "utf-16-be",
    user_comment_in_ifd0: bool = False,
) -> bytes:
    """A JPEG with an EXIF APP1 segment (``exif:<Tag>`` keys or PNG aliases), XMP, and a COM.

    A ``str`` UserComment is encoded per ``comment_encoding`` (A1111's UTF-16BE by default), or
    put in IFD0 as ASCII with ``user_comment_in_ifd0`` (ComfyUI SaveImagePlus);
    ``exif_datetime`` becomes DateTimeOriginal.
    """
    exif = exif or {}
    buffer = io.BytesIO()
    block = _exif_block(
        exif,
        exif_datetime,
        comment_encoding,
        prefix=True,
        user_comment_in_ifd0=user_comment_in_ifd0,
    )
    options: dict[str, object] = {"quality": quality}
    if block:
        options["exif"] = block
    if comment is not None:
        options["comment"] = comment.encode("utf-8")
    img.convert("RGB").save(buffer, format="JPEG", **options)
    data = buffer.getvalue()
    xmp = _xmp(exif)
    if xmp:
        segment = XMP_APP1_HEADER + xmp
        data = data[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + data[2:]
    return data


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


def webp_bytes(
    img: Image.Image,
    *,
    exif: Mapping[str, str | bytes] | None = None,
    with_exif_prefix: bool = False,
    lossless: bool = False,
    comment_encoding: UserCommentEncoding = "utf-16-be",
    user_comment_in_ifd0: bool = False,
) -> bytes:
    r"""A still WebP with a RIFF ``EXIF`` chunk (and ``XMP `` for an XMP key).

    ``with_exif_prefix`` starts the EXIF chunk with ``Exif\0\0`` as ComfyUI's saver does;
    libwebp-based tools write the bare TIFF header. Keys as for :func:`jpeg_bytes`.
    """
    exif = exif or {}
    buffer = io.BytesIO()
    img.save(buffer, format="WEBP", lossless=lossless, quality=80, method=4)
    data = buffer.getvalue()
    block = _exif_block(
        exif,
        None,
        comment_encoding,
        prefix=with_exif_prefix,
        user_comment_in_ifd0=user_comment_in_ifd0,
    )
    xmp = _xmp(exif)
    if not block and not xmp:
        return data
    chunks: list[tuple[bytes, bytes]] = []
    pos = 12
    while pos + 8 <= len(data):
        kind, size = struct.unpack_from("<4sI", data, pos)
        chunks.append((kind, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    flags = 0x08 * bool(block) | 0x04 * bool(xmp)
    body = b""
    for kind, payload in chunks:
        if kind == b"VP8X":
            flags |= payload[0]
        elif kind in (b"ALPH", b"VP8 ", b"VP8L"):
            body += _riff_chunk(kind, payload)
            if kind == b"ALPH" or (kind == b"VP8L" and payload[4] >> 4 & 1):
                flags |= 0x10
    w, h = img.width - 1, img.height - 1
    vp8x = bytes((flags, 0, 0, 0)) + w.to_bytes(3, "little") + h.to_bytes(3, "little")
    body = _riff_chunk(b"VP8X", vp8x) + body
    if block:
        body += _riff_chunk(b"EXIF", block)
    if xmp:
        body += _riff_chunk(b"XMP ", xmp)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body
