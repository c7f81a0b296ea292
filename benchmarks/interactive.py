"""Interactive commands against plain DuckDB: `sql`, `sessions`, `correct`, as processes.

Run after `make demo` (or give `--data-dir`); the data directory is copied first, so the
corrections this records never touch it:

    .venv/bin/python benchmarks/interactive.py [--data-dir data] [--rounds 5]

Each round times, as separate processes, in turn: plain DuckDB (`python -c` that opens the
warehouse read-only and counts sessions: the baseline), `creative-sessions sql` with the same
query, `sessions`, a session correction and a phase correction (alternating intents, so each one
changes something). Prints the median wall time of each and its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
CLI = Path(sys.executable).parent / "creative-sessions"
QUERY = "select count(*) from sessions"


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(args, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def _targets(warehouse: Path) -> tuple[str, str, int]:
    """A multi-phase session (for both corrections) and its second phase."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "select session_id from session_phases group by session_id "
            "having count(*) >= 2 order by session_id limit 1"
        ).fetchone()
    if row is None:
        raise SystemExit("no multi-phase session to correct; run `make demo` first")
    return row[0], row[0], 2


def main() -> None:
    """Copy the data directory, warm it with one `run`, then time the rounds."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "data")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (args.data_dir / "warehouse.duckdb").exists():
        raise SystemExit(f"no warehouse in {args.data_dir}; run `make demo` first")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(args.data_dir, data, ignore=shutil.ignore_patterns("sample", "locks"))
        base = [str(CLI), "--data-dir", str(data)]
        # The copy's intent views still name the original's Parquet; one run points them here.
        subprocess.run([*base, "run"], check=True, capture_output=True, cwd=ROOT)
        warehouse = data / "warehouse.duckdb"
        session, phased, phase = _targets(warehouse)
        plain = (
            "import duckdb; "
            f"duckdb.connect({str(warehouse)!r}, read_only=True).sql({QUERY!r}).fetchall()"
        )
        commands = {
            "plain duckdb": lambda _i: [sys.executable, "-c", plain],
            "sql": lambda _i: [*base, "sql", QUERY],
            "sessions": lambda _i: [*base, "sessions"],
            "correct (session)": lambda i: [
                *base,
                "correct",
                session,
                "--intent",
                ("refinement", "exploration")[i % 2],
            ],
            "correct (phase)": lambda i: [
                *base,
                "correct",
                phased,
                "--phase",
                str(phase),
                "--intent",
                ("exploration", "optimization")[i % 2],
            ],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for i in range(args.rounds):
            for name, command in commands.items():
                times[name].append(_timed(command(i)))
    baseline = statistics.median(times["plain duckdb"])
    print(f"{args.rounds} rounds on a copy of {args.data_dir}; median wall seconds per process")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<18} {median:6.2f} s   {median / baseline:5.1f}× plain duckdb")


if __name__ == "__main__":
    main()
