"""Embed every distinct prompt in the lake once per text model, keyed by the prompt's sha256.

Artists re-run one prompt dozens of times, so distinct prompts are a fraction of generations;
the hash key also lets SQL join a generation to its vector (``sha256(prompt)`` in DuckDB).
New vectors go to new segment files beside the old ones, so a nightly run writes only what is
new and a crash loses at most the segment in progress.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from embeddings.store import EmbeddingStore
from orchestration.embedding.image_job import chunked
from orchestration.embedding.progress import Progress
from orchestration.embedding.shards import lake_archive_keys
from orchestration.ingest.lake import GENERATIONS_TABLE, partition_file

if TYPE_CHECKING:
    from embeddings.text import TextEncoder

PROMPT_EMBEDDINGS_TABLE = "prompt_embeddings"
SEGMENT_PROMPTS = 16_384


@dataclass(slots=True)
class PromptStats:
    """What one prompt-embedding run did."""

    prompts_seen: int = 0
    distinct: int = 0
    embedded: int = 0
    cached: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0

    @property
    def dedup_saved(self) -> float:
        """Fraction of prompt rows that needed no embedding of their own."""
        return 1 - self.distinct / self.prompts_seen if self.prompts_seen else 0.0


def prompt_hash(prompt: str) -> str:
    """sha256 hex of the prompt text as written: equals DuckDB's ``sha256(prompt)``."""
    return hashlib.sha256(prompt.encode("utf-8")).hexdigest()


def lake_prompts(lake_dir: Path) -> tuple[int, dict[str, str]]:
    """Rows with a prompt across all archives, and the distinct prompts by hash."""
    rows, distinct = 0, {}
    for archive_key in lake_archive_keys(lake_dir):
        path = partition_file(lake_dir, GENERATIONS_TABLE, archive_key)
        column = pq.read_table(path, columns=["prompt"]).column(0)
        column = column.filter(pc.is_valid(column))
        rows += len(column)
        for prompt in pc.unique(column).to_pylist():
            distinct.setdefault(prompt_hash(prompt), prompt)
    return rows, distinct


def prompt_store(lake_dir: Path, model_id: str) -> EmbeddingStore:
    """The prompt-embedding cache of one text model."""
    return EmbeddingStore(lake_dir / PROMPT_EMBEDDINGS_TABLE, model_id, "prompt_hash")


def new_prompt_count(lake_dir: Path, model_id: str) -> int:
    """Distinct lake prompts without a vector for ``model_id``."""
    return len(set(lake_prompts(lake_dir)[1]) - prompt_store(lake_dir, model_id).known_keys())


def embed_new_prompts(
    load_encoder: Callable[[], TextEncoder],
    model_id: str,
    lake_dir: Path,
    emit: Callable[[str], None],
) -> PromptStats:
    """Embed the lake's prompts that the store lacks for ``model_id``.

    ``load_encoder`` is called only when there is something new, so a run with nothing to do
    never loads the model.
    """
    started = time.monotonic()
    rows, distinct = lake_prompts(lake_dir)
    store = prompt_store(lake_dir, model_id)
    new = sorted(set(distinct) - store.known_keys())
    stats = PromptStats(rows, len(distinct), cached=len(distinct) - len(new))
    progress = Progress("prompt_embeddings", len(new), emit)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for number, hashes in enumerate(chunked(new, SEGMENT_PROMPTS)):
        prompts = [distinct[h] for h in hashes]
        vectors = load_encoder().embed(prompts)
        segment = store.root / f"part-{stamp}-{uuid.uuid4().hex[:8]}-{number:04d}.parquet"
        store.write(segment, hashes, vectors, {"prompt": (pa.string(), prompts)})
        stats.embedded += len(hashes)
        progress.advance(len(hashes))
    stats.embed_seconds = progress.seconds
    stats.seconds = time.monotonic() - started
    return stats
