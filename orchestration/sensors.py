"""Sensors: register image shards once ingest has counted an archive's images."""

import dagster as dg

from orchestration.embedding.shards import planned_shard_keys
from orchestration.embedding_resources import ImageEncoderResource
from orchestration.partitions import image_shard_partitions
from orchestration.resources import DataPaths


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def image_shard_sensor(
    context: dg.SensorEvaluationContext, paths: DataPaths, image_encoder: ImageEncoderResource
) -> dg.SensorResult:
    """Add the `image_shards` partitions the lake now calls for.

    It launches nothing: GPU work starts from a backfill that a person previews and bounds in
    the UI (8 shards a run), or from `creative-sessions run`, which embeds what is stale. It reads
    only the lake's content-hash columns and never loads a model.
    """
    registered = set(context.instance.get_dynamic_partitions(image_shard_partitions.name))
    new = [
        key
        for key in planned_shard_keys(paths.lake_dir, image_encoder.images_per_shard)
        if key not in registered
    ]
    if new:
        context.log.info(f"registering {len(new)} image shards: {new[0]} … {new[-1]}")
    return dg.SensorResult(
        dynamic_partitions_requests=[image_shard_partitions.build_add_request(new)] if new else []
    )
