"""The queries Python sends to the warehouse, by name, from the `.sql` files in `queries/`.

The commands' reads of the dbt views live in one folder, each file saying what it returns, so a
change to a view's columns shows every reader at once, and no module builds SQL from strings.
(The journal keeps its own queries: they are part of what its page fingerprints cover.)
Light on purpose: the quick commands import it, so duckdb and polars load only when used.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import polars as pl

QUERIES = Path(__file__).with_name("queries")


@functools.cache
def query_sql(name: str) -> str:
    """The text of ``queries/<name>.sql``; an unknown name is a `KeyError` naming the folder."""
    path = QUERIES / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no warehouse query {name!r} in {QUERIES}")
    return path.read_text(encoding="utf-8")


def _run(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None
) -> duckdb.DuckDBPyConnection:
    return con.execute(query_sql(name), dict(params) if params else None)


def fetch_all(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> list[tuple]:
    """Every row of the named query."""
    return _run(con, name, params).fetchall()


def fetch_one(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> tuple | None:
    """The first row of the named query, or None."""
    return _run(con, name, params).fetchone()


def fetch_frame(
    con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None
) -> pl.DataFrame:
    """The named query's rows as a polars frame."""
    return _run(con, name, params).pl()


def has_relations(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    """Whether the warehouse has every one of these tables or views yet."""
    found = fetch_one(con, "relations_present", {"names": list(names)})
    return bool(found and found[0] == len(set(names)))


@contextlib.contextmanager
def read_only(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse file, closed on exit."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()
