"""`dagster dev` as a person starts it: lineage over GraphQL, a run that succeeds, a picture."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from orchestration.deploy.graphql import REPOSITORY, add_partitions, launch_backfill, query
from orchestration.resources import DataPaths
from tests.browser import chromium_or_skip, dump_dom, screenshot
from tests.orchestration.ops_fixtures import write_log

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 300
RUN_TIMEOUT_S = 300
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


@pytest.fixture
def dagster_dev(tmp_path: Path) -> Iterator[tuple[str, DataPaths]]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    # `nux: enabled: false` is Dagster's setting for the "Join the Dagster community" pop-up that
    # otherwise covers the UI on 127.0.0.1 until someone dismisses it (as a person would, once).
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\nnux:\n  enabled: false\n")
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CREATIVE_SESSIONS_DATA": paths.data_dir,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "dagster-dev.log", "w")
    process = subprocess.Popen(
        [
            str(bin_dir / "dagster"),
            "dev",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert process.poll() is None, (tmp_path / "dagster-dev.log").read_text()[-3000:]
            try:
                entries = query(url, LOCATION)["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    loaded = entries[0]["locationOrLoadError"]
                    assert loaded["__typename"] == "RepositoryLocation", loaded
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            assert time.monotonic() < deadline, "dagster dev did not come up"
            time.sleep(2)
        yield url, paths
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


def test_dagster_dev_lineage_run_and_graph(dagster_dev, tmp_path: Path) -> None:
    url, paths = dagster_dev
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
            **REPOSITORY,
            "jobName": "__ASSET_JOB",
            "assetSelection": [{"path": ["lake", "generations"]}, {"path": ["lake", "quarantine"]}],
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
    graph = f"{url}/locations/{REPOSITORY['repositoryLocationName']}/asset-groups/lake"
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
