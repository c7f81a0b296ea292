"""The `creative-sessions` command: its subcommands and the text they print.

`main` is loaded on first use so that the quick commands (`sql`, `sessions`, `corrections`) and the
modules they import start without Dagster.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "main":  # the console script's entry point, `orchestration.cli:main`
        from orchestration.cli.app import main

        return main
    raise AttributeError(name)
