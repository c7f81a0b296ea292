"""Image shards: which images of an archive belong to which partition, and where vectors go.

A shard is a slice of the archive's distinct images in source order, so shard keys stay stable
while an archive only grows at its end; when the order shifts, the content-hash cache keeps the
rework to a file rewrite, not a re-embedding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.ingest.lake import GENERATIONS_TABLE, partition_file

IMAGE_EMBEDDINGS_TABLE = "image_embeddings"


@dataclass(frozen=True, slots=True)
class ShardImage:
    """One image to embed: its identity and where it sits in its archive."""

    content_hash: str
    source_path: str


def shard_key(archive_key: str, index: int) -> str:
    """``<archive_key>/s0003``: readable in the UI, sorted within an archive."""
    return f"{archive_key}/s{index:04d}"


def parse_shard_key(key: str) -> tuple[str, int]:
    """The archive key and shard index of a shard key."""
    archive_key, _, shard = key.rpartition("/")
    if not archive_key or not shard.startswith("s") or not shard[1:].isdigit():
        raise ValueError(f"not an image shard key: {key!r} (expected <archive_key>/s0000)")
    return archive_key, int(shard[1:])


def archive_images(lake_dir: Path, archive_key: str) -> list[ShardImage]:
    """The archive's distinct images (log rows have no image) in source order."""
    path = partition_file(lake_dir, GENERATIONS_TABLE, archive_key)
    if not path.exists():
        return []
    table = pq.read_table(path, columns=["content_hash", "source_path", "source_order"])
    table = table.filter(pc.is_valid(table["content_hash"])).sort_by("source_order")
    seen: set[str] = set()
    images = []
    for digest, source in zip(
        table["content_hash"].to_pylist(), table["source_path"].to_pylist(), strict=True
    ):
        if digest not in seen:
            seen.add(digest)
            images.append(ShardImage(digest, source))
    return images


def shard_images(lake_dir: Path, key: str, images_per_shard: int) -> list[ShardImage]:
    """The images of one shard."""
    archive_key, index = parse_shard_key(key)
    start = index * images_per_shard
    return archive_images(lake_dir, archive_key)[start : start + images_per_shard]


def lake_archive_keys(lake_dir: Path) -> list[str]:
    """Archives with a generations partition in the lake, sorted."""
    files = (lake_dir / GENERATIONS_TABLE).glob(f"archive=*/{GENERATIONS_TABLE}.parquet")
    return sorted(p.parent.name.removeprefix("archive=") for p in files)


def planned_shard_keys(lake_dir: Path, images_per_shard: int) -> list[str]:
    """Every shard key the lake calls for now, archive by archive, in shard order."""
    keys = []
    for archive_key in lake_archive_keys(lake_dir):
        n_shards = math.ceil(len(archive_images(lake_dir, archive_key)) / images_per_shard)
        keys += [shard_key(archive_key, i) for i in range(n_shards)]
    return keys


def shard_file(lake_dir: Path, model_id: str, key: str) -> Path:
    """Where one shard's vectors for one model live."""
    archive_key, index = parse_shard_key(key)
    return (
        lake_dir
        / IMAGE_EMBEDDINGS_TABLE
        / f"model={model_id}"
        / f"archive={archive_key}"
        / f"s{index:04d}.parquet"
    )
