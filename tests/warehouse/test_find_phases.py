"""find_phases and `find --phases` over a hand-built lake: phases are results of their own.

ivy's one session explores castles (#1–#3), then refines a red fox (#4–#6); the second phase
holds a keeper (a copy of #5 in a second archive). A castle query ranks phase 1 first, a fox
query phase 2, and each phase lists only the keepers inside it. On random tables, the macro's
`top_n` cut must rank the best phases exactly as placing every prompt does.
"""

from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.warehouse.helpers import dbt, run_find
from tests.warehouse.lake_fixture import generation, write_archive, write_vectors

PROMPTS = [
    "castle on a hill",
    "castle at dusk",
    "castle in fog",
    "a red fox",
    "a red fox in snow",
    "a red fox, snow",
]


def _write_phases(lake: Path, session_id: str, started: list, gids: list[str]) -> None:
    intents = lake / "intents"
    intents.mkdir(parents=True, exist_ok=True)
    phases = [
        (1, "exploration", "Explored: castle on a hill, castle at dusk, castle in fog", 1, 3),
        (2, "refinement", "Refined: a red fox — 3 variations, converged on 1 candidate", 4, 6),
    ]
    rows = [
        {
            "session_id": session_id,
            "artist": "ivy",
            "phase_no": no,
            "intent": intent,
            "label": label,
            "started_at": started[first - 1],
            "ended_at": started[last - 1],
            "first_position": first,
            "last_position": last,
            "n_generations": last - first + 1,
            "confidence": 0.9,
            "signals": ["prompt"],
            "concepts": [],
            "parameter": None,
            "first_value": None,
            "last_value": None,
            "n_candidates": 0,
            "inferred_intent": intent,
            "inferred_label": label,
            "corrected": False,
        }
        for no, intent, label, first, last in phases
    ]
    pq.write_table(pa.Table.from_pylist(rows), intents / "session_phases.parquet")
    members = [
        {"generation_id": gid, "session_id": session_id, "phase_no": 1 if i < 3 else 2}
        for i, gid in enumerate(gids)
    ]
    pq.write_table(pa.Table.from_pylist(members), intents / "member_phases.parquet")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("phases")
    lake, warehouse = tmp / "lake", tmp / "warehouse.duckdb"
    rows = [generation(f"i{n}", "ivy", n, p, seed=n) for n, p in enumerate(PROMPTS, 1)]
    write_archive(lake, "main", rows)
    write_archive(lake, "copies", [generation("i5", "ivy", 5, PROMPTS[4], seed=5)])
    vectors = {p: [0.0, 1.0] if "castle" in p else [1.0, 0.0] for p in PROMPTS}
    vectors["a red fox, snow"] = [0.6, 0.8]  # closer to castles than to foxes
    write_vectors(lake, "prompt_embeddings", "txt-2d", "p0", vectors)
    dbt(["build", "--exclude", "tag:intents"], lake, warehouse, tmp, tmp / "corrections")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        session_id, started = con.execute(
            "select any_value(session_id), list(created_at order by generation_id) "
            "from int_generations_sessionized"
        ).fetchone()
    _write_phases(lake, session_id, started, [r["generation_id"] for r in rows])
    dbt(["build", "--select", "tag:intents"], lake, warehouse, tmp, tmp / "corrections")
    return warehouse


def test_find_phases_ranks_each_phase_by_its_own_prompts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        castle = con.execute(
            "select phase_no, round(similarity, 2), best_prompt, best_position "
            "from find_phases([0.0, 1.0]) order by similarity desc"
        ).fetchall()
        fox = con.execute(
            "select phase_no, round(similarity, 2), best_prompt, best_position "
            "from find_phases([1.0, 0.0]) order by similarity desc"
        ).fetchall()
    assert castle == [(1, 1.0, "castle on a hill", 1), (2, 0.8, "a red fox, snow", 6)]
    assert fox[0] == (2, 1.0, "a red fox", 4)
    assert fox[1][:2] == (1, 0.0)


