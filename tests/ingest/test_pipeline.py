import shutil
from pathlib import Path

import pyarrow.parquet as pq
from PIL import Image

from orchestration.ingest.lake import partition_file
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import png_bytes


def _png(prompt: str, seed: int) -> bytes:
    meta = GenerationMeta(
        tool="a1111",
        prompt=prompt,
        seed=seed,
        steps=20,
        cfg_scale=7.0,
        sampler="Euler a",
        width=512,
        height=512,
    )
    return png_bytes(
        Image.new("RGB", (8, 8), (seed % 255, 0, 0)), {"parameters": a1111_parameters(meta)}
    )


def test_folder_ingest_quarantines_and_reruns_identically(tmp_path: Path) -> None:
    src = tmp_path / "outputs"
    (src / "day").mkdir(parents=True)
    (src / "day" / "a.png").write_bytes(_png("a red fox", 1))
    (src / "day" / "b.png").write_bytes(_png("a red fox", 2))
    (src / "day" / "copy-of-a.png").write_bytes(_png("a red fox", 1))  # same bytes: one generation
    (src / "empty.png").write_bytes(b"")
    (src / "readme.txt").write_text("notes")
    lake = tmp_path / "lake"
    stats = ingest_archive(src, "mira", "outputs-1", lake)
    assert (stats.generations, stats.quarantined, stats.duplicates_skipped) == (2, 2, 1)
    gens = pq.read_table(partition_file(lake, "generations", "outputs-1")).to_pylist()
    assert {g["seed"] for g in gens} == {1, 2}
    assert all(g["artist"] == "mira" and g["tool"] == "a1111" for g in gens)
    assert all(g["created_at_source"] == "file mtime" and g["content_hash"] for g in gens)
    reasons = {
        q["source_path"]: q["reason"]
        for q in pq.read_table(partition_file(lake, "quarantine", "outputs-1")).to_pylist()
    }
    assert reasons == {
        "empty.png": reasons["empty.png"],
        "readme.txt": "unsupported file type (.txt)",
    }
    assert "empty" in reasons["empty.png"]
    before = pq.read_table(partition_file(lake, "generations", "outputs-1"))
    ingest_archive(src, "mira", "outputs-1", lake)
    assert pq.read_table(partition_file(lake, "generations", "outputs-1")).equals(before)


def test_diffusiondb_slice_ingests_one_row_per_line(realdata: Path, tmp_path: Path) -> None:
    log = tmp_path / "diffusiondb.csv"
    shutil.copy(realdata / "diffusiondb-first1k" / "diffusiondb_sample.csv", log)
    stats = ingest_archive(log, "unused", "ddb", tmp_path / "lake")
    assert (stats.generations, stats.quarantined) == (1000, 0)
    table = pq.read_table(partition_file(tmp_path / "lake", "generations", "ddb"))
    assert table.num_rows == 1000
    assert len(set(table["artist"].to_pylist())) == 173
    assert set(table["tool"].to_pylist()) == {"diffusiondb"}
