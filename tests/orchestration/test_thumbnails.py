import shutil
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
from PIL import Image

from embeddings.thumbnails import THUMBNAIL_PX, thumbnail_path
from orchestration.ingest.lake import GENERATIONS_TABLE
from tests.orchestration.embedding_lake import build_lake
from tests.orchestration.test_embedding_assets import PIXELS, materialize_shards, metadata


def _image_hashes(lake_dir: Path) -> set[str]:
    table = pq.read_table(lake_dir / GENERATIONS_TABLE, columns=["content_hash"])
    return {h for h in table.column(0).to_pylist() if h}


def test_image_embeddings_write_thumbnails_and_backfill_missing_ones(tmp_path: Path) -> None:
    paths = build_lake(tmp_path)
    instance = dg.DagsterInstance.ephemeral()
    hashes = _image_hashes(paths.lake_dir)

    first = metadata(materialize_shards(paths, PIXELS, instance), "lake__image_embeddings")

    assert first["thumbnails_written"] == len(hashes) == 12
    for digest in hashes:
        with Image.open(thumbnail_path(paths.thumbnails_dir, digest)) as thumb:
            assert max(thumb.size) <= THUMBNAIL_PX

    # A data directory embedded before thumbnails existed: every vector cached, no thumbnails.
    shutil.rmtree(paths.thumbnails_dir)
    again = metadata(materialize_shards(paths, PIXELS, instance), "lake__image_embeddings")

    assert again["images_embedded"] == 0 and again["images_skipped_cached"] == 12
    assert again["thumbnails_written"] == 12
    assert all(thumbnail_path(paths.thumbnails_dir, d).exists() for d in hashes)
    still = metadata(materialize_shards(paths, PIXELS, instance), "lake__image_embeddings")
    assert still["thumbnails_written"] == 0
