"""A lake written before the second-pass columns existed still builds: they read as NULL."""

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.lake import GENERATIONS_SCHEMA, QUARANTINE_SCHEMA
from orchestration.ingest.passes import PASS_COLUMNS
from tests.warehouse.helpers import build_without_intents
from tests.warehouse.lake_fixture import generation


def test_a_lake_without_the_pass_columns_builds(tmp_path: Path) -> None:
    old_schema = pa.schema([f for f in GENERATIONS_SCHEMA if f.name not in PASS_COLUMNS])
    rows = [
        {
            k: v
            for k, v in generation(f"o{i}", "old", i, "a lantern", seed=i).items()
            if k not in PASS_COLUMNS
        }
        | {"source_archive": "old"}
        for i in range(3)
    ]
    lake = tmp_path / "lake"
    path = lake / "generations" / "archive=old" / "generations.parquet"
    path.parent.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=old_schema), path)
    quarantine = lake / "quarantine" / "archive=old" / "quarantine.parquet"
    quarantine.parent.mkdir(parents=True)
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), quarantine)
    warehouse = tmp_path / "warehouse.duckdb"
    build_without_intents(lake, warehouse, tmp_path / "corrections", tmp_path)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        got = con.execute(
            "select count(*), count(upscale_factor) + count(upscaler) "
            "+ count(denoising_strength) + count(init_image) from generations"
        ).fetchone()
    assert got == (3, 0)
