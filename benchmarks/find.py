"""`find` at scale: the warehouse's `find_sessions` macro over a replicated history.

    .venv/bin/python benchmarks/find.py --generations 1000000 [--rounds 5]

Generates the nightly benchmark's history (benchmarks/warehouse.py: the same artists, sessions
and prompt mix), sessionizes it with the 30-minute gap, and writes the two tables the macro reads
(`session_prompts`, `prompt_vectors`, one random unit 384-d vector per distinct prompt) and
`sessions` into `benchmarks/out/find-n<N>.duckdb` (kept: the 1M build takes minutes), with
synthetic phases for `find --phases`; the macros are created from `dbt_project/macros/` itself
on every run. Then, warm (after one untimed query) and on a query near a stored prompt, the
median of ``--rounds`` queries, wall time and the process's CPU time (which the machine's other
load does not inflate), of: the bare `find_sessions` macro (top 25), `rank_sessions` as
`creative-sessions find` calls it and `rank_phases` as `find --phases` does (top 25 each), and
the MiniLM query embedding once the model is loaded.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.warehouse import BASE_TIME, synth_generations  # noqa: E402
from orchestration.cli.phase_search import rank_phases  # noqa: E402
from orchestration.cli.session_search import rank_sessions  # noqa: E402

DIM = 384


def render(call: str, name: str = "find_sessions") -> str:
    """``call`` (``find_sessions()``) as the dbt macro in ``macros/<name>.sql`` renders it,
    with the scoring CTEs it shares (``macros/scored_session_prompts.sql``)."""
    import jinja2

    macros = ROOT / "dbt_project" / "macros"
    text = "".join((macros / f"{m}.sql").read_text() for m in ["scored_session_prompts", name])
    environment = jinja2.Environment(extensions=["jinja2.ext.do"])  # dbt enables `do`
    return environment.from_string(text + "{{ " + call + " }}").render()


PHASE_LENGTH = 8  # synthetic phases: each session cut every 8 positions


def add_phases(con: duckdb.DuckDBPyConnection) -> None:
    """What `find --phases` reads besides the search tables: each prompt's positions in its
    session (session_prompts.positions) and labelled phases (session_phases), the phases cut
    every PHASE_LENGTH positions with the intents in turn. Added to a cached history once."""
    con.execute(
        """
        create or replace table session_prompts as
        select session_prompts.*, positions.positions
        from session_prompts
        join (
            select session_id, prompt_hash, list(position order by position) as positions
            from members group by session_id, prompt_hash
        ) as positions using (session_id, prompt_hash);
        create table session_phases as
        select session_id,
               (position - 1) // $length + 1 as phase_no,
               any_value(artist) as artist,
               (['exploration', 'refinement', 'optimization'])[
                   ((position - 1) // $length) % 3 + 1] as intent,
               'phase ' || ((position - 1) // $length + 1) as label,
               min(position) as first_position, max(position) as last_position,
               min(created_at) as started_at, max(created_at) as ended_at,
               count(*) as n_generations
        from members
        group by session_id, (position - 1) // $length;
        """,
        {"length": PHASE_LENGTH},
    )


def build(con: duckdb.DuckDBPyConnection, n: int) -> int:
    """The history's tables; returns the number of distinct prompt vectors."""
    rng = np.random.default_rng(7)
    n_artists = max(1, n // 1000)
    clock = BASE_TIME.astype("int64") + rng.integers(0, 86_400_000_000, n_artists)
    cols = synth_generations(rng, 0, clock, rng.integers(0, n_artists, n))
    generations = pa.table(
        {
            "generation_id": cols["generation_id"],
            "artist": cols["artist"],
            "prompt": cols["prompt"],
            "created_at": pa.array(cols["created_at"], pa.int64()).cast(pa.timestamp("us")),
        }
    )
    con.register("generations_in", generations)
    con.execute(
        """
        create table members as
        with ordered as (
            select *, sha256(prompt) as prompt_hash,
                   created_at - lag(created_at) over (partition by artist order by created_at)
                       > interval 30 minutes as is_new
            from generations_in
        ), numbered as (
            select *, sum(case when is_new is false then 0 else 1 end)
                over (partition by artist order by created_at, generation_id) as session_no
            from ordered
        )
        select md5(artist || session_no)[:16] as session_id, generation_id, artist, prompt,
               prompt_hash, created_at,
               row_number() over (partition by artist, session_no order by created_at,
                                  generation_id) as position
        from numbered
        """
    )
    con.execute(
        """
        create table sessions as
        select session_id, any_value(artist) as artist, min(created_at) as started_at,
               max(created_at) as ended_at, count(*) as n_generations
        from members group by session_id;
        create table session_prompts as
        select session_id, prompt_hash, any_value(artist) as artist,
               arg_min(prompt, position) as prompt,
               arg_min(generation_id, position) as first_generation_id,
               min(position) as first_position, count(*) as n_generations
        from members group by session_id, prompt_hash;
        """
    )
    hashes = [h for (h,) in con.execute("select distinct prompt_hash from members").fetchall()]
    vectors = rng.standard_normal((len(hashes), DIM), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    con.register(
        "vectors_in",
        pa.table(
            {
                "prompt_hash": pa.array(hashes, pa.string()),
                "embedding": pa.array(list(vectors), pa.list_(pa.float32())),
            }
        ),
    )
    con.execute(
        "create table prompt_vectors as "
        "select prompt_hash, 'bench-minilm' as model_id, embedding from vectors_in"
    )
    return len(hashes)


def timed(fn, rounds: int) -> float:
    fn()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def near_queries(con: duckdb.DuckDBPyConnection, n: int) -> list[np.ndarray]:
    """Stored prompt vectors with noise of their own size (cosine ≈ 0.7 to the original)."""
    rng = np.random.default_rng(1)
    rows = con.execute(
        "select embedding from prompt_vectors order by hash(prompt_hash, 3) limit $n", {"n": n}
    ).fetchall()
    queries = []
    for (vector,) in rows:
        v = np.asarray(vector, np.float32)
        noise = rng.standard_normal(DIM).astype(np.float32)
        q = v + noise / np.linalg.norm(noise)
        queries.append(q / np.linalg.norm(q))
    return queries


def top_sessions(con: duckdb.DuckDBPyConnection, q: np.ndarray) -> list:
    return con.execute(
        "select session_id from find_sessions($q::float[]) "
        "order by similarity desc, session_id limit 25",
        {"q": q.tolist()},
    ).fetchall()


def cpu_seconds(fn) -> float:
    """Process CPU time (all DuckDB threads) of one call: the work, whatever else the box runs."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    fn()
    after = resource.getrusage(resource.RUSAGE_SELF)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(con: duckdb.DuckDBPyConnection, rounds: int) -> None:
    """Median warm wall and CPU time of the macro and of rank_sessions, on a near query."""
    (q,) = near_queries(con, 1)
    macro = timed(lambda: top_sessions(con, q), rounds)
    ranked = timed(lambda: rank_sessions(con, q, limit=25), rounds)
    cpu = statistics.median(cpu_seconds(lambda: top_sessions(con, q)) for _ in range(rounds))
    threads = con.execute("select current_setting('threads')").fetchone()[0]
    print(f"find_sessions, top 25:               {macro * 1000:7.0f} ms wall (median, warm)")
    print(f"  CPU time of one query:             {cpu * 1000:7.0f} ms over {threads} threads")
    rank_cpu = statistics.median(
        cpu_seconds(lambda: rank_sessions(con, q, limit=25)) for _ in range(rounds)
    )
    print(f"rank_sessions (as `find` calls it):  {ranked * 1000:7.0f} ms wall (median, warm)")
    print(f"  CPU time of one query:             {rank_cpu * 1000:7.0f} ms over {threads} threads")
    phases = timed(lambda: rank_phases(con, q, limit=25), rounds)
    phase_cpu = statistics.median(
        cpu_seconds(lambda: rank_phases(con, q, limit=25)) for _ in range(rounds)
    )
    print(f"rank_phases (`find --phases`):       {phases * 1000:7.0f} ms wall (median, warm)")
    print(f"  CPU time of one query:             {phase_cpu * 1000:7.0f} ms over {threads} threads")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


def main() -> None:
    """Build, then time the bare macro, rank_sessions and the query embedding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    path = ROOT / "benchmarks" / "out" / f"find-n{opts.generations}.duckdb"
    if not path.exists():  # cached: building the 1M history takes minutes
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_suffix(".tmp")
        temp.unlink(missing_ok=True)
        with duckdb.connect(str(temp)) as con:
            started = time.perf_counter()
            build(con, opts.generations)
            print(f"built {path} in {time.perf_counter() - started:.1f} s")
        temp.rename(path)
    with duckdb.connect(str(path)) as con:
        tables = {
            name for (name,) in con.execute("select table_name from duckdb_tables()").fetchall()
        }
        if "session_phases" not in tables:
            started = time.perf_counter()
            add_phases(con)
            print(f"added phases to {path.name} in {time.perf_counter() - started:.1f} s")
        con.execute(render("find_sessions()"))  # the macros as the dbt macros have them now
        con.execute(render("find_phases()", "find_phases"))
    with duckdb.connect(str(path), read_only=True) as con:
        n_sessions = con.execute("select count(*) from sessions").fetchone()[0]
        n_vectors = con.execute("select count(*) from prompt_vectors").fetchone()[0]
        print(
            f"history: {opts.generations:,} generations, {n_sessions:,} sessions, "
            f"{n_vectors:,} distinct prompt vectors ({DIM}-d)"
        )
        measure(con, opts.rounds)
    from embeddings.config import TextEncoderConfig
    from embeddings.text import load_text_encoder

    started = time.perf_counter()
    encoder = load_text_encoder(TextEncoderConfig())
    load = time.perf_counter() - started
    embed = timed(lambda: encoder.embed(["storm-lit lighthouse"]), opts.rounds)
    print(f"MiniLM load (once per process):      {load * 1000:7.0f} ms")
    print(f"MiniLM query embedding:              {embed * 1000:7.0f} ms (median, warm)")
    digest = hashlib.sha256(render("find_sessions()").encode()).hexdigest()[:12]
    print(f"macro sha256 {digest}; command: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
