"""Whether the warehouse file is whole: it opens, and every relation dbt's manifest promises reads.

"A build finished once and the file exists" is not proof: a truncated file, or a build killed
half-way, leaves a file that opens badly or lacks models. A warehouse that fails this check is
renamed aside (never deleted: it may hold something a person wants to look at) and rebuilt from
the lake, which is the system of record.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

FOREIGN_LOCK = "Could not set lock on file"
"""DuckDB's words when another process holds the file: busy, not broken."""


@dataclass(frozen=True, order=True)
class Relation:
    """A model dbt materializes in the warehouse."""

    schema: str
    name: str

    def probe(self, *, view: bool = False) -> str:
        """A one-row read of a table, or a bind of a view; names quoted as identifiers.

        A view holds no rows of its own: binding it proves what it selects from and its columns
        exist, and the tables under it are read by their own probes. Reading a row of a view
        computes most of it (0.4 CPU-s for ``intent_signals`` at 100k generations).
        """
        schema, name = (part.replace('"', '""') for part in (self.schema, self.name))
        return f'select 1 from "{schema}"."{name}" limit {0 if view else 1}'


class WarehouseInUse(Exception):
    """Another process (not one of ours) holds the warehouse file open for writing."""


def expected_relations(manifest: Path, *, exclude_tag: str | None = None) -> list[Relation]:
    """Every model of the dbt manifest that exists in the database (ephemeral ones do not)."""
    nodes = json.loads(manifest.read_text(encoding="utf-8"))["nodes"].values()
    return sorted(
        Relation(node["schema"], node.get("alias") or node["name"])
        for node in nodes
        if node["resource_type"] == "model"
        and node["config"].get("materialized") != "ephemeral"
        and (exclude_tag is None or exclude_tag not in node.get("tags", []))
    )


def warehouse_problem(warehouse: Path, relations: list[Relation]) -> str | None:
    """What is wrong with the warehouse file, or None when it opens and every relation reads.

    Raises:
        WarehouseInUse: another process holds the file; that says nothing about its health.
    """
    if not warehouse.exists():
        return "warehouse file missing"
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        if FOREIGN_LOCK in str(exc):
            raise WarehouseInUse(str(exc)) from exc
        return f"the file does not open ({_first_line(exc)})"
    try:
        present = {
            Relation(schema, name): kind
            for schema, name, kind in con.execute(
                "select table_schema, table_name, table_type from information_schema.tables"
            ).fetchall()
        }
        missing = [r for r in relations if r not in present]
        if missing:
            names = ", ".join(r.name for r in missing[:3])
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            return f"incomplete: {names}{more} missing"
        for relation in relations:
            try:
                con.execute(relation.probe(view=present[relation] == "VIEW")).fetchall()
            except duckdb.Error as exc:
                return f"{relation.name} does not read ({_first_line(exc)})"
    except duckdb.Error as exc:
        return f"the file does not read ({_first_line(exc)})"
    finally:
        con.close()
    return None


_FILE_READ = re.compile(r"read_(?:parquet|json|csv)\(\s*'([^']*)'")


def view_read_outside(
    warehouse: Path, relations: Sequence[Relation], folders: Sequence[Path]
) -> str | None:
    """A file path that one of the ``relations``' views reads outside ``folders``, or None.

    A view holds the paths it reads as text in its SQL: in a warehouse copied or moved from
    another data directory, it still reads that directory's lake. Such a view is current only
    once rebuilt with this directory's paths.
    """
    roots = tuple(f"{folder.as_posix().rstrip('/')}/" for folder in folders)
    names = [r.name for r in relations]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = con.execute(
            "select sql from duckdb_views() where not internal "
            "and view_name in (select unnest($names))",
            {"names": names},
        ).fetchall()
    for (sql,) in views:
        for path in _FILE_READ.findall(sql or ""):
            if not path.startswith(roots):
                return path
    return None


def views_compiled_as_lake_is(
    warehouse: Path, lake_dir: Path, globs: Mapping[str, Sequence[str]]
) -> set[str]:
    """The views (by name) whose SQL reads each of their lake globs exactly when it has files.

    `lake_has_files` compiles a view to a typed empty relation while its lake folder is empty
    and to a read of the folder once it holds files, so the view is current only while the
    lake still answers as it did: a glob that matches files appears in its SQL as the path it
    reads, one that matches nothing does not. DuckDB's own `glob` answers, as in the macro. A
    view without globs, or missing, is never current here.
    """
    lake = lake_dir.as_posix().rstrip("/")
    paths = {glob: f"{lake}/{glob}" for names in globs.values() for glob in names}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = dict(
            con.execute(
                "select view_name, sql from duckdb_views() where not internal "
                "and view_name in (select unnest($names))",
                {"names": list(globs)},
            ).fetchall()
        )
        has_files = {
            glob: con.execute("select count(*) > 0 from glob($path)", {"path": path}).fetchone()[0]
            for glob, path in paths.items()
        }
    return {
        name
        for name, names in globs.items()
        if names
        and name in sql
        and all((paths[glob] in (sql[name] or "")) == has_files[glob] for glob in names)
    }


def move_aside(warehouse: Path) -> Path:
    """Rename the warehouse (and its write-ahead log) to ``<name>.broken-<UTC time>``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = warehouse.with_name(f"{warehouse.name}.broken-{stamp}")
    warehouse.rename(target)
    wal = warehouse.with_name(f"{warehouse.name}.wal")
    if wal.exists():
        wal.rename(target.with_name(f"{target.name}.wal"))
    return target


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0][:200]
