"""Embedding assets: image vectors per shard (GPU pool) and prompt vectors per distinct prompt.

Both run in the `gpu` pool; give it one slot per GPU (`dagster instance concurrency set gpu 4`)
and a backfill of `image_shards` spreads over the GPUs, each run on the device its first shard
maps to (`orchestration.embedding.devices`), up to 8 shards a run so the model loads once.
"""

import logging
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.automation import GPU_POOL, embed_new_partitions, follow_inputs
from orchestration.defs.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.defs.partitions import IMAGE_SHARDS_PER_RUN, image_shard_partitions
from orchestration.defs.resources import DataPaths
from orchestration.embedding.devices import claim_device
from orchestration.embedding.image_job import ShardStats, embed_shard, stale_shards
from orchestration.embedding.prompt_job import embed_new_prompts
from orchestration.embedding.shards import parse_shard_key

log = logging.getLogger(__name__)

IMAGE_EMBEDDINGS_KEY = dg.AssetKey(["lake", "image_embeddings"])
PROMPT_EMBEDDINGS_KEY = dg.AssetKey(["lake", "prompt_embeddings"])
# A shard reads one archive's generations, but Dagster has no "prefix" mapping between two
# dynamic partition sets; depending on all archive partitions keeps the lineage true, if coarse.
ALL_GENERATIONS = dg.AssetDep(GENERATIONS_KEY, partition_mapping=dg.AllPartitionMapping())


def _emitter(context: dg.AssetExecutionContext) -> Callable[[str], None]:
    def emit(line: str) -> None:
        context.log.info(line)  # the run's event log in the UI
        log.info(line)  # the terminal of `creative-sessions run`

    return emit


class ImageEmbeddingConfig(dg.Config):
    """Optional limit: a text file of content hashes, one per line (empty: embed all stale)."""

    only_content_hashes_path: str = ""

    def content_hashes(self) -> frozenset[str] | None:
        """The hashes to embed, or None for every stale image."""
        if not self.only_content_hashes_path:
            return None
        text = Path(self.only_content_hashes_path).read_text(encoding="utf-8")
        return frozenset(line.strip() for line in text.splitlines() if line.strip())


@dg.asset(
    key=IMAGE_EMBEDDINGS_KEY,
    deps=[ALL_GENERATIONS],
    group_name="embeddings",
    partitions_def=image_shard_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=IMAGE_SHARDS_PER_RUN),
    pool=GPU_POOL,
    automation_condition=embed_new_partitions(),
    description="L2-normalised image vectors keyed by (content hash, model id), one file per "
    "shard of an archive's images; only images without a vector for the model are embedded.",
)
def image_embeddings(
    context: dg.AssetExecutionContext,
    config: ImageEmbeddingConfig,
    paths: DataPaths,
    image_encoder: ImageEncoderResource,
) -> dg.MaterializeResult:
    """Embed the run's shards on the device its first partition maps to."""
    keys = context.partition_keys
    only = config.content_hashes()
    if only is not None:
        context.log.info(f"embedding limited to {len(only)} images chosen by the budget")
    choice = image_encoder.choose()
    if choice.kind == "pixel":
        context.log.warning(f"image model {choice.model_id}: {choice.reason}")
    emit = _emitter(context)
    total, per_shard = ShardStats(), {}
    with claim_device(image_encoder.device, keys[0], paths.root / "locks") as device:
        for key in keys:
            stats = embed_shard(
                lambda: image_encoder.encoder.to(device),
                choice.model_id,
                paths.lake_dir,
                paths.registry.get(parse_shard_key(key)[0]),
                key,
                image_encoder.images_per_shard,
                emit,
                thumbnails=paths.thumbnails_dir,
                num_workers=image_encoder.num_workers,
                only=only,
            )
            total.add(stats)
            per_shard[key] = {
                "embedded": stats.embedded,
                "cached": stats.cached,
                "failed": stats.failed,
                "missing": stats.missing,
                "thumbnails": stats.thumbnails,
            }
            emit(
                f"{key}: {stats.embedded} embedded, {stats.cached} already had vectors, "
                f"{stats.failed} failed, {stats.missing} missing; {stats.thumbnails} thumbnails"
            )
    rate = total.embedded / total.seconds if total.embedded else None
    stale = stale_shards(paths.lake_dir, choice.model_id, image_encoder.images_per_shard)
    remaining = sum(stale.values())
    return dg.MaterializeResult(
        metadata={
            "model_id": choice.model_id,
            "model_choice": choice.reason,
            "device": device if choice.kind == "open_clip" else "cpu",
            "dagster/row_count": total.embedded + total.cached,
            "images_embedded": total.embedded,
            "images_skipped_cached": total.cached,
            "images_failed": total.failed,
            "images_missing": total.missing,
            "thumbnails_written": total.thumbnails,
            "failure_reasons": dg.MetadataValue.json(dict(total.failures)),
            "failure_examples": dg.MetadataValue.json(total.examples),
            "images_per_second": None if rate is None else round(rate, 1),
            "seconds": round(total.seconds, 2),
            "remaining_images": remaining,
            "estimated_remaining_seconds": None if rate is None else round(remaining / rate),
            "shards": dg.MetadataValue.json(per_shard),
        }
    )


@dg.asset(
    key=PROMPT_EMBEDDINGS_KEY,
    deps=[ALL_GENERATIONS],
    group_name="embeddings",
    pool=GPU_POOL,
    automation_condition=follow_inputs(),
    description="Unit-length prompt vectors keyed by (sha256 of the prompt, model id): a prompt "
    "re-run 40 times is embedded once, and only prompts new to the model are embedded.",
)
def prompt_embeddings(
    context: dg.AssetExecutionContext, paths: DataPaths, text_encoder: TextEncoderResource
) -> dg.MaterializeResult:
    """Embed every distinct prompt in the lake that the text model has no vector for."""
    stats = embed_new_prompts(
        lambda: text_encoder.encoder, text_encoder.model_id, paths.lake_dir, _emitter(context)
    )
    rate = stats.embedded / stats.embed_seconds if stats.embedded else None
    return dg.MaterializeResult(
        metadata={
            "model_id": text_encoder.model_id,
            "device": text_encoder.encoder.device if stats.embedded else "not loaded",
            "dagster/row_count": stats.distinct,
            "prompt_rows": stats.prompts_seen,
            "distinct_prompts": stats.distinct,
            "prompts_embedded": stats.embedded,
            "prompts_skipped_cached": stats.cached,
            "dedup_saved_fraction": round(stats.dedup_saved, 4),
            "sentences_per_second": None if rate is None else round(rate, 1),
            "seconds": round(stats.seconds, 2),
        }
    )
