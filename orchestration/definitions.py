"""The one `Definitions` that the UI, the CLI and the tests load."""

from __future__ import annotations

import os

import dagster as dg

from embeddings.config import AUTO
from orchestration.defs.assets.embeddings import image_embeddings, prompt_embeddings
from orchestration.defs.assets.intents import session_labels
from orchestration.defs.assets.journal import journal
from orchestration.defs.assets.lake import archives, lake_partition
from orchestration.defs.assets.warehouse import (
    dbt_executable,
    dbt_project,
    intent_views,
    warehouse_models,
)
from orchestration.defs.automation import automation_sensor
from orchestration.defs.checks import quality_checks
from orchestration.defs.dbt_cli import WarehouseDbtResource
from orchestration.defs.deploy.executors import executor_from_env
from orchestration.defs.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.defs.jobs import named_jobs
from orchestration.defs.resources import DATA_DIR_ENV, DataPaths, SessionRules
from orchestration.defs.schedules import (
    DEFAULT_NIGHTLY_CRON,
    DEFAULT_TIMEZONE,
    build_nightly_schedules,
    nightly_settings,
)
from orchestration.defs.sensors import image_shard_sensor, inbox_sensor
from orchestration.store.data_dir import CLIP_CHECKPOINT_ENV, IMAGE_MODEL_ENV, SESSION_GAP_ENV


def build_definitions(
    data_dir: str,
    *,
    nightly_cron: str = DEFAULT_NIGHTLY_CRON,
    timezone: str = DEFAULT_TIMEZONE,
    executor: dg.ExecutorDefinition | None = None,
) -> dg.Definitions:
    """Assets, checks, named jobs, schedules, sensors and resources over one data directory.

    The session gap and the image model come from the environment (`orchestration.store.data_dir`),
    which the CLI's `--session-gap`, `--image-model` and `--clip-checkpoint` set.
    """
    return dg.Definitions(
        assets=[
            archives,
            lake_partition,
            image_embeddings,
            prompt_embeddings,
            warehouse_models,
            session_labels,
            intent_views,
            journal,
        ],
        resources={
            "paths": DataPaths(data_dir=data_dir),
            "session_rules": SessionRules(
                gap_minutes=int(os.environ.get(SESSION_GAP_ENV, SessionRules().gap_minutes))
            ),
            "dbt": WarehouseDbtResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
            "image_encoder": ImageEncoderResource(
                model=os.environ.get(IMAGE_MODEL_ENV, AUTO),
                checkpoint_path=os.environ.get(CLIP_CHECKPOINT_ENV) or None,
            ),
            "text_encoder": TextEncoderResource(),
        },
        asset_checks=quality_checks,
        jobs=named_jobs,
        schedules=build_nightly_schedules(nightly_cron, timezone),
        sensors=[inbox_sensor, image_shard_sensor, automation_sensor],
        executor=executor,
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev` (workspace.yaml); data, schedule and executor come from the env."""
    cron, timezone = nightly_settings(os.environ)
    return build_definitions(
        os.environ.get(DATA_DIR_ENV, "data"),
        nightly_cron=cron,
        timezone=timezone,
        executor=executor_from_env(os.environ),
    )
