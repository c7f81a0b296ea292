"""A small lake for the embedding tests, written directly (no ingest): four archives.

- a folder of 7 pictures, a zip of 3 and a tar of 2, each with a generations partition whose
  rows point at the files by sanitised path and content hash;
- a log with prompts and no images (no shards).
Prompts repeat, as they do when an artist re-runs one prompt with new seeds.
"""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from orchestration.defs.resources import DataPaths
from orchestration.ingest.lake import (
    GENERATIONS_SCHEMA,
    GENERATIONS_TABLE,
    AtomicParquetWriter,
    partition_file,
)
from tests.embeddings.helpers import write_pictures

PROMPTS = ["neon portrait", "neon portrait", "neon portrait, rim light", "mountain lake"]


def _rows(archive_key: str, files: list[tuple[str, bytes | None]]) -> list[dict]:
    return [
        {
            "generation_id": f"{archive_key}-{order}",
            "artist": "ada",
            "tool": "a1111",
            "prompt": PROMPTS[order % len(PROMPTS)],
            "created_at": datetime(2024, 5, 1, 20, order, tzinfo=UTC),
            "source_archive": archive_key,
            "source_path": path,
            "source_order": order,
            "content_hash": hashlib.sha256(data).hexdigest() if data is not None else None,
        }
        for order, (path, data) in enumerate(files)
    ]


def write_generations(paths: DataPaths, archive_key: str, rows: list[dict]) -> None:
    target = partition_file(paths.lake_dir, GENERATIONS_TABLE, archive_key)
    with AtomicParquetWriter(target, GENERATIONS_SCHEMA) as writer:
        writer.write_all(rows)


def build_lake(root: Path) -> DataPaths:
    """Write the archives, register them and write their generations partitions."""
    paths = DataPaths(data_dir=str(root / "data"))
    inbox = root / "inbox"
    folder = inbox / "folder"
    pictures = write_pictures(folder / "day1", 7)
    entry = paths.registry.register(folder, "ada")
    write_generations(
        paths,
        entry.key,
        _rows(entry.key, [(p.relative_to(folder).as_posix(), p.read_bytes()) for p in pictures]),
    )

    zipped = write_pictures(inbox / "zsrc", 3, start=20)
    with zipfile.ZipFile(inbox / "export.zip", "w") as zf:
        for p in zipped:
            zf.write(p, f"batch/{p.name}")
    entry = paths.registry.register(inbox / "export.zip", "ada")
    files = [(f"batch/{p.name}", p.read_bytes()) for p in zipped]
    write_generations(paths, entry.key, _rows(entry.key, files))

    tarred = write_pictures(inbox / "tsrc", 2, start=40)
    with tarfile.open(inbox / "export.tar", "w") as tf:
        for p in tarred:
            tf.add(p, f"t/{p.name}")
    entry = paths.registry.register(inbox / "export.tar", "ada")
    write_generations(
        paths, entry.key, _rows(entry.key, [(f"t/{p.name}", p.read_bytes()) for p in tarred])
    )

    log = inbox / "log.csv"
    log.write_text("prompt\nx\n")
    entry = paths.registry.register(log, "bo")
    write_generations(paths, entry.key, _rows(entry.key, [(f"row {i}", None) for i in range(6)]))
    return paths
