"""Sessions from order alone: how well the prompt split finds the sessions that times would give.

    .venv/bin/python benchmarks/order_sessions.py            # the real slice and the sample
    .venv/bin/python benchmarks/order_sessions.py --keep DIR # keep the lakes and warehouses

Two archives whose true sessions are known, with their times taken away and their order kept:

1. The real DiffusionDB slice (`../shared/realdata`; skipped when absent), development users only
   (user names starting 0-7; 8-f are held out and never read past the filter). The reference is
   the sessions of the true times (a gap over 30 minutes). Times are dropped and each user's rows
   placed by ``ordering.place`` as a copy's files without a day are (``file order``).
2. The project's sample archive: the A1111 folder copied with reset, shuffled mtimes, and the
   ComfyUI, mixed and Midjourney archives re-exported with one entry time, through the real
   ingest. The reference is the ground truth's ``session_key``.

Each is built by dbt (``int_generations_sessionized`` and ``sessions``). Over consecutive
generations in the warehouse's order, a pair is a reference boundary when the reference puts the
two in different sessions. Printed: boundaries found (recall), splits made that are boundaries
(precision) and splits inside a reference session, with the rule and without it (the starts the
rule made, ``is_split_by_prompt``, removed). CPU seconds are this process's and dbt's.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.ingest.lake import GENERATIONS_SCHEMA, QUARANTINE_SCHEMA  # noqa: E402
from orchestration.ingest.ordering import Unplaced, place  # noqa: E402
from orchestration.ingest.pipeline import ingest_archive  # noqa: E402
from orchestration.sample.archive import build_sample_archive  # noqa: E402

DBT_DIR = ROOT / "dbt_project"
SLICE = ROOT.parent / "shared/realdata/diffusiondb-first1k/diffusiondb_sample.csv"
DEVELOPMENT = tuple("01234567")  # first hex digit of user_name; 8-f are held out
COPY_TIME = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
GAP_SECONDS = 30 * 60


@dataclass
class Score:
    """Boundaries in the reference, and the splits a rule made at them and elsewhere."""

    pairs: int = 0
    boundaries: int = 0
    found: int = 0
    false_splits: int = 0

    def add(self, boundary: bool, split: bool) -> None:
        self.pairs += 1
        self.boundaries += boundary
        self.found += boundary and split
        self.false_splits += split and not boundary

    def line(self) -> str:
        within = self.pairs - self.boundaries
        splits = self.found + self.false_splits
        precision = f"{self.found}/{splits}" if splits else "-"
        return (
            f"found {self.found}/{self.boundaries} boundaries, precision {precision}, "
            f"{self.false_splits}/{within} pairs inside a session split"
        )


def dbt(lake: Path, warehouse: Path, tmp: Path) -> None:
    """``dbt run`` of the sessions and what they need, over ``lake`` into ``warehouse``."""
    dbt_bin = Path(sys.executable).parent / "dbt"
    vars_ = {"lake_dir": lake.as_posix(), "warehouse_path": warehouse.as_posix()}
    subprocess.run(
        [str(dbt_bin), "run", "--select", "+sessions", "--profiles-dir", ".", "--vars",
         json.dumps(vars_), "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=DBT_DIR, check=True, capture_output=True,
    )  # fmt: skip


def write_lake(lake: Path, key: str, rows: list[dict]) -> None:
    """One archive's partition of hand-made rows (and an empty quarantine)."""
    part = lake / "generations" / f"archive={key}"
    part.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(rows, schema=GENERATIONS_SCHEMA), part / "generations.parquet"
    )
    quarantine = lake / "quarantine" / f"archive={key}"
    quarantine.mkdir(parents=True, exist_ok=True)
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), quarantine / "quarantine.parquet")


