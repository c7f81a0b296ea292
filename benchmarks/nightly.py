"""Nightly benchmark: a full run, a +1% run and a no-op run through the real CLI (issue 16).

Builds a DiffusionDB-like history by replicating the real slice
(``../shared/realdata/diffusiondb-first1k``): copy ``k`` gets new user names (the user hash with
``k`` mixed in) and timestamps shifted by ``k`` whole days, so every copy is a new set of artists
working the way the real ones did. Then, in a scratch data directory:

1. full: ``ingest --register-only history.csv`` then ``run``;
2. +1%: a new archive of ``rows / 100`` rows (the next copies, later days), then ``run``;
3. no-op: ``run`` again (repeated; the median is printed).

CPU seconds are the children's user + system time from ``resource.getrusage`` (dbt and Dagster's
step processes included: each is waited for by its parent); wall seconds per command, and per
stage of ``run`` from the time its progress lines arrive: a stage runs from its first line to the
next stage's (``start`` is the interpreter and imports; ``warehouse`` the health check and dbt;
``intents`` the labels run; ``journal`` the pages, whose line comes when they are written).

    .venv/bin/python benchmarks/nightly.py --rows 10000
    .venv/bin/python benchmarks/nightly.py --rows 100000 --noop-repeats 3
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
SLICE = ROOT.parent / "shared" / "realdata" / "diffusiondb-first1k" / "diffusiondb_sample.csv"
# `-m` from the root, so a worktree of another commit measures its own code.
CLI = [sys.executable, "-m", "orchestration.cli"]
# A progress line's prefix names the stage it starts (runner.run_stale's messages).
STAGES = ("[", "prompts", "images", "warehouse", "intents", "journal")


@dataclass
class Measured:
    """One CLI command: CPU seconds of its process tree, wall seconds, wall per stage."""

    cpu: float
    wall: float
    stages: dict[str, float] = field(default_factory=dict)
    output: list[str] = field(default_factory=list)


def replicate(source: pl.DataFrame, copies: range, rows: int) -> pl.DataFrame:
    """``rows`` rows of the copies in ``copies``: new users per copy, days shifted by the copy."""
    stamps = pl.col("timestamp").str.to_datetime("%Y-%m-%d %H:%M:%S%z")
    parts = []
    for copy in copies:
        parts.append(
            source.with_columns(
                user_name=pl.col("user_name").map_elements(
                    lambda u, c=copy: hashlib.sha256(f"{u}:{c}".encode()).hexdigest(),
                    return_dtype=pl.String,
                ),
                timestamp=(stamps + pl.duration(days=copy)).dt.strftime("%Y-%m-%d %H:%M:%S+00:00"),
            )
        )
    return pl.concat(parts).head(rows)


def build_inputs(folder: Path, rows: int, slice_csv: Path) -> tuple[Path, Path]:
    """The history log and the +1% log (cached: the same rows give the same files)."""
    history, increment = folder / f"history-{rows}.csv", folder / f"plus1pct-{rows}.csv"
    if history.exists() and increment.exists():
        return history, increment
    source = pl.read_csv(slice_csv, infer_schema=False)
    copies = -(-rows // source.height)
    replicate(source, range(copies), rows).write_csv(history)
    extra = max(1, rows // 100)
    start = copies + 1  # a day after the history's last copy: new artists, newest sessions
    replicate(source, range(start, start + -(-extra // source.height)), extra).write_csv(increment)
    return history, increment


def cli(data_dir: Path, *args: str) -> Measured:
    """Run one CLI command, timing it and the stages its progress lines announce."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*CLI, "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    stages: dict[str, float] = {}
    stage, stage_started, output = "start", started, []
    for line in process.stdout:
        now = time.perf_counter()
        output.append(line.rstrip())
        word = line.strip().split(":", 1)[0]
        name = "ingest" if word.startswith("[") else word
        if name in {"ingest", *STAGES} and name != stage:
            stages[stage] = stages.get(stage, 0.0) + now - stage_started
            stage, stage_started = name, now
    if process.wait() != 0:
        sys.exit("\n".join(output[-40:]) + f"\ncommand failed: {args}")
    wall = time.perf_counter() - started
    stages[stage] = stages.get(stage, 0.0) + time.perf_counter() - stage_started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(cpu, wall, stages, output)


def scenario(data_dir: Path, archive: Path | None) -> tuple[Measured, Measured | None]:
    """Register ``archive`` (if any), then ``run``: the two commands a nightly job makes."""
    registered = cli(data_dir, "ingest", "--register-only", str(archive)) if archive else None
    return cli(data_dir, "run"), registered


def fmt_stages(m: Measured) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in m.stages.items() if v >= 0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000, help="history size (generations)")
    parser.add_argument("--noop-repeats", type=int, default=3, help="no-op runs (median shown)")
    parser.add_argument("--slice", type=Path, default=SLICE, help="the real DiffusionDB slice")
    parser.add_argument("--keep", action="store_true", help="keep the scratch data directory")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the CLI's output")
    args = parser.parse_args()
    if not args.slice.exists():
        sys.exit(f"the real slice is missing: {args.slice}")
    out = ROOT / "benchmarks" / "out" / f"nightly-{args.rows}"
    out.mkdir(parents=True, exist_ok=True)
    history, increment = build_inputs(out, args.rows, args.slice)
    data_dir = out / "data"
    shutil.rmtree(data_dir, ignore_errors=True)

    full, full_reg = scenario(data_dir, history)
    plus, plus_reg = scenario(data_dir, increment)
    noops = [scenario(data_dir, None)[0] for _ in range(args.noop_repeats)]
    noop = sorted(noops, key=lambda m: m.cpu)[len(noops) // 2]
    if args.verbose:
        for name, m in (("full", full), ("+1%", plus), ("no-op", noop)):
            print(f"--- {name} ---", *m.output, sep="\n")

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    print(f"nightly: {args.rows} generations, +{max(1, args.rows // 100)} rows")
    print(f"{'run':<8}{'CPU-s':>9}{'wall s':>9}{'CPU %':>8}{'wall %':>8}  stages (wall s)")
    for name, m, reg in (("full", full, full_reg), ("+1%", plus, plus_reg), ("no-op", noop, None)):
        print(
            f"{name:<8}{m.cpu:>9.1f}{m.wall:>9.1f}{100 * m.cpu / full.cpu:>7.1f}%"
            f"{100 * m.wall / full.wall:>7.1f}%  {fmt_stages(m)}"
            + (f"; register {reg.wall:.1f} s wall, {reg.cpu:.1f} CPU-s" if reg else "")
        )
    if len(noops) > 1:
        cpus = ", ".join(f"{m.cpu:.1f}" for m in noops)
        walls = statistics.median(m.wall for m in noops)
        print(f"no-op runs: CPU-s {cpus}; median wall {walls:.1f} s")
    print(f"peak RSS of one child process: {peak:.2f} GiB")
    print(
        f"SUMMARY cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
        f"cmd=.venv/bin/python benchmarks/nightly.py --rows {args.rows}"
    )
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
