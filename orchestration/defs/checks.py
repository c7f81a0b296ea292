"""Data-quality checks dbt tests cannot express: they read the lake or the models in use.

Session invariants (every generation in one session, unique ids in the marts) are dbt tests and
surface as checks on the dbt assets; these cover the Python assets.
"""

import dagster as dg
import duckdb

from orchestration.defs.assets.embeddings import IMAGE_EMBEDDINGS_KEY, PROMPT_EMBEDDINGS_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.defs.resources import DataPaths
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.prompt_job import new_prompt_count
from orchestration.ingest.lake import GENERATIONS_TABLE

EXAMPLES = 5


@dg.asset_check(asset=GENERATIONS_KEY, blocking=True)
def generation_ids_unique(paths: DataPaths) -> dg.AssetCheckResult:
    """No generation id twice in one archive's partition (across archives, staging dedups)."""
    files = sorted(paths.lake_dir.glob(f"{GENERATIONS_TABLE}/*/*.parquet"))
    if not files:
        return dg.AssetCheckResult(passed=True, metadata={"partitions": 0})
    with duckdb.connect() as con:
        rows = con.execute(
            "select source_archive, generation_id, count(*) as n "
            "from read_parquet(?) group by all having n > 1 order by n desc",
            [[str(f) for f in files]],
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not rows,
        metadata={
            "partitions": len(files),
            "duplicated_ids": len(rows),
            "examples": dg.MetadataValue.json([list(r) for r in rows[:EXAMPLES]]),
        },
    )


@dg.asset_check(asset=IMAGE_EMBEDDINGS_KEY)
def image_embeddings_present(
    paths: DataPaths, image_encoder: ImageEncoderResource
) -> dg.AssetCheckResult:
    """Every image in the lake has a vector for the model in use.

    A warning, not an error: during a backfill the shards not yet run lack vectors, and an image
    that fails to decode lacks one until it is fixed.
    """
    model_id = image_encoder.choose().model_id
    stale = stale_shards(paths.lake_dir, model_id, image_encoder.images_per_shard)
    return dg.AssetCheckResult(
        passed=not stale,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "model_id": model_id,
            "images_without_vector": sum(stale.values()),
            "shards_stale": len(stale),
            "examples": dg.MetadataValue.json(sorted(stale)[:EXAMPLES]),
        },
    )


@dg.asset_check(asset=PROMPT_EMBEDDINGS_KEY)
def prompt_embeddings_present(
    paths: DataPaths, text_encoder: TextEncoderResource
) -> dg.AssetCheckResult:
    """Every distinct prompt in the lake has a vector for the text model in use."""
    missing = new_prompt_count(paths.lake_dir, text_encoder.model_id)
    return dg.AssetCheckResult(
        passed=missing == 0,
        metadata={"model_id": text_encoder.model_id, "prompts_without_vector": missing},
    )


quality_checks = [generation_ids_unique, image_embeddings_present, prompt_embeddings_present]
