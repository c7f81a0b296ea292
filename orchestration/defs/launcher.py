"""Run the named jobs in the data directory's Dagster instance, as the UI's launches do.

The instance lives at ``<data-dir>/dagster`` (`DAGSTER_HOME`), the folder `make ui` opens, so
every run a command makes is in the UI with its logs, materializations and check results.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.instance.ref import InstanceRef

from orchestration.defs.event_log import pooled_event_log_overrides
from orchestration.defs.jobs import QUIET_RUN_CONFIG
from orchestration.store.data_dir import DataDir

LAUNCHED_BY = "creative_sessions/launched_by"
"""A run tag: which runs the CLI started (the UI shows it beside the run)."""


class RunFailed(Exception):
    """A launched run did not succeed; the message names the job, the run and the first error."""


def local_instance(data_dir: Path) -> dg.DagsterInstance:
    """The Dagster instance under the data directory, the one `make ui` and the daemon use.

    Its events go through `PooledSqliteEventLogStorage` (same files as the UI's storage).
    """
    home = DataDir.at(data_dir).ensure_dagster_home()
    os.environ["DAGSTER_HOME"] = str(home)
    overrides = pooled_event_log_overrides(home)
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home), overrides=overrides))


def launch(
    instance: dg.DagsterInstance,
    defs: dg.Definitions,
    job_name: str,
    *,
    assets: Iterable[dg.AssetKey] | None = None,
    checks: Iterable[dg.AssetCheckKey] = (),
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
    run_config: dict[str, Any] | None = None,
) -> dg.ExecuteInProcessResult:
    """Run a named job (narrowed to ``assets`` and their checks, plus ``checks``) in `instance`.

    Raises:
        RunFailed: the run failed; a failed blocking check is such a failure.
    """
    job = defs.resolve_job_def(job_name)
    if assets is not None:
        selected = set(assets)
        graph = job.asset_layer.asset_graph
        wanted = {c for c in graph.asset_check_keys if c.asset_key in selected} | set(checks)
        job = job.get_subset(asset_selection=selected, asset_check_selection=wanted)
    result = job.execute_in_process(
        run_config={**QUIET_RUN_CONFIG, **(run_config or {})},
        instance=instance,
        partition_key=partition_key,
        tags={LAUNCHED_BY: "creative-sessions", **(tags or {})},
        raise_on_error=False,
    )
    if not result.success:
        raise RunFailed(_failure_message(job_name, result))
    return result


def _failure_message(job_name: str, result: dg.ExecuteInProcessResult) -> str:
    failures = [e for e in result.all_events if e.is_step_failure]
    first = failures[0] if failures else None
    error = first.step_failure_data.error if first and first.step_failure_data else None
    # Dagster wraps what the step raised ("Error occurred while executing op …"); say the cause.
    while error is not None and error.cause is not None and error.cls_name.startswith("Dagster"):
        error = error.cause
    detail = error.message.strip().splitlines()[0] if error and error.message else "no detail"
    where = f" at {first.step_key}" if first else ""
    return (
        f"run {result.run_id[:8]} of job {job_name} failed{where}: {detail} "
        "(the whole log is in the Dagster UI: make ui)"
    )
