"""Declarative automation: what follows its inputs once the schedule or the inbox moves them.

Roots change outside Dagster's sight (an archive rewritten on disk, a new file in the inbox), so a
schedule and a sensor request those; everything downstream carries a condition here and the
automation sensor launches it, so no job chains assets by hand.
"""

import dagster as dg

WAREHOUSE_POOL = "warehouse"
"""DuckDB has one writer: dbt and the intent asset share this pool (limit 1)."""

GPU_POOL = "gpu"
"""Image and prompt embedding; give it one slot per GPU."""

POOL_LIMITS = {WAREHOUSE_POOL: 1, GPU_POOL: 1}
"""Limits set on an instance that has none yet (`creative-sessions backfill` applies them)."""


def follow_inputs() -> dg.AutomationCondition:
    """`eager()` without its missing-dependency guard.

    A registered archive whose source is gone, or an image shard not embedded yet, is a missing
    upstream partition forever or for hours; under plain `eager()` it would hold back every
    dbt model. The models read whatever the lake holds, so they rebuild when any input updates.
    """
    return (
        dg.AutomationCondition.eager()
        .without(~dg.AutomationCondition.any_deps_missing())
        .with_label("follow_inputs")
    )


def embed_new_partitions() -> dg.AutomationCondition:
    """`on_missing()` for image shards: a shard registered after an ingest is embedded once.

    Shards stale for other reasons (a new model, images that failed to decode) are the nightly
    schedule's job; historical imports go through `creative-sessions backfill`.
    """
    return (
        dg.AutomationCondition.on_missing()
        .without(~dg.AutomationCondition.any_deps_missing())
        .with_label("embed_new_partitions")
    )


automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Launches what follows its inputs (embeddings, dbt models, intent labels).",
)


def ensure_pool_limits(instance: dg.DagsterInstance) -> dict[str, int]:
    """Give `warehouse` and `gpu` their limits where the instance has none; returns them all.

    A limit set by hand (`dagster instance concurrency set gpu 4`) is kept.
    """
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return {}
    configured = storage.get_concurrency_keys()
    for pool, limit in POOL_LIMITS.items():
        if pool not in configured:
            storage.set_concurrency_slots(pool, limit)
    return {pool: storage.get_concurrency_info(pool).slot_count for pool in POOL_LIMITS}
