"""The health check reads a row of every table and binds every view."""

from pathlib import Path

import duckdb

from orchestration.store.warehouse_health import Relation, warehouse_problem

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
