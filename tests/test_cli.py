"""The commands a person types: ingest a log, query it, rerun with nothing to do."""

from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from orchestration.cli.app import main

pytestmark = pytest.mark.slow(seconds=220)  # pipelines, dbt, servers: started first


def _log(path: Path) -> Path:
    rows = [
        {
            "prompt": f"castle {i // 3}",
            "seed": str(i),
            "step": "30",
            "cfg": "7",
            "sampler": "k_lms",
            "width": "512",
            "height": "512",
            "user_name": "ada",
            "timestamp": f"2022-08-13 20:{i:02d}:00+00:00",
        }
        for i in range(6)
    ] + [
        {
            "prompt": "later",
            "seed": "9",
            "step": "30",
            "cfg": "7",
            "sampler": "k_lms",
            "width": "512",
            "height": "512",
            "user_name": "ada",
            "timestamp": "2022-08-13 23:00:00+00:00",
        }
    ]
    pl.DataFrame(rows).write_csv(path)
    return path


def test_ingest_sql_and_idempotent_run(tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    # The CLI exports both for the processes it starts; restore them after the test.
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    log = _log(tmp_path / "mylog.csv")
    result = runner.invoke(main, ["--data-dir", str(data), "ingest", str(log)])
    assert result.exit_code == 0, result.output
    assert "registered log" in result.output and "ingesting" in result.output
    assert "(artist mylog-csv, from the log's file name; rows with a user column" in result.output
    assert "1 artists, 2 sessions, 7 generations" in result.output
    assert str(data / "warehouse.duckdb") in result.output

    result = runner.invoke(
        main,
        [
            "--data-dir",
            str(data),
            "sql",
            "select artist, n_generations from sessions order by started_at",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "ada" in result.output and "6" in result.output

    result = runner.invoke(main, ["--data-dir", str(data), "run"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output and "ingesting" not in result.output
    # Nothing moved since the ingest's run: no checks, dbt or labels, the same summary.
    assert "run: up to date, no input changed since the run that finished at" in result.output
    assert "warehouse:" not in result.output and "1 artists, 2 sessions" in result.output

    # The session gap from the command line: a change rebuilds the warehouse, no flag needed.
    monkeypatch.setenv("CREATIVE_SESSIONS_SESSION_GAP_MINUTES", "30")  # restored afterwards
    result = runner.invoke(main, ["--data-dir", str(data), "--session-gap", "240", "run"])
    assert result.exit_code == 0, result.output
    assert "session gap changed (30 → 240 minutes)" in result.output
    assert "1 artists, 1 sessions, 7 generations" in result.output


def test_clear_errors(tmp_path: Path, monkeypatch) -> None:
    runner = CliRunner()
    data = tmp_path / "data"
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(data))
    result = runner.invoke(main, ["--data-dir", str(data), "sql", "select 1"])
    assert result.exit_code != 0 and "no warehouse" in result.output
    bad = tmp_path / "x.rar"
    bad.write_bytes(b"")
    result = runner.invoke(main, ["--data-dir", str(data), "ingest", str(bad)])
    assert result.exit_code != 0 and "not a folder, .zip" in result.output


def test_one_archive_failing_does_not_stop_the_others(tmp_path: Path, monkeypatch) -> None:
    """The failed archive is named with its run; the others reach the warehouse; exit code 1."""
    import orchestration.defs.assets.lake as lake_assets

    real = lake_assets.ingest_archive

    def fragile(source, artist, key, lake_dir):
        if source.name.startswith("broken"):
            raise RuntimeError("the disk returned garbage")
        return real(source, artist, key, lake_dir)

    monkeypatch.setattr(lake_assets, "ingest_archive", fragile)
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster"))
    broken = _log(tmp_path / "broken.csv")
    good = _log(tmp_path / "good.csv")
    base = ["--data-dir", str(tmp_path / "data")]
    result = CliRunner().invoke(main, [*base, "ingest", str(broken), str(good)])
    assert result.exit_code == 1, result.output
    assert "failed; the rest go on" in result.output
    assert f"error: {broken} was not ingested: run " in result.output
    assert "of job ingest failed at lake_partition: RuntimeError" in result.output
    assert "1 artists, 2 sessions, 7 generations" in result.output  # the good log, built
    assert "1 of 2 archives failed to ingest" in result.output
