"""The warehouse queries: every file is used, every use names a file, every query binds.

Binding each query against a warehouse that the real pipeline built (PREPARE resolves every
table and column) is what catches a view whose columns moved away from one of its readers.
"""

import ast
from pathlib import Path

import duckdb
import pytest

from orchestration.store.warehouse_queries import QUERIES, fetch_all, has_relations, query_sql
from tests.shared import Ingested

ROOT = Path(__file__).resolve().parents[2]
READERS = {"fetch_all", "fetch_one", "fetch_frame"}


def _names_used() -> set[str]:
    """Query names passed as string literals to the fetch functions anywhere in the code."""
    names = set()
    for path in (ROOT / "orchestration").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in READERS:
                for arg in node.args[1:2]:
                    literals = [arg] if isinstance(arg, ast.Constant) else []
                    if isinstance(arg, ast.IfExp):  # `"a" if labelled else "b"`
                        literals = [arg.body, arg.orelse]
                    names |= {c.value for c in literals if isinstance(c, ast.Constant)}
    return names


def test_every_query_file_is_used_and_every_use_has_a_file() -> None:
    files = {p.stem for p in QUERIES.glob("*.sql")}
    used = _names_used()
    assert used, "the scan finds the readers"
    assert used == files, {"unused files": files - used, "missing files": used - files}


def test_an_unknown_query_names_the_folder() -> None:
    with pytest.raises(KeyError, match="no warehouse query 'nope'"):
        query_sql("nope")


@pytest.mark.parametrize("name", sorted(p.stem for p in QUERIES.glob("*.sql")))
def test_query_binds_against_the_built_warehouse(ingested: Ingested, name: str) -> None:
    with duckdb.connect(str(ingested.data / "warehouse.duckdb"), read_only=True) as con:
        assert has_relations(con, "sessions", "session_intents", "session_keepers")
        assert not has_relations(con, "sessions", "no_such_view")
        con.execute(f"prepare checked as {query_sql(name)}")  # binds every relation and column


def test_fetch_runs_a_named_query(ingested: Ingested) -> None:
    with duckdb.connect(str(ingested.data / "warehouse.duckdb"), read_only=True) as con:
        artists = fetch_all(con, "artists")
    assert artists == [("ada",)]
