"""The one `Definitions` that the UI, the CLI and the tests load."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.embeddings import image_embeddings, prompt_embeddings
from orchestration.assets.lake import archives, lake_partition
from orchestration.assets.warehouse import dbt_executable, dbt_project, warehouse_models
from orchestration.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.resources import DATA_DIR_ENV, DataPaths, SessionRules
from orchestration.sensors import image_shard_sensor


def build_definitions(data_dir: str) -> dg.Definitions:
    """Assets and resources over one data directory."""
    return dg.Definitions(
        assets=[archives, lake_partition, image_embeddings, prompt_embeddings, warehouse_models],
        resources={
            "paths": DataPaths(data_dir=data_dir),
            "session_rules": SessionRules(),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
            "image_encoder": ImageEncoderResource(),
            "text_encoder": TextEncoderResource(),
        },
        sensors=[image_shard_sensor],
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev` (workspace.yaml); data lives in $CREATIVE_SESSIONS_DATA."""
    return build_definitions(os.environ.get(DATA_DIR_ENV, "data"))
