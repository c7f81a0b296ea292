"""The one `Definitions` that the UI, the CLI and the tests load."""

from __future__ import annotations

import os

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.assets.lake import archives, lake_partition
from orchestration.assets.warehouse import dbt_project, warehouse_models
from orchestration.resources import DataPaths, SessionRules

DATA_DIR_ENV = "CREATIVE_SESSIONS_DATA"


def build_definitions(data_dir: str) -> dg.Definitions:
    """Assets and resources over one data directory."""
    return dg.Definitions(
        assets=[archives, lake_partition, warehouse_models],
        resources={
            "paths": DataPaths(data_dir=data_dir),
            "session_rules": SessionRules(),
            "dbt": DbtCliResource(project_dir=dbt_project),
        },
    )


@dg.definitions
def defs() -> dg.Definitions:
    """Loaded by `dagster dev` (workspace.yaml); the data directory follows CREATIVE_SESSIONS_DATA."""
    return build_definitions(os.environ.get(DATA_DIR_ENV, "data"))
