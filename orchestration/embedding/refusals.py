"""Images an image model could not embed, kept in the lake beside its vectors.

A pixel bomb (a small file declaring a huge canvas), a truncated file or an unknown format keeps
its generation row, since its metadata was read, but gets no vector. Those refusals are
written per model and shard, in the quarantine's columns, so `quarantine` and the UI show
each one with its reason instead of a count in a run's log. A shard's file is replaced on every
run of that shard: an image that embeds later leaves it, one not retried this time (a budgeted
run) keeps its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.embedding.shards import parse_shard_key
from orchestration.ingest.lake import QUARANTINE_SCHEMA
from orchestration.store.files import replacing

IMAGE_REFUSALS_TABLE = "image_refusals"


def refusals_file(lake_dir: Path, model_id: str, key: str) -> Path:
    """Where one shard's refusals for one model live (the layout of its vectors)."""
    archive_key, index = parse_shard_key(key)
    return (
        lake_dir
        / IMAGE_REFUSALS_TABLE
        / f"model={model_id}"
        / f"archive={archive_key}"
        / f"s{index:04d}.parquet"
    )


def refusal_reason(model_id: str, error: str) -> str:
    """What the quarantine says: which model refused the image, and the decoder's reason."""
    return f"image not embedded with {model_id}: {error}"


def write_refusals(
    path: Path,
    archive_key: str,
    model_id: str,
    refused: Mapping[str, tuple[str, str]],
    *,
    retried: set[str],
    embedded: set[str],
) -> None:
    """Replace the shard's refusals with this run's and the still-open earlier ones.

    ``refused`` maps content hash → (path, error) for this run; earlier rows stay for images
    neither retried nor embedded since. No refusal, no file.
    """
    rows = [
        {
            "source_archive": archive_key,
            "source_path": source_path,
            "reason": refusal_reason(model_id, error),
            "content_hash": content_hash,
            "size_bytes": None,
        }
        for content_hash, (source_path, error) in refused.items()
    ]
    if path.exists():
        kept = pq.read_table(path, schema=QUARANTINE_SCHEMA).to_pylist()
        rows += [
            row
            for row in kept
            if row["content_hash"] not in retried
            and row["content_hash"] not in embedded
            and row["content_hash"] not in refused
        ]
    if not rows:
        path.unlink(missing_ok=True)
        return
    with replacing(path) as temp:
        pq.write_table(pa.Table.from_pylist(rows, schema=QUARANTINE_SCHEMA), temp)
