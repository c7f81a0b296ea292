"""A1111 "stealth" metadata: parameters hidden in the least significant bits of the pixels.

The stealth_pnginfo extension (and Forge/reForge, which ship it) writes, column by column (x
outer, y inner), a signature, a 32-bit big-endian bit count and the payload into the alpha LSBs
(``stealth_pnginfo`` plain, ``stealth_pngcomp`` gzip) or into the R, G, B LSBs of each pixel
(``stealth_rgbinfo``/``stealth_rgbcomp``). Reading it means decoding the pixels, so this runs
only when a file has an alpha channel (as the extension's own output does) and carries no other
metadata, and never on very large images.
"""

from __future__ import annotations

import io
import warnings
import zlib
from typing import TYPE_CHECKING

from orchestration.ingest.formats.text import MAX_TEXT_BYTES

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

MAX_PIXELS = 40_000_000
_SIG_LEN = len("stealth_pnginfo")
_SIGNATURES = {
    ("alpha", b"stealth_pnginfo"): False,
    ("alpha", b"stealth_pngcomp"): True,
    ("rgb", b"stealth_rgbinfo"): False,
    ("rgb", b"stealth_rgbcomp"): True,
}
_LSB_ASCII = bytes(0x30 | (i & 1) for i in range(256))  # byte -> b"0"/b"1" of its low bit


def read_stealth(data: bytes) -> str | None:
    """The hidden text, or None when the pixels carry no stealth signature (or can't be read).

    Only the first columns are converted until a signature is found, so a file without stealth
    data costs one pixel decode and little more.
    """
    from PIL import Image  # the one reader that decodes pixels: imported only when needed

    try:
        with warnings.catch_warnings():  # the size is checked below, before any pixel decodes
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.load()
            for mode in ("alpha", "rgb"):
                found = _extract(image, mode)
                if found is not None:
                    return found
    except Exception:  # best effort: pixels Pillow cannot decode simply hold no stealth text
        return None
    return None


def _lsb_source(image: PILImage, mode: str, bits: int) -> bytes:
    """Channel bytes in the extension's reading order: down each column, left to right.

    Only the leading columns that hold ``bits`` bits are converted.
    """
    from PIL import Image

    per_column = image.height * (1 if mode == "alpha" else 3)
    columns = min(image.width, -(-bits // per_column))
    head = image.crop((0, 0, columns, image.height))
    channel = head.convert("RGBA").getchannel("A") if mode == "alpha" else head.convert("RGB")
    return channel.transpose(Image.Transpose.TRANSPOSE).tobytes()


def _bits_to_bytes(channel: bytes, first_bit: int, count: int) -> bytes:
    """``count`` bits (a multiple of 8), from the low bits of ``channel`` at ``first_bit``."""
    bits = channel[first_bit : first_bit + count].translate(_LSB_ASCII)
    if len(bits) < count or count == 0:
        return b""
    return int(bits, 2).to_bytes(count // 8, "big")


def _extract(image: PILImage, mode: str) -> str | None:
    header = _SIG_LEN * 8 + 32
    head = _lsb_source(image, mode, header)
    compressed = _SIGNATURES.get((mode, _bits_to_bytes(head, 0, _SIG_LEN * 8)))
    if compressed is None:
        return None
    length_bits = int.from_bytes(_bits_to_bytes(head, _SIG_LEN * 8, 32) or b"\0", "big")
    if length_bits <= 0 or length_bits % 8 or length_bits > MAX_TEXT_BYTES * 8:
        return None
    payload = _bits_to_bytes(_lsb_source(image, mode, header + length_bits), header, length_bits)
    if not payload:
        return None
    if compressed:
        payload = _gunzip(payload)
        if payload is None:
            return None
    return payload.decode("utf-8", "replace").strip("\x00") or None


def _gunzip(payload: bytes) -> bytes | None:
    """Gzip-decompress with the same size cap as text chunks."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(payload, MAX_TEXT_BYTES)
    except zlib.error:
        return None
    return None if inflater.unconsumed_tail else out
