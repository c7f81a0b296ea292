"""dagster-dbt's resource, with dbt working only in its own subprocess.

On every `cli` call, dagster-dbt also opens a dbt adapter inside the Dagster process (it loads
the project, the profile and every dbt macro: 1.2 CPU-seconds here, with the dbt imports it
brings) only to serve `fetch_column_metadata` and `fetch_row_counts`, which this
project does not call. `dbt build` runs in its subprocess either way, so skipping that handle
changes nothing a run records. dagster-dbt is pinned exactly in pyproject.toml, and
`tests/orchestration/test_dbt_cli.py` fails if the hook below stops being the one it calls.

It also asks for dbt's version by running `dbt --version` once per run: a second dbt process
that imports dbt and asks PyPI for the latest release (2 CPU-seconds here, and a network call a
nightly run should not depend on). The dbt beside this Python is the dbt-core installed in this
environment, so its version is read from the package metadata instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from packaging import version


class SubprocessDbtResource(DbtCliResource):
    """`DbtCliResource` without the in-process adapter that only column metadata would use."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        """No adapter: dagster-dbt passes ``None`` on and runs dbt as a subprocess."""
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """dbt-core's version from this environment's metadata, not a `dbt --version` process.

        Only for the dbt beside this Python; another executable is asked as dagster-dbt does.
        """
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            try:
                return version.parse(metadata.version("dbt-core"))
            except metadata.PackageNotFoundError:
                pass
        return super()._cli_version
