"""Helpers for tests that run the real CLI in a subprocess, pause it, kill it and compare data."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
from PIL import Image

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import png_bytes
from orchestration.store.pause_points import PAUSE_ENV

CLI = Path(sys.executable).parent / "creative-sessions"
STAGE_TIMEOUT_S = 900  # a stage that never comes fails the test instead of hanging it


def write_sources(root: Path) -> list[Path]:
    """A folder of six PNGs (two prompts) and a five-row log: two archives, two partitions."""
    folder = root / "outputs"
    folder.mkdir(parents=True)
    for i in range(6):
        meta = GenerationMeta(
            tool="a1111",
            prompt=f"a lighthouse in fog, take {i // 3}",
            seed=100 + i,
            steps=20,
            cfg_scale=7.0,
            sampler="Euler a",
            width=16,
            height=16,
        )
        pixels = Image.new("RGB", (16, 16), (40 * i, 90, 200 - 30 * i))
        path = folder / f"{i:05d}.png"
        path.write_bytes(png_bytes(pixels, {"parameters": a1111_parameters(meta)}))
        os.utime(path, (1_760_000_000 + 60 * i, 1_760_000_000 + 60 * i))
    log = root / "log.csv"
    rows = [
        {"prompt": f"castle {i // 2}", "seed": str(i), "step": "30", "cfg": "7"}
        | {"timestamp": f"2025-03-01 20:{i:02d}:00+00:00"}
        for i in range(5)
    ]
    pl.DataFrame(rows).write_csv(log)
    return [folder, log]


@dataclass
class Run:
    """A CLI run in its own process group, its stderr collected by a thread."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def wait_for_line(self, text: str) -> None:
        """Block until ``text`` appears on the run's output (or fail if the run ends first)."""
        deadline = time.monotonic() + STAGE_TIMEOUT_S
        while not any(text in line for line in self.lines):
            if self.proc.poll() is not None:
                output = self.output()  # drain the last lines
                if text in output:
                    return
                raise AssertionError(f"run ended before {text!r}:\n{output[-4000:]}")
            assert time.monotonic() < deadline, f"no {text!r} in the run's output"
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the whole process group (the CLI and any dbt it started), as a crash would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def output(self) -> str:
        """Wait for the run to exit and return everything it printed."""
        self.proc.wait(timeout=STAGE_TIMEOUT_S)
        if self.reader is not None:
            self.reader.join(timeout=10)
        return "".join(self.lines)

    def finish(self) -> str:
        """Wait for a normal exit and return the output; fail on a non-zero exit code."""
        output = self.output()
        assert self.proc.returncode == 0, output[-4000:]
        return output


def start(data: Path, *args: str, pause_at: str | None = None) -> Run:
    """Start ``creative-sessions --data-dir data ARGS`` in a new session (process group)."""
    env = {k: v for k, v in os.environ.items() if k not in (PAUSE_ENV, "DAGSTER_HOME")}
    env["CREATIVE_SESSIONS_DATA"] = str(data)
    if pause_at:
        env[PAUSE_ENV] = pause_at
    proc = subprocess.Popen(
        [str(CLI), "--data-dir", str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    run = Run(proc)

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            run.lines.append(line)

    run.reader = threading.Thread(target=read, daemon=True)
    run.reader.start()
    return run


def wait_for_file_text(path: Path, text: str, offset: int, run: Run) -> None:
    """Block until ``text`` is in ``path`` past byte ``offset`` (e.g. dbt's log of this run)."""
    deadline = time.monotonic() + STAGE_TIMEOUT_S
    while True:
        if path.exists():
            with open(path, encoding="utf-8", errors="replace") as fh:
                fh.seek(offset)
                if text in fh.read():
                    return
        assert run.proc.poll() is None, f"run ended before {text!r} in {path}"
        assert time.monotonic() < deadline, f"no {text!r} in {path}"
        time.sleep(0.1)


def visible_parquet(lake: Path) -> list[Path]:
    """Lake files a reader would pick up (``*.parquet``, not hidden temp files)."""
    return sorted(p for p in lake.rglob("*.parquet") if not p.name.startswith("."))


@dataclass(frozen=True)
class Snapshot:
    """Everything a user could see of a data directory, in a comparable form."""

    lake_generations: tuple[tuple, ...]
    lake_quarantine: tuple[tuple, ...]
    embedding_keys: tuple[tuple, ...]
    generations: tuple[tuple, ...]
    session_members: tuple[tuple, ...]
    sessions: tuple[tuple, ...]
    session_intents: tuple[tuple, ...]


def snapshot(data: Path) -> Snapshot:
    """Read the lake and the warehouse; every visible Parquet file must open."""
    lake = data / "lake"
    files = visible_parquet(lake)
    tables = {path: pq.read_table(path) for path in files}  # raises on a partial file

    def rows(table: str, columns: list[str]) -> tuple[tuple, ...]:
        out = []
        for path, data_ in tables.items():
            if path.parts[len(lake.parts)] == table:
                out += [tuple(r[c] for c in columns) for r in data_.select(columns).to_pylist()]
        return tuple(sorted(out, key=repr))

    keys = []
    for path, table in tables.items():
        top = path.parts[len(lake.parts)]
        if top in ("image_embeddings", "prompt_embeddings"):
            key = "content_hash" if top == "image_embeddings" else "prompt_hash"
            keys += [
                (top, k, m)
                for k, m in zip(table[key].to_pylist(), table["model_id"].to_pylist(), strict=True)
            ]
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return Snapshot(
            lake_generations=rows("generations", ["generation_id", "source_archive", "prompt"]),
            lake_quarantine=rows("quarantine", ["source_archive", "source_path", "reason"]),
            embedding_keys=tuple(sorted(keys)),
            generations=tuple(
                con.sql(
                    "select generation_id, prompt, created_at from generations order by 1"
                ).fetchall()
            ),
            session_members=tuple(
                con.sql(
                    "select generation_id, session_id, position from session_members order by all"
                ).fetchall()
            ),
            sessions=tuple(
                con.sql("select session_id, n_generations from sessions order by all").fetchall()
            ),
            session_intents=tuple(
                con.sql(
                    "select session_id, intent, label from session_intents order by all"
                ).fetchall()
            ),
        )
    finally:
        con.close()
