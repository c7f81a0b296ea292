"""Plan a historical import as Dagster would backfill it: partitions, runs and estimated time.

Rates come from what earlier runs recorded in their materialization metadata (ingest bytes and
seconds, images per second); without history a stated default is used and the preview says so.
"""

from __future__ import annotations

import importlib.util
import math
import statistics
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import dagster as dg

from orchestration.cli.progress import Progress, format_seconds
from orchestration.defs.assets.embeddings import IMAGE_EMBEDDINGS_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.embedding_runs import shard_runs
from orchestration.defs.jobs import EMBED_IMAGES_JOB, INGEST_JOB
from orchestration.defs.launcher import launch
from orchestration.defs.partitions import (
    IMAGE_SHARDS_PER_RUN,
    archive_partitions,
    image_shard_partitions,
)
from orchestration.defs.resources import DataPaths
from orchestration.defs.runner import ingest_reason
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.shards import planned_shard_keys
from orchestration.store.fingerprint import archive_bytes, folder_files
from orchestration.store.registry import RegisteredArchive

DEFAULT_INGEST_BYTES_PER_SECOND = 20e6
"""Metadata-only reads of PNG/JPEG files run near disk speed; 20 MB/s is a cautious laptop."""
DEFAULT_IMAGES_PER_SECOND = 25.0
"""open_clip ViT-B-32 on CPU embeds ~33 images/s before decoding (../shared/research/stack.md)."""
DEFAULT_BYTES_PER_IMAGE = 1.5e6
"""A 1024² PNG from Stable Diffusion; sizes a tar's image count without reading it."""
HISTORY = 50
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})


@dataclass(frozen=True)
class Rate:
    """Units per second and where the figure came from."""

    per_second: float
    source: str


@dataclass(frozen=True)
class Step:
    """One asset's part of the backfill."""

    asset: str
    partitions: list[str]
    runs: int
    work: float
    unit: str
    rate: Rate

    @property
    def seconds(self) -> float:
        """Estimated wall time if the runs go one after another."""
        return self.work / self.rate.per_second if self.work else 0.0


@dataclass(frozen=True)
class BackfillPlan:
    """The steps of a backfill, in the order they run."""

    steps: list[Step]

    @property
    def seconds(self) -> float:
        """Estimated total, serially; runs in parallel pools finish sooner."""
        return sum(step.seconds for step in self.steps)

    def describe(self, max_keys: int = 5) -> str:
        """The preview a person reads before starting it."""
        lines = []
        for step in self.steps:
            keys = ", ".join(step.partitions[:max_keys])
            more = len(step.partitions) - max_keys
            if more > 0:
                keys += f", … (+{more})"
            lines.append(
                f"{step.asset}: {len(step.partitions)} partitions in {step.runs} runs, "
                f"{step.work:,.0f} {step.unit} at {step.rate.per_second:,.3g} {step.unit}/s "
                f"({step.rate.source}) ≈ {format_seconds(step.seconds)}"
            )
            if keys:
                lines.append(f"  {keys}")
        lines.append(
            "then the dbt models and intent labels follow once (pool `warehouse`, one writer)"
        )
        lines.append(f"total ≈ {format_seconds(self.seconds)} if run one after another")
        return "\n".join(lines)


def _recent_metadata(instance: dg.DagsterInstance, key: dg.AssetKey) -> list[dict]:
    records = instance.fetch_materializations(key, limit=HISTORY).records
    return [
        {k: v.value for k, v in r.asset_materialization.metadata.items()}
        for r in records
        if r.asset_materialization is not None
    ]


def ingest_rate(instance: dg.DagsterInstance) -> Rate:
    """Bytes per second over recent ingests that recorded their size, else the default."""
    rows = [
        m
        for m in _recent_metadata(instance, GENERATIONS_KEY)
        if m.get("archive_bytes") and m.get("seconds")
    ]
    if not rows:
        return Rate(DEFAULT_INGEST_BYTES_PER_SECOND, "default, no ingest recorded yet")
    rate = sum(m["archive_bytes"] for m in rows) / sum(m["seconds"] for m in rows)
    return Rate(rate, f"measured over {len(rows)} ingests")


