"""dagster-dbt's resource: whole builds in a `dbt` subprocess, increments in this process.

dagster-dbt runs every `cli` call as a `dbt` subprocess: a second interpreter that imports dbt
again (dagster-dbt has imported most of it here already) and prints each event as a JSON line
that dagster-dbt parses back. For a nightly increment that start-up is most of the build: at 100k
generations the subprocess took 5.7-6.1 CPU-seconds against 3.4-3.6 for the same build through
`dbtRunner` here (benchmarks/README). A whole build keeps the subprocess: DuckDB's memory for a
build at 1M generations (up to its 3 GB limit) is returned when that process exits, where here it
would add to the run's own (a full run at 1M peaked at 5.0 GiB in one process).

`cli_in_process` keeps everything else dagster-dbt does: the same selection from the run's
selected assets and checks (its own helpers, pinned exactly in pyproject.toml), the same target
and log folders, and each event turned into Dagster events by dagster-dbt's own
`to_default_asset_events`, from the dict a JSON log line would hold. Events below `info`, which
the subprocess never printed, are dropped before any conversion. dbt holds process-wide state
(flags, adapters, the DuckDB handle), so one build runs at a time in a process, and the DuckDB
handle is closed after each build: the labels that follow open the warehouse file themselves. A
Dagster step that is stopped cancels dbt's open queries.

For the subprocess, dagster-dbt also opens a dbt adapter inside the Dagster process on every
`cli` call (it loads the project, the profile and every dbt macro: 1.2 CPU-seconds here) only to
serve `fetch_column_metadata` and `fetch_row_counts`, which this project does not call; and it
asks for dbt's version by running `dbt --version` (a second dbt start-up that asks PyPI for the
latest release). Both are skipped: the version is read from this environment's package metadata.
`tests/orchestration/test_dbt_cli.py` fails if the hooks below stop being the ones it calls.
"""

from __future__ import annotations

import queue
import shutil
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource
from dagster_dbt.asset_utils import (
    extract_runtime_selection_from_args,
    get_updated_cli_invocation_params_for_context,
)
from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
from dagster_dbt.core.dbt_cli_invocation import _get_dbt_target_path
from dagster_dbt.dagster_dbt_translator import validate_opt_translator
from dagster_dbt.dbt_manifest import validate_manifest
from dagster_dbt.dbt_project import DbtProject
from dagster_dbt.errors import DagsterDbtCliRuntimeError
from packaging import version

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
# What the subprocess printed, so what dagster-dbt ever saw: dbt's default stdout level.
_SHOWN_LEVELS = frozenset({"info", "warn", "error"})
_DONE = object()
_ONE_BUILD = threading.Lock()


class WarehouseDbtResource(DbtCliResource):
    """`DbtCliResource` with `cli_in_process`, and no adapter or version process for `cli`."""

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

    def cli_in_process(
        self,
        args: Sequence[str],
        *,
        raise_on_error: bool = True,
        manifest: Any = None,
        dagster_dbt_translator: DagsterDbtTranslator | None = None,
        context: dg.OpExecutionContext | dg.AssetExecutionContext | None = None,
        target_path: Path | None = None,
    ) -> InProcessDbtInvocation:
        """`cli`'s command with dagster-dbt's arguments (selection included), run by `dbtRunner`."""
        translator = validate_opt_translator(dagster_dbt_translator) or DagsterDbtTranslator()
        cleaned_args, selects, excludes = extract_runtime_selection_from_args(args)
        params = get_updated_cli_invocation_params_for_context(
            context=context,
            manifest=validate_manifest(manifest) if manifest else {},
            dagster_dbt_translator=translator,
            runtime_selects=selects,
            runtime_excludes=excludes,
        )
        project_dir = Path(
            params.dbt_project.project_dir if params.dbt_project else self.project_dir
        )
        target = target_path or self._get_unique_target_path(context=context)
        if not target.is_absolute():
            target = project_dir / target
        _seed_partial_parse(project_dir, target)
        flags = [
            *self.global_config_flags,
            *cleaned_args,
            *(["--profile", self.profile] if self.profile else []),
            *(["--target", self.target] if self.target else []),
            *params.selection_args,
            *(["--indirect-selection", how] if (how := params.indirect_selection) else []),
            "--project-dir", str(project_dir),
            *(["--profiles-dir", str(self.profiles_dir)] if self.profiles_dir else []),
            # The subprocess's environment, as flags: artifacts and a debug log per target.
            "--target-path", str(target),
            "--log-path", str(target),
            "--log-level", "none",
            "--log-level-file", "debug",
            "--log-format-file", "json",
            "--no-send-anonymous-usage-stats",
        ]  # fmt: skip
        return InProcessDbtInvocation(
            args=flags,
            manifest=params.manifest,
            translator=params.dagster_dbt_translator,
            project=params.dbt_project,
            target_path=target,
            raise_on_error=raise_on_error,
            context=context,
        )


