"""A tiny hand-written lake for the warehouse tests: two artists, images, vectors of two models."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.lake import GENERATIONS_SCHEMA, QUARANTINE_SCHEMA

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def generation(gid: str, artist: str, minute: int, prompt: str | None, **fields: Any) -> dict:
    """One lake row; the image's content hash derives from the id when ``image`` is true."""
    image = fields.pop("image", True)
    row = {f.name: None for f in GENERATIONS_SCHEMA}
    row.update(
        generation_id=gid,
        artist=artist,
        tool=fields.pop("tool", "a1111" if image else "diffusiondb"),
        prompt=prompt,
        created_at=T0 + timedelta(minutes=minute),
        created_at_source="metadata" if image else "log column",
        source_path=f"{gid}.png",
        source_order=minute,
        content_hash=content_hash(gid) if image else None,
        **fields,
    )
    return row


def content_hash(gid: str) -> str:
    return hashlib.sha256(gid.encode()).hexdigest()


def prompt_hash(prompt: str) -> str:
    return hashlib.sha256(prompt.encode()).hexdigest()


def write_archive(lake: Path, key: str, rows: list[dict]) -> None:
    for row in rows:
        row["source_archive"] = key
    path = lake / "generations" / f"archive={key}" / "generations.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=GENERATIONS_SCHEMA), path)
    quarantine = lake / "quarantine" / f"archive={key}" / "quarantine.parquet"
    quarantine.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), quarantine)


def write_vectors(lake: Path, table: str, model_id: str, shard: str, vectors: dict) -> None:
    """``vectors``: key (content hash or prompt) → list of floats; prompts are hashed here."""
    key = "content_hash" if table == "image_embeddings" else "prompt_hash"
    keys = [k if key == "content_hash" else prompt_hash(k) for k in vectors]
    dim = len(next(iter(vectors.values())))
    columns = {
        key: pa.array(keys, pa.string()),
        "model_id": pa.array([model_id] * len(keys), pa.string()),
        "embedding_dim": pa.array([dim] * len(keys), pa.int32()),
        "embedding": pa.array(list(vectors.values()), pa.list_(pa.float32(), dim)),
    }
    if table == "image_embeddings":
        path = lake / table / f"model={model_id}" / f"archive={shard}" / "s0000.parquet"
    else:
        columns["prompt"] = pa.array(list(vectors), pa.string())
        path = lake / table / f"model={model_id}" / f"part-{shard}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(columns), path)