def sessions_in_order(warehouse: Path) -> list[tuple[str, str, str, bool]]:
    """(artist, source_path, session_id, is_split_by_prompt) in the warehouse's order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select artist, source_path, session_id, is_split_by_prompt "
            "from int_generations_sessionized "
            "order by artist, created_at, source_archive, source_order, generation_id"
        ).fetchall()


def score(
    rows: list[tuple[str, str, str, bool]], reference: dict[tuple[str, str], str]
) -> tuple[Score, Score]:
    """Scores with the rule and without it, over consecutive pairs of one artist."""
    with_rule, without = Score(), Score()
    kept = [r for r in rows if (r[0], r[1]) in reference]
    for (artist, path, session, _), (next_artist, next_path, next_session, by_prompt) in pairwise(
        kept
    ):
        if artist != next_artist:
            continue
        boundary = reference[artist, path] != reference[next_artist, next_path]
        split = session != next_session
        with_rule.add(boundary, split)
        without.add(boundary, split and not by_prompt)
    return with_rule, without


def real_slice(tmp: Path) -> tuple[Score, Score, int, int] | None:
    """The development users' rows, placed by order only, against their true-time sessions."""
    if not SLICE.exists():
        return None
    with open(SLICE, newline="", encoding="utf-8") as fh:
        rows = [
            (i, r)
            for i, r in enumerate(csv.DictReader(fh))
            if r["user_name"].startswith(DEVELOPMENT)
        ]
    by_user: dict[str, list[tuple[int, dict]]] = {}
    for i, r in rows:
        by_user.setdefault(r["user_name"], []).append((i, r))
    reference: dict[tuple[str, str], str] = {}
    lake_rows, unplaced = [], []
    for user, members in by_user.items():
        members.sort(key=lambda m: (m[1]["timestamp"], m[0]))
        session, previous = 0, None
        for position, (i, r) in enumerate(members):
            at = datetime.fromisoformat(r["timestamp"])
            if previous is not None and (at - previous).total_seconds() > GAP_SECONDS:
                session += 1
            previous = at
            path = f"row-{i:04d}"
            reference[user, path] = f"{user}#{session}"
            key = len(lake_rows)
            unplaced.append(Unplaced(key, "diffusiondb", user, position, latest=COPY_TIME))
            row = {f.name: None for f in GENERATIONS_SCHEMA}
            row.update(
                generation_id=hashlib.sha256(path.encode()).hexdigest()[:32],
                artist=user,
                tool="diffusiondb",
                prompt=r["prompt"],
                seed=int(r["seed"]),
                source_archive="real-order-only",
                source_path=path,
                source_order=position,
            )
            lake_rows.append(row)
    for key, (at, source) in place(unplaced, COPY_TIME).items():
        lake_rows[key]["created_at"], lake_rows[key]["created_at_source"] = at, source
    lake, warehouse = tmp / "real-lake", tmp / "real.duckdb"
    write_lake(lake, "real-order-only", lake_rows)
    dbt(lake, warehouse, tmp)
    with_rule, without = score(sessions_in_order(warehouse), reference)
    return with_rule, without, len(by_user), len(lake_rows)


def _reexport(src: Path, dst: Path) -> None:
    """A zip or tar written again with one entry time for every file: order kept, time gone."""
    if src.suffix == ".zip":
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 1, 9, 30, 0))
                zout.writestr(entry, zin.read(info))
        return
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member) if member.isfile() else None
            member.mtime = COPY_TIME.timestamp()
            tout.addfile(member, data)


def sample(tmp: Path) -> tuple[Score, Score, dict[str, dict[str, int]]]:
    """The sample's image archives with their times removed, through ingest and dbt."""
    built = build_sample_archive(tmp / "sample")
    lake = tmp / "sample-lake"
    sources: dict[str, dict[str, int]] = {}
    for entry in built.archives:
        if entry.kind == "log":
            continue  # a log's times are its rows' own: nothing to take away
        copy = tmp / "copies" / entry.path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if entry.kind == "folder":
            shutil.copytree(entry.path, copy, copy_function=shutil.copy)
            rng, base = random.Random(5), COPY_TIME.timestamp()
            for f in sorted(p for p in copy.rglob("*") if p.is_file()):
                at = base + rng.uniform(0, 2)
                os.utime(f, (at, at))
        else:
            _reexport(entry.path, copy)
        stats = ingest_archive(copy, entry.artist, entry.path.name, lake)
        sources[entry.path.name] = dict(stats.times.sources)
    warehouse = tmp / "sample.duckdb"
    dbt(lake, warehouse, tmp)
    truth = pl.read_parquet(built.ground_truth_path).filter(pl.col("expected_status") == "ok")
    reference = {
        (artist, path): key
        for artist, path, key in truth.select("artist", "source_path", "session_key").rows()
    }
    with_rule, without = score(sessions_in_order(warehouse), reference)
    return with_rule, without, sources


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--keep", type=Path, help="build here and keep it")
    args = parser.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="order-sessions-"))
    tmp.mkdir(parents=True, exist_ok=True)
    started = time.process_time()
    try:
        real = real_slice(tmp)
        if real is None:
            print(f"real slice: absent ({SLICE}), skipped")
        else:
            with_rule, without, users, n = real
            print(f"real slice, development users (0-7): {users} users, {n} generations")
            print(f"  prompt split:  {with_rule.line()}")
            print(f"  no rule:       {without.line()}")
        with_rule, without, sources = sample(tmp)
        print("sample archive, times removed (time sources per archive):")
        for archive, counts in sources.items():
            print(f"  {archive}: {counts}")
        print(f"  prompt split:  {with_rule.line()}")
        print(f"  no rule:       {without.line()}")
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - started + children.ru_utime + children.ru_stime
    print(f"CPU seconds (this process and dbt): {cpu:.1f}")


if __name__ == "__main__":
    main()
