"""A lake increment builds the tables alone, and gives what a rebuild from the lake gives.

The views over the tables read them live, so new rows need no rebuild of them: a `run` after a
new archive selects the table models (and their tests) and leaves the views as they are. Every
relation of the warehouse and every label must then equal those of a warehouse and labels built
from scratch over the same lake; a view whose SQL moved is still rebuilt, and so are views that
read another data directory's lake (a copied or moved data directory).
"""

import json
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.cli.run_inputs import forget_last_run
from orchestration.defs.assets.embeddings import PROMPT_EMBEDDINGS_KEY
from orchestration.defs.assets.lake import GENERATIONS_KEY
from orchestration.defs.assets.warehouse import (
    stored_models,
    views_over_lake_state,
    warehouse_models,
)
from orchestration.defs.resources import DataPaths
from orchestration.defs.warehouse_state import (
    MODEL_CHANGED,
    VIEWS_ELSEWHERE,
    models_to_build,
    warehouse_reason,
)
from orchestration.store.data_dir import DataDir
from tests.reliability.runs import start
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=300)  # three CLI runs with dbt and labelling

# Columns stamped with the time of the run that wrote them.
_RUN_STAMPED = {"labelled_at"}


def _relations(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table and view of the warehouse, all columns but run stamps, rows sorted."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            name
            for (name,) in con.sql(
                "select table_name from information_schema.tables "
                "where table_schema = 'main' order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'main' and table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
                if c not in _RUN_STAMPED
            ]
            select = ", ".join(f'"{c}"' for c in columns)
            out[name] = sorted(con.sql(f'select {select} from "{name}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def _built_models(data: Path) -> set[str]:
    """The models dbt's last invocation built (its run_results.json), by name."""
    results = json.loads((data / "dbt" / "target" / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[-1]
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }


def _write_increment(path: Path) -> Path:
    """Five more castles the same evening (they join the log's session) and a new evening."""
    rows = [
        {"prompt": f"castle {2 + i // 2}", "seed": str(10 + i), "step": "30", "cfg": "7"}
        | {"timestamp": f"2025-03-01 20:{10 + i:02d}:00+00:00"}
        for i in range(3)
    ] + [
        {"prompt": "a harbour at dawn", "seed": str(20 + i), "step": "25", "cfg": "6"}
        | {"timestamp": f"2025-03-04 07:{i:02d}:00+00:00"}
        for i in range(2)
    ]
    pl.DataFrame(rows).write_csv(path)
    return path


def test_a_lake_increment_selects_the_tables_and_every_other_reason_everything() -> None:
    tables = stored_models()
    views = set(warehouse_models.keys) - tables
    assert dg.AssetKey("int_generations_sessionized") in tables
    assert dg.AssetKey("sessions") in views and dg.AssetKey("stg_lake__generations") in views
    # Views compiled from which lake folders hold files (an empty typed stub before the first
    # embedding file) are rebuilt on every build; the other views are left alone.
    lake_state = views_over_lake_state()
    assert dg.AssetKey("stg_lake__image_embedding_rows") in lake_state
    assert dg.AssetKey("sessions") not in lake_state
    increment = models_to_build("lake changed since the last build")
    assert increment == tables | lake_state
    # Those compiled as the lake is now (`lake_state_views_current`) are left alone too.
    current = {dg.AssetKey("stg_lake__image_embedding_rows")}
    assert (
        models_to_build("lake changed since the last build", (), current)
        == (tables | lake_state) - current
    )
    # With the lake's generations written in the same run, the views to them order the run.
    with_lake = models_to_build("new prompt vectors", {GENERATIONS_KEY, PROMPT_EMBEDDINGS_KEY})
    assert with_lake - increment == {
        dg.AssetKey(name)
        for name in (
            "stg_lake__generations",
            "stg_lake__generation_passes",
            "stg_lake__generation_copies",  # int_session_keepers_evidenced reads it
            "stg_lake__prompt_embeddings",
        )
    }
    for reason in ("never built", "forced", f"model sessions {MODEL_CHANGED}"):
        assert models_to_build(reason) == set(warehouse_models.keys)


def test_an_increment_builds_the_tables_and_equals_a_rebuild_from_scratch(
    ingested: Ingested, tmp_path: Path
) -> None:
    data = ingested.copy_data(tmp_path / "data")
    # The copy's views still read the shared directory's lake: the next run rebuilds them all.
    forget_last_run(data)
    moved = start(data, "run").finish()
    assert f"warehouse: dbt build ({VIEWS_ELSEWHERE} ({ingested.data}/lake/" in moved, moved
    log = _write_increment(tmp_path / "more.csv")
    output = start(data, "ingest", str(log), "--artist", "ada").finish()
    n_tables = len(stored_models())
    assert f"warehouse: dbt build of the {n_tables} tables (lake changed" in output, output
    built, tables = _built_models(data), {key.path[-1] for key in stored_models()}
    # The tables, and the staging views between them and what this run wrote to the lake
    # (the views order the run's steps); the marts over the tables are left as they are.
    assert tables <= built and all(name.startswith("stg_lake__") for name in built - tables)
    # A log moves no image vectors: that view is compiled as the lake is and stays. The
    # quarantine's view comes with the ingest's quarantine, and the prompt rows' with the run's
    # new prompt vectors, so that their tests check the new rows.
    assert {key.path[-1] for key in views_over_lake_state()} & built == {
        "stg_lake__quarantine",
        "stg_lake__prompt_embedding_rows",
    }, built
    assert "sessions" not in built and "intent_signals" not in built
    incremental = _relations(data / "warehouse.duckdb")
    intents = Path("lake", "intents", "session_intents.parquet")
    labels = pl.read_parquet(data / intents).drop("labelled_at")
    before = _relations(ingested.data / "warehouse.duckdb")
    assert len(incremental["generations"]) == len(before["generations"]) + 5
    assert len(incremental["sessions"]) == len(before["sessions"]) + 1  # dawn; castles joined

    fresh = tmp_path / "fresh"
    shutil.copytree(data, fresh)
    (fresh / "warehouse.duckdb").unlink()
    shutil.rmtree(fresh / "lake" / "intents")
    forget_last_run(fresh)
    output = start(fresh, "run").finish()
    assert "warehouse: dbt build (warehouse file missing" in output, output
    rebuilt = _relations(fresh / "warehouse.duckdb")
    assert incremental.keys() == rebuilt.keys()
    for name in rebuilt:
        assert incremental[name] == rebuilt[name], name
    rebuilt_labels = pl.read_parquet(fresh / intents)
    assert labels.sort("session_id").equals(rebuilt_labels.drop("labelled_at").sort("session_id"))


def test_a_view_whose_sql_moved_is_rebuilt(ingested: Ingested, tmp_path: Path) -> None:
    """A new code version on a view is a model change: the next build covers every model.

    It outranks the copy's views reading elsewhere: a model change also rebuilds the
    incremental models whole, which a build for moved paths alone would not.
    """
    data = ingested.copy_data(tmp_path / "data")
    paths = DataPaths(data_dir=str(data))
    with dg.DagsterInstance.from_config(str(DataDir.at(data).dagster_home)) as instance:
        # A copy: its views read the shared directory's lake until rebuilt.
        assert warehouse_reason(instance, paths).startswith(VIEWS_ELSEWHERE)
        # The `sessions` view recorded with other SQL than its file's, as after an edit of it.
        sessions = dg.AssetKey("sessions")
        instance.report_runless_asset_event(
            dg.AssetMaterialization(sessions, tags={"dagster/code_version": "older sql"})
        )
        reason = warehouse_reason(instance, paths)
    assert reason == f"model sessions {MODEL_CHANGED}"
    assert models_to_build(reason) == set(warehouse_models.keys)
