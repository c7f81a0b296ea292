"""JPEG: walk the marker segments up to the scan (SOS), reading EXIF, XMP, COM and the size.

Everything a generator writes sits before the compressed scan, so the walk stops there; the
scan itself is only checked for an end-of-image marker, which a cut-off download lacks.
"""

from __future__ import annotations

import struct

from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.text import decode_legacy, decode_utf8
from orchestration.ingest.records import ImageContainer, UnreadableFile

SIGNATURE = b"\xff\xd8"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXIF_HEADER = b"Exif\x00\x00"
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
_STANDALONE = frozenset((0x01, *range(0xD0, 0xD8)))
_SOS, _EOI, _APP1, _COM = 0xDA, 0xD9, 0xE1, 0xFE


def read_jpeg(data: bytes) -> ImageContainer:
    """The container of a JPEG file.

    Raises:
        UnreadableFile: a segment cut off, a broken marker, no scan, or a scan with no end.
    """
    container = ImageContainer(format="jpeg")
    comments: list[str] = []
    n, pos = len(data), 2
    while True:
        if pos + 2 > n:
            raise UnreadableFile(f"truncated JPEG: file ends before the image data ({n} bytes)")
        if data[pos] != 0xFF:
            raise UnreadableFile(f"corrupt JPEG: expected a marker at byte {pos}")
        while pos + 1 < n and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        marker = data[pos + 1]
        pos += 2
        if marker in _STANDALONE:
            continue
        if marker == _EOI:
            raise UnreadableFile("corrupt JPEG: end of image before any image data")
        if pos + 2 > n:
            raise UnreadableFile(f"truncated JPEG: segment 0x{marker:02X} runs past end of file")
        (length,) = struct.unpack_from(">H", data, pos)
        if length < 2:
            raise UnreadableFile(f"corrupt JPEG: segment 0x{marker:02X} has length {length}")
        start, end = pos + 2, pos + length
        if end > n:
            raise UnreadableFile(
                f"truncated JPEG: segment 0x{marker:02X} runs past end of file "
                f"(needs {end} bytes, has {n})"
            )
        if marker == _SOS:
            if data.rfind(b"\xff\xd9", end) < 0:
                raise UnreadableFile("truncated JPEG: image data has no end-of-image marker")
            break
        _segment(container, comments, data, marker, start, end)
        pos = end
    if comments:
        container.text["jpeg:comment"] = "\n".join(comments)
    return container


def _segment(container: ImageContainer, comments: list[str], data: bytes, marker: int,
             start: int, end: int) -> None:
    """Read one metadata segment into the container."""
    if marker in _SOF and end - start >= 5:
        height, width = struct.unpack_from(">HH", data, start + 1)
        if container.width is None:
            container.width, container.height = width, height
    elif marker == _APP1 and data.startswith(EXIF_HEADER, start):
        if not any(k.startswith("exif:") for k in container.text):
            exif = read_exif(data, start, end)
            container.text.update(exif.text)
            container.exif_datetime_original = exif.datetime_original
    elif marker == _APP1 and data.startswith(XMP_HEADER, start):
        packet = memoryview(data)[start + len(XMP_HEADER) : end]
        container.text.setdefault("xmp", decode_utf8(packet))
    elif marker == _COM:
        text = decode_legacy(memoryview(data)[start:end]).strip("\x00")
        if text:
            comments.append(text)