def embedding_rate(instance: dg.DagsterInstance) -> Rate:
    """Median images per second of recent embedding runs, else the default."""
    rates = [
        m["images_per_second"]
        for m in _recent_metadata(instance, IMAGE_EMBEDDINGS_KEY)
        if m.get("images_per_second")
    ]
    if not rates:
        return Rate(DEFAULT_IMAGES_PER_SECOND, "default, no embedding run recorded yet")
    return Rate(statistics.median(rates), f"median of {len(rates)} runs")


def archives_to_ingest(
    instance: dg.DagsterInstance, paths: DataPaths, *, everything: bool = False
) -> list[RegisteredArchive]:
    """Registered archives present on disk: the new or changed ones, or all of them."""
    present = [a for a in paths.registry.all() if Path(a.path).exists()]
    return present if everything else [a for a in present if ingest_reason(instance, paths, a)]


def expected_images(archive: RegisteredArchive) -> int:
    """Images an archive not yet ingested will add: counted where cheap, else sized."""
    path = Path(archive.path)
    if archive.kind == "log":
        return 0
    if archive.kind == "folder":
        return sum(1 for p in folder_files(path) if p.suffix.lower() in IMAGE_SUFFIXES)
    if archive.kind == "zip":
        with zipfile.ZipFile(path) as zf:
            return sum(1 for n in zf.namelist() if Path(n).suffix.lower() in IMAGE_SUFFIXES)
    return int(archive_bytes(path) / DEFAULT_BYTES_PER_IMAGE)


def plan_backfill(
    instance: dg.DagsterInstance,
    paths: DataPaths,
    model_id: str,
    images_per_shard: int,
    archives: list[RegisteredArchive],
) -> BackfillPlan:
    """`archives` to ingest, shards to embed, then the warehouse build."""
    ingest = Step(
        "lake/generations",
        [a.key for a in archives],
        runs=len(archives),  # BackfillPolicy.multi_run(1): one archive a run
        work=float(sum(archive_bytes(Path(a.path)) for a in archives)),
        unit="bytes",
        rate=ingest_rate(instance),
    )
    stale = stale_shards(paths.lake_dir, model_id, images_per_shard)
    ingesting = {a.key for a in archives}
    stale = {k: n for k, n in stale.items() if k.rpartition("/")[0] not in ingesting}
    new_images = sum(expected_images(a) for a in archives)
    shards = sorted(stale) + [f"{a.key}/…" for a in archives if a.kind != "log"]
    shard_count = len(stale) + math.ceil(new_images / images_per_shard)
    embed = Step(
        "lake/image_embeddings",
        shards,
        runs=math.ceil(shard_count / IMAGE_SHARDS_PER_RUN),
        work=float(sum(stale.values()) + new_images),
        unit="images",
        rate=embedding_rate(instance),
    )
    return BackfillPlan([ingest, embed])


def run_backfill(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    archives: list[RegisteredArchive],
    stream: TextIO | None = None,
) -> None:
    """Ingest `archives` one run each, then embed stale shards in runs of up to 8, in-process.

    The warehouse and intent labels are left to the caller (`run_stale` builds them once).
    """
    paths: DataPaths = defs.resources["paths"]
    instance.add_dynamic_partitions(archive_partitions.name, [a.key for a in archives])
    bar = Progress(len(archives), "ingest", "archives", stream=stream)
    for archive in archives:
        launch(instance, defs, INGEST_JOB, partition_key=archive.key)
        bar.advance(1, archive.key)
    if importlib.util.find_spec("torch") is None:
        return
    images = defs.resources["image_encoder"]
    per_shard = images.images_per_shard
    instance.add_dynamic_partitions(
        image_shard_partitions.name, planned_shard_keys(paths.lake_dir, per_shard)
    )
    stale = stale_shards(paths.lake_dir, images.choose().model_id, per_shard)
    registered = instance.get_dynamic_partitions(image_shard_partitions.name)
    runs = shard_runs(registered, set(stale), IMAGE_SHARDS_PER_RUN)
    bar = Progress(sum(stale.values()), "embed", "images", stream=stream)
    position = {key: i for i, key in enumerate(registered)}
    for first, last in runs:
        launch(
            instance,
            defs,
            EMBED_IMAGES_JOB,
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            },
        )
        keys = registered[position[first] : position[last] + 1]
        bar.advance(sum(stale.get(k, 0) for k in keys), f"{first} … {last}")
