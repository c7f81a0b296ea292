"""`creative-sessions backfill`: preview with estimates, bounded batches, progress, pools."""

import io
from pathlib import Path

import dagster as dg
from click.testing import CliRunner

from orchestration.cli.app import main
from orchestration.cli.progress import CounterEcho, Progress
from orchestration.defs import runner
from orchestration.defs.automation import ensure_pool_limits
from orchestration.defs.resources import DataPaths
from tests.orchestration.ops_fixtures import write_log


def test_preview_then_bounded_batches_then_the_warehouse(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    registry = DataPaths(data_dir=str(data)).registry
    for i in range(3):
        registry.register(write_log(tmp_path / f"log{i}.csv", hour=10 + i), "ada")
    cli = CliRunner()

    preview = cli.invoke(main, ["--data-dir", str(data), "backfill", "--preview"])
    assert preview.exit_code == 0, preview.output
    assert "lake/generations: 3 partitions in 3 runs" in preview.output
    assert "default, no ingest recorded yet" in preview.output
    assert not (data / "lake").exists()  # a preview runs nothing

    first = cli.invoke(main, ["--data-dir", str(data), "backfill", "--max-archives", "2"])
    assert first.exit_code == 0, first.output
    assert "pools: warehouse=1, gpu=1" in first.output
    assert "ingest 1/2 archives" in first.output and "ingest 2/2 archives" in first.output
    assert "1 archives left" in first.output
    assert not (data / "warehouse.duckdb").exists()

    again = cli.invoke(main, ["--data-dir", str(data), "backfill", "--preview"])
    assert "lake/generations: 1 partitions in 1 runs" in again.output
    assert "measured over 2 ingests" in again.output  # rates come from recorded metadata

    # The last batch hands over to `run_stale` (embeddings, dbt, labels; tested in test_cli).
    calls: list[int] = []
    monkeypatch.setattr(runner, "run_stale", lambda *a, **k: calls.append(1))
    last = cli.invoke(main, ["--data-dir", str(data), "backfill"])
    assert last.exit_code == 0, last.output
    assert "ingest 1/1 archives" in last.output and "left" not in last.output
    assert calls == [1]


def test_progress_reports_rate_and_eta_without_a_terminal() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = Progress(10, "embed", "images", stream=out, clock=lambda: now[0])
    now[0] = 2.0
    bar.advance(4, "a/s0000")
    assert out.getvalue() == "embed 4/10 images · 2 images/s · eta 0:03 · a/s0000\n"
    lines: list[str] = []
    echo = CounterEcho(lines.append, clock=lambda: now[0])
    echo("[1/3] a: ingesting (new)")
    now[0] = 12.0
    echo("[2/3] b: ingesting (new)")
    echo("warehouse: up to date")
    assert lines == [
        "[1/3] a: ingesting (new)",
        "[2/3] b: ingesting (new) · 0.1/s · eta 0:20",
        "warehouse: up to date",
    ]


def test_pool_limits_fill_gaps_and_keep_what_a_person_set() -> None:
    with dg.instance_for_test() as instance:
        instance.event_log_storage.set_concurrency_slots("gpu", 4)
        assert ensure_pool_limits(instance) == {"warehouse": 1, "gpu": 4}
