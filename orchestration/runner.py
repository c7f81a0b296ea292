"""Materialize what is stale, in-process on the local Dagster instance (the nightly work)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.assets.lake import GENERATIONS_KEY, lake_partition
from orchestration.assets.warehouse import warehouse_models
from orchestration.fingerprint import archive_fingerprint
from orchestration.ingest.lake import GENERATIONS_TABLE, partition_file
from orchestration.partitions import archive_partitions
from orchestration.registry import RegisteredArchive
from orchestration.resources import DataPaths

QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
WAREHOUSE_MARKER_KEY = dg.AssetKey(["generations"])


@dataclass
class RunReport:
    """What a run did, for the terminal."""

    ingested: list[tuple[RegisteredArchive, str]] = field(default_factory=list)
    missing: list[RegisteredArchive] = field(default_factory=list)
    warehouse_built: bool = False
    warehouse_reason: str = ""


def local_instance(data_dir: Path) -> dg.DagsterInstance:
    """The Dagster instance under the data directory, so the UI shows the CLI's runs."""
    home = data_dir / "dagster"
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return dg.DagsterInstance.get()


def ingest_reason(
    instance: dg.DagsterInstance, paths: DataPaths, archive: RegisteredArchive
) -> str | None:
    """Why an archive must be (re)ingested, or None when its lake partition is current."""
    if not partition_file(paths.lake_dir, GENERATIONS_TABLE, archive.key).exists():
        return "not in the lake yet"
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=GENERATIONS_KEY, asset_partitions=[archive.key]), limit=1
    ).records
    if not records:
        return "never ingested"
    materialization = records[0].asset_materialization
    recorded = materialization.metadata.get("archive_fingerprint") if materialization else None
    if recorded is None or recorded.value != archive_fingerprint(Path(archive.path)):
        return "changed on disk"
    return None


def warehouse_reason(instance: dg.DagsterInstance, paths: DataPaths) -> str | None:
    """Why the warehouse must be rebuilt, or None when it reflects the current lake."""
    if not paths.warehouse_path.exists():
        return "warehouse file missing"
    lake = instance.get_latest_materialization_event(GENERATIONS_KEY)
    built = instance.get_latest_materialization_event(WAREHOUSE_MARKER_KEY)
    if built is None:
        return "never built"
    if lake is not None and lake.storage_id > built.storage_id:
        return "lake changed since the last build"
    return None


def run_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    force_warehouse: bool = False,
    on_progress: Callable[[str], None] = lambda _msg: None,
) -> RunReport:
    """Ingest every new or changed archive, then rebuild the warehouse when anything moved."""
    paths: DataPaths = defs.resources["paths"]
    report = RunReport()
    archives = paths.registry.all()
    instance.add_dynamic_partitions(archive_partitions.name, [a.key for a in archives])
    assets = [lake_partition, warehouse_models]
    for number, archive in enumerate(archives, start=1):
        if not Path(archive.path).exists():
            report.missing.append(archive)
            on_progress(f"[{number}/{len(archives)}] {archive.key}: source missing, skipped")
            continue
        reason = ingest_reason(instance, paths, archive)
        if reason is None:
            on_progress(f"[{number}/{len(archives)}] {archive.key}: up to date")
            continue
        on_progress(f"[{number}/{len(archives)}] {archive.key}: ingesting ({reason})")
        dg.materialize(
            assets,
            selection=[lake_partition],
            partition_key=archive.key,
            resources=defs.resources,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
        )
        report.ingested.append((archive, reason))
    if not any(paths.lake_dir.glob(f"{GENERATIONS_TABLE}/*/*.parquet")):
        on_progress("warehouse: the lake is empty; register an archive with `ingest PATH` first")
        return report
    reason = "forced" if force_warehouse else warehouse_reason(instance, paths)
    if reason is not None:
        on_progress(f"warehouse: dbt build ({reason})")
        dg.materialize(
            assets,
            selection=[warehouse_models],
            resources=defs.resources,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
        )
        report.warehouse_built, report.warehouse_reason = True, reason
    else:
        on_progress("warehouse: up to date")
    return report
