"""Materialize what is stale, in-process on the local Dagster instance (the nightly work)."""

from __future__ import annotations

import contextlib
import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

from orchestration.assets.embeddings import (
    IMAGE_EMBEDDINGS_KEY,
    PROMPT_EMBEDDINGS_KEY,
    image_embeddings,
    prompt_embeddings,
)
from orchestration.assets.lake import GENERATIONS_KEY, lake_partition
from orchestration.assets.warehouse import warehouse_models
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.prompt_job import new_prompt_count
from orchestration.embedding.shards import planned_shard_keys
from orchestration.fingerprint import archive_fingerprint
from orchestration.ingest.lake import GENERATIONS_TABLE, partition_file
from orchestration.intent.backfill import Budget
from orchestration.partitions import (
    IMAGE_SHARDS_PER_RUN,
    archive_partitions,
    image_shard_partitions,
)
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
    labelling: dict[str, Any] = field(default_factory=dict)


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
    built = _latest_storage_id(instance, WAREHOUSE_MARKER_KEY)
    if built is None:
        return "never built"
    for key in (GENERATIONS_KEY, IMAGE_EMBEDDINGS_KEY, PROMPT_EMBEDDINGS_KEY):
        lake = _latest_storage_id(instance, key)
        if lake is not None and lake > built:
            return "lake changed since the last build"
    return None


def _latest_storage_id(instance: dg.DagsterInstance, key: dg.AssetKey) -> int | None:
    """Event-log position of the asset's latest materialization (ordered, unlike wall time)."""
    records = instance.fetch_materializations(key, limit=1).records
    return records[0].storage_id if records else None


def run_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    force_warehouse: bool = False,
    budget: str = "",
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
    image_budget = Budget.parse(budget).max_images is not None
    # Under an image budget, images wait until the plan says which sessions need them.
    embed_stale(instance, defs, on_progress, images=not image_budget)
    reason = "forced" if force_warehouse else warehouse_reason(instance, paths)
    if reason is not None:
        build_warehouse(instance, defs, reason, on_progress)
        report.warehouse_built, report.warehouse_reason = True, reason
    else:
        on_progress("warehouse: up to date")
    if image_budget and embed_for_plan(instance, defs, budget, on_progress):
        build_warehouse(instance, defs, "images embedded for the budgeted sessions", on_progress)
        report.warehouse_built = True
    report.labelling = label_stale(
        instance, defs, budget=budget, force_views=report.warehouse_built, on_progress=on_progress
    )
    return report


def build_warehouse(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    reason: str,
    on_progress: Callable[[str], None],
) -> None:
    """`dbt build` of the warehouse models, dbt's own chatter going to data/logs/dbt.log."""
    paths: DataPaths = defs.resources["paths"]
    log_path = paths.root / "logs" / "dbt.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    on_progress(f"warehouse: dbt build ({reason}); dbt's log: {log_path}")
    # dagster-dbt echoes every dbt event to stdout; the terminal gets the summary instead.
    with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        dg.materialize(
            [lake_partition, warehouse_models],
            selection=[warehouse_models],
            resources=defs.resources,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
        )


def embed_for_plan(
    instance: dg.DagsterInstance, defs: dg.Definitions, budget: str, on_progress: Callable
) -> int:
    """Embed only the images of the sessions this budget's plan labels with visual signals.

    When the image budget cannot cover the backlog, the plan keeps images for the sessions with
    sparse metadata (the ones whose labels lean on them); the rest stay stale for a later run.
    Returns how many images were asked for.
    """
    import duckdb

    from orchestration.assets.intents import plan_for

    paths: DataPaths = defs.resources["paths"]
    if not paths.warehouse_path.exists():
        return 0
    plan = plan_for(paths, Budget.parse(budget))
    sessions = plan.image_session_ids
    if not sessions:
        on_progress("images: none needed within the budget")
        return 0
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        hashes = con.execute(
            "select distinct content_hash from intent_signals "
            "where session_id in (select unnest($ids)) and content_hash is not null "
            "and not has_image_embedding",
            {"ids": sessions},
        ).fetchall()
    wanted = paths.root / "intents" / "images_for_budget.txt"
    wanted.parent.mkdir(parents=True, exist_ok=True)
    wanted.write_text("".join(f"{h}\n" for (h,) in hashes), encoding="utf-8")
    limited = " (sparse-metadata sessions only)" if plan.images_limited else ""
    on_progress(f"images: {len(hashes)} images of {len(sessions)} budgeted sessions{limited}")
    embed_stale(instance, defs, on_progress, prompts=False, only_path=wanted)
    return len(hashes)


