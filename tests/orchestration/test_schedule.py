"""The nightly schedule requests what went stale; everything downstream follows by automation."""

from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.assets.embeddings import IMAGE_EMBEDDINGS_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY, lake_partition
from orchestration.defs.embedding_resources import ImageEncoderResource
from orchestration.defs.partitions import archive_partitions
from orchestration.defs.resources import DataPaths
from orchestration.defs.schedules import NIGHTLY_CRON_ENV, TIMEZONE_ENV, nightly_settings
from orchestration.store.fingerprint import archive_fingerprint
from tests.orchestration.embedding_lake import build_lake
from tests.orchestration.ops_fixtures import write_log

PIXEL = ImageEncoderResource(model="pixel-signature-v1", images_per_shard=1)


def _evaluate(defs: dg.Definitions, instance: dg.DagsterInstance, name: str = "nightly_ingest"):
    schedule = defs.resolve_schedule_def(name)
    resources = {"paths": defs.resources["paths"], "image_encoder": PIXEL}
    with dg.build_schedule_context(
        instance=instance, resources=resources, repository_def=defs.get_repository_def()
    ) as context:
        return schedule.evaluate_tick(context)


def _tick(
    defs: dg.Definitions, instance: dg.DagsterInstance, name: str = "nightly_ingest"
) -> list[dg.RunRequest]:
    return list(_evaluate(defs, instance, name).run_requests or [])


def test_nightly_requests_new_and_changed_archives_only(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    first = paths.registry.register(write_log(tmp_path / "in" / "a.csv"), "ada")
    second = paths.registry.register(write_log(tmp_path / "in" / "b.csv", user="bo"), "bo")
    defs = build_definitions(paths.data_dir)
    with dg.instance_for_test() as instance:
        assert {r.partition_key for r in _tick(defs, instance)} == {first.key, second.key}
        assert set(instance.get_dynamic_partitions(archive_partitions.name)) == {
            first.key,
            second.key,
        }
        for key in (first.key, second.key):
            dg.materialize(
                [lake_partition], partition_key=key, resources=defs.resources, instance=instance
            )
        skipped = _evaluate(defs, instance)
        assert not skipped.run_requests and "nothing stale" in skipped.skip_message

        write_log(Path(first.path), rows=9)  # the artist exported again: same path, new rows
        (request,) = _tick(defs, instance)
        assert request.partition_key == first.key
        assert request.tags["creative_sessions/reason"] == "changed on disk"
        # The schedule launches the named `ingest` job, whose selection is the lake partition.
        assert defs.resolve_schedule_def("nightly_ingest").job_name == "ingest"
        assert set(defs.resolve_job_def("ingest").asset_layer.executable_asset_keys) == {
            GENERATIONS_KEY,
            dg.AssetKey(["lake", "quarantine"]),
        }


def test_nightly_embeds_stale_shards_in_bounded_ranges(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    paths = build_lake(tmp_path)
    defs = build_definitions(paths.data_dir)
    with dg.instance_for_test() as instance:
        for archive in paths.registry.all():  # the lake is current: only embeddings are stale
            instance.report_runless_asset_event(
                dg.AssetMaterialization(
                    GENERATIONS_KEY,
                    partition=archive.key,
                    metadata={"archive_fingerprint": archive_fingerprint(Path(archive.path))},
                )
            )
        instance.add_dynamic_partitions(
            archive_partitions.name, [a.key for a in paths.registry.all()]
        )
        assert not _tick(defs, instance)  # nothing to ingest
        requests = _tick(defs, instance, "nightly_embeddings")
        instance_shards = instance.get_dynamic_partitions("image_shards")
    # 7 + 3 + 2 images, one a shard: 12 stale shards in runs of at most 8.
    assert defs.resolve_schedule_def("nightly_embeddings").job_name == "embed_images"
    embed_job = defs.resolve_job_def("embed_images")
    assert set(embed_job.asset_layer.executable_asset_keys) == {IMAGE_EMBEDDINGS_KEY}
    ranges = [
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        for r in requests
    ]
    assert len(ranges) == 2
    assert len(instance_shards) == 12 and ranges[0][0] == instance_shards[0]
    assert ranges[-1][1] == instance_shards[-1]


def test_cron_and_timezone_are_configurable() -> None:
    assert nightly_settings({}) == ("0 3 * * *", "UTC")
    assert nightly_settings({NIGHTLY_CRON_ENV: "30 1 * * *", TIMEZONE_ENV: "Europe/Berlin"}) == (
        "30 1 * * *",
        "Europe/Berlin",
    )
    defs = build_definitions("data", nightly_cron="30 1 * * 1-5", timezone="Europe/Berlin")
    for name in ("nightly_ingest", "nightly_embeddings"):
        schedule = defs.resolve_schedule_def(name)
        assert schedule.cron_schedule == "30 1 * * 1-5"
        assert schedule.execution_timezone == "Europe/Berlin"
        assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING


def test_downstream_assets_carry_automation_conditions(tmp_path: Path) -> None:
    defs = build_definitions(str(tmp_path))
    graph = defs.resolve_asset_graph()
    labels = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        condition = node.automation_condition
        labels[key.to_user_string()] = condition.get_label() if condition else None
    roots = ("lake/", "intents/", "archives", "corrections/")
    dbt_models = [k for k in labels if not k.startswith(roots)]
    assert dbt_models and all(labels[k] == "follow_inputs" for k in dbt_models)
    assert labels["lake/prompt_embeddings"] == "follow_inputs"
    assert labels["lake/image_embeddings"] == "embed_new_partitions"
    # Roots change outside Dagster's sight: the schedule and the inbox sensor request them.
    assert labels["lake/generations"] is None and labels["archives"] is None
    assert labels["corrections/keeper_marks"] is None  # written by `keep`, outside any run
    for key in [k for k in labels if k.startswith("intents/")]:
        if graph.get(dg.AssetKey.from_user_string(key)).is_materializable:
            assert labels[key] == "follow_inputs"
    sensor = defs.resolve_sensor_def("automation_sensor")
    assert isinstance(sensor, dg.AutomationConditionSensorDefinition)
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_dbt_follows_an_ingest_even_when_another_archive_is_missing(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    present = paths.registry.register(write_log(tmp_path / "a.csv"), "ada")
    gone = paths.registry.register(write_log(tmp_path / "gone.csv"), "ada")
    Path(gone.path).unlink()  # registered, never ingested: a missing upstream partition
    defs = build_definitions(paths.data_dir)
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(archive_partitions.name, [present.key, gone.key])
    first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    dg.materialize(
        [lake_partition], partition_key=present.key, resources=defs.resources, instance=instance
    )
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=first.cursor)
    assert result.get_num_requested(dg.AssetKey("stg_lake__generations")) == 1
    assert result.get_num_requested(dg.AssetKey("sessions")) == 1
    assert result.get_num_requested(dg.AssetKey(["lake", "prompt_embeddings"])) == 1
    assert result.get_num_requested(GENERATIONS_KEY) == 0
