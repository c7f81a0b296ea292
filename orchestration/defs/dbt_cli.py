"""dagster-dbt's resource, with dbt working only in its own subprocess.

On every `cli` call, dagster-dbt also opens a dbt adapter inside the Dagster process (it loads
the project, the profile and every dbt macro: 1.2 CPU-seconds here, with the dbt imports it
brings) only to serve `fetch_column_metadata` and `fetch_row_counts`, which this
project does not call. `dbt build` runs in its subprocess either way, so skipping that handle
changes nothing a run records. dagster-dbt is pinned exactly in pyproject.toml, and
`tests/orchestration/test_dbt_cli.py` fails if the hook below stops being the one it calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dagster_dbt import DbtCliResource


class SubprocessDbtResource(DbtCliResource):
    """`DbtCliResource` without the in-process adapter that only column metadata would use."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> Any:
        """No adapter: dagster-dbt passes ``None`` on and runs dbt as a subprocess."""
        return None