def _seed_partial_parse(project_dir: Path, target: Path) -> None:
    """A new target starts from the project's partial parse, as dagster-dbt's subprocess does."""
    seed = project_dir / _get_dbt_target_path() / PARTIAL_PARSE_FILE  # absolute stays absolute
    if seed.exists() and not (target / PARTIAL_PARSE_FILE).exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(seed, target / PARTIAL_PARSE_FILE)


@dataclass
class InProcessDbtInvocation:
    """One dbt command run by `dbtRunner` on a thread, its events read as they come."""

    args: list[str]
    manifest: Any
    translator: DagsterDbtTranslator
    project: DbtProject | None
    target_path: Path
    raise_on_error: bool
    context: dg.OpExecutionContext | dg.AssetExecutionContext | None
    error_messages: list[str] = field(default_factory=list)
    result: Any = None

    @property
    def dbt_command(self) -> str:
        """The command as typed at a shell, for error messages."""
        return " ".join(["dbt", *self.args])

    def stream(self) -> Iterator[Any]:
        """Dagster events for dbt's results, as dagster-dbt makes them from its subprocess."""
        for event in self.stream_raw_events():
            yield from event.to_default_asset_events(
                manifest=self.manifest,
                dagster_dbt_translator=self.translator,
                context=self.context,
                target_path=self.target_path,
                project=self.project,
            )

    def wait(self) -> InProcessDbtInvocation:
        """Run the command to its end (raising on failure, as `stream` does)."""
        for _ in self.stream_raw_events():
            pass
        return self

    def stream_raw_events(self) -> Iterator[DbtCoreCliEventMessage]:
        """The events dbt shows at `info` and above, echoed to stdout as dagster-dbt did."""
        with _ONE_BUILD:
            events: queue.Queue[Any] = queue.Queue()
            worker = threading.Thread(target=self._invoke, args=(events,), name="dbt", daemon=True)
            worker.start()
            try:
                while (raw := events.get()) is not _DONE:
                    if raw["info"]["level"] == "error":
                        self.error_messages.append(raw["info"]["msg"])
                    event = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
                    sys.stdout.write(f"{event}\n")
                    yield event
            except BaseException:
                _cancel_queries()
                raise
            finally:
                worker.join()
                _close_warehouse_handle()
        error = self.get_error()
        if error is not None and self.raise_on_error:
            raise error

    def _invoke(self, events: queue.Queue[Any]) -> None:
        from dbt.cli.main import dbtRunner, dbtRunnerResult
        from dbt_common.events.functions import msg_to_dict

        def shown(message: Any) -> None:
            if message.info.level in _SHOWN_LEVELS:
                events.put(msg_to_dict(message))

        try:
            self.result = dbtRunner(callbacks=[shown]).invoke(list(self.args))
        except BaseException as exc:  # reported as the build's failure
            self.result = dbtRunnerResult(success=False, exception=exc)
        finally:
            events.put(_DONE)

    def is_successful(self) -> bool:
        """Whether dbt reported success and logged no error."""
        return bool(self.result is not None and self.result.success) and not self.error_messages

    def get_error(self) -> Exception | None:
        """dagster-dbt's error for a failed command, with dbt's error lines and its debug log."""
        if self.is_successful():
            return None
        cause = getattr(self.result, "exception", None)
        lines = [
            f"The dbt command\n\n`{self.dbt_command}`\n\nfailed"
            + (f" ({type(cause).__name__}: {cause})" if cause else "")
            + f". dbt's debug log: {self.target_path / 'dbt.log'}."
        ]
        if self.error_messages:
            lines += ["", "Errors from dbt's events:", *self.error_messages]
        return DagsterDbtCliRuntimeError(description="\n".join(lines))


def _cancel_queries() -> None:
    """Interrupt dbt's running queries so its thread ends soon after the run was stopped."""
    from dbt.adapters.factory import FACTORY

    for adapter in list(FACTORY.adapters.values()):
        try:
            adapter.cancel_open_connections()
        except Exception:  # best effort; the join still waits
            pass


def _close_warehouse_handle() -> None:
    """Close the DuckDB database dbt-duckdb keeps open after a command, and dbt's adapters.

    dbt-duckdb keeps its database handle on a class attribute; while it is open, this process
    cannot open the warehouse file with another configuration (read-only, for one).
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.adapters.factory import cleanup_connections, reset_adapters

    cleanup_connections()
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
    reset_adapters()
