"""JPEG: walk the marker segments up to the scan (SOS), reading EXIF, XMP, COM and the size.

Everything a generator writes sits before the compressed scan, so the walk stops there; the
scan itself is only checked for an end-of-image marker, which a cut-off download lacks.
"""

from __future__ import annotations

import struct

from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.source import Source
from orchestration.ingest.formats.text import decode_legacy, decode_utf8
from orchestration.ingest.records import ImageContainer, UnreadableFile

SIGNATURE = b"\xff\xd8"
XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
EXIF_HEADER = b"Exif\x00\x00"
_SOF = frozenset((0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF))
_STANDALONE = frozenset((0x01, *range(0xD0, 0xD8)))
_SOS, _EOI, _APP1, _COM = 0xDA, 0xD9, 0xE1, 0xFE


def read_jpeg(data: bytes | Source) -> ImageContainer:
    """The container of a JPEG file.

    Raises:
        UnreadableFile: a segment cut off, a broken marker, no scan, or a scan with no end.
    """
    src = data if isinstance(data, Source) else Source.from_bytes(data)
    read = src.read
    container = ImageContainer(format="jpeg")
    comments: list[str] = []
    n, pos = src.size, 2
    while True:
        if pos + 2 > n:
            raise UnreadableFile(f"truncated JPEG: file ends before the image data ({n} bytes)")
        pair = read(pos, 2)
        if pair[0] != 0xFF:
            raise UnreadableFile(f"corrupt JPEG: expected a marker at byte {pos}")
        while pair[1:2] == b"\xff":  # fill bytes
            pos += 1
            pair = read(pos, 2)
        marker = pair[1]  # IndexError (corrupt) when the file ends in fill bytes
        pos += 2
        if marker in _STANDALONE:
            continue
        if marker == _EOI:
            raise UnreadableFile("corrupt JPEG: end of image before any image data")
        if pos + 2 > n:
            raise UnreadableFile(f"truncated JPEG: segment 0x{marker:02X} runs past end of file")
        (length,) = struct.unpack(">H", read(pos, 2))
        if length < 2:
            raise UnreadableFile(f"corrupt JPEG: segment 0x{marker:02X} has length {length}")
        start, end = pos + 2, pos + length
        if end > n:
            raise UnreadableFile(
                f"truncated JPEG: segment 0x{marker:02X} runs past end of file "
                f"(needs {end} bytes, has {n})"
            )
        if marker == _SOS:
            if src.rfind(b"\xff\xd9", end) < 0:
                raise UnreadableFile("truncated JPEG: image data has no end-of-image marker")
            break
        if marker in _SOF or marker in (_APP1, _COM):  # the only segments whose body is read
            _segment(container, comments, marker, read(start, end - start))
        pos = end
    if comments:
        container.text["jpeg:comment"] = "\n".join(comments)
    return container


def _segment(container: ImageContainer, comments: list[str], marker: int, body: bytes) -> None:
    """Read one metadata segment's body into the container."""
    if marker in _SOF and len(body) >= 5:
        height, width = struct.unpack_from(">HH", body, 1)
        if container.width is None:
            container.width, container.height = width, height
    elif marker == _APP1 and body.startswith(EXIF_HEADER):
        if not any(k.startswith("exif:") for k in container.text):
            exif = read_exif(body)
            container.text.update(exif.text)
            container.exif_datetime_original = exif.datetime_original
    elif marker == _APP1 and body.startswith(XMP_HEADER):
        packet = memoryview(body)[len(XMP_HEADER) :]
        container.text.setdefault("xmp", decode_utf8(packet))
    elif marker == _COM:
        text = decode_legacy(body).strip("\x00")
        if text:
            comments.append(text)
