"""`creative-sessions keep SESSION POSITION`: the artist names a render they kept.

The mark is stored with the corrections (never rebuilt); `session_keepers` reads it at query
time, and the session is relabelled so its "converged on N candidates" counts it.
"""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from orchestration.cli.warehouse import reading_warehouse
from orchestration.safe_text import printable
from orchestration.store.data_dir import DataDir
from orchestration.store.warehouse_queries import fetch_all, fetch_one, read_only


@click.command()
@click.argument("session_id")
@click.argument("position", type=click.IntRange(min=1))
@click.option("--note", help="Your own words about it (shown as the evidence).")
@click.option("--remove", is_flag=True, help="Undo the mark of this render instead.")
@click.option("--author", default=getpass.getuser, show_default="current user")
@click.pass_obj
def keep(
    data_dir: Path, session_id: str, position: int, note: str | None, remove: bool, author: str
) -> None:
    """Mark render #POSITION of SESSION_ID (a unique prefix) as a keeper, or --remove the mark."""
    from orchestration.intent.keeper_marks import KeeperMark, KeeperMarks

    with reading_warehouse(data_dir, "keep") as data, read_only(data.warehouse_path) as con:
        rows = fetch_all(con, "keeper_render", {"prefix": session_id, "position": position})
    sessions = {row[0] for row in rows}
    if len(sessions) > 1:
        raise click.ClickException(
            f"{printable(repr(session_id))} matches {len(sessions)} sessions; give more of the id"
        )
    if not rows:
        raise click.ClickException(
            f"no render #{position} in a session {printable(repr(session_id))}; "
            "see `creative-sessions sessions`"
        )
    found_session, artist, generation_id = rows[0]
    marks = KeeperMarks.in_dir(data.corrections_dir)
    if remove:
        undone = marks.unmark(generation_id, author=author)
        if not undone:
            raise click.ClickException(f"render #{position} of {found_session} is not marked")
        click.echo(f"removed: render #{position} of session {found_session} is no longer marked")
    else:
        first_mark = not marks.path.exists()
        marks.mark(KeeperMark(generation_id, found_session, artist, author, note))
        click.echo(
            f"recorded: render #{position} of session {found_session} is a keeper "
            f"(by {printable(author)})"
        )
        if first_mark and not _view_reads_marks(data):
            click.echo("the warehouse learns where the marks live: rebuilding it once")
            from orchestration.cli.app import _run_and_report

            _run_and_report(data.root, force_warehouse=True)
            return
    from orchestration.cli.intents import _relabel

    _relabel(data.root)


def _view_reads_marks(data: DataDir) -> bool:
    """Whether the warehouse's marks view reads the file (it is built empty before one exists)."""
    with reading_warehouse(data.root, "keep") as data, read_only(data.warehouse_path) as con:
        found = fetch_one(con, "keeper_marks_read")
    return bool(found and found[0])