def label_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    budget: str = "",
    force_views: bool = False,
    on_progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Label sessions whose inputs changed (within `budget`), then refresh the intent views."""
    from orchestration.assets.intents import INTENT_KEYS, session_labels
    from orchestration.assets.warehouse import intent_views
    from orchestration.session_journal import has_intent_views

    paths: DataPaths = defs.resources["paths"]
    if not paths.warehouse_path.exists():
        return {}
    result = dg.materialize(
        [session_labels],
        resources=defs.resources,
        instance=instance,
        run_config={
            **QUIET_RUN_CONFIG,
            "ops": {"session_labels": {"config": {"budget": budget}}},
        },
    )
    metadata = {
        key: getattr(value, "value", value)
        for m in result.asset_materializations_for_node("session_labels")
        if m.asset_key == INTENT_KEYS["session_intents"]
        for key, value in m.metadata.items()
    }
    labelled = int(metadata.get("sessions_labelled", 0))
    on_progress(
        f"intents: {labelled} sessions labelled, "
        f"{metadata.get('sessions_skipped_unchanged', 0)} unchanged, "
        f"{metadata.get('sessions_remaining', 0)} remaining (budget {metadata.get('budget')})"
    )
    import duckdb

    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        views_exist = has_intent_views(con)
    changed = force_views or labelled or metadata.get("sessions_dropped") or not views_exist
    if changed:
        log_path = paths.root / "logs" / "dbt.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            dg.materialize(
                [intent_views],
                resources=defs.resources,
                instance=instance,
                run_config=QUIET_RUN_CONFIG,
            )
        on_progress("intents: views session_intents, session_phases, session_members refreshed")
    write_journal_pages(instance, defs, force=bool(changed), on_progress=on_progress)
    return metadata


def write_journal_pages(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    *,
    force: bool = False,
    on_progress: Callable[[str], None] = lambda _msg: None,
) -> None:
    """Render the artists' HTML journal when labels changed or it was never written."""
    from orchestration.assets.journal import journal

    paths: DataPaths = defs.resources["paths"]
    index = paths.journal_dir / "index.html"
    if not force and index.exists():
        return
    dg.materialize(
        [journal], resources=defs.resources, instance=instance, run_config=QUIET_RUN_CONFIG
    )
    on_progress(f"journal: {index}")


def shard_runs(registered: Sequence[str], stale: set[str], per_run: int) -> list[tuple[str, str]]:
    """Stale shards as (first, last) ranges that are contiguous in partition order, ≤ per_run."""
    runs: list[list[str]] = []
    previous_stale = False
    for key in registered:
        if key in stale:
            if previous_stale and len(runs[-1]) < per_run:
                runs[-1].append(key)
            else:
                runs.append([key])
        previous_stale = key in stale
    return [(run[0], run[-1]) for run in runs]


def embed_stale(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    on_progress: Callable[[str], None],
    *,
    images: bool = True,
    prompts: bool = True,
    only_path: Path | None = None,
) -> None:
    """Embed image shards that lack vectors for the configured model, then new prompts.

    ``only_path`` (a file of content hashes) limits which stale images are embedded.
    """
    if importlib.util.find_spec("torch") is None:
        on_progress("embeddings: skipped; install them with pip install -e '.[embeddings]'")
        return
    if images:
        _embed_images(instance, defs, on_progress, only_path)
    if prompts:
        _embed_prompts(instance, defs, on_progress)


def _embed_images(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    on_progress: Callable[[str], None],
    only_path: Path | None,
) -> None:
    paths: DataPaths = defs.resources["paths"]
    images = defs.resources["image_encoder"]
    instance.add_dynamic_partitions(
        image_shard_partitions.name, planned_shard_keys(paths.lake_dir, images.images_per_shard)
    )
    model_id = images.choose().model_id
    stale = stale_shards(paths.lake_dir, model_id, images.images_per_shard)
    registered = instance.get_dynamic_partitions(image_shard_partitions.name)
    for first, last in shard_runs(registered, set(stale), IMAGE_SHARDS_PER_RUN):
        on_progress(f"images: embedding {first} … {last} with {model_id}")
        dg.materialize(
            [image_embeddings],
            resources=defs.resources,
            instance=instance,
            run_config={
                **QUIET_RUN_CONFIG,
                "ops": {
                    "lake__image_embeddings": {
                        "config": {"only_content_hashes_path": str(only_path or "")}
                    }
                },
            },
            tags={
                "dagster/asset_partition_range_start": first,
                "dagster/asset_partition_range_end": last,
            },
        )
    if not stale:
        on_progress(f"images: up to date ({model_id})")


def _embed_prompts(
    instance: dg.DagsterInstance, defs: dg.Definitions, on_progress: Callable[[str], None]
) -> None:
    paths: DataPaths = defs.resources["paths"]
    text_model = defs.resources["text_encoder"].model_id
    if new := new_prompt_count(paths.lake_dir, text_model):
        on_progress(f"prompts: embedding {new} new distinct prompts with {text_model}")
        dg.materialize(
            [prompt_embeddings],
            resources=defs.resources,
            instance=instance,
            run_config=QUIET_RUN_CONFIG,
        )
    else:
        on_progress(f"prompts: up to date ({text_model})")
