"""`creative-sessions`: the command line a person runs (demo, ingest, run, sql)."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

import click

from orchestration.data_dir import DATA_DIR_ENV

# Commands that only read; every other command writes and takes the data directory's run lock.
READ_ONLY_COMMANDS = frozenset({"sql", "sessions"})


@click.group()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar=DATA_DIR_ENV,
    default=Path("data"),
    show_default=True,
    help=f"Where the lake, warehouse and Dagster instance live (env {DATA_DIR_ENV}).",
)
@click.pass_context
def main(ctx: click.Context, data_dir: Path) -> None:
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
    ctx.obj = data_dir
    if ctx.invoked_subcommand not in READ_ONLY_COMMANDS:
        _hold_run_lock(ctx, data_dir)


def _hold_run_lock(ctx: click.Context, data_dir: Path) -> None:
    """One writing command per data directory; a second one is refused with the holder named."""
    from orchestration.run_lock import RunLocked, run_lock

    try:
        ctx.with_resource(run_lock(data_dir, f"creative-sessions {ctx.invoked_subcommand}"))
    except RunLocked as exc:
        raise click.ClickException(str(exc)) from exc


def _context(data_dir: Path):
    from orchestration.definitions import build_definitions
    from orchestration.runner import local_instance

    return build_definitions(str(data_dir)), local_instance(data_dir)


def _invocation(data_dir: Path) -> str:
    """How this CLI was started, so printed commands can be pasted (e.g. `.venv/bin/...`)."""
    script = Path(sys.argv[0])
    command = "creative-sessions"
    if script.name == command and script.exists():
        command = os.path.relpath(script)
    if data_dir != Path("data").resolve():
        command += f" --data-dir {data_dir}"
    return command


def _run_and_report(data_dir: Path, *, force_warehouse: bool = False, budget: str = "") -> None:
    from orchestration.progress import CounterEcho
    from orchestration.runner import run_stale
    from orchestration.summary import render_summary

    defs, instance = _context(data_dir)
    report = run_stale(
        instance,
        defs,
        force_warehouse=force_warehouse,
        budget=budget,
        on_progress=CounterEcho(click.echo),
    )
    for archive in report.missing:
        click.echo(f"warning: {archive.path} is registered but missing; its rows stay in the lake")
    warehouse = defs.resources["paths"].warehouse_path
    if warehouse.exists():
        click.echo("")
        click.echo(render_summary(warehouse, command=_invocation(data_dir)))


@main.command()
@click.pass_obj
def demo(data_dir: Path) -> None:
    """Build the sample archive if missing, ingest it, build the warehouse, print a summary."""
    from orchestration.resources import DataPaths
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
    from orchestration.resources import DataPaths

    registry = DataPaths(data_dir=str(data_dir)).registry
    for source in sources:
        try:
            entry = registry.register(source, artist)
        except (ValueError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"registered {entry.kind} {entry.path} as {entry.key} (artist {entry.artist})")
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
    from orchestration.intent.backfill import Budget

    try:
        Budget.parse(budget)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--budget") from exc
    _run_and_report(data_dir, force_warehouse=rebuild_warehouse, budget=budget)


@main.command()
@click.argument("query")
@click.option("--max-rows", default=40, show_default=True)
@click.pass_obj
def sql(data_dir: Path, query: str, max_rows: int) -> None:
    """Run one SQL query against the warehouse (read-only) and print the result."""
    import duckdb

    from orchestration.resources import DataPaths

    warehouse = DataPaths(data_dir=str(data_dir)).warehouse_path
    if not warehouse.exists():
        raise click.ClickException(
            f"no warehouse at {warehouse}; run `creative-sessions demo` "
            "or `creative-sessions ingest PATH` first"
        )
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        relation = con.sql(query)
        if relation is None:
            click.echo("ok")
            return
        relation.show(max_rows=max_rows, max_width=200)
    except duckdb.Error as exc:
        raise click.ClickException(f"query failed: {exc}") from exc
    finally:
        con.close()


def _add_intent_commands() -> None:
    from orchestration.cli_eval import eval_command, train_command
    from orchestration.cli_intents import correct, corrections, label_command, sessions

    for command in (sessions, correct, corrections, label_command, eval_command, train_command):
        main.add_command(command)

    from orchestration.cli_backfill import backfill

    main.add_command(backfill)


_add_intent_commands()

if __name__ == "__main__":
    sys.exit(main())
