"""Read what an image file's container holds (size, text chunks, EXIF, XMP) from its bytes.

This is the hot path of the ingest: thousands of files, most of them megabytes of pixels around a
few kilobytes of metadata. So the bytes are parsed directly, chunk headers only, and pixels are
never decoded, except for A1111 stealth metadata, which lives in the pixels and is looked for
only when a PNG or WebP with an alpha channel carries nothing else (decoding every plain RGB
image would make the files without metadata the slowest to reject). Any malformed input ends
in ``UnreadableFile`` with a reason a person can act on; no parsing error escapes otherwise.
"""

from __future__ import annotations

import os
import stat
import struct
from pathlib import PurePath
from typing import BinaryIO

from orchestration.ingest.formats.jpeg import read_jpeg
from orchestration.ingest.formats.png import SIGNATURE as PNG_SIGNATURE
from orchestration.ingest.formats.png import read_png
from orchestration.ingest.formats.source import Source
from orchestration.ingest.formats.stealth import read_stealth
from orchestration.ingest.formats.webp import is_webp, read_webp
from orchestration.ingest.records import ImageContainer, UnreadableFile

# Keys that editors and converters add by themselves: their presence does not mean the file has
# generation metadata, so the stealth reader still looks at the pixels.
_INCIDENTAL_KEYS = frozenset({"Software", "exif:Software", "exif:DateTime", "Creation Time"})
_INCIDENTAL_PREFIXES = ("date:",)  # ImageMagick's date:create / date:modify / date:timestamp
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)
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
    return _read(Source.from_bytes(data))


def read_container_file(file: str | os.PathLike[str] | BinaryIO) -> ImageContainer:
    """``read_container`` on a file, reading only the ranges the metadata needs.

    Headers and metadata chunks are read; image data is skipped by seeking (its length is checked
    against the file size, so a cut-off file is still ``UnreadableFile``). The whole file is read
    only for stealth metadata, in the one case the bytes path decodes pixels too. A binary file
    object is read from offset 0 and left open.

    Raises:
        UnreadableFile: as ``read_container``.
        OSError: the file cannot be opened or read.
    """
    if isinstance(file, (str, PurePath, os.PathLike)):  # (PurePath: found before the ABC)
        fd = os.open(file, _OPEN_FLAGS)  # no file object: this is per file on the hot path
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                with os.fdopen(fd, "rb", closefd=False) as fh:
                    return read_container_file(fh)
            src = Source.from_fd(fd, info.st_size)
            if src.size == 0:
                raise UnreadableFile("empty file (0 bytes)")
            return _read(src)
        finally:
            os.close(fd)
    src = Source.from_file(file)
    if src.size == 0:
        raise UnreadableFile("empty file (0 bytes)")
    return _read(src)


def _read(src: Source) -> ImageContainer:
    fmt = _sniff(src.read(0, 12), src.size)
    try:
        if fmt == "PNG":
            container, has_alpha = read_png(src)
        elif fmt == "JPEG":
            container, has_alpha = read_jpeg(src), False
        else:
            container, has_alpha = read_webp(src)
    except UnreadableFile:
        raise
    except (struct.error, IndexError, ValueError, OverflowError, MemoryError) as exc:
        raise UnreadableFile(f"corrupt {fmt}: {type(exc).__name__}: {exc}") from exc
    if has_alpha and not _has_metadata(container):
        hidden = read_stealth(src.whole())
        if hidden:
            container.text["stealth"] = hidden
    return container


def _sniff(head: bytes, n: int) -> str:
    """The format by magic bytes; a cut-off signature is a truncated file of that format.

    ``head`` is the file's first 12 bytes, ``n`` its size.
    """
    if head.startswith(PNG_SIGNATURE):
        return "PNG"
    if PNG_SIGNATURE.startswith(head):
        raise UnreadableFile(f"truncated PNG: file ends inside the signature ({n} bytes)")
    if head.startswith(b"\xff\xd8"):
        return "JPEG"
    if is_webp(head):
        return "WebP"
    if head.startswith(b"RIFF") and n < 12:
        raise UnreadableFile(f"truncated WebP: file ends inside the header ({n} bytes)")
    for magic, name in _OTHER_FORMATS:
        if head.startswith(magic):
            raise UnreadableFile(f"not a PNG, JPEG or WebP file (looks like {name})")
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("latin-1", "replace")
        raise UnreadableFile(f"not a PNG, JPEG or WebP file (ISO media, brand {brand!r})")
    raise UnreadableFile(f"not a PNG, JPEG or WebP file (starts with {head[:8]!r})")


def _has_metadata(container: ImageContainer) -> bool:
    """Whether any text beyond what editors add on their own was found."""
    return any(
        key not in _INCIDENTAL_KEYS and not key.startswith(_INCIDENTAL_PREFIXES)
        for key in container.text
    )
