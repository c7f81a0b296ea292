"""`find` at scale: the warehouse's `find_sessions` macro over a replicated history.

    .venv/bin/python benchmarks/find.py --generations 1000000 [--rounds 5]

Generates the nightly benchmark's history (benchmarks/warehouse.py: the same artists, sessions
and prompt mix), sessionizes it with the 30-minute gap, and writes the two tables the macro reads
(`session_prompts`, `prompt_vectors`, one random unit 384-d vector per distinct prompt) and
`sessions` into a scratch DuckDB file; the macro is created from `dbt_project/macros/
find_sessions.sql` itself. Then, warm (after one untimed query), the median of ``--rounds``
queries of: the bare macro (top 25), `rank_sessions` as `creative-sessions find` calls it
(the macro joined to sessions, top 25), and the MiniLM query embedding once the model is loaded.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.warehouse import BASE_TIME, synth_generations  # noqa: E402
from orchestration.session_search import rank_sessions  # noqa: E402

DIM = 384


def macro_sql() -> str:
    """The `create macro` statement the dbt macro renders (it has no Jinja inside the body)."""
    text = (ROOT / "dbt_project" / "macros" / "find_sessions.sql").read_text()
    text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)
    return re.search(r"\{% macro find_sessions\(\) %\}(.*)\{% endmacro %\}", text, re.S)[1]


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
    con.execute(macro_sql())
    return len(hashes)


def timed(fn, rounds: int) -> float:
    fn()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Build, then time the bare macro, rank_sessions and the query embedding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generations", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "find.duckdb"))
        started = time.perf_counter()
        n_vectors = build(con, opts.generations)
        n_sessions = con.execute("select count(*) from sessions").fetchone()[0]
        print(
            f"history: {opts.generations:,} generations, {n_sessions:,} sessions, "
            f"{n_vectors:,} distinct prompt vectors ({DIM}-d), built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        con.close()
        con = duckdb.connect(str(Path(tmp) / "find.duckdb"), read_only=True)
        query = np.random.default_rng(1).standard_normal(DIM).astype(np.float32)
        query /= np.linalg.norm(query)
        q = query.tolist()
        bare = timed(
            lambda: con.execute(
                "select * from find_sessions($q::float[]) order by similarity desc limit 25",
                {"q": q},
            ).fetchall(),
            opts.rounds,
        )
        ranked = timed(lambda: rank_sessions(con, query, limit=25), opts.rounds)
        print(f"find_sessions macro, top 25:         {bare * 1000:7.0f} ms (median, warm)")
        print(f"rank_sessions (as `find` calls it):  {ranked * 1000:7.0f} ms (median, warm)")
    from embeddings.config import TextEncoderConfig
    from embeddings.text import load_text_encoder

    started = time.perf_counter()
    encoder = load_text_encoder(TextEncoderConfig())
    load = time.perf_counter() - started
    embed = timed(lambda: encoder.embed(["storm-lit lighthouse"]), opts.rounds)
    print(f"MiniLM load (once per process):      {load * 1000:7.0f} ms")
    print(f"MiniLM query embedding:              {embed * 1000:7.0f} ms (median, warm)")
    digest = hashlib.sha256(macro_sql().encode()).hexdigest()[:12]
    print(f"macro sha256 {digest}; command: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
