"""Warehouse benchmark: full and incremental dbt builds over synthetic lakes.

Writes a lake of N generations (artists working in sessions: prompts refined, parameters swept,
seeds kept or rerolled), optionally with image (512-d) and prompt (384-d) vectors, then times:

1. a full build (`dbt run --full-refresh`),
2. an incremental build after adding 1% new generations as a new archive: most continue the
   artists' latest sessions or start new ones, and some land in the gap between two sessions
   and merge them.

Peak memory is the maximum resident set of the dbt process and its children (ru_maxrss).

    .venv/bin/python benchmarks/warehouse.py --generations 1000000 --embeddings
    .venv/bin/python benchmarks/warehouse.py --generations 10000000
"""

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from orchestration.ingest.lake import GENERATIONS_SCHEMA, QUARANTINE_SCHEMA  # noqa: E402

DBT_DIR = ROOT / "dbt_project"
IMAGE_MODEL = "bench-image-512"
PROMPT_MODEL = "bench-prompt-384"
SUBJECTS = ["castle", "forest", "portrait", "robot", "city", "dragon", "ocean", "cat", "ship"]
STYLES = ["oil painting", "watercolor", "photo", "anime", "pixel art", "ink sketch", "3d render"]
EXTRAS = ["golden hour", "highly detailed", "foggy", "neon", "minimal", "dramatic light"]
SAMPLERS = ["Euler a", "DPM++ 2M", "DDIM", "UniPC"]
MODELS = ["sd15", "sdxl", "flux-dev"]
BASE_TIME = np.datetime64("2024-01-01T00:00:00", "us")


def _sha(texts: np.ndarray) -> np.ndarray:
    return np.array([hashlib.sha256(t.encode()).hexdigest() for t in texts], dtype=object)


def synth_generations(
    rng: np.random.Generator, id_offset: int, clock: np.ndarray, artists: np.ndarray
) -> dict[str, np.ndarray]:
    """Generations for ``artists`` (one entry per row), each continuing its artist's ``clock``.

    Sessions average 12 generations, 1–4 min apart; sessions are 2–30 h apart. Within a session
    the subject is kept, the style is sometimes changed, the seed is mostly kept and cfg scale
    and steps are swept. ``clock`` is advanced in place.
    """
    n = len(artists)
    artists = np.sort(artists)
    new_session = rng.random(n) < 1 / 12
    step_us = np.where(new_session, rng.integers(120, 1800, n), rng.integers(1, 5, n)) * 60_000_000
    first = np.r_[True, artists[1:] != artists[:-1]]
    cum = np.cumsum(step_us)
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    created = clock[artists] + cum - cum[group_start] + step_us[group_start]
    np.maximum.at(clock, artists, created)
    session_no = np.cumsum(new_session | first) + id_offset
    style = (session_no + np.cumsum(rng.random(n) < 0.15)) % len(STYLES)
    extra = rng.integers(0, len(EXTRAS), n)
    with_extra = rng.random(n) < 0.5
    prompts = [
        f"{SUBJECTS[s % len(SUBJECTS)]}, {STYLES[t]}{', ' + EXTRAS[e] if x else ''} #{s % 50_000}"
        for s, t, e, x in zip(
            session_no.tolist(), style.tolist(), extra.tolist(), with_extra.tolist(), strict=True
        )
    ]
    seed = np.where(rng.random(n) < 0.6, session_no * 7919, rng.integers(0, 2**31, n))
    ids = range(id_offset, id_offset + n)
    return {
        "generation_id": np.array([f"{i:032x}" for i in ids], dtype=object),
        "artist": np.array([f"artist-{a}" for a in artists.tolist()], dtype=object),
        "tool": np.where(rng.random(n) < 0.7, "a1111", "comfyui").astype(object),
        "prompt": np.array(prompts, dtype=object),
        "negative_prompt": np.full(n, "blurry", dtype=object),
        "seed": seed.astype("int64"),
        "steps": (20 + 5 * (np.arange(n) % 4)).astype("int32"),
        "cfg_scale": (5.0 + 0.5 * rng.integers(0, 10, n)).astype("float64"),
        "sampler": np.array(SAMPLERS, dtype=object)[rng.integers(0, len(SAMPLERS), n)],
        "scheduler": np.where(rng.random(n) < 0.5, "karras", "normal").astype(object),
        "model": np.array(MODELS, dtype=object)[session_no % len(MODELS)],
        "width": np.full(n, 512, dtype="int32"),
        "height": np.where(rng.random(n) < 0.8, 512, 768).astype("int32"),
        "created_at": created.astype("int64"),
        "content_hash": np.array([f"{i:064x}" for i in ids], dtype=object),
    }


