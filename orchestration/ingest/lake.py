"""The lake's tables: their Arrow schemas and an atomic, streaming partition writer."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.store.files import fsync_file, temp_beside
from orchestration.store.pause_points import pause_point

GENERATIONS_SCHEMA = pa.schema(
    [
        ("generation_id", pa.string()),
        ("artist", pa.string()),
        ("tool", pa.string()),
        ("prompt", pa.string()),
        ("negative_prompt", pa.string()),
        ("seed", pa.int64()),
        ("steps", pa.int32()),
        ("cfg_scale", pa.float64()),
        ("sampler", pa.string()),
        ("scheduler", pa.string()),
        ("model", pa.string()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("created_at", pa.timestamp("us", tz="UTC")),
        ("created_at_source", pa.string()),
        ("source_archive", pa.string()),
        ("source_path", pa.string()),
        ("source_order", pa.int64()),
        ("content_hash", pa.string()),
        ("job_id", pa.string()),
        # A second pass the metadata describes (``ingest.passes``); added after the first lakes,
        # so staging reads them NULL from partitions written before.
        ("upscale_factor", pa.float64()),
        ("upscaler", pa.string()),
        ("denoising_strength", pa.float64()),
        ("init_image", pa.string()),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source_archive", pa.string()),
        ("source_path", pa.string()),
        ("reason", pa.string()),
        ("content_hash", pa.string()),
        ("size_bytes", pa.int64()),
    ]
)

GENERATIONS_TABLE = "generations"
QUARANTINE_TABLE = "quarantine"


def partition_file(lake_dir: Path, table: str, partition_key: str) -> Path:
    """Where one archive's rows of ``table`` live; one file per partition keeps replaces atomic."""
    return lake_dir / table / f"archive={partition_key}" / f"{table}.parquet"


class AtomicParquetWriter:
    """Streams row batches to a hidden temp file and renames it into place on success.

    Readers glob ``*.parquet`` and never see a partly written partition; a crash leaves only a
    ``.tmp`` file that the next write of the same partition removes. Memory stays bounded by
    ``batch_rows`` however large the archive is.
    """

    def __init__(self, path: Path, schema: pa.Schema, batch_rows: int = 5000) -> None:
        self.path = path
        self.schema = schema
        self.batch_rows = batch_rows
        self.rows_written = 0
        self._buffer: list[Mapping[str, Any]] = []
        self._tmp = temp_beside(path)
        self._writer: pq.ParquetWriter | None = None

    def __enter__(self) -> AtomicParquetWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        return self

    def write(self, row: Mapping[str, Any]) -> None:
        """Buffer one row; flush a row group when the buffer is full."""
        self._buffer.append(row)
        if len(self._buffer) >= self.batch_rows:
            self._flush()

    def write_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """Buffer many rows."""
        for row in rows:
            self.write(row)

    def _flush(self) -> None:
        if self._buffer and self._writer is not None:
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=self.schema))
            self.rows_written += len(self._buffer)
            self._buffer = []

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._flush()
            if self._writer is not None:
                self._writer.close()
            if exc_type is None:
                fsync_file(self._tmp)
                pause_point("lake-commit")
                os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)
