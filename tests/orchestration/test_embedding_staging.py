import json
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pyarrow as pa

from embeddings.store import EmbeddingStore
from orchestration.defs.assets.warehouse import DBT_PROJECT_DIR, dbt_executable
from orchestration.defs.resources import DataPaths
from orchestration.embedding.prompt_job import PROMPT_EMBEDDINGS_TABLE, prompt_hash
from tests.orchestration.embedding_lake import build_lake
from tests.orchestration.test_embedding_assets import PIXELS, materialize_shards

MODELS = [
    "stg_lake__image_embedding_rows",
    "stg_lake__prompt_embedding_rows",
    "stg_lake__image_embeddings",
    "stg_lake__prompt_embeddings",
]


def dbt_build(paths: DataPaths, tmp_path: Path) -> None:
    variables = {"lake_dir": paths.lake_dir.as_posix(), "warehouse_path": str(paths.warehouse_path)}
    subprocess.run(
        [dbt_executable(), "build", "--quiet", "--select", *MODELS, "--vars", json.dumps(variables),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        check=True, cwd=DBT_PROJECT_DIR,
    )  # fmt: skip


def test_staging_views_serve_vectors_to_duckdb(tmp_path: Path) -> None:
    paths = build_lake(tmp_path)
    materialize_shards(paths, PIXELS, dg.DagsterInstance.ephemeral())
    store = EmbeddingStore(paths.lake_dir / PROMPT_EMBEDDINGS_TABLE, "toy-text", "prompt_hash")
    store.write(
        store.root / "part-0.parquet",
        [prompt_hash("neon portrait")],
        np.eye(1, 4, dtype="f4"),
        {"prompt": (pa.string(), ["neon portrait"])},
    )

    dbt_build(paths, tmp_path)

    con = duckdb.connect(str(paths.warehouse_path), read_only=True)
    n, dim, self_similarity = con.sql(
        "select count(*), any_value(embedding_dim), "
        "min(array_cosine_similarity(embedding::float[448], embedding::float[448])) "
        "from stg_lake__image_embeddings where model_id = 'pixel-signature-v1'"
    ).fetchone()
    assert (n, dim) == (12, 448) and abs(self_similarity - 1) < 1e-5
    joined = con.sql(
        "select prompt from stg_lake__prompt_embeddings where prompt_hash = sha256('neon portrait')"
    ).fetchall()
    assert joined == [("neon portrait",)]


def test_staging_views_exist_before_any_embedding(tmp_path: Path) -> None:
    paths = build_lake(tmp_path)

    dbt_build(paths, tmp_path)

    con = duckdb.connect(str(paths.warehouse_path), read_only=True)
    for model in MODELS:
        assert con.sql(f"select count(*) from {model}").fetchone() == (0,)
