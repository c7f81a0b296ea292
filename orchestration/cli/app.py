"""`creative-sessions`: the command line a person runs (demo, ingest, run, sql, sessions, …).

Subcommand modules load on first use, so the quick commands (`sql`, `sessions`, `corrections`)
start without importing Dagster.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

import click

from orchestration.cli.warehouse import reading_warehouse
from orchestration.safe_text import printable, shell_arg
from orchestration.store.data_dir import (
    CLIP_CHECKPOINT_ENV,
    DATA_DIR_ENV,
    IMAGE_MODEL_ENV,
    SESSION_GAP_ENV,
    DataDir,
    storage_problem,
)
from orchestration.store.warehouse_lock import DEFAULT_WAIT_SECONDS

# Commands that only read; every other command writes and takes the data directory's run lock.
READ_ONLY_COMMANDS = frozenset(
    {"sql", "sessions", "find", "corrections list", "corrections export", "archives list"}
)
# Subcommands defined in other modules, imported when a command line names them (or on --help).
LAZY_COMMANDS = {
    "archives": "orchestration.cli.archives:archives",
    "backfill": "orchestration.cli.backfill:backfill",
    "correct": "orchestration.cli.intents:correct",
    "corrections": "orchestration.cli.intents:corrections",
    "eval": "orchestration.cli.eval:eval_command",
    "find": "orchestration.cli.find:find",
    "keep": "orchestration.cli.keepers:keep",
    "label": "orchestration.cli.intents:label_command",
    "sessions": "orchestration.cli.intents:sessions",
    "sql": "orchestration.cli.sql:sql",
    "train": "orchestration.cli.eval:train_command",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported by name when first asked for."""

    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, loaded or not, so `--help` lists them all."""
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module the first time it is asked for."""
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        module, attr = self.lazy[cmd_name].split(":")
        command = getattr(importlib.import_module(module), attr)
        self.add_command(command, cmd_name)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; a full disk or a read-only data directory ends in one clear line."""
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            root = ctx.obj or Path(ctx.params.get("data_dir") or "data").expanduser().resolve()
            problem = storage_problem(exc, root)
            if problem is None:
                raise
            raise click.ClickException(printable(problem)) from exc


@click.group(cls=LazyGroup, lazy=LAZY_COMMANDS)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_DIR_ENV,
    default=Path("data"),
    show_default=True,
    help=f"Where the lake, warehouse and Dagster instance live (env {DATA_DIR_ENV}).",
)
@click.option(
    "--session-gap",
    type=click.IntRange(min=1),
    envvar=SESSION_GAP_ENV,
    help=f"Minutes of quiet that end a session (default 30; env {SESSION_GAP_ENV}). "
    "A change rebuilds the warehouse on the next run.",
)
@click.option(
    "--image-model",
    envvar=IMAGE_MODEL_ENV,
    help=f"auto, an open_clip name, 'local-dir:<folder>' or pixel-signature-v1 (env "
    f"{IMAGE_MODEL_ENV}).",
)
@click.option(
    "--clip-checkpoint",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=CLIP_CHECKPOINT_ENV,
    help=f"A CLIP state-dict file for the image model (env {CLIP_CHECKPOINT_ENV}).",
)
@click.pass_context
def main(
    ctx: click.Context,
    data_dir: Path,
    session_gap: int | None,
    image_model: str | None,
    clip_checkpoint: Path | None,
) -> None:
    """Creative Sessions: an artist's AI-image archive as sessions you can read and query."""
    # Our own progress lines at INFO; libraries (Dagster, alembic) keep their own handlers.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name in ("orchestration", "embeddings"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
        logger.propagate = False
    warnings.filterwarnings("ignore", message=r".*is currently in beta.*")
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    # The UI (`dagster dev`) reads the same variable, so both see one data directory.
    os.environ[DATA_DIR_ENV] = str(data_dir)
    # The definitions this process builds read these, as the UI's do from its environment.
    for name, value in (
        (SESSION_GAP_ENV, session_gap),
        (IMAGE_MODEL_ENV, image_model),
        (CLIP_CHECKPOINT_ENV, clip_checkpoint and clip_checkpoint.expanduser().resolve()),
    ):
        if value is not None:
            os.environ[name] = str(value)
    ctx.obj = data_dir
    guard_writes(ctx)


def guard_writes(ctx: click.Context) -> None:
    """Take the run lock for the subcommand about to run, unless it only reads.

    A group (`corrections`) calls this again from its own callback, where its subcommand is known.
    """
    name = ctx.invoked_subcommand
    if name is None:
        return
    parents = []
    at = ctx
    while at.parent is not None:  # the groups between the root and this one ("corrections")
        parents.insert(0, at.info_name or "")
        at = at.parent
    full = " ".join([*parents, name])
    if full in READ_ONLY_COMMANDS:
        return
    command = ctx.command.get_command(ctx, name) if isinstance(ctx.command, click.Group) else None
    if isinstance(command, click.Group):
        return  # the group decides once its subcommand is known
    _hold_run_lock(ctx, ctx.obj, full)


def _hold_run_lock(ctx: click.Context, data_dir: Path, command: str) -> None:
    """One writing command per data directory; a second one is refused with the holder named."""
    from orchestration.store.run_lock import RunLocked, run_lock

    try:
        ctx.with_resource(run_lock(data_dir, f"creative-sessions {command}"))
    except RunLocked as exc:
        raise click.ClickException(str(exc)) from exc