def write_archive(
    lake: Path,
    key: str,
    cols: dict[str, np.ndarray],
    embeddings: bool,
    rng: np.random.Generator,
    known_prompts: set[str],
) -> None:
    n = len(cols["generation_id"])
    arrays = {
        **{k: v for k, v in cols.items() if k != "created_at"},
        "created_at": pa.array(cols["created_at"], pa.int64()).cast(pa.timestamp("us", tz="UTC")),
        "created_at_source": np.full(n, "metadata", dtype=object),
        "source_archive": np.full(n, key, dtype=object),
        "source_path": np.array([f"img/{i}.png" for i in range(n)], dtype=object),
        "source_order": np.arange(n, dtype="int64"),
        "job_id": pa.nulls(n, pa.string()),
    }
    # Columns the synthetic history has no values for (second-pass fields, …) stay NULL.
    table = pa.table(
        {
            f.name: pa.array(arrays[f.name], f.type) if f.name in arrays else pa.nulls(n, f.type)
            for f in GENERATIONS_SCHEMA
        }
    )
    path = lake / "generations" / f"archive={key}" / "generations.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    q = lake / "quarantine" / f"archive={key}" / "quarantine.parquet"
    q.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(QUARANTINE_SCHEMA.empty_table(), q)
    if not embeddings:
        return
    write_vectors(
        lake / "image_embeddings" / f"model={IMAGE_MODEL}" / f"archive={key}" / "s0000.parquet",
        "content_hash",
        cols["content_hash"],
        IMAGE_MODEL,
        512,
        rng,
    )
    prompts = np.unique(cols["prompt"].astype(str))
    fresh = np.array([p for p in prompts if p not in known_prompts], dtype=object)
    known_prompts.update(fresh)
    write_vectors(
        lake / "prompt_embeddings" / f"model={PROMPT_MODEL}" / f"part-{key}.parquet",
        "prompt_hash",
        _sha(fresh),
        PROMPT_MODEL,
        384,
        rng,
        texts=fresh,
    )


def write_vectors(
    path: Path,
    key: str,
    keys: np.ndarray,
    model: str,
    dim: int,
    rng: np.random.Generator,
    texts: np.ndarray | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    for lo in range(0, len(keys), 100_000):
        part = keys[lo : lo + 100_000]
        v = rng.standard_normal((len(part), dim), dtype=np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        table = pa.table(
            {
                key: pa.array(part, pa.string()),
                "model_id": pa.array([model] * len(part), pa.string()),
                "embedding_dim": pa.array([dim] * len(part), pa.int32()),
                "embedding": pa.FixedSizeListArray.from_arrays(pa.array(v.reshape(-1)), dim),
            }
        )
        if texts is not None:  # the prompt embedding store keeps the text beside its hash
            table = table.append_column("prompt", pa.array(texts[lo : lo + 100_000], pa.string()))
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
    if writer:
        writer.close()


def build_lake(lake: Path, n: int, embeddings: bool, archives: int = 10) -> dict:
    """The base lake (``archives`` files) and the 1% increment, to be written as ``zz-new``.

    Of the increment, 90% continues the artists' timelines (extending their latest session or
    starting new ones) and 10% lands at random times inside them: in gaps between sessions
    (often merging two) or inside existing sessions.
    """
    rng = np.random.default_rng(7)
    n_artists = max(1, n // 1000)
    start = BASE_TIME.astype("int64") + rng.integers(0, 86_400_000_000, n_artists)
    clock = start.copy()
    known: set[str] = set()
    per = n // archives
    for a in range(archives):
        cols = synth_generations(rng, a * per, clock, rng.integers(0, n_artists, per))
        write_archive(lake, f"a{a:03d}", cols, embeddings, rng, known)
    m = max(1, n // 100)
    cols = synth_generations(rng, archives * per, clock, rng.integers(0, n_artists, m))
    inside = rng.random(m) < 0.1
    artist_idx = np.array([int(a.split("-")[1]) for a in cols["artist"]])
    span = np.maximum(clock[artist_idx] - start[artist_idx], 1)
    cols["created_at"] = np.where(
        inside, start[artist_idx] + (rng.random(m) * span).astype("int64"), cols["created_at"]
    )
    return {"increment": cols, "rng": rng, "known": known}


def run_dbt(args: list[str], lake: Path, warehouse: Path, project: Path) -> tuple[float, float]:
    vars_ = json.dumps({"lake_dir": lake.as_posix(), "warehouse_path": warehouse.as_posix()})
    dbt = Path(sys.executable).parent / "dbt"
    cmd = [str(dbt), *args, "--profiles-dir", ".", "--vars", vars_, "--quiet"]
    # A fresh wrapper process per run, so ru_maxrss is this run's peak, not the session's.
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", wrapper, *cmd],
        cwd=DBT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    return seconds, int(out.stdout.strip().splitlines()[-1]) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=1_000_000)
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument("--workdir", type=Path, default=ROOT / "data" / "bench")
    parser.add_argument("--command", default="run", choices=["run", "build"])
    parser.add_argument(
        "--project-dir", type=Path, default=DBT_DIR, help="a dbt project to compare (a copy)"
    )
    opts = parser.parse_args()

    work = opts.workdir / f"n{opts.generations}{'-emb' if opts.embeddings else ''}"
    shutil.rmtree(work, ignore_errors=True)
    lake, warehouse = work / "lake", work / "warehouse.duckdb"
    t0 = time.perf_counter()
    state = build_lake(lake, opts.generations, opts.embeddings)
    print(
        f"lake: {opts.generations:,} generations, embeddings={opts.embeddings}, "
        f"written in {time.perf_counter() - t0:.1f} s"
    )

    full_s, full_gib = run_dbt([opts.command, "--full-refresh"], lake, warehouse, opts.project_dir)
    print(f"full build:        {full_s:7.1f} s   peak RSS {full_gib:5.2f} GiB")

    write_archive(lake, "zz-new", state["increment"], opts.embeddings, state["rng"], state["known"])
    inc_s, inc_gib = run_dbt([opts.command], lake, warehouse, opts.project_dir)
    print(
        f"incremental (+1%): {inc_s:7.1f} s   peak RSS {inc_gib:5.2f} GiB   "
        f"= {100 * inc_s / full_s:.1f}% of full"
    )


if __name__ == "__main__":
    main()
