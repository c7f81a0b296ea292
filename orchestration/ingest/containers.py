"""Read what an image file's container holds (size, text chunks, EXIF, XMP) from its bytes.

This is the hot path of the ingest: thousands of files, most of them megabytes of pixels around a
few kilobytes of metadata. So the bytes are parsed directly, chunk headers only, and pixels are
never decoded, except for A1111 stealth metadata, which lives in the pixels and is looked for
only when a PNG or WebP with an alpha channel carries nothing else (decoding every plain RGB
image would make the files without metadata the slowest to reject). Any malformed input ends
in ``UnreadableFile`` with a reason a person can act on; no parsing error escapes otherwise.
"""

from __future__ import annotations

import struct

from orchestration.ingest.formats.jpeg import read_jpeg
from orchestration.ingest.formats.png import SIGNATURE as PNG_SIGNATURE
from orchestration.ingest.formats.png import read_png
from orchestration.ingest.formats.stealth import read_stealth
from orchestration.ingest.formats.webp import is_webp, read_webp
from orchestration.ingest.records import ImageContainer, UnreadableFile

# Keys that editors and converters add by themselves: their presence does not mean the file has
# generation metadata, so the stealth reader still looks at the pixels.
_INCIDENTAL_KEYS = frozenset({"Software", "exif:Software", "exif:DateTime", "Creation Time"})
_INCIDENTAL_PREFIXES = ("date:",)  # ImageMagick's date:create / date:modify / date:timestamp
_OTHER_FORMATS = (
    (b"GIF8", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x00\x00\x00\x0cjP", "JPEG 2000"),
)


def read_container(data: bytes) -> ImageContainer:
    """Parse a PNG, JPEG or WebP file's metadata without decoding its pixels.

    Raises:
        UnreadableFile: empty, truncated, corrupt, or not one of the three formats.
    """
    if not data:
        raise UnreadableFile("empty file (0 bytes)")
    if not isinstance(data, bytes):
        data = bytes(data)
    fmt = _sniff(data)
    try:
        if fmt == "PNG":
            container, has_alpha = read_png(data)
        elif fmt == "JPEG":
            container, has_alpha = read_jpeg(data), False
        else:
            container, has_alpha = read_webp(data)
    except UnreadableFile:
        raise
    except (struct.error, IndexError, ValueError, OverflowError, MemoryError) as exc:
        raise UnreadableFile(f"corrupt {fmt}: {type(exc).__name__}: {exc}") from exc
    if has_alpha and not _has_metadata(container):
        hidden = read_stealth(data)
        if hidden:
            container.text["stealth"] = hidden
    return container


def _sniff(data: bytes) -> str:
    """The format by magic bytes; a cut-off signature is a truncated file of that format."""
    head = data[:12]
    if data.startswith(PNG_SIGNATURE):
        return "PNG"
    if PNG_SIGNATURE.startswith(head):
        raise UnreadableFile(f"truncated PNG: file ends inside the signature ({len(data)} bytes)")
    if data.startswith(b"\xff\xd8"):
        return "JPEG"
    if is_webp(data):
        return "WebP"
    if head.startswith(b"RIFF") and len(data) < 12:
        raise UnreadableFile(f"truncated WebP: file ends inside the header ({len(data)} bytes)")
    for magic, name in _OTHER_FORMATS:
        if data.startswith(magic):
            raise UnreadableFile(f"not a PNG, JPEG or WebP file (looks like {name})")
    if data[4:8] == b"ftyp":
        brand = data[8:12].decode("latin-1", "replace")
        raise UnreadableFile(f"not a PNG, JPEG or WebP file (ISO media, brand {brand!r})")
    raise UnreadableFile(f"not a PNG, JPEG or WebP file (starts with {data[:8]!r})")


def _has_metadata(container: ImageContainer) -> bool:
    """Whether any text beyond what editors add on their own was found."""
    return any(
        key not in _INCIDENTAL_KEYS and not key.startswith(_INCIDENTAL_PREFIXES)
        for key in container.text
    )
