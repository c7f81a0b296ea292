r"""WebP: walk the RIFF chunks for the canvas size, alpha, EXIF and XMP.

WebP metadata is a RIFF ``EXIF`` chunk holding a TIFF header; ComfyUI's core saver writes it
with the JPEG-style ``Exif\0\0`` prefix, libwebp-based tools without: both are read.
"""

from __future__ import annotations

import struct

from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.text import decode_utf8
from orchestration.ingest.records import ImageContainer, UnreadableFile

_IMAGE_CHUNKS = (b"VP8 ", b"VP8L", b"ANMF")


def is_webp(data: bytes) -> bool:
    """Whether the bytes start like a WebP file."""
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def read_webp(data: bytes) -> tuple[ImageContainer, bool]:
    """The container and whether the image has an alpha channel.

    Raises:
        UnreadableFile: an image chunk cut off, or no image data at all.
    """
    container = ImageContainer(format="webp")
    n = len(data)
    (riff_size,) = struct.unpack_from("<I", data, 4)
    end = min(n, 8 + riff_size)
    has_alpha = seen_image = False
    pos = 12
    while pos + 8 <= end:
        kind, size = struct.unpack_from("<4sI", data, pos)
        body = pos + 8
        if body + size > n:
            if kind in _IMAGE_CHUNKS or not seen_image:
                raise UnreadableFile(
                    f"truncated WebP: chunk {kind.decode('latin-1')!r} runs past end of file "
                    f"(needs {body + size} bytes, has {n})"
                )
            break  # a metadata chunk after the image was cut: keep what was read
        alpha = _chunk(container, data, kind, body, body + size)
        has_alpha = has_alpha or alpha
        seen_image = seen_image or kind in _IMAGE_CHUNKS
        pos = body + size + (size & 1)
    if not seen_image:
        raise UnreadableFile("truncated WebP: no image data")
    return container, has_alpha


def _chunk(container: ImageContainer, data: bytes, kind: bytes, start: int, end: int) -> bool:
    """Read one chunk into the container; return whether it says the image has alpha."""
    if kind == b"VP8X" and end - start >= 10:
        flags = data[start]
        width = int.from_bytes(data[start + 4 : start + 7], "little") + 1
        height = int.from_bytes(data[start + 7 : start + 10], "little") + 1
        container.width, container.height = width, height
        return bool(flags & 0x10)
    if kind == b"VP8 " and end - start >= 10 and container.width is None:
        if data[start + 3 : start + 6] == b"\x9d\x01\x2a":
            width, height = struct.unpack_from("<HH", data, start + 6)
            container.width, container.height = width & 0x3FFF, height & 0x3FFF
    elif kind == b"VP8L" and end - start >= 5 and data[start] == 0x2F:
        (bits,) = struct.unpack_from("<I", data, start + 1)
        if container.width is None:
            container.width, container.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return bool(bits >> 28 & 1)
    elif kind == b"ALPH":
        return True
    elif kind == b"EXIF":
        exif = read_exif(data, start, end)
        for key, value in exif.text.items():
            container.text.setdefault(key, value)
        container.exif_datetime_original = (
            container.exif_datetime_original or exif.datetime_original
        )
    elif kind == b"XMP ":
        container.text.setdefault("xmp", decode_utf8(memoryview(data)[start:end]))
    return False
