"""Text decoding shared by the container readers: legacy encodings and mojibake repair.

Generators disagree on how to store text: PNG ``tEXt`` is Latin-1 by the spec but many tools put
UTF-8 bytes there; EXIF ``UserComment`` carries an 8-byte charset header and then UTF-16 in
either byte order. These helpers turn all of it into the text the tool meant.
"""

from __future__ import annotations

import zlib

MAX_TEXT_BYTES = 16 * 1024 * 1024  # no real generator writes more; larger is hostile

_ASCII = b"ASCII\x00\x00\x00"
_JIS = b"JIS\x00\x00\x00\x00\x00"


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 bytes that were decoded as Latin-1 ("ãƒ†ã‚¹ãƒˆ" → "テスト").

    Only a string that survives ``latin-1 → utf-8`` unchanged in meaning is replaced: genuine
    Latin-1 text ("café") is not valid UTF-8 once encoded, so it stays as it is.
    """
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def decode_legacy(raw: bytes | memoryview) -> str:
    """Bytes that should be Latin-1/ASCII but are often UTF-8: UTF-8 first, Latin-1 otherwise.

    Text chunks cannot hold NULs, so NULs in the first bytes mean a writer put UTF-16 there
    (some Windows tools do); that is decoded as UTF-16 rather than kept as spaced-out Latin-1.
    """
    data = bytes(raw)
    if b"\x00" in data[:64]:  # (else there is none in head[:64] either: the usual text)
        head = data[:4096].rstrip(b"\x00")  # a C string's terminator is not evidence
        if b"\x00" in head[:64] and head.count(b"\x00") * 4 >= len(head):
            return strip_nuls(decode_utf16(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def decode_utf8(raw: bytes | memoryview) -> str:
    """UTF-8 text (iTXt, XMP), repaired when it was double-encoded."""
    return repair_mojibake(bytes(raw).decode("utf-8", "replace"))


def strip_nuls(text: str) -> str:
    """Drop the NUL padding EXIF writers put around strings."""
    return text.strip("\x00")


def utf16_is_big_endian(body: bytes | memoryview) -> bool:
    """Guess the byte order of BOM-less UTF-16.

    A1111/Forge/Civitai write big-endian, SwarmUI little-endian, under the same ``UNICODE``
    header. Text with any ASCII in it has its zero bytes on even offsets when big-endian and on
    odd offsets when little-endian; with no evidence (pure CJK), big-endian, as the EXIF spec
    and piexif use.
    """
    sample = bytes(body[:4096])
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    return even >= odd


def decode_utf16(body: bytes | memoryview) -> str:
    """UTF-16 text of unknown byte order (a BOM wins over the heuristic)."""
    data = bytes(body)
    if len(data) % 2:
        data = data[:-1]
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le", "replace")
    return data.decode("utf-16-be" if utf16_is_big_endian(data) else "utf-16-le", "replace")


def decode_user_comment(raw: bytes | memoryview) -> str:
    """EXIF UserComment: an 8-byte charset header, then the text in that charset."""
    data = bytes(raw)
    head, body = data[:8], data[8:]
    if head.startswith(b"UNICODE"):
        text = decode_utf16(body)
    elif head == _ASCII:
        text = decode_legacy(body)
    elif head == _JIS:
        text = body.decode("shift_jis", "replace")
    elif head == b"\x00" * 8:
        text = decode_legacy(body)
    else:  # no header at all: some writers store plain UTF-8
        text = decode_legacy(data)
    return strip_nuls(repair_mojibake(text))


class TextTooLarge(ValueError):
    """Text that inflates past its limit: a bomb, or absurdly large; the file says which."""


def inflate(raw: bytes | memoryview, limit: int = MAX_TEXT_BYTES) -> bytes | None:
    """Decompress zlib data, or None when it is corrupt.

    Raises:
        TextTooLarge: it inflates past ``limit`` bytes (never more is inflated).
    """
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, limit)
    except zlib.error:
        return None
    if inflater.unconsumed_tail:
        raise TextTooLarge(f"inflates past {limit // (1024 * 1024)} MB")
    return out
