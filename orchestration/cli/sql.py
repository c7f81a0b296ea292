"""`creative-sessions sql`: one read-only query, every value whole, as a table, CSV or JSON lines.

No Dagster here: a query should start as fast as DuckDB itself does.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from orchestration.cli.warehouse import reading_warehouse
from orchestration.safe_text import printable


@click.command()
@click.argument("query")
@click.option(
    "--max-rows",
    type=click.IntRange(min=0),
    help="Print at most this many rows (default: 40 in the table, all in --csv/--json).",
)
@click.option(
    "--csv", "output", flag_value="csv", help="CSV with a header row, for a spreadsheet or a file."
)
@click.option(
    "--json",
    "output",
    flag_value="json",
    help="JSON lines: one object per row and line, keyed by column name.",
)
@click.pass_obj
def sql(data_dir: Path, query: str, max_rows: int | None, output: str | None) -> None:
    """Run one SQL query against the warehouse (read-only) and print every value whole.

    The default is a table for reading; --csv and --json write data to stdout for programs.
    """
    import itertools

    import duckdb

    from orchestration.cli.sql_output import render_table, write_csv, write_json_lines

    with (
        reading_warehouse(data_dir, "sql") as data,
        duckdb.connect(str(data.warehouse_path), read_only=True) as con,
    ):
        try:
            relation = con.sql(query)
            if relation is None:
                click.echo("ok")
                return
            columns = relation.columns
            if output is None:
                limit = 40 if max_rows is None else max_rows
                rows = relation.fetchmany(limit + 1)
                click.echo(render_table(columns, rows[:limit], more=len(rows) > limit))
                return
            batches = iter(lambda: relation.fetchmany(10_000), [])
            rows = itertools.chain.from_iterable(batches)
            if max_rows is not None:
                rows = itertools.islice(rows, max_rows)
            write = write_csv if output == "csv" else write_json_lines
            write(sys.stdout, columns, rows)
        except duckdb.Error as exc:
            raise click.ClickException(f"query failed: {printable(exc)}") from exc
