"""From image bytes to one generation record: read the container, then ask each tool's parser.

Parsers run most specific first, because several tools embed another tool's data beside their
own: SwarmUI, Stability Matrix and TensorArt files also carry the ComfyUI graph they ran,
Stability Matrix also A1111-style ``parameters``, Fooocus may write A1111 text. The first
parser that recognises the file wins. A parser that recognises its tool's keys but cannot read
them rejects the file; that reason is kept in case no later parser reads the file either.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import BinaryIO

from orchestration.ingest.containers import read_container, read_container_file
from orchestration.ingest.parser_keys import skipped
from orchestration.ingest.records import (
    FileRejected,
    GenerationMeta,
    ImageContainer,
    NoGenerationMetadata,
)
from orchestration.ingest.tools import (
    a1111,
    comfyui,
    fooocus,
    invokeai,
    midjourney,
    novelai,
    stability_matrix,
    swarmui,
    tensorart,
)

Parser = Callable[[ImageContainer], GenerationMeta | None]

PARSERS: tuple[tuple[str, Parser], ...] = (
    ("swarmui", swarmui.parse),
    ("stability_matrix", stability_matrix.parse),
    ("tensorart", tensorart.parse),
    ("invokeai", invokeai.parse),
    ("novelai", novelai.parse),
    ("fooocus", fooocus.parse),
    ("comfyui", comfyui.parse),
    ("midjourney", midjourney.parse),
    ("a1111", a1111.parse),
)
# Errors a parser may raise on hostile metadata; any of them means "could not read", not a crash.
_PARSER_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)
_FORMAT_NAMES = {"png": "PNG", "jpeg": "JPEG", "webp": "WebP"}


def read_image_metadata(data: bytes) -> tuple[GenerationMeta, ImageContainer]:
    """The generation an image's metadata describes, and the container it was read from.

    Raises:
        UnreadableFile: the bytes are not a readable PNG/JPEG/WebP.
        NoGenerationMetadata: readable, but no known tool's metadata is in it.
        FileRejected: a tool's metadata is present but cannot be read.
    """
    return _parse(read_container(data))


def read_image_metadata_file(
    file: str | os.PathLike[str] | BinaryIO,
) -> tuple[GenerationMeta, ImageContainer]:
    """``read_image_metadata`` on a path or binary file, reading only what the metadata needs.

    Same results and rejections as the bytes path (see ``read_container_file``).
    """
    return _parse(read_container_file(file))


def _parse(container: ImageContainer) -> tuple[GenerationMeta, ImageContainer]:
    rejection: FileRejected | None = None
    skip = skipped(container.text)  # parsers whose keys are absent: they would return None
    for name, parse in PARSERS:
        if parse in skip:
            continue
        try:
            meta = parse(container)
        except FileRejected as exc:
            rejection = rejection or exc
            continue
        except _PARSER_ERRORS as exc:
            rejection = rejection or FileRejected(f"{name} metadata could not be read: {exc}")
            continue
        if meta is not None:
            if meta.width is None and meta.height is None:
                meta.width, meta.height = container.width, container.height
            return meta, container
    if rejection is not None:
        raise rejection
    if container.skipped:  # say what was found: "no text" would hide a text-chunk bomb
        found = f" ({describe(container)})" if container.text else ""
        raise NoGenerationMetadata(
            f"{'; '.join(container.skipped)}; no other generation metadata{found}"
        )
    raise NoGenerationMetadata(f"no generation metadata ({describe(container)})")


def describe(container: ImageContainer) -> str:
    """What a file without generation metadata does carry, for the quarantine reason."""
    fmt = _FORMAT_NAMES.get(container.format, container.format)
    text = container.text
    if not text:
        return f"{fmt} without text, EXIF or XMP metadata"
    if set(text) == {"jpeg:comment"}:
        return f"JPEG comment only: {_short(text['jpeg:comment'])}"
    parts = []
    keys = [k for k in text if not k.startswith("exif:") and k not in ("xmp", "jpeg:comment")]
    if keys:
        parts.append(f"{fmt} text keys: {', '.join(keys[:12])}")
    tags = [k.removeprefix("exif:") for k in text if k.startswith("exif:")]
    if tags:
        shown = [f"{t}={_short(text['exif:' + t])}" if t == "Software" else t for t in tags]
        parts.append(f"EXIF tags: {', '.join(shown[:12])}")
    if "jpeg:comment" in text:
        parts.append(f"JPEG comment: {_short(text['jpeg:comment'])}")
    if "xmp" in text:
        parts.append("XMP packet")
    return "; ".join(parts)


def _short(value: str, limit: int = 60) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")
