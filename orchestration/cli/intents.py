"""CLI commands about intents: the journal, corrections, budgeted labelling and evaluation."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from orchestration.cli.warehouse import reading_warehouse
from orchestration.intent.vocabulary import PHASE_INTENTS, SESSION_INTENTS
from orchestration.safe_text import printable, printable_lines
from orchestration.store.data_dir import DataDir
from orchestration.store.warehouse_queries import fetch_frame, read_only

if TYPE_CHECKING:
    import polars as pl

    from orchestration.intent.corrections import Correction


@click.command()
@click.option("--artist", help="Only this artist's sessions.")
@click.option("--limit", type=int, help="At most this many sessions (newest first).")
@click.pass_obj
def sessions(data_dir: Path, artist: str | None, limit: int | None) -> None:
    """The journal: one line per session with its label, its phases indented below."""
    from orchestration.cli.session_journal import load_journal, render_journal

    try:
        with reading_warehouse(data_dir, "sessions") as data:
            journal = load_journal(data.warehouse_path, artist=artist, limit=limit)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not journal:
        raise click.ClickException(
            f"no sessions for artist {printable(repr(artist))}" if artist else "no sessions yet"
        )
    click.echo(render_journal(journal))


@click.command()
@click.argument("session_id")
@click.option(
    "--intent",
    required=True,
    type=click.Choice(sorted(set(SESSION_INTENTS) | set(PHASE_INTENTS))),
    help="The intent the session (or phase) really had.",
)
@click.option("--label", help="Your own label text (default: keep the inferred wording).")
@click.option("--phase", "phase_no", type=int, help="Correct this phase instead of the session.")
@click.option("--author", default=getpass.getuser, show_default="current user")
@click.pass_obj
def correct(
    data_dir: Path,
    session_id: str,
    intent: str,
    label: str | None,
    phase_no: int | None,
    author: str,
) -> None:
    """Record a correction (kept outside everything rebuilt), then relabel what it changes.

    SESSION_ID may be the unique prefix shown by `creative-sessions sessions`.
    """
    from orchestration.intent.corrections import CorrectionError, CorrectionStore, correction_for

    with (
        reading_warehouse(data_dir, "correct") as data,
        read_only(data.warehouse_path) as con,
    ):
        members = fetch_frame(con, "correction_members", {"prefix": session_id})
    matches = members["session_id"].unique().to_list()
    if not matches:
        raise click.ClickException(
            f"no session {printable(repr(session_id))}; see `creative-sessions sessions`"
        )
    if len(matches) > 1:
        raise click.ClickException(
            f"{printable(repr(session_id))} matches {len(matches)} sessions; give more of the id"
        )
    try:
        correction = correction_for(
            members, matches[0], intent, author=author, phase_no=phase_no, label=label
        )
    except CorrectionError as exc:
        raise click.ClickException(printable(exc)) from exc
    CorrectionStore.in_dir(data.corrections_dir).add(correction)
    target = f"phase {phase_no} of session" if phase_no else "session"
    click.echo(
        f"recorded: {target} {matches[0]} is {intent} "
        f"({len(correction.generation_ids)} generations, by {printable(author)})"
    )
    _relabel_and_report(data, corrected={matches[0]})


def _relabel(data_dir: Path) -> None:
    """Relabel in place when the intent views exist (no dbt, no run); else run the labels job."""
    from orchestration.cli.relabel import relabel_in_place

    # Not recorded in the Dagster instance: importing Dagster and opening the instance (~2 s)
    # would double the command's time; the next run finds the labels current by fingerprint.
    if relabel_in_place(DataDir.at(data_dir), on_progress=click.echo) is None:
        _run_labels(data_dir, budget="")


def _run_labels(data_dir: Path, *, budget: str) -> dict:
    """The labels run: the labelling, then the intent views (dbt) and the journal."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.launcher import local_instance
    from orchestration.defs.runner import label_stale

    defs = build_definitions(str(data_dir))
    return label_stale(local_instance(data_dir), defs, budget=budget, on_progress=click.echo)


# One row per labelled session, its phases folded into a list (label_changes.SNAPSHOT_SCHEMA).
def _label_snapshot(data: DataDir) -> pl.DataFrame | None:
    """The labels the journal shows now, or None before the first labelling run."""
    from orchestration.cli.session_journal import has_intent_views

    with reading_warehouse(data.root, "label report"), read_only(data.warehouse_path) as con:
        return fetch_frame(con, "label_snapshot") if has_intent_views(con) else None


def _relabel_and_report(data: DataDir, *, corrected: set[str]) -> None:
    """Relabel, then print every session whose shown labels moved, ``corrected`` ones first."""
    from orchestration.intent.label_changes import label_changes, report_lines

    before = _label_snapshot(data)
    _relabel(data.root)
    after = _label_snapshot(data)
    if before is None or after is None:
        click.echo("no earlier labels to compare with")
        return
    for line in report_lines(label_changes(before, after), corrected):
        click.echo(line)


