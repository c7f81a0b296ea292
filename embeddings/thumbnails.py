"""Thumbnails: small WebP copies of each image, keyed by content hash, for pages people read.

The journal shows strips of a phase's pictures from disk; the originals sit in zips and tars,
may be megabytes each, and may be moved away after ingest. So the image embedding job, which
decodes every image anyway, also writes ``<root>/<hash[:2]>/<hash>.webp`` (at most
``THUMBNAIL_PX`` on the long side, a few KB). Each file is written to a temp name and renamed
into place, so a reader never sees half a thumbnail, and an existing one is never rewritten.
"""

from __future__ import annotations

import io
import os
import uuid
from pathlib import Path

from PIL import Image

THUMBNAIL_PX = 160
WEBP_QUALITY = 70


def thumbnail_path(root: Path, content_hash: str) -> Path:
    """Where the thumbnail of one image lives (256 sub-folders keep directories small)."""
    return root / content_hash[:2] / f"{content_hash}.webp"


def shrink(image: Image.Image, data: bytes | None = None) -> Image.Image:
    """``image`` scaled to fit ``THUMBNAIL_PX``; a JPEG drafted too small is decoded again.

    The embedding decode may draft a JPEG below thumbnail size (the pixel signature needs only
    64 px); then ``data`` is decoded again at the thumbnail's draft scale, cheaply.
    """
    if data is not None and max(image.size) < THUMBNAIL_PX:
        again = Image.open(io.BytesIO(data))
        if again.format == "JPEG":
            again.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))
            image = again.convert("RGB")
    small = image.convert("RGB")
    small.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX), Image.Resampling.LANCZOS)
    return small


def write_thumbnail(root: Path, content_hash: str, image: Image.Image, data: bytes | None) -> bool:
    """Write the thumbnail of a decoded image unless it exists; True when one was written."""
    target = thumbnail_path(root, content_hash)
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        shrink(image, data).save(tmp, "WEBP", quality=WEBP_QUALITY, method=4)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return True
