"""Jobs over the product definitions that child processes rebuild by import (`reconstructable`)."""

import os

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.defs.assets.lake import GENERATIONS_KEY, QUARANTINE_KEY
from orchestration.defs.resources import DATA_DIR_ENV


def _defs() -> dg.Definitions:
    jobs = [
        dg.define_asset_job("lake_job", selection=[GENERATIONS_KEY, QUARANTINE_KEY]),
        dg.define_asset_job(
            "sessions_job",
            # Every group of the dbt asset, so dbt builds it whole (`fqn:*`): a subset would
            # select, by name, tests whose other parent (an intent view) this job never builds.
            selection=dg.AssetSelection.groups(
                "warehouse_staging", "warehouse_intermediate", "warehouse_marts", "warehouse_search"
            ),
        ),
    ]
    defs = build_definitions(os.environ[DATA_DIR_ENV], executor=dg.multiprocess_executor)
    return dg.Definitions.merge(defs, dg.Definitions(jobs=jobs))


def lake_job() -> dg.JobDefinition:
    """Ingest one archive partition, each step in its own process."""
    return _defs().resolve_job_def("lake_job")


def sessions_job() -> dg.JobDefinition:
    """The dbt models from staging to the marts and the search tables, in a child process."""
    return _defs().resolve_job_def("sessions_job")