def _placed_sessions(data: DataDir, chosen: list[Correction]) -> set[str]:
    """The sessions these corrections sit on in the current segmentation (see ``resolve``)."""
    from orchestration.intent.corrections import resolve

    ids = [g for c in chosen for g in c.generation_ids]
    with reading_warehouse(data.root, "corrections"), read_only(data.warehouse_path) as con:
        members = fetch_frame(con, "generation_members", {"ids": ids})
    resolved = resolve(chosen, members)
    placed = {p.session_id for p in (*resolved.effective, *resolved.overridden)}
    return placed | {c.session_id for c in (*resolved.orphaned, *resolved.unplaced)}


@click.group()
@click.pass_context
def corrections(ctx: click.Context) -> None:
    """List, remove, export and import corrections."""
    from orchestration.cli.app import guard_writes

    guard_writes(ctx)  # list and export only read; remove and import relabel


@corrections.command("list")
@click.pass_obj
def corrections_list(data_dir: Path) -> None:
    """Every stored correction, oldest first."""
    from orchestration.intent.corrections import CorrectionStore

    store = CorrectionStore.in_dir(DataDir.at(data_dir).corrections_dir)
    stored = store.all()
    for c in stored:
        where = f"phase {c.phase_no}" if c.phase_no else "session"
        label = f' label "{printable(c.label)}"' if c.label else ""
        click.echo(
            f"{c.correction_id[:12]} {c.created_at:%Y-%m-%d %H:%M} {printable(c.author)}: "
            f"{printable(c.artist)} {where} {c.session_id[:12]} → {printable(c.intent)}{label} "
            f"({len(c.generation_ids)} generations)"
        )
    click.echo(f"{len(stored)} corrections in {printable(store.path)}")


@corrections.command("remove")
@click.argument("correction_id")
@click.option("--author", default=getpass.getuser, show_default="current user")
@click.pass_obj
def corrections_remove(data_dir: Path, correction_id: str, author: str) -> None:
    """Undo one correction (recorded as a removal; nothing is rewritten), then relabel.

    CORRECTION_ID may be the unique prefix shown by `creative-sessions corrections list`.
    """
    from orchestration.intent.corrections import CorrectionError, CorrectionStore

    data = DataDir.at(data_dir)
    try:
        removed = CorrectionStore.in_dir(data.corrections_dir).remove(correction_id, author=author)
    except CorrectionError as exc:
        raise click.ClickException(printable(exc)) from exc
    where = f"phase {removed.phase_no} of session" if removed.phase_no else "session"
    click.echo(
        printable(
            f"removed: correction {removed.correction_id[:12]} ({removed.artist} {where} "
            f"{removed.session_id[:12]} → {removed.intent}, by {removed.author})"
        )
    )
    if data.warehouse_path.exists():
        _relabel_and_report(data, corrected=_placed_sessions(data, [removed]))


@corrections.command("export")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--artist", help="Only this artist's corrections.")
@click.pass_obj
def corrections_export(data_dir: Path, target: Path, artist: str | None) -> None:
    """Write corrections to a JSON file (atomic), e.g. for a backup or another machine."""
    from orchestration.intent.corrections import CorrectionStore

    store = CorrectionStore.in_dir(DataDir.at(data_dir).corrections_dir)
    exported = store.export(target, artist=artist)
    click.echo(f"exported {exported} corrections to {printable(target)}")


@corrections.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def corrections_import(data_dir: Path, source: Path) -> None:
    """Merge corrections from an exported file (idempotent; all or nothing), then relabel."""
    from orchestration.intent.corrections import CorrectionError, CorrectionStore

    data = DataDir.at(data_dir)
    store = CorrectionStore.in_dir(data.corrections_dir)
    known = {c.correction_id for c in store.all()}
    try:
        result = store.import_(source)
    except CorrectionError as exc:
        raise click.ClickException(printable(exc)) from exc
    kept = f", {result.kept_removed} removed here and kept removed" if result.kept_removed else ""
    click.echo(
        f"imported {result.added} corrections ({result.already_present} already present{kept})"
    )
    if result.added and data.warehouse_path.exists():
        added = [c for c in store.all() if c.correction_id not in known]
        _relabel_and_report(data, corrected=_placed_sessions(data, added))


@click.command("label")
@click.option(
    "--budget",
    default="",
    help="Bound this run: sessions=N, seconds=S, images=N (comma-separated; default: no bound).",
)
@click.option(
    "--preview", is_flag=True, help="Show what would be labelled and its cost; run nothing."
)
@click.pass_obj
def label_command(data_dir: Path, budget: str, preview: bool) -> None:
    """Label sessions whose inputs changed, most valuable first, within a budget."""
    from orchestration.intent.label_plan import Budget
    from orchestration.intent.tables import preview as preview_plan

    try:
        parsed = Budget.parse(budget)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--budget") from exc
    with reading_warehouse(data_dir, "label") as data:
        if preview:
            click.echo(printable_lines(preview_plan(data, parsed)))
            return
    _run_labels(data_dir, budget=budget)
