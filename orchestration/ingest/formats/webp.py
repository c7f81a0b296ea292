r"""WebP: walk the RIFF chunks for the canvas size, alpha, EXIF and XMP.

WebP metadata is a RIFF ``EXIF`` chunk holding a TIFF header; ComfyUI's core saver writes it
with the JPEG-style ``Exif\0\0`` prefix, libwebp-based tools without: both are read.
"""

from __future__ import annotations

import os
import struct

from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.source import Source
from orchestration.ingest.formats.text import decode_utf8
from orchestration.ingest.records import ImageContainer, UnreadableFile

_IMAGE_CHUNKS = (b"VP8 ", b"VP8L", b"ANMF")
_CHUNK_HEADER = struct.Struct("<4sI")  # kind, size
# Past the head, a file's last few KB (its metadata chunks, after the image data) are read in one
# pread instead of one for each chunk's header and one for its body.
_TAIL_BYTES = 64 * 1024
# chunks whose body is read, and how much of it (None: all); image data is never read
_READ_CHUNKS: dict[bytes, int | None] = {
    b"VP8X": 10,
    b"VP8 ": 10,
    b"VP8L": 5,
    b"EXIF": None,
    b"XMP ": None,
}


def is_webp(data: bytes) -> bool:
    """Whether the bytes start like a WebP file."""
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def read_webp(data: bytes | Source) -> tuple[ImageContainer, bool]:
    """The container and whether the image has an alpha channel.

    Raises:
        UnreadableFile: an image chunk cut off, or no image data at all.
    """
    src = data if isinstance(data, Source) else Source.from_bytes(data)
    container = ImageContainer(format="webp")
    n = src.size
    (riff_size,) = struct.unpack("<I", src.read(4, 4))
    end = min(n, 8 + riff_size)
    has_alpha = seen_image = False
    pos = 12
    # bytes at hand: buf holds the file's bytes from offset base (the head, then a short tail)
    buf, base, fd = src.head, 0, src.fd
    held = len(buf)
    unpack_from = _CHUNK_HEADER.unpack_from
    while pos + 8 <= end:
        at = pos - base
        if at + 8 > held and fd is not None and n - pos <= _TAIL_BYTES:
            buf, base, at = os.pread(fd, n - pos, pos), pos, 0  # the rest: one read, not two
            held = len(buf)
        if at + 8 <= held:
            kind, size = unpack_from(buf, at)
        else:
            kind, size = _CHUNK_HEADER.unpack(src.read(pos, 8))
        body = pos + 8
        if body + size > n:
            if kind in _IMAGE_CHUNKS or not seen_image:
                raise UnreadableFile(
                    f"truncated WebP: chunk {kind.decode('latin-1')!r} runs past end of file "
                    f"(needs {body + size} bytes, has {n})"
                )
            break  # a metadata chunk after the image was cut: keep what was read
        if kind in _IMAGE_CHUNKS:
            seen_image = True
        if kind == b"ALPH":
            has_alpha = True
        elif kind in _READ_CHUNKS:
            need = _READ_CHUNKS[kind]
            length = size if need is None else need
            stop = at + 8 + length
            chunk = buf[at + 8 : stop] if stop <= held else src.read(body, length)
            if _chunk(container, kind, size, chunk):
                has_alpha = True
        pos = body + size + (size & 1)
    if not seen_image:
        raise UnreadableFile("truncated WebP: no image data")
    return container, has_alpha


def _chunk(container: ImageContainer, kind: bytes, size: int, data: bytes) -> bool:
    """Read one chunk (``size`` bytes long, ``data`` its start or whole body) into the container.

    Returns whether it says the image has alpha.
    """
    if kind == b"VP8X" and size >= 10:
        flags = data[0]
        width = int.from_bytes(data[4:7], "little") + 1
        height = int.from_bytes(data[7:10], "little") + 1
        container.width, container.height = width, height
        return bool(flags & 0x10)
    if kind == b"VP8 " and size >= 10 and container.width is None:
        if data[3:6] == b"\x9d\x01\x2a":
            width, height = struct.unpack_from("<HH", data, 6)
            container.width, container.height = width & 0x3FFF, height & 0x3FFF
    elif kind == b"VP8L" and size >= 5 and data[0] == 0x2F:
        (bits,) = struct.unpack_from("<I", data, 1)
        if container.width is None:
            container.width, container.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        return bool(bits >> 28 & 1)
    elif kind == b"EXIF":
        exif = read_exif(data)
        for key, value in exif.text.items():
            container.text.setdefault(key, value)
        container.exif_datetime_original = (
            container.exif_datetime_original or exif.datetime_original
        )
    elif kind == b"XMP ":
        container.text.setdefault("xmp", decode_utf8(memoryview(data)))
    return False
