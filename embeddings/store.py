"""Embedding caches in the lake: Parquet under ``<table>/model=<model_id>/``, keyed by a hash.

The key (content hash of an image, sha256 of a prompt) plus the model id is the cache key: a
run embeds only keys the store lacks for its model, and a new model writes a new folder beside
the old one, so vectors of two models never meet. Vectors are Arrow fixed-size float32 lists
(pyarrow and polars read them back fixed-size; DuckDB reads ``FLOAT[]``, cast to ``FLOAT[d]``
for the array functions). Every file is written to a temp name and renamed into place.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def vector_array(vectors: np.ndarray) -> pa.FixedSizeListArray:
    """``(n, d)`` float32 rows as an Arrow fixed-size list array."""
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1), pa.float32())
    return pa.FixedSizeListArray.from_arrays(flat, int(vectors.shape[1]))


def vectors_of(column: pa.ChunkedArray | pa.Array, dim: int) -> np.ndarray:
    """An Arrow list column back to ``(n, d)`` float32."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], column.type)
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.astype(np.float32, copy=False).reshape(-1, dim)


class EmbeddingStore:
    """The vectors of one model in one lake table; ``key`` names the hash column."""

    def __init__(self, table_dir: Path, model_id: str, key: str) -> None:
        self.root = table_dir / f"model={model_id}"
        self.model_id = model_id
        self.key = key

    def files(self) -> list[Path]:
        """Committed files (temp files start with a dot and are never read)."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.rglob("*.parquet") if not p.name.startswith("."))

    def known_keys(self) -> set[str]:
        """Every key this model already has a vector for."""
        keys: set[str] = set()
        for path in self.files():
            keys.update(pq.read_table(path, columns=[self.key]).column(0).to_pylist())
        return keys

    def lookup(
        self, keys: Iterable[str], prefer: Path | None = None
    ) -> tuple[list[str], np.ndarray | None]:
        """Stored vectors for ``keys`` that exist, looking in ``prefer`` (a shard's file) first.

        Only the key column of each file is scanned; vectors are read from files that hold a hit.
        """
        wanted = set(keys)
        found: list[str] = []
        blocks: list[np.ndarray] = []
        files = self.files()
        if prefer is not None and prefer in files:
            files.remove(prefer)
            files.insert(0, prefer)
        for path in files:
            if not wanted:
                break
            key_column = pq.read_table(path, columns=[self.key]).column(0)
            mask = pc.is_in(key_column, value_set=pa.array(sorted(wanted), pa.string()))
            if not pc.any(mask).as_py():
                continue
            table = pq.read_table(path, columns=[self.key, "embedding"]).filter(mask)
            hits = table.column(0).to_pylist()
            dim = pq.read_schema(path).field("embedding").type.list_size
            vectors = vectors_of(table.column(1), dim)
            fresh = [i for i, k in enumerate(hits) if k in wanted]
            found += [hits[i] for i in fresh]
            blocks.append(vectors[fresh])
            wanted.difference_update(hits)
        return found, (np.concatenate(blocks) if blocks else None)

    def write(
        self,
        path: Path,
        keys: Sequence[str],
        vectors: np.ndarray,
        extra: Mapping[str, tuple[pa.DataType, Sequence[Any]]] | None = None,
    ) -> int:
        """Replace ``path`` (inside the store) with these rows, atomically; returns rows written."""
        n, dim = vectors.shape
        columns: dict[str, pa.Array] = {
            self.key: pa.array(list(keys), pa.string()),
            "model_id": pa.array([self.model_id] * n, pa.string()),
            "embedding_dim": pa.array([dim] * n, pa.int32()),
            "embedding": vector_array(vectors),
        }
        for name, (dtype, values) in (extra or {}).items():
            columns[name] = pa.array(list(values), dtype)
        table = pa.table(columns)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
        try:
            pq.write_table(table, tmp, compression="zstd")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return n
