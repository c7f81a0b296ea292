"""Embed one image shard: reuse cached vectors, embed the rest, replace the shard's file.

The cache key is (content hash, model id): a shard re-materialized with nothing new reads its
own previous file and rewrites it without loading an image, and an image already embedded for
another archive's shard is copied, not recomputed. Thumbnails ride along: the decode workers
write those of images they embed, and cached images that lack one (a data directory embedded
before thumbnails existed) are decoded for their thumbnail alone, without loading a model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from embeddings.store import EmbeddingStore
from embeddings.thumbnails import thumbnail_path
from orchestration.embedding.progress import Progress
from orchestration.embedding.refusals import refusals_file, write_refusals
from orchestration.embedding.shards import (
    IMAGE_EMBEDDINGS_TABLE,
    ShardImage,
    archive_images,
    lake_archive_keys,
    shard_file,
    shard_images,
    shard_key,
)
from orchestration.embedding.sources import iter_image_refs
from orchestration.store.registry import RegisteredArchive

if TYPE_CHECKING:
    from embeddings.images import ImageEncoder

T = TypeVar("T")
CHUNK_IMAGES = 1024  # bounds memory when a tar's members arrive as bytes


@dataclass(slots=True)
class ShardStats:
    """What embedding one or more shards did."""

    images: int = 0
    embedded: int = 0
    cached: int = 0
    failed: int = 0
    missing: int = 0
    thumbnails: int = 0
    seconds: float = 0.0
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, other: ShardStats) -> None:
        """Fold another shard's counts into these."""
        for name in ("images", "embedded", "cached", "failed", "missing", "thumbnails", "seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.failures.update(other.failures)
        self.examples = (self.examples + other.examples)[:5]


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def image_store(lake_dir: Path, model_id: str) -> EmbeddingStore:
    """The image-embedding cache of one model."""
    return EmbeddingStore(lake_dir / IMAGE_EMBEDDINGS_TABLE, model_id, "content_hash")


def embed_shard(
    load_encoder: Callable[[], ImageEncoder],
    model_id: str,
    lake_dir: Path,
    archive: RegisteredArchive,
    key: str,
    images_per_shard: int,
    emit: Callable[[str], None],
    thumbnails: Path | None = None,
    num_workers: int | None = None,
    only: frozenset[str] | None = None,
) -> ShardStats:
    """Embed what shard ``key`` lacks for ``model_id`` and replace its file.

    ``only`` limits new embeddings to those content hashes (a budgeted run embeds the images of
    the sessions whose labels need them); the others stay stale for a later run.

    ``load_encoder`` is called only when an image needs embedding, so an all-cached shard never
    loads a model. A shard left with no vector (all images gone or unreadable) has no file.
    With a ``thumbnails`` folder, every image of the shard that decodes ends up with one.
    """
    images = shard_images(lake_dir, key, images_per_shard)
    store = image_store(lake_dir, model_id)
    out = shard_file(lake_dir, model_id, key)
    found, found_vectors = store.lookup([i.content_hash for i in images], prefer=out)
    vectors = dict(zip(found, found_vectors if found_vectors is not None else [], strict=True))
    todo = [
        image
        for image in images
        if image.content_hash not in vectors and (only is None or image.content_hash in only)
    ]
    stats = ShardStats(images=len(images), cached=len(vectors))
    progress = Progress(f"image_embeddings {key}", len(todo), emit)
    located = 0
    retried: set[str] = set()
    refused: dict[str, tuple[str, str]] = {}
    for chunk in chunked(iter_image_refs(archive, todo), CHUNK_IMAGES):
        located += len(chunk)
        retried.update(image.content_hash for image, _ in chunk)
        batch = [image for image, _ in chunk]
        result = load_encoder().embed(
            [ref for _, ref in chunk],
            [i.content_hash for i in batch],
            progress.advance,
            thumbnails=thumbnails,
        )
        stats.thumbnails += result.thumbnails
        vectors.update(
            (batch[i].content_hash, v) for i, v in zip(result.indices, result.vectors, strict=True)
        )
        stats.embedded += len(result.indices)
        for i, error in result.errors.items():
            stats.failed += 1
            stats.failures[error.split(":", 1)[0]] += 1
            refused[batch[i].content_hash] = (batch[i].source_path, error)
            if len(stats.examples) < 5:
                stats.examples.append(f"{batch[i].source_path}: {error}")
    stats.missing = len(todo) - located
    stats.seconds = progress.seconds
    if thumbnails is not None:
        unthumbed = [
            image
            for image in images
            if image.content_hash in vectors
            and not thumbnail_path(thumbnails, image.content_hash).exists()
        ]
        stats.thumbnails += backfill_thumbnails(archive, unthumbed, thumbnails, num_workers, emit)
    keys = [image.content_hash for image in images if image.content_hash in vectors]
    write_refusals(
        refusals_file(lake_dir, model_id, key),
        archive.key,
        model_id,
        refused,
        retried=retried,
        embedded=set(keys),
    )
    if keys:
        store.write(out, keys, np.stack([vectors[k] for k in keys]))
    else:
        out.unlink(missing_ok=True)
    return stats


def backfill_thumbnails(
    archive: RegisteredArchive,
    images: list[ShardImage],
    folder: Path,
    num_workers: int | None,
    emit: Callable[[str], None],
) -> int:
    """Write thumbnails of embedded images that lack one; returns how many were written.

    An image that no longer reads back as it was ingested gets none, and the count says so.
    """
    if not images:
        return 0
    from embeddings.images import make_thumbnails  # torch only when there is work

    written = 0
    for chunk in chunked(iter_image_refs(archive, images), CHUNK_IMAGES):
        done = make_thumbnails(
            [ref for _, ref in chunk], [i.content_hash for i, _ in chunk], folder, num_workers
        )
        written += done.written
        if done.errors:
            example = next(iter(done.errors.values()))
            emit(f"{len(done.errors)} thumbnails not written, e.g. {example}")
    return written


def stale_shards(lake_dir: Path, model_id: str, images_per_shard: int) -> dict[str, int]:
    """Shard keys whose images lack a vector for ``model_id``, with how many lack one.

    This is the work a backfill has left; images that failed to decode count until they succeed.
    """
    known = image_store(lake_dir, model_id).known_keys()
    stale = {}
    for archive_key in lake_archive_keys(lake_dir):
        images = archive_images(lake_dir, archive_key)
        for index, shard in enumerate(chunked(images, images_per_shard)):
            if lacking := sum(image.content_hash not in known for image in shard):
                stale[shard_key(archive_key, index)] = lacking
    return stale
