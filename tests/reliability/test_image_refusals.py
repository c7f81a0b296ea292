"""Images an image model refuses (a pixel bomb) are quarantined rows, not only a log count.

The bomb's generation stands (its metadata was read); the image shard writes the refusal in the
quarantine's columns, and the `quarantine` mart shows it with the decoder's reason.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from embeddings import decode
from embeddings.config import ImageEncoderConfig
from embeddings.images import load_image_encoder
from orchestration.defs.resources import DataPaths
from orchestration.embedding.image_job import embed_shard
from orchestration.embedding.refusals import refusals_file, write_refusals
from orchestration.embedding.shards import planned_shard_keys
from orchestration.ingest.pipeline import ingest_archive
from tests.reliability.bombs import pixel_bomb
from tests.reliability.test_bad_inputs import good_png
from tests.warehouse.helpers import dbt

MODEL = "pixel-signature-v1"
LIMIT = "PNG of 2000×2000 (4,000,000 pixels) is over the 1,000,000-pixel decode limit"


@pytest.fixture
def refused(tmp_path: Path, monkeypatch) -> DataPaths:
    """A folder of one good render and one pixel bomb, ingested and embedded once."""
    monkeypatch.setattr(decode, "MAX_DECODE_PIXELS", 1_000_000)
    src = tmp_path / "src"
    src.mkdir()
    (src / "good.png").write_bytes(good_png())
    parameters = "a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 3, Size: 2000x2000"
    pixel_bomb(src / "huge.png", 2000, 2000, {"parameters": parameters})
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    archive = paths.registry.register(src, "mira")
    ingest_archive(src, "mira", archive.key, paths.lake_dir)
    (key,) = planned_shard_keys(paths.lake_dir, 100)
    encoder = load_image_encoder(ImageEncoderConfig(model=MODEL, num_workers=0))
    stats = embed_shard(lambda: encoder, MODEL, paths.lake_dir, archive, key, 100, print)
    assert (stats.embedded, stats.failed) == (1, 1)
    return paths


def test_a_refused_image_is_written_beside_the_vectors_with_its_reason(refused) -> None:
    (key,) = planned_shard_keys(refused.lake_dir, 100)
    rows = pq.read_table(refusals_file(refused.lake_dir, MODEL, key)).to_pylist()
    assert [(r["source_path"], r["reason"]) for r in rows] == [
        ("huge.png", f"image not embedded with {MODEL}: ImageTooLarge: {LIMIT}: not decoded")
    ]


def test_the_quarantine_mart_lists_the_refusal_beside_ingest_refusals(refused, tmp_path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    dbt(["run", "--select", "+quarantine"], refused.lake_dir, warehouse, tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select source_path, reason from quarantine").fetchall()
    assert (
        "huge.png",
        f"image not embedded with {MODEL}: ImageTooLarge: {LIMIT}: not decoded",
    ) in rows


def test_refusals_follow_the_shard(tmp_path: Path) -> None:
    """A refusal stays until its image is retried; an image that embeds later leaves the file."""
    path = tmp_path / "s0000.parquet"
    write_refusals(
        path,
        "a",
        MODEL,
        {"h1": ("a.png", "E: bad"), "h2": ("b.png", "E: bad")},
        retried={"h1", "h2"},
        embedded=set(),
    )
    write_refusals(path, "a", MODEL, {}, retried={"h1"}, embedded=set())  # budgeted: h1 only
    assert [r["content_hash"] for r in pq.read_table(path).to_pylist()] == ["h2"]
    write_refusals(path, "a", MODEL, {}, retried=set(), embedded={"h2"})
    assert not path.exists()
