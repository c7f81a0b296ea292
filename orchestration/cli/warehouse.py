"""The warehouse as the quick commands read it: checked present, held for reading, errors as text.

No Dagster here, so `sql`, `sessions` and `corrections` start in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from orchestration.safe_text import printable
from orchestration.store.data_dir import DataDir
from orchestration.store.warehouse_lock import WarehouseBusy, warehouse_access

READ_WAIT_SECONDS = 30.0
"""How long a reader waits for a writer (a dbt build, a relabel) before giving up."""


@contextmanager
def reading_warehouse(
    data_dir: Path, command: str, wait_seconds: float = READ_WAIT_SECONDS
) -> Iterator[DataDir]:
    """The warehouse, checked present and held for reading (waiting up to 30 s for a writer).

    Interactive commands give up after 30 s; `run` passes a longer wait for its summary, since
    its own steps just waited their turn and a build the daemon started may still be writing.
    """
    data = DataDir.at(data_dir)
    if not data.warehouse_path.exists():
        raise click.ClickException(
            f"no warehouse at {printable(data.warehouse_path)}; run `creative-sessions demo` "
            "or `creative-sessions ingest PATH` first"
        )
    try:
        with warehouse_access(
            data.root,
            write=False,
            holder=f"creative-sessions {command}",
            wait_seconds=wait_seconds,
            on_wait=lambda line: click.echo(line, err=True),
        ):
            yield data
    except WarehouseBusy as exc:  # only ever raised while waiting for the lock
        raise click.ClickException(str(exc)) from exc
