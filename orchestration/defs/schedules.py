"""The nightly schedule: request what went stale outside Dagster's sight.

Two things change without a Dagster event: an archive rewritten on disk (its fingerprint moves)
and image shards that lack vectors for the model in use (a new model, images that failed). The
schedule requests those; prompt embeddings, dbt models and intent labels follow through their
automation conditions (`orchestration.defs.automation`).
"""

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.defs.embedding_resources import ImageEncoderResource
from orchestration.defs.embedding_runs import shard_runs
from orchestration.defs.jobs import embed_images_job, ingest_job
from orchestration.defs.partitions import (
    IMAGE_SHARDS_PER_RUN,
    archive_partitions,
    image_shard_partitions,
)
from orchestration.defs.resources import DataPaths
from orchestration.defs.runner import ingest_reason
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.shards import planned_shard_keys

NIGHTLY_CRON_ENV = "CREATIVE_SESSIONS_NIGHTLY_CRON"
TIMEZONE_ENV = "CREATIVE_SESSIONS_TIMEZONE"
DEFAULT_NIGHTLY_CRON = "0 3 * * *"
DEFAULT_TIMEZONE = "UTC"


@dataclass
class NightlyPlan:
    """Stale archives (key → why) and stale shard ranges, each range one bounded run."""

    archives: dict[str, str] = field(default_factory=dict)
    shard_ranges: list[tuple[str, str]] = field(default_factory=list)
    stale_images: int = 0


def plan_nightly(
    instance: dg.DagsterInstance,
    paths: DataPaths,
    image_encoder: ImageEncoderResource,
    *,
    shards: bool = True,
) -> NightlyPlan:
    """What the night must redo; registers partitions the instance lacks (it reads the registry)."""
    plan = NightlyPlan()
    present = [a for a in paths.registry.all() if Path(a.path).exists()]
    instance.add_dynamic_partitions(archive_partitions.name, [a.key for a in present])
    for archive in present:
        if reason := ingest_reason(instance, paths, archive):
            plan.archives[archive.key] = reason
    if not shards or importlib.util.find_spec("torch") is None:
        return plan
    per_shard = image_encoder.images_per_shard
    instance.add_dynamic_partitions(
        image_shard_partitions.name, planned_shard_keys(paths.lake_dir, per_shard)
    )
    # Shards of archives re-ingested tonight would embed the old images: they wait a night.
    stale = {
        key: n
        for key, n in stale_shards(
            paths.lake_dir, image_encoder.choose().model_id, per_shard
        ).items()
        if key.rpartition("/")[0] not in plan.archives
    }
    registered = instance.get_dynamic_partitions(image_shard_partitions.name)
    plan.shard_ranges = shard_runs(registered, set(stale), IMAGE_SHARDS_PER_RUN)
    plan.stale_images = sum(stale.values())
    return plan


def ingest_run_requests(plan: NightlyPlan) -> list[dg.RunRequest]:
    """One run per stale archive, as ingest's backfill policy has it."""
    return [
        dg.RunRequest(
            run_key=f"ingest:{key}",  # scoped to the tick: tomorrow may request it again
            partition_key=key,
            tags={"creative_sessions/reason": reason},
        )
        for key, reason in plan.archives.items()
    ]


def embedding_run_requests(plan: NightlyPlan) -> list[dg.RunRequest]:
    """One run per contiguous range of up to 8 stale shards, so the model loads once a run."""
    return [
        dg.RunRequest(
            run_key=f"embed:{first}..{last}",
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
                "creative_sessions/reason": "images without a vector for the model in use",
            },
        )
        for first, last in plan.shard_ranges
    ]


def build_nightly_schedules(
    cron: str = DEFAULT_NIGHTLY_CRON, timezone: str = DEFAULT_TIMEZONE
) -> list[dg.ScheduleDefinition]:
    """`nightly_ingest` and `nightly_embeddings` at `cron` in `timezone` (IANA name).

    Two schedules because one run cannot mix the `archives` and `image_shards` partitions.
    """

    @dg.schedule(
        name="nightly_ingest",
        cron_schedule=cron,
        execution_timezone=timezone,
        job=ingest_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Re-ingest archives that are new or changed on disk; embeddings, dbt and "
        "intent labels follow through their automation conditions.",
    )
    def nightly_ingest(
        context: dg.ScheduleEvaluationContext,
        paths: DataPaths,
        image_encoder: ImageEncoderResource,
    ):
        plan = plan_nightly(context.instance, paths, image_encoder, shards=False)
        requests = ingest_run_requests(plan)
        if not requests:
            return dg.SkipReason("nothing stale: every registered archive is current")
        context.log.info(f"{len(requests)} archives to ingest")
        return requests

    @dg.schedule(
        name="nightly_embeddings",
        cron_schedule=cron,
        execution_timezone=timezone,
        job=embed_images_job,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Embed image shards that lack vectors for the model in use (a new model, "
        "images that failed before), up to 8 shards a run in the `gpu` pool.",
    )
    def nightly_embeddings(
        context: dg.ScheduleEvaluationContext,
        paths: DataPaths,
        image_encoder: ImageEncoderResource,
    ):
        plan = plan_nightly(context.instance, paths, image_encoder, shards=True)
        requests = embedding_run_requests(plan)
        if not requests:
            return dg.SkipReason("nothing stale: every image has a vector for the model in use")
        context.log.info(f"{plan.stale_images} images to embed in {len(requests)} runs")
        return requests

    return [nightly_ingest, nightly_embeddings]


def nightly_settings(environ: Mapping[str, str]) -> tuple[str, str]:
    """Cron and timezone from the environment, else 03:00 UTC."""
    return (
        environ.get(NIGHTLY_CRON_ENV, DEFAULT_NIGHTLY_CRON),
        environ.get(TIMEZONE_ENV, DEFAULT_TIMEZONE),
    )
