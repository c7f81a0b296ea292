"""`creative-sessions archives`: what is registered, and taking an archive back out.

No Dagster here: the registry is a JSON file and the lake is Parquet folders, so both commands
start fast. `list` only reads; `remove` writes the registry and so runs under the run lock.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import click

from orchestration.safe_text import printable
from orchestration.store.data_dir import DataDir
from orchestration.store.registry import ArchiveRegistry, RegisteredArchive


def _registry(data_dir: Path) -> ArchiveRegistry:
    return ArchiveRegistry(DataDir.at(data_dir).registry_path)


@click.group()
@click.pass_context
def archives(ctx: click.Context) -> None:
    """List registered archives, or remove one."""
    from orchestration.cli.app import guard_writes

    guard_writes(ctx)  # list only reads; remove writes the registry


@archives.command("list")
@click.pass_obj
def archives_list(data_dir: Path) -> None:
    """Every registered archive: key, kind, artist, whether its path is present, path."""
    entries = _registry(data_dir).all()
    if not entries:
        click.echo("no archives registered; see `creative-sessions ingest PATH`")
        return
    rows = [("KEY", "KIND", "ARTIST", "STATUS", "PATH")]
    rows += [
        (
            printable(a.key),
            printable(a.kind),
            printable(a.artist),
            "present" if Path(a.path).exists() else "missing",
            printable(a.path),
        )
        for a in entries
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[4]]))


def _find(registry: ArchiveRegistry, key: str) -> RegisteredArchive:
    """The archive ``key`` names: exactly, or as the unique prefix of one key."""
    entries = registry.all()
    exact = [a for a in entries if a.key == key]
    matches = exact or [a for a in entries if a.key.startswith(key)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        keys = ", ".join(printable(a.key) for a in matches)
        raise click.ClickException(f"{printable(repr(key))} matches {len(matches)} keys: {keys}")
    raise click.ClickException(
        f"no archive {printable(repr(key))}; see `creative-sessions archives list`"
    )


@archives.command("remove")
@click.argument("key")
@click.option("--purge", is_flag=True, help="Also delete its rows from the lake.")
@click.pass_obj
def archives_remove(data_dir: Path, key: str, purge: bool) -> None:
    """Unregister one archive (KEY or its unique prefix); the archive's own files are untouched.

    Its rows stay in the lake, and so in the warehouse, unless --purge deletes them.
    """
    registry = _registry(data_dir)
    archive = _find(registry, key)
    registry.remove(archive.key)
    click.echo(f"removed {printable(archive.key)} ({printable(archive.path)})")
    if not purge:
        click.echo("its rows stay in the lake; `archives remove --purge` deletes them")
        return
    from orchestration.ingest.lake import GENERATIONS_TABLE, QUARANTINE_TABLE, partition_file

    lake_dir = DataDir.at(data_dir).lake_dir
    deleted = 0
    # Embeddings are keyed by content and model, not by archive, so they stay (and cost nothing).
    for table in (GENERATIONS_TABLE, QUARANTINE_TABLE):
        folder = partition_file(lake_dir, table, archive.key).parent
        if folder.exists():
            shutil.rmtree(folder)
            deleted += 1
    click.echo(
        f"deleted its lake partition ({deleted} folders); "
        "`creative-sessions run --rebuild-warehouse` drops its rows from the warehouse"
    )
