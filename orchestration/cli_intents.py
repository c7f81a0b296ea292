"""CLI commands about intents: the journal, corrections, budgeted labelling and evaluation."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from orchestration.intent.contract import PHASE_INTENTS, SESSION_INTENTS


def _paths(data_dir: Path):
    from orchestration.resources import DataPaths

    paths = DataPaths(data_dir=str(data_dir))
    if not paths.warehouse_path.exists():
        raise click.ClickException(
            f"no warehouse at {paths.warehouse_path}; run `creative-sessions demo` "
            "or `creative-sessions ingest PATH` first"
        )
    return paths


@click.command()
@click.option("--artist", help="Only this artist's sessions.")
@click.option("--limit", type=int, help="At most this many sessions (newest first).")
@click.pass_obj
def sessions(data_dir: Path, artist: str | None, limit: int | None) -> None:
    """The journal: one line per session with its label, its phases indented below."""
    from orchestration.session_journal import load_journal, render_journal

    try:
        journal = load_journal(_paths(data_dir).warehouse_path, artist=artist, limit=limit)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    if not journal:
        raise click.ClickException(
            f"no sessions for artist {artist!r}" if artist else "no sessions yet"
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
    import duckdb

    from orchestration.intent.corrections import CorrectionError, CorrectionStore, correction_for

    paths = _paths(data_dir)
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        members = con.execute(
            "select m.generation_id, m.session_id, m.phase_no, s.artist "
            "from session_members as m join sessions as s using (session_id) "
            "where m.session_id like $prefix || '%' order by m.session_id, m.position",
            {"prefix": session_id},
        ).pl()
    matches = members["session_id"].unique().to_list()
    if not matches:
        raise click.ClickException(f"no session {session_id!r}; see `creative-sessions sessions`")
    if len(matches) > 1:
        raise click.ClickException(
            f"{session_id!r} matches {len(matches)} sessions; give more of the id"
        )
    try:
        correction = correction_for(
            members, matches[0], intent, author=author, phase_no=phase_no, label=label
        )
    except CorrectionError as exc:
        raise click.ClickException(str(exc)) from exc
    CorrectionStore.in_dir(paths.corrections_dir).add(correction)
    target = f"phase {phase_no} of session" if phase_no else "session"
    click.echo(
        f"recorded: {target} {matches[0]} is {intent} "
        f"({len(correction.generation_ids)} generations, by {author})"
    )
    _relabel(data_dir, budget="")


def _relabel(data_dir: Path, *, budget: str) -> dict:
    from orchestration.definitions import build_definitions
    from orchestration.runner import label_stale, local_instance

    defs = build_definitions(str(data_dir))
    return label_stale(local_instance(data_dir), defs, budget=budget, on_progress=click.echo)


@click.group()
def corrections() -> None:
    """List, export and import corrections."""


@corrections.command("list")
@click.pass_obj
def corrections_list(data_dir: Path) -> None:
    """Every stored correction, oldest first."""
    from orchestration.intent.corrections import CorrectionStore
    from orchestration.resources import DataPaths

    store = CorrectionStore.in_dir(DataPaths(data_dir=str(data_dir)).corrections_dir)
    stored = store.all()
    for c in stored:
        where = f"phase {c.phase_no}" if c.phase_no else "session"
        label = f" label {c.label!r}" if c.label else ""
        click.echo(
            f"{c.created_at:%Y-%m-%d %H:%M} {c.author}: {c.artist} {where} "
            f"{c.session_id[:12]} → {c.intent}{label} ({len(c.generation_ids)} generations)"
        )
    click.echo(f"{len(stored)} corrections in {store.path}")


@corrections.command("export")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--artist", help="Only this artist's corrections.")
@click.pass_obj
def corrections_export(data_dir: Path, target: Path, artist: str | None) -> None:
    """Write corrections to a JSON file (atomic), e.g. for a backup or another machine."""
    from orchestration.intent.corrections import CorrectionStore
    from orchestration.resources import DataPaths

    store = CorrectionStore.in_dir(DataPaths(data_dir=str(data_dir)).corrections_dir)
    click.echo(f"exported {store.export(target, artist=artist)} corrections to {target}")


@corrections.command("import")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def corrections_import(data_dir: Path, source: Path) -> None:
    """Merge corrections from an exported file (idempotent; all or nothing), then relabel."""
    from orchestration.intent.corrections import CorrectionError, CorrectionStore
    from orchestration.resources import DataPaths

    paths = DataPaths(data_dir=str(data_dir))
    store = CorrectionStore.in_dir(paths.corrections_dir)
    try:
        result = store.import_(source)
    except CorrectionError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"imported {result.added} corrections ({result.already_present} already present)")
    if result.added and paths.warehouse_path.exists():
        _relabel(data_dir, budget="")


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
    from orchestration.assets.intents import preview as preview_plan
    from orchestration.intent.backfill import Budget

    paths = _paths(data_dir)
    try:
        parsed = Budget.parse(budget)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--budget") from exc
    if preview:
        click.echo(preview_plan(paths, parsed))
        return
    _relabel(data_dir, budget=budget)


@click.command("eval")
@click.option("--artists", default=12, show_default=True, help="Synthetic artists to draw.")
@click.option("--sessions", default=10, show_default=True, help="Sessions per artist.")
@click.option("--seed", default=11, show_default=True)
@click.option(
    "--eval-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Data directory for the evaluation (default: <data-dir>/eval; rebuilt each time).",
)
@click.pass_obj
def eval_command(
    data_dir: Path, artists: int, sessions: int, seed: int, eval_dir: Path | None
) -> None:
    """Draw a synthetic archive with ground truth, run the whole pipeline on it, score labels.

    Prints phase-level macro-F1 (per generation) and session-intent accuracy. Inferred labels
    are scored (corrections are the artist's, not inference's).
    """
    import shutil

    from orchestration.definitions import build_definitions
    from orchestration.intent_eval import score_warehouse
    from orchestration.runner import local_instance, run_stale
    from orchestration.sample.evalset import build_eval_archive

    target = (eval_dir or data_dir / "eval").resolve()
    if target.exists():
        shutil.rmtree(target)
    click.echo(f"drawing {artists} artists × {sessions} sessions (seed {seed}) in {target} …")
    manifest = build_eval_archive(
        target / "archive", seed=seed, n_artists=artists, sessions_per_artist=sessions
    )
    defs = build_definitions(str(target))
    paths = defs.resources["paths"]
    for entry in manifest.archives:
        paths.registry.register(entry.path, entry.artist)
    run_stale(local_instance(target), defs, on_progress=click.echo)
    report = score_warehouse(paths.warehouse_path, manifest.ground_truth_path)
    click.echo("")
    click.echo(report.summary())
