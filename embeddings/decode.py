"""Reading and decoding images inside DataLoader workers, at the size the model needs.

Decoding is the CPU half of image embedding, and on a GPU the expensive half: a 1024² PNG takes
longer to inflate than ViT-B/32 takes to embed it. So it runs in worker processes, JPEGs use
Pillow's draft mode (the DCT decodes at 1/2, 1/4 or 1/8 scale, never below the model's input),
and each worker can check the bytes against the content hash recorded at ingest. An image
whose header declares more than ``MAX_DECODE_PIXELS`` is refused before decoding. The same
worker writes the image's thumbnail from the picture it just decoded, so thumbnails cost a
resize and a small WebP encode, not a second read and decode.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from embeddings.thumbnails import write_thumbnail


@dataclass(frozen=True, slots=True)
class ZipMember:
    """An image inside a zip archive, opened by the worker that decodes it (random access)."""

    archive: str
    name: str


ImageRef = str | os.PathLike[str] | bytes | ZipMember
"""A file path, raw bytes (e.g. from a streamed tar) or a zip member."""

# 8192×8192 (an 8× upscale of 1024²) decodes; more would cost each worker over 200 MB as RGB.
MAX_DECODE_PIXELS = 8192 * 8192
MAX_MEMBER_BYTES = 256 * 1024 * 1024  # the ingest's limit on one archive entry
_OPEN_ZIPS: dict[str, zipfile.ZipFile] = {}  # per worker process: one handle per archive


def read_ref(ref: ImageRef) -> bytes:
    """The encoded bytes behind a reference."""
    if isinstance(ref, bytes):
        return ref
    if isinstance(ref, ZipMember):
        zf = _OPEN_ZIPS.get(ref.archive)
        if zf is None:
            zf = _OPEN_ZIPS[ref.archive] = zipfile.ZipFile(ref.archive)
        # A name may resolve to another record than the one ingested (duplicate names): read
        # no more than the ingest would have; the content-hash check then refuses it.
        with zf.open(ref.name) as fh:
            data = fh.read(MAX_MEMBER_BYTES + 1)
        if len(data) > MAX_MEMBER_BYTES:
            raise ValueError(f"zip member {ref.name!r} inflates past {MAX_MEMBER_BYTES:,} bytes")
        return data
    with open(ref, "rb") as fh:
        return fh.read()


class ImageTooLarge(ValueError):
    """The image would decode to more pixels than ``MAX_DECODE_PIXELS``: refused undecoded."""


def decode(data: bytes, draft_size: int) -> Image.Image:
    """Decode to RGB; JPEGs at the smallest DCT scale that still covers ``draft_size``.

    The size in the header is checked before any pixel is decoded: a 490 KB PNG may declare
    13000×13000 (half a gigabyte as RGB), and Pillow only warns below twice its own limit.

    Raises:
        ImageTooLarge: the (drafted) size is over ``MAX_DECODE_PIXELS``.
    """
    with warnings.catch_warnings():  # the check below, at a lower limit, replaces the warning
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError as exc:
            raise ImageTooLarge(f"image over {MAX_DECODE_PIXELS:,} pixels: {exc}") from exc
    if image.format == "JPEG":
        image.draft("RGB", (draft_size, draft_size))
    width, height = image.size
    if width * height > MAX_DECODE_PIXELS:
        raise ImageTooLarge(
            f"{image.format} of {width}×{height} ({width * height:,} pixels) is over the "
            f"{MAX_DECODE_PIXELS:,}-pixel decode limit: not decoded"
        )
    return image.convert("RGB")


class ImageDataset:
    """Map-style dataset: item ``i`` is ``(i, tensor, error, thumbnailed)``, error ``""`` if ok.

    A file that cannot be read or decoded yields a zero placeholder and its error, so one bad
    file does not stop a shard; the caller drops it and reports it, it is never embedded. With
    ``thumbnails`` (a folder) and ``hashes``, a verified image lacking a thumbnail gets one.
    """

    def __init__(
        self,
        refs: Sequence[ImageRef],
        transform: Callable[[Image.Image], Any],
        draft_size: int,
        placeholder: Callable[[], Any],
        hashes: Sequence[str] | None = None,
        thumbnails: Path | None = None,
    ) -> None:
        self.refs = refs
        self.transform = transform
        self.draft_size = draft_size
        self.placeholder = placeholder
        self.hashes = hashes
        self.thumbnails = thumbnails if hashes is not None else None

    def __len__(self) -> int:
        return len(self.refs)

    def __getitem__(self, index: int) -> tuple[int, Any, str, bool]:
        try:
            data = read_ref(self.refs[index])
            digest = self.hashes[index] if self.hashes is not None else None
            if digest is not None and hashlib.sha256(data).hexdigest() != digest:
                raise ValueError("file changed since ingest (content hash differs)")
            image = decode(data, self.draft_size)
            thumbnailed = False
            if self.thumbnails is not None and digest is not None:
                thumbnailed = write_thumbnail(self.thumbnails, digest, image, data)
            return index, self.transform(image), "", thumbnailed
        except Exception as exc:  # reported per image by the caller; never embedded
            return index, self.placeholder(), f"{type(exc).__name__}: {exc}", False


def no_features(image: Image.Image | None = None) -> int:
    """Transform and placeholder of a decode-only pass (thumbnails of images already embedded)."""
    return 0
