"""The real path into the journal: lake → embeddings (with thumbnails) → dbt → intents → pages."""

import re
from pathlib import Path

import dagster as dg
import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.definitions import build_definitions
from orchestration.defs.assets.embeddings import prompt_embeddings
from orchestration.defs.assets.intents import session_labels
from orchestration.defs.assets.journal import journal
from orchestration.defs.assets.warehouse import intent_views, warehouse_models
from orchestration.defs.jobs import QUIET_RUN_CONFIG
from orchestration.defs.resources import DataPaths
from orchestration.ingest.lake import GENERATIONS_TABLE, QUARANTINE_SCHEMA, QUARANTINE_TABLE
from tests.browser import dump_dom
from tests.orchestration.embedding_lake import build_lake
from tests.orchestration.test_embedding_assets import PIXELS, materialize_shards

pytestmark = pytest.mark.slow(seconds=55)  # pipelines, dbt, servers: started first


def complete_lake(paths: DataPaths) -> None:
    """What ingest adds to the embedding tests' lake: timestamp provenance and quarantine files."""
    for part in (paths.lake_dir / GENERATIONS_TABLE).glob("archive=*"):
        file = part / f"{GENERATIONS_TABLE}.parquet"
        table = pq.read_table(file)
        column = table.schema.get_field_index("created_at_source")
        source = pa.array(["metadata"] * table.num_rows, table.schema.field(column).type)
        pq.write_table(table.set_column(column, "created_at_source", source), file)
        quarantine = paths.lake_dir / QUARANTINE_TABLE / part.name / f"{QUARANTINE_TABLE}.parquet"
        quarantine.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(QUARANTINE_SCHEMA.empty_table(), quarantine)


def test_journal_from_the_built_warehouse_opens_from_disk(tmp_path: Path) -> None:
    paths = build_lake(tmp_path)
    complete_lake(paths)
    defs = build_definitions(str(paths.root))
    resources = {**defs.resources, "image_encoder": PIXELS}
    instance = dg.DagsterInstance.ephemeral()
    materialize_shards(paths, PIXELS, instance)
    for assets in ([prompt_embeddings], [warehouse_models], [session_labels], [intent_views]):
        dg.materialize(assets, resources=resources, instance=instance, run_config=QUIET_RUN_CONFIG)

    result = dg.materialize([journal], resources=resources, instance=instance)

    assert result.success
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        labels = con.execute("select artist, label, arc from session_intents").fetchall()
    assert labels  # the intent asset labelled the sessions the page is about
    pages = {p.name for p in paths.journal_dir.iterdir()}
    assert pages == {"index.html", "ada.html"}  # every row of the test lake is ada's
    dom = dump_dom((paths.journal_dir / "ada.html").as_uri())
    for artist, label, arc in labels:
        if artist == "ada":
            assert _text(label) in dom and _text(arc) in dom
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    counts = dict(re.findall(r'data-(images|loaded|broken)="(\d+)"', body.group(0)))
    assert int(counts["images"]) >= 10  # thumbnails the embedding job wrote
    assert counts["loaded"] == counts["images"] and counts["broken"] == "0"
    assert "<svg" in dom


def _text(value: str) -> str:
    """How the page spells a value: HTML-escaped (Chromium re-serialises quotes as-is)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
