from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from embeddings.store import EmbeddingStore


def unit_rows(n: int, dim: int, seed: int = 0) -> np.ndarray:
    rows = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_write_and_lookup_round_trip(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path / "image_embeddings", "model-a", "content_hash")
    vectors = unit_rows(4, 8)
    store.write(store.root / "archive=x" / "s0000.parquet", ["h0", "h1", "h2", "h3"], vectors)
    store.write(store.root / "archive=y" / "s0000.parquet", ["h4"], unit_rows(1, 8, seed=1))

    found, got = store.lookup(["h3", "h1", "h4", "missing"])

    assert store.known_keys() == {"h0", "h1", "h2", "h3", "h4"}
    assert set(found) == {"h1", "h3", "h4"}
    assert got is not None and got.dtype == np.float32
    assert np.array_equal(got[found.index("h3")], vectors[3])
    schema = pq.read_schema(store.root / "archive=x" / "s0000.parquet")
    assert schema.field("embedding").type == pa.list_(pa.float32(), 8)  # fixed-size list
    assert not list(store.root.rglob(".*.tmp"))


def test_models_live_side_by_side(tmp_path: Path) -> None:
    a = EmbeddingStore(tmp_path, "model-a", "prompt_hash")
    b = EmbeddingStore(tmp_path, "model-b", "prompt_hash")
    a.write(a.root / "part-1.parquet", ["p"], unit_rows(1, 4))
    assert b.known_keys() == set()
    assert b.lookup(["p"]) == ([], None)


def test_duckdb_reads_vectors_for_cosine_similarity(tmp_path: Path) -> None:
    store = EmbeddingStore(tmp_path / "image_embeddings", "model-a", "content_hash")
    vectors = unit_rows(3, 16)
    store.write(store.root / "archive=x" / "s0000.parquet", ["a", "b", "c"], vectors)
    glob = f"{tmp_path}/image_embeddings/*/*/*.parquet"
    row = duckdb.sql(
        f"""
        with e as (select * from read_parquet('{glob}', hive_partitioning = false))
        select
            array_cosine_similarity(x.embedding::float[16], y.embedding::float[16]),
            list_cosine_similarity(x.embedding, y.embedding),
            typeof(x.embedding::float[16])
        from e as x, e as y where x.content_hash = 'a' and y.content_hash = 'b'
        """
    ).fetchone()
    expected = float(vectors[0] @ vectors[1])
    assert abs(row[0] - expected) < 1e-5 and abs(row[1] - expected) < 1e-5
    assert row[2] == "FLOAT[16]"
