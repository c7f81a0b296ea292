"""A1111 stealth metadata: hide text in pixel LSBs the way the stealth_pnginfo extension does.

Column-major bit order (x outer, y inner); a 15-byte signature, a 32-bit big-endian count of
payload bits, then the payload (gzip for the ``*comp`` signatures). ``alpha`` mode uses one
alpha bit per pixel, ``rgb`` mode the R, G and B low bits in turn.
"""

from __future__ import annotations

import gzip
import io
from typing import Literal

from PIL import Image

StealthMode = Literal["alpha", "rgb"]
_SIGNATURES = {
    ("alpha", False): b"stealth_pnginfo",
    ("alpha", True): b"stealth_pngcomp",
    ("rgb", False): b"stealth_rgbinfo",
    ("rgb", True): b"stealth_rgbcomp",
}


def stealth_payload(text: str, *, mode: StealthMode = "alpha", compressed: bool = True) -> bytes:
    """Signature, bit count and payload as one byte string (before spreading into bits)."""
    body = text.encode("utf-8")
    if compressed:
        body = gzip.compress(body, mtime=0)
    return _SIGNATURES[(mode, compressed)] + (len(body) * 8).to_bytes(4, "big") + body


def stealth_png_bytes(
    img: Image.Image, text: str, *, mode: StealthMode = "alpha", compressed: bool = True
) -> bytes:
    """An RGBA PNG with no text chunks whose pixel LSBs carry ``text``.

    Both modes keep an alpha channel, as the extension's output does (readers look for stealth
    data only in images with alpha).

    Raises:
        ValueError: the image has too few pixels for the text.
    """
    payload = stealth_payload(text, mode=mode, compressed=compressed)
    bits = "".join(f"{byte:08b}" for byte in payload)
    rgba = img.convert("RGBA")
    rgb, alpha = rgba.convert("RGB"), rgba.getchannel("A")
    carrier, channels = (alpha, 1) if mode == "alpha" else (rgb, 3)
    flat = bytearray(carrier.transpose(Image.Transpose.TRANSPOSE).tobytes())
    if len(bits) > len(flat):
        raise ValueError(f"{len(bits)} bits do not fit in {len(flat) // channels} pixels")
    for index, bit in enumerate(bits):
        flat[index] = (flat[index] & 0xFE) | (bit == "1")
    size = (carrier.height, carrier.width)  # transposed
    restored = Image.frombytes(carrier.mode, size, bytes(flat))
    restored = restored.transpose(Image.Transpose.TRANSPOSE)
    if mode == "alpha":
        out = Image.merge("RGBA", (*rgb.split(), restored))
    else:
        out = Image.merge("RGBA", (*restored.split(), alpha))
    buffer = io.BytesIO()
    out.save(buffer, format="PNG")
    return buffer.getvalue()
