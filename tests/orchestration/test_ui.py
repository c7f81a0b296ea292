"""`make ui` as a person starts it, after CLI runs: the same instance, its runs and checks.

The CLI writes to `<data>/dagster`; `make ui` (`dg dev`) opens that instance, so GraphQL (the UI's
door) sees the CLI's runs under their job names with their check evaluations, launches the same
named job, and draws the lineage.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from orchestration.cli.run_inputs import forget_last_run
from orchestration.defs.deploy.graphql import (
    add_partitions,
    find_repository,
    launch_backfill,
    query,
)
from orchestration.defs.resources import DataPaths
from tests.browser import chromium_or_skip, dump_dom, screenshot
from tests.orchestration.ops_fixtures import write_log
from tests.reliability.runs import Snapshot, snapshot, start
from tests.shared import Ingested

pytestmark = pytest.mark.slow(seconds=590)  # pipelines, dbt, servers: started first

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 300
RUN_TIMEOUT_S = 600  # runs wait their turn for the warehouse on a busy 2-core machine
WINDOW = (1400, 900)

LOCATION = """{ workspaceOrError { ... on Workspace { locationEntries {
  name loadStatus locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
LINEAGE = "{ assetNodes { assetKey { path } dependencyKeys { path } } }"
LAUNCH = """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on InvalidSubsetError { message }
  ... on RunConfigValidationInvalid { errors { message } } } }"""
COMMUNITY_POPUP = "Join the Dagster community"
STATUS = """query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
RUNS = "{ runsOrError { ... on Runs { results { runId jobName status } } } }"
CHECKS = """query($key: AssetKeyInput!, $name: String!) {
  assetCheckExecutions(assetKey: $key, checkName: $name, limit: 10) { runId status } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    """The whole process group: webserver, daemon, code server and any run they launched."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def dagster_dev(
    tmp_path_factory: pytest.TempPathFactory, ingested: Ingested
) -> Iterator[tuple[str, DataPaths, Snapshot, dict[str, str]]]:
    """CLI runs on a fresh data directory (a copy of the shared one), then `make ui` on it."""
    tmp_path = tmp_path_factory.mktemp("ui")
    paths = DataPaths(data_dir=str(ingested.copy_data(tmp_path / "data")))
    after_cli = snapshot(Path(paths.data_dir))
    cli_runs = _instance_runs(paths)  # before the UI's daemon launches anything of its own
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "make-ui.log", "w")
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "MAKEFLAGS")}
    process = subprocess.Popen(
        ["make", "--no-print-directory", "ui", f"DATA={paths.data_dir}", f"UI_PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (tmp_path / "make-ui.log").read_text()[-3000:]
            try:
                entries = query(url, LOCATION)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    loaded = entries[0]["locationOrLoadError"]
                    assert loaded["__typename"] == "RepositoryLocation", loaded
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "make ui did not come up"
            time.sleep(2)
        yield url, paths, after_cli, cli_runs
    finally:
        _stop(process)
        log.close()


def _wait_for_run(url: str, run_id: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        status = query(url, STATUS, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            return status
        time.sleep(2)
    raise AssertionError(f"run {run_id} did not finish")


def _launch(url: str, repository: dict[str, str], job: str) -> str:
    params = {"selector": {**repository, "jobName": job}}
    launched = query(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    return launched["run"]["runId"]


def _wait_for_holder(data: Path, text: str, pid: int | None = None) -> None:
    """Until the warehouse lock's latest taker matches (a dbt build, of this process)."""
    holder = data / "locks" / "warehouse.holder.json"
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            taken = json.loads(holder.read_text())
        except (OSError, ValueError):
            taken = {}
        if text in taken.get("holder", "") and pid in (None, taken.get("pid")):
            return
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} took the warehouse")


def test_a_ui_run_and_a_cli_run_at_once_take_turns(dagster_dev) -> None:
    """Both orders: one waits for the other's warehouse writes; both succeed; nothing moves.

    The UI's second run is `labels`, not a second `nightly`: its intent views are a dbt build
    under the same warehouse lock. The CLI's first run waits to read, its second writes: the
    four runs go one after another, so each is kept as small as its part allows.
    """
    url, paths, after_cli, _ = dagster_dev
    data = Path(paths.data_dir)
    repository = find_repository(url)

    # The UI's run first: its dbt build holds the warehouse, the CLI run waits its turn (its
    # health check reads the warehouse), then finds it built. No stat-walk no-op: the record
    # of the last run is forgotten, so the run cannot stop before it reaches the warehouse.
    run_id = _launch(url, repository, "nightly")
    _wait_for_holder(data, f"dbt build in run {run_id[:8]}")
    forget_last_run(data)
    output = start(data, "run").finish()
    assert f"warehouse: waiting for dbt build in run {run_id[:8]}" in output
    assert _wait_for_run(url, run_id) == "SUCCESS", _run_errors(paths, run_id)

    # The CLI first: the run launched from the UI waits, then succeeds.
    cli = start(data, "run", "--rebuild-warehouse")
    _wait_for_holder(data, "dbt build in run", pid=cli.proc.pid)
    run_id = _launch(url, repository, "labels")
    cli.finish()
    assert _wait_for_run(url, run_id) == "SUCCESS", _run_errors(paths, run_id)
    assert snapshot(data) == after_cli


def _run_errors(paths: DataPaths, run_id: str) -> str:
    """The step failures of a run, read from the instance, for an assertion's message."""
    import dagster as dg

    home = Path(paths.data_dir) / "dagster"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        failures = [
            f"{e.step_key}: {e.dagster_event.step_failure_data.error.message[:2000]}"
            for e in instance.all_logs(run_id)
            if e.dagster_event and e.dagster_event.is_step_failure
        ]
    return "\n".join(failures) or "no step failed"


def _instance_runs(paths: DataPaths) -> dict[str, str]:
    """Run id → job name, read from `<data>/dagster` as the CLI left it."""
    import dagster as dg

    home = Path(paths.data_dir) / "dagster"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        return {r.run_id: r.job_name for r in instance.get_runs()}


def test_ui_shows_cli_runs_launches_named_jobs_and_draws_lineage(
    dagster_dev, tmp_path: Path
) -> None:
    url, paths, _, cli_runs = dagster_dev
    # The CLI's runs, under the named jobs, in the instance the UI reads; no ephemeral jobs.
    shown = {r["runId"]: r for r in query(url, RUNS)["runsOrError"]["results"]}
    assert {run_id: shown[run_id]["jobName"] for run_id in cli_runs} == cli_runs
    assert set(cli_runs.values()) == {"ingest", "embed_images", "nightly", "labels"}
    assert all(shown[run_id]["status"] == "SUCCESS" for run_id in cli_runs)
    instance_runs = _instance_runs(paths)
    # The blocking id check ran in each `ingest` run and in `nightly`, before the warehouse.
    checks = query(
        url, CHECKS, {"key": {"path": ["lake", "generations"]}, "name": "generation_ids_unique"}
    )
    executions = checks["assetCheckExecutions"]
    assert executions and {e["status"] for e in executions} == {"SUCCEEDED"}
    assert {instance_runs[e["runId"]] for e in executions} == {"ingest", "nightly"}
    repository = find_repository(url)

    nodes = query(url, LINEAGE)["assetNodes"]
    parents = {
        "/".join(n["assetKey"]["path"]): {"/".join(d["path"]) for d in n["dependencyKeys"]}
        for n in nodes
    }
    assert "archives" in parents["lake/generations"]
    assert "lake/generations" in parents["lake/image_embeddings"]
    assert "lake/generations" in parents["lake/prompt_embeddings"]
    assert "lake/generations" in parents["stg_lake__generations"]
    assert "lake/image_embeddings" in parents["stg_lake__image_embedding_rows"]
    assert "int_sessions_aggregated" in parents["sessions"]

    night = paths.registry.register(write_log(tmp_path / "inbox" / "night.csv"), "ada")
    later = paths.registry.register(write_log(tmp_path / "inbox" / "later.csv", hour=22), "ada")
    add_partitions(url, "archives", [night.key, later.key])
    params = {
        "selector": {
            **repository,
            "jobName": "ingest",  # the job `creative-sessions ingest` runs, launched from the UI
        },
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": night.key}]},
    }
    launched = query(url, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    assert _wait_for_run(url, launched["run"]["runId"]) == "SUCCESS"
    assert (paths.lake_dir / "generations" / f"archive={night.key}").is_dir()
    # What `creative-sessions backfill --submit` sends: accepted as a Dagster backfill.
    assert launch_backfill(url, [["lake", "generations"], ["lake", "quarantine"]], [later.key], "t")

    # The lake group's asset graph as a person sees it: its assets, their neighbours, no pop-up.
    assert query(url, "{ shouldShowNux }")["shouldShowNux"] is False
    chromium_or_skip()
    graph = f"{url}/locations/{repository['repositoryLocationName']}/asset-groups/lake"
    dom = dump_dom(graph, budget_ms=15000, size=WINDOW)
    (tmp_path / "asset-graph.html").write_text(dom)  # kept for a failure's reader
    assert COMMUNITY_POPUP not in dom
    # Each name is the whole text of a node: the group's own assets and their linked neighbours.
    for name in (
        "generations",
        "quarantine",
        "archives",
        "image_embeddings",
        "stg_lake__quarantine",
    ):
        assert f">{name}<" in dom, f"{name} is not on the asset graph page"
    assert "% filled" in dom, "the run's materialized partition is not shown on the graph"
    png = screenshot(graph, tmp_path / "asset-graph.png", size=WINDOW, budget_ms=15000)
    with Image.open(png) as image:
        assert image.size == WINDOW
        # A drawn page (text, nodes, edges), not one flat colour.
        assert len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ()) > 50
    assert png.stat().st_size > 20_000
