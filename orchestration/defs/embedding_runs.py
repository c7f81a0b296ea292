"""Embedding runs: image shards in `embed_images` runs, new prompts in a `nightly` run.

Stale shards are embedded in contiguous ranges of up to 8 (one model load a run); under an image
budget only the images of the sessions the labelling plan picks are embedded.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path

import dagster as dg

from orchestration.defs.assets.embeddings import PROMPT_EMBEDDINGS_KEY
from orchestration.defs.jobs import EMBED_IMAGES_JOB, NIGHTLY_JOB
from orchestration.defs.launcher import launch
from orchestration.defs.partitions import IMAGE_SHARDS_PER_RUN, image_shard_partitions
from orchestration.defs.resources import DataPaths
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.prompt_job import new_prompt_count
from orchestration.embedding.shards import planned_shard_keys
from orchestration.intent.label_plan import Budget
from orchestration.store.warehouse_lock import reading_connection
from orchestration.store.warehouse_queries import fetch_all


def new_prompts(defs: dg.Definitions, on_progress: Callable[[str], None]) -> int:
    """How many distinct prompts lack a vector for the text model (0 without the extra)."""
    if importlib.util.find_spec("torch") is None:
        return 0
    paths: DataPaths = defs.resources["paths"]
    text_model = defs.resources["text_encoder"].model_id
    new = new_prompt_count(paths.lake_dir, text_model)
    if new:
        noun = "new distinct prompt" if new == 1 else "new distinct prompts"
        on_progress(f"prompts: embedding {new} {noun} with {text_model}")
    else:
        on_progress(f"prompts: up to date ({text_model})")
    return new


def embed_for_plan(
    instance: dg.DagsterInstance, defs: dg.Definitions, budget: str, on_progress: Callable
) -> int:
    """Embed only the images of the sessions this budget's plan labels with visual signals.

    When the image budget cannot cover the backlog, the plan keeps images for the sessions with
    sparse metadata (the ones whose labels lean on them); the rest stay stale for a later run.
    Returns how many images were asked for.
    """
    from orchestration.defs.assets.intents import plan_for

    paths: DataPaths = defs.resources["paths"]
    if not paths.warehouse_path.exists():
        return 0
    plan = plan_for(paths, Budget.parse(budget))
    sessions = plan.image_session_ids
    if not sessions:
        on_progress("images: none needed within the budget")
        return 0
    holder = "creative-sessions (image plan)"
    with reading_connection(paths.root, paths.warehouse_path, holder=holder) as con:
        hashes = fetch_all(con, "images_for_sessions", {"ids": sessions})
    wanted = paths.root / "intents" / "images_for_budget.txt"
    wanted.parent.mkdir(parents=True, exist_ok=True)
    wanted.write_text("".join(f"{h}\n" for (h,) in hashes), encoding="utf-8")
    limited = " (sparse-metadata sessions only)" if plan.images_limited else ""
    on_progress(f"images: {len(hashes)} images of {len(sessions)} budgeted sessions{limited}")
    embed_stale(instance, defs, on_progress, prompts=False, only_path=wanted)
    return len(hashes)


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
    planned = planned_shard_keys(paths.lake_dir, images.images_per_shard)
    if not planned:
        # Logs without pictures: choosing a model would import torch and open_clip for nothing.
        on_progress("images: none in the lake")
        return
    instance.add_dynamic_partitions(image_shard_partitions.name, planned)
    model_id = images.choose().model_id
    stale = stale_shards(paths.lake_dir, model_id, images.images_per_shard)
    registered = instance.get_dynamic_partitions(image_shard_partitions.name)
    for first, last in shard_runs(registered, set(stale), IMAGE_SHARDS_PER_RUN):
        on_progress(f"images: embedding {first} … {last} with {model_id}")
        launch(
            instance,
            defs,
            EMBED_IMAGES_JOB,
            run_config={
                "ops": {
                    "lake__image_embeddings": {
                        "config": {"only_content_hashes_path": str(only_path or "")}
                    }
                }
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
    if new_prompts(defs, on_progress):
        launch(instance, defs, NIGHTLY_JOB, assets={PROMPT_EMBEDDINGS_KEY})
