"""The health check reads a row of every table and binds every view."""

from pathlib import Path

import duckdb
import polars as pl

from orchestration.store.warehouse_health import (
    Relation,
    views_compiled_as_lake_is,
    warehouse_problem,
)

RELATIONS = [Relation("main", "t"), Relation("main", "v")]


def _warehouse(path: Path, *statements: str) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as a")
        con.execute("create view v as select a, a + 1 as b from t")
        for statement in statements:
            con.execute(statement)
    return path


def test_a_whole_warehouse_has_no_problem(tmp_path: Path) -> None:
    assert warehouse_problem(_warehouse(tmp_path / "w.duckdb"), RELATIONS) is None


def test_a_view_over_a_vanished_table_or_column_does_not_read(tmp_path: Path) -> None:
    gone = _warehouse(tmp_path / "gone.duckdb", "drop table t")
    assert warehouse_problem(gone, [Relation("main", "v")]) == (
        "v does not read (Catalog Error: Table with name t does not exist!)"
    )
    renamed = _warehouse(tmp_path / "renamed.duckdb", "alter table t rename column a to c")
    assert (warehouse_problem(renamed, RELATIONS) or "").startswith("v does not read (Binder")


def test_views_are_bound_not_computed(tmp_path: Path) -> None:
    path = _warehouse(tmp_path / "w.duckdb")
    assert Relation("main", "v").probe(view=True).endswith("limit 0")
    assert Relation("main", "t").probe().endswith("limit 1")
    assert warehouse_problem(path, [*RELATIONS, Relation("main", "missing")]) == (
        "incomplete: missing missing"
    )


def _lake_state_warehouse(path: Path, lake: Path) -> Path:
    """Two views as `lake_has_files` compiles them: one over a folder, one a typed stub."""
    (lake / "vectors" / "m").mkdir(parents=True)
    (lake / "refusals" / "m").mkdir(parents=True)
    pl.DataFrame({"content_hash": ["h"]}).write_parquet(lake / "vectors" / "m" / "one.parquet")
    reads = f"create view reads as select * from read_parquet('{lake}/vectors/*/*.parquet')"
    with duckdb.connect(str(path)) as con:
        con.execute(reads)
        con.execute("create view stub as select null::varchar as content_hash where false")
    return path


def test_a_view_is_current_while_its_lake_glob_answers_as_when_it_was_compiled(
    tmp_path: Path,
) -> None:
    lake = tmp_path / "lake"
    # The read view was compiled when vectors/ held a file; the stub while refusals/ held none.
    warehouse = _lake_state_warehouse(tmp_path / "w.duckdb", lake)
    globs = {"reads": ["vectors/*/*.parquet"], "stub": ["refusals/*/*.parquet"]}
    assert views_compiled_as_lake_is(warehouse, lake, globs) == {"reads", "stub"}
    # The stub's folder gains its first file: it must be compiled again to read it.
    (lake / "refusals" / "m" / "r.parquet").write_bytes(
        (lake / "vectors/m/one.parquet").read_bytes()
    )
    assert views_compiled_as_lake_is(warehouse, lake, globs) == {"reads"}
    # The read view's folder loses its last file: its read would now fail.
    (lake / "vectors" / "m" / "one.parquet").unlink()
    assert views_compiled_as_lake_is(warehouse, lake, globs) == set()


def test_a_view_without_globs_or_missing_is_never_current(tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    warehouse = _lake_state_warehouse(tmp_path / "w.duckdb", lake)
    globs = {"stub": [], "absent": ["refusals/*/*.parquet"]}
    assert views_compiled_as_lake_is(warehouse, lake, globs) == set()