def _context(data_dir: Path):
    from orchestration.definitions import build_definitions
    from orchestration.defs.launcher import local_instance

    return build_definitions(str(data_dir)), local_instance(data_dir)


def _invocation(data_dir: Path) -> str:
    """How this CLI was started, so printed commands can be pasted (e.g. `.venv/bin/...`)."""
    script = Path(sys.argv[0])
    command = "creative-sessions"
    if script.name == command and script.exists():
        command = shell_arg(os.path.relpath(script))
    if data_dir != Path("data").resolve():
        command += f" --data-dir {shell_arg(str(data_dir))}"
    return command


def _run_and_report(data_dir: Path, *, force_warehouse: bool = False, budget: str = "") -> None:
    from orchestration.cli.progress import CounterEcho
    from orchestration.cli.run_inputs import forget_last_run, record_last_run
    from orchestration.cli.summary import render_summary
    from orchestration.defs.runner import RunFailed, run_stale
    from orchestration.safe_text import printable

    forget_last_run(data_dir)  # until this run ends complete, the next one redoes the checks
    defs, instance = _context(data_dir)
    try:
        report = run_stale(
            instance,
            defs,
            force_warehouse=force_warehouse,
            budget=budget,
            on_progress=CounterEcho(lambda line: click.echo(printable(line))),
        )
    except RunFailed as exc:
        raise click.ClickException(printable(str(exc))) from exc
    for archive in report.missing:
        click.echo(
            f"warning: {printable(archive.path)} is registered but missing; "
            "its rows stay in the lake"
        )
    summary = None
    if defs.resources["paths"].warehouse_path.exists():
        click.echo("")
        # As long as the run's own steps wait: a build the daemon launched may hold the file.
        with reading_warehouse(data_dir, "run (summary)", DEFAULT_WAIT_SECONDS) as data:
            summary = render_summary(data.warehouse_path, command=_invocation(data_dir))
            click.echo(summary)
    complete = not (report.failed or report.missing or report.labelling.get("sessions_remaining"))
    if summary is not None and complete:
        finished = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        record_last_run(data_dir, finished, _invocation(data_dir), summary)
    if report.failed:
        click.echo("")
        for archive, why in report.failed:
            click.echo(f"error: {printable(archive.path)} was not ingested: {printable(why)}")
        raise click.ClickException(
            f"{len(report.failed)} of {len(report.failed) + len(report.ingested)} archives "
            "failed to ingest; the others were ingested and the warehouse and labels built"
        )


@main.command()
@click.pass_obj
def demo(data_dir: Path) -> None:
    """Build the sample archive if missing, ingest it, build the warehouse, print a summary."""
    from orchestration.defs.resources import DataPaths
    from orchestration.sample import SampleManifest, build_sample_archive

    paths = DataPaths(data_dir=str(data_dir))
    manifest_file = paths.sample_dir / "manifest.json"
    if manifest_file.exists():
        manifest = SampleManifest.load(manifest_file)
        click.echo(f"sample archive: {paths.sample_dir} (already built)")
    else:
        click.echo(f"building the sample archive in {paths.sample_dir} …")
        manifest = build_sample_archive(paths.sample_dir)
    for entry in manifest.archives:
        paths.registry.register(entry.path, entry.artist)
    _run_and_report(data_dir)


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--artist", help="Artist the files belong to (a log's user column wins).")
@click.option("--register-only", is_flag=True, help="Register without ingesting now.")
@click.pass_obj
def ingest(
    data_dir: Path, sources: tuple[Path, ...], artist: str | None, register_only: bool
) -> None:
    """Register folders, .zip/.tar archives and .csv/.parquet/.jsonl logs, then ingest them."""
    from orchestration.store.registry import ArchiveRegistry, artist_source

    registry = ArchiveRegistry(DataDir.at(data_dir).registry_path)
    for source in sources:
        earlier = any(a.path == str(source.resolve()) for a in registry.all())
        try:
            entry = registry.register(source, artist)
        except (ValueError, FileNotFoundError) as exc:
            raise click.ClickException(printable(str(exc))) from exc
        why = artist_source(entry, given=artist, earlier=earlier)
        click.echo(
            printable(
                f"registered {entry.kind} {entry.path} as {entry.key} "
                f"(artist {entry.artist}, {why})"
            )
        )
    if not register_only:
        _run_and_report(data_dir)


@main.command()
@click.option("--rebuild-warehouse", is_flag=True, help="Run dbt even when nothing changed.")
@click.option(
    "--budget",
    default="",
    help="Bound the labelling: sessions=N, seconds=S, images=N (default: label all).",
)
@click.pass_obj
def run(data_dir: Path, rebuild_warehouse: bool, budget: str) -> None:
    """Materialize everything stale: new or changed archives, the warehouse, then the labels."""
    if budget:  # the parser brings polars: a nightly run without a budget goes on without it
        from orchestration.intent.label_plan import Budget

        try:
            Budget.parse(budget)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--budget") from exc
    if not rebuild_warehouse:
        from orchestration.cli.run_inputs import note_skip, unchanged_since_last_run

        # Nothing moved since the last complete run: no Dagster definitions, dbt or labels.
        if (last := unchanged_since_last_run(data_dir, _invocation(data_dir))) is not None:
            click.echo(note_skip(data_dir, last))
            click.echo("")
            click.echo(last.summary)
            return
    _run_and_report(data_dir, force_warehouse=rebuild_warehouse, budget=budget)


if __name__ == "__main__":
    sys.exit(main())