def test_find_phases_prints_each_phase_with_its_keepers(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_find(monkeypatch, warehouse.parent, "a fox", "--phases")
    assert result.exit_code == 0, result.output
    first, second = result.output.split("\n2. ")
    assert first.startswith("1. 1.00  ") and " ivy  phase 2 of 2 (#4–#6, 3 gen" in first
    assert "Refined: a red fox" in first and "best prompt (#4, 1.00): a red fox" in first
    assert "!i5.png (copied: also kept at " in first
    assert "phase 1 of 2 (#1–#3" in second and "keepers: none in this phase" in second
    refinements = run_find(
        monkeypatch, warehouse.parent, "castle", "--phases", "--intent", "refinement"
    )
    assert refinements.exit_code == 0, refinements.output
    assert "phase 2 of 2" in refinements.output and "phase 1 of 2" not in refinements.output


def _random_search_tables(con: duckdb.DuckDBPyConnection, rng: np.random.Generator) -> None:
    """60 sessions of 12 positions, each position one of 300 prompts (so some repeat inside a
    session), 8-d unit vectors. Phases #1–#10, #11 (refinement) and #12, so the best prompts
    seldom fall in a refinement phase: a cut to them often holds too few of those."""
    vectors = rng.standard_normal((300, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    con.execute("create table prompt_vectors (prompt_hash varchar, embedding float[])")
    con.executemany(
        "insert into prompt_vectors values (?, ?)",
        [(f"h{i}", v.tolist()) for i, v in enumerate(vectors)],
    )
    con.execute("create table used (session_id varchar, artist varchar, position int, h varchar)")
    con.executemany(
        "insert into used values (?, ?, ?, ?)",
        [
            (f"s{s:02}", f"artist{s % 3}", position, f"h{rng.integers(0, 300)}")
            for s in range(60)
            for position in range(1, 13)
        ],
    )
    con.execute(
        """
        create table session_prompts as
        select session_id, h as prompt_hash, any_value(artist) as artist, 'prompt ' || h as prompt,
               session_id || '/' || min(position) as first_generation_id,
               min(position) as first_position, list(position order by position) as positions
        from used group by session_id, h;
        create table session_phases as
        select session_id, any_value(artist) as artist, phase_no,
               if(phase_no = 2, 'refinement', 'exploration') as intent, 'label' as label,
               min(position) as first_position, max(position) as last_position,
               timestamp '2024-05-01' + to_hours(max(position) + 24 * session_id[2:]::int)
                   as ended_at
        from (select *, if(position <= 10, 1, position - 9) as phase_no from used)
        group by session_id, phase_no
        """
    )


_CUT_SQL = """
    select session_id, phase_no, similarity, best_prompt, best_position
    from find_phases(
        $q::float[], only_artist := $artist, only_intent := $intent, ended_since := $since,
        top_n := $k
    )
    order by similarity desc, session_id, phase_no
    limit $k
"""
_EVERY_SQL = """
    select f.session_id, f.phase_no, f.similarity, f.best_prompt, f.best_position
    from find_phases($q::float[]) as f
    join session_phases as p using (session_id, phase_no)
    where ($artist is null or f.artist = $artist)
      and ($intent is null or f.intent = $intent)
      and ($since is null or p.ended_at >= $since)
    order by f.similarity desc, f.session_id, f.phase_no
    limit $k
"""


def test_top_n_finds_the_phases_that_placing_every_prompt_finds() -> None:
    """find_phases(top_n := k) places only the best k × 8 prompts (or, when those hold too few
    phases that the filters keep, all of them); its best k phases must be the same as placing
    every prompt, filters and all."""
    from benchmarks.find import render

    rng = np.random.default_rng(5)
    since = datetime(2024, 5, 31)
    filters = [(None, None, None), ("artist1", None, None), (None, "refinement", None)]
    filters += [(None, None, since), ("artist2", "refinement", None)]
    with duckdb.connect() as con:
        _random_search_tables(con, rng)
        con.execute(render("find_phases()", "find_phases"))
        compared = 0
        for q in rng.standard_normal((4, 8)).astype(np.float32):
            for artist, intent, ended in filters:
                for k in [1, 3, 10]:
                    params = {"q": q.tolist(), "artist": artist, "intent": intent}
                    params |= {"since": ended, "k": k}
                    every = con.execute(_EVERY_SQL, params).fetchall()
                    assert con.execute(_CUT_SQL, params).fetchall() == every, (artist, intent, k)
                    compared += len(every)
    assert compared > 200
