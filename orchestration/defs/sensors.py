"""Sensors: archives dropped in the inbox, and image shards once ingest has counted images."""

import json

import dagster as dg

from orchestration.defs.embedding_resources import ImageEncoderResource
from orchestration.defs.jobs import ingest_job
from orchestration.defs.partitions import archive_partitions, image_shard_partitions
from orchestration.defs.resources import DataPaths
from orchestration.embedding.shards import planned_shard_keys
from orchestration.store.inbox import candidates, content_digest, is_readable, observe
from orchestration.store.registry import archive_key


@dg.sensor(minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING)
def image_shard_sensor(
    context: dg.SensorEvaluationContext, paths: DataPaths, image_encoder: ImageEncoderResource
) -> dg.SensorResult:
    """Add the `image_shards` partitions the lake now calls for.

    It launches nothing itself: a new shard is embedded once by its automation condition
    (`embed_new_partitions`), in runs of up to 8 shards in the `gpu` pool. It reads only the
    lake's content-hash columns and never loads a model.
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


@dg.sensor(
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    job=ingest_job,
)
def inbox_sensor(context: dg.SensorEvaluationContext, paths: DataPaths) -> dg.SensorResult:
    """Register and ingest each complete folder, archive or log dropped in `<data_dir>/inbox/`.

    A path is taken once it looked the same on two ticks (size and mtime, kept in the cursor)
    and its index reads; a path already taken is skipped until it changes, and content already
    taken under another name is not registered again.
    """
    state = json.loads(context.cursor) if context.cursor else {}
    seen: dict[str, str] = state.get("seen", {})
    taken: dict[str, list[str]] = state.get("taken", {})  # path → [look, digest, key]
    keys_by_digest = {digest: key for _look, digest, key in taken.values()}
    next_seen: dict[str, str] = {}
    requests, new_keys = [], []
    for path in candidates(paths.inbox_dir):
        name, look = str(path), observe(path)
        if name in taken and taken[name][0] == look:
            continue
        if seen.get(name) != look or not is_readable(path):
            next_seen[name] = look  # new, still growing, or its index does not read yet
            continue
        digest = content_digest(path)
        twin = keys_by_digest.get(digest)
        if twin is not None and twin != archive_key(path):
            context.log.info(f"{path.name}: same content as partition {twin}; not registered again")
            taken[name] = [look, digest, twin]
            continue
        entry = paths.registry.register(path)
        taken[name] = [look, digest, entry.key]
        keys_by_digest[digest] = entry.key
        new_keys.append(entry.key)
        requests.append(
            dg.RunRequest(
                run_key=f"{entry.key}:{digest}",
                partition_key=entry.key,
                tags={"creative_sessions/source": "inbox"},
            )
        )
        context.log.info(f"{path.name}: registered {entry.kind} as {entry.key}")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=(
            [archive_partitions.build_add_request(new_keys)] if new_keys else []
        ),
        cursor=json.dumps({"seen": next_seen, "taken": taken}, sort_keys=True),
    )
