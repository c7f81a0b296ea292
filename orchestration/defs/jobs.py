"""The named jobs people run, from the CLI or the UI, with the same effect either way.

One Dagster run cannot mix the `archives` and `image_shards` partitions with the unpartitioned
warehouse, so the work is four jobs: `ingest` (one archive partition a run), `embed_images` (the
embedding backfill, a range of shards a run), `nightly` (everything unpartitioned that follows the
lake: prompt embeddings, the dbt warehouse, the labels, their views and the journal) and `labels`
(only the last three). Asset checks run inside them: `generation_ids_unique` is blocking and sits
upstream of the warehouse in `nightly`, so duplicated ids stop the build instead of reaching it.
The CLI launches these jobs, narrowing `nightly` and `labels` to what is stale.
"""

from __future__ import annotations

import dagster as dg

from orchestration.defs.assets.embeddings import IMAGE_EMBEDDINGS_KEY, PROMPT_EMBEDDINGS_KEY
from orchestration.defs.assets.intents import INTENT_KEYS
from orchestration.defs.assets.journal import JOURNAL_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY, QUARANTINE_KEY
from orchestration.defs.assets.warehouse import intent_views, warehouse_models
from orchestration.defs.checks import generation_ids_unique

INGEST_JOB = "ingest"
EMBED_IMAGES_JOB = "embed_images"
NIGHTLY_JOB = "nightly"
LABELS_JOB = "labels"

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""The CLI prints its own progress lines; the run's full log stays in the instance for the UI."""

LAKE = dg.AssetSelection.assets(GENERATIONS_KEY, QUARANTINE_KEY)
PROMPTS = dg.AssetSelection.assets(PROMPT_EMBEDDINGS_KEY)
WAREHOUSE = dg.AssetSelection.assets(warehouse_models)
LABELS = dg.AssetSelection.assets(*INTENT_KEYS.values())
VIEWS = dg.AssetSelection.assets(intent_views)
JOURNAL = dg.AssetSelection.assets(JOURNAL_KEY)

ingest_job = dg.define_asset_job(
    INGEST_JOB,
    selection=LAKE,
    description="Read one registered archive into its lake partition (generations and "
    "quarantine), then check that no generation id repeats.",
)

embed_images_job = dg.define_asset_job(
    EMBED_IMAGES_JOB,
    selection=dg.AssetSelection.assets(IMAGE_EMBEDDINGS_KEY),
    description="Embed a range of image shards (up to 8 a run, so the model loads once) in the "
    "`gpu` pool: the backfill of a historical import or of a new image model.",
)

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=PROMPTS
    | WAREHOUSE
    | LABELS
    | VIEWS
    | JOURNAL
    | dg.AssetSelection.checks(generation_ids_unique),
    description="Everything after the lake: new prompt vectors, the dbt warehouse (after the "
    "blocking id check), intent labels, their views and the journal.",
)

labels_job = dg.define_asset_job(
    LABELS_JOB,
    selection=LABELS | VIEWS | JOURNAL,
    description="Label the sessions whose inputs changed (within a budget set in the run "
    "config), refresh the intent views and the journal.",
)

named_jobs = [ingest_job, embed_images_job, nightly_job, labels_job]
