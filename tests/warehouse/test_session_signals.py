"""dbt builds of the session-signal models over a tiny lake, run through the dbt CLI.

Part A holds two sessions of ann 50 minutes apart and a log session of bob; part B adds a
generation at 10:35 that fills ann's gap (both sides within 30 minutes), so an incremental run
must merge her two sessions. The incremental warehouse must equal a full refresh of A+B.
"""

import math
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration.intent import signal_source
from orchestration.intent.features import SEED_STEP
from orchestration.store.warehouse_queries import has_relations
from tests.warehouse.helpers import dbt
from tests.warehouse.lake_fixture import content_hash, generation, write_archive, write_vectors

pytestmark = pytest.mark.slow(seconds=95)  # pipelines, dbt, servers: started first

E1, E2, E3 = [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.8, 0.0]

PART_A = [
    # ann, session 1: cfg swept 5 → 6 → 7 on one prompt, seed kept.
    generation(
        "a1",
        "ann",
        0,
        "castle on a hill",
        seed=1,
        steps=20,
        cfg_scale=5.0,
        width=512,
        height=512,
        sampler="euler",
    ),
    generation(
        "a2",
        "ann",
        5,
        "castle on a hill",
        seed=1,
        steps=20,
        cfg_scale=6.0,
        width=512,
        height=512,
        sampler="euler",
    ),
    generation(
        "a3",
        "ann",
        10,
        "castle on a hill",
        seed=1,
        steps=20,
        cfg_scale=7.0,
        width=512,
        height=512,
        sampler="euler",
    ),
    # ann, session 2, 50 minutes later: a new idea.
    generation(
        "a5",
        "ann",
        60,
        "portrait of a robot",
        seed=9,
        steps=30,
        cfg_scale=7.0,
        width=512,
        height=768,
        sampler="ddim",
    ),
    generation(
        "a6",
        "ann",
        65,
        "portrait of a robot, oil",
        seed=9,
        steps=30,
        cfg_scale=7.0,
        width=512,
        height=768,
        sampler="ddim",
    ),
    # bob: a log, no images, no parameters.
    generation("b1", "bob", 0, "a red fox", image=False),
    generation("b2", "bob", 3, "a red fox in snow", image=False),
]
PART_B = [
    generation(
        "a4",
        "ann",
        35,
        "castle on a hill at night",
        seed=1,
        steps=20,
        cfg_scale=7.0,
        width=512,
        height=512,
        sampler="euler",
    ),
    generation("b3", "bob", 6, "a red fox in snow", image=False),
]
IMAGE_VECTORS_A = {
    content_hash(g): v for g, v in [("a1", E1), ("a2", E1), ("a3", E3), ("a5", E2), ("a6", E2)]
}
PROMPT_VECTORS_A = {
    "castle on a hill": E1,
    "portrait of a robot": E2,
    "portrait of a robot, oil": E2,
    "a red fox": E3,
    "a red fox in snow": E3,
}


def tables(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            r[0]
            for r in con.sql(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        ]
        return {n: sorted(con.sql(f"select * from {n}").fetchall(), key=repr) for n in names}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("warehouse")
    lake, incremental, full = tmp / "lake", tmp / "incremental.duckdb", tmp / "full.duckdb"
    write_archive(lake, "a", PART_A)
    write_vectors(lake, "image_embeddings", "clip", "a", IMAGE_VECTORS_A)
    # A second image model with fewer vectors: never mixed in, never selected by default.
    write_vectors(lake, "image_embeddings", "pixels", "a", {content_hash("a1"): E2})
    write_vectors(lake, "prompt_embeddings", "minilm", "a", PROMPT_VECTORS_A)
    dbt(["build"], lake, incremental, tmp)

    write_archive(lake, "b", PART_B)
    write_vectors(lake, "image_embeddings", "clip", "b", {content_hash("a4"): E2})
    write_vectors(lake, "prompt_embeddings", "minilm", "b", {"castle on a hill at night": E3})
    dbt(["build"], lake, incremental, tmp)
    dbt(["run", "--full-refresh"], lake, full, tmp)
    return {"incremental": incremental, "full": full}


def test_incremental_run_equals_full_refresh(built: dict[str, Path]) -> None:
    incremental, full = tables(built["incremental"]), tables(built["full"])
    assert incremental.keys() == full.keys()
    for name in full:
        assert incremental[name] == full[name], name


def test_generations_leaving_the_lake_split_the_merged_session_again(tmp_path: Path) -> None:
    """Archive b is removed after a+b were built: the incremental run drops b's generations,
    splits ann's merged session back in two and equals a full refresh of a alone."""
    lake, incremental, full = tmp_path / "lake", tmp_path / "inc.duckdb", tmp_path / "full.duckdb"
    write_archive(lake, "a", PART_A)
    write_archive(lake, "b", PART_B)
    write_vectors(lake, "image_embeddings", "clip", "a", IMAGE_VECTORS_A)
    write_vectors(lake, "prompt_embeddings", "minilm", "a", PROMPT_VECTORS_A)
    dbt(["run"], lake, incremental, tmp_path)
    for folder in ["generations", "quarantine"]:
        shutil.rmtree(lake / folder / "archive=b")

    dbt(["run"], lake, incremental, tmp_path)
    dbt(["run", "--full-refresh"], lake, full, tmp_path)

    after, expected = tables(incremental), tables(full)
    assert after == expected
    assert len(after["int_generations_sessionized"]) == len(PART_A)
    ann = [r for r in after["int_sessions_aggregated"] if r[1] == "ann"]
    assert len(ann) == 2


def test_gap_filler_merges_two_sessions(built: dict[str, Path]) -> None:
    with duckdb.connect(str(built["incremental"]), read_only=True) as con:
        sessions = con.sql("select artist, n_generations from sessions order by artist").fetchall()
        assert sessions == [("ann", 6), ("bob", 3)]
        (stale,) = con.sql(
            "select count(*) from int_generation_pairs_compared where session_id not in "
            "(select session_id from sessions)"
        ).fetchone()
        assert stale == 0


def test_parameter_trajectory_reads_the_cfg_sweep(built: dict[str, Path]) -> None:
    with duckdb.connect(str(built["incremental"]), read_only=True) as con:
        row = con.sql(
            "select swept_values, n_changes, direction, is_monotone_sweep, first_value, "
            "last_value, sweep_prompt from parameter_trajectories t "
            "join sessions s using (session_id) "
            "where s.artist = 'ann' and parameter = 'cfg_scale'"
        ).fetchone()
    assert row == (["5.0", "6.0", "7.0"], 2, "rising", True, "5.0", "7.0", "castle on a hill")


def test_pairs_use_one_image_model_and_series_flags_the_pivot(built: dict[str, Path]) -> None:
    with duckdb.connect(str(built["incremental"]), read_only=True) as con:
        pairs = dict(
            con.sql(
                "select generation_id, image_similarity from generation_pairs where artist = 'ann'"
            ).fetchall()
        )
        models = {
            r[0]
            for r in con.sql(
                "select distinct image_model_id from generation_pairs "
                "where image_model_id is not null"
            ).fetchall()
        }
        pivots = con.sql(
            "select position from similarity_series where is_candidate_pivot "
            "and session_id in (select session_id from sessions where artist = 'ann')"
        ).fetchall()
    assert models == {"clip"}
    assert pairs["a2"] == pytest.approx(1.0)  # E1 · E1, not the pixels model's E2
    assert pairs["a3"] == pytest.approx(0.6)
    assert pairs["a4"] == pytest.approx(0.8)
    assert pairs["a5"] == pytest.approx(1.0)
    assert (5,) in pivots  # a5: prompt and image jump to the robot


def test_session_features_say_which_signals_to_trust(built: dict[str, Path]) -> None:
    with duckdb.connect(str(built["incremental"]), read_only=True) as con:
        rows = {
            r[0]: r[1:]
            for r in con.sql(
                "select artist, n_generations, n_distinct_prompts, n_distinct_concepts, "
                "has_image_signal, has_parameter_signal, has_prompt_signal, tool_mix, "
                "duration_seconds from session_features"
            ).fetchall()
        }
    ann, bob = rows["ann"], rows["bob"]
    assert ann[:3] == (6, 4, 2)
    assert ann[3:6] == (True, True, True)
    assert ann[6] == "a1111: 6"
    assert math.isclose(ann[7], 65 * 60)
    assert bob[3:6] == (False, False, True)


def test_views_read_under_another_file_name_and_an_attach_alias(
    built: dict[str, Path], tmp_path: Path
) -> None:
    """No view names its catalog: a renamed copy and `ATTACH … AS cs` both read every view."""
    copy = tmp_path / "backup of the warehouse.duckdb"
    copy.write_bytes(built["full"].read_bytes())
    with duckdb.connect(str(copy), read_only=True) as con:
        views = [
            r[0]
            for r in con.sql("select view_name from duckdb_views() where not internal").fetchall()
        ]
        assert "sessions" in views and "intent_signals" in views
        for view in views:
            con.sql(f'select count(*) from "{view}"').fetchall()
    with duckdb.connect() as con:
        con.execute(f"attach '{copy}' as cs (read_only)")
        for view in views:
            con.sql(f'select count(*) from cs."{view}"').fetchall()


def test_parameter_trajectories_carry_the_artist_and_numbers(built: dict[str, Path]) -> None:
    with duckdb.connect(str(built["full"]), read_only=True) as con:
        rows = con.sql(
            "select t.parameter, t.artist = s.artist, t.first_value, t.first_number, "
            "t.last_value, t.last_number, t.swept_values, t.swept_numbers "
            "from parameter_trajectories as t join sessions as s using (session_id)"
        ).fetchall()
    assert rows and all(same for _, same, *_ in rows)
    for parameter, _, first, first_n, last, last_n, values, numbers in rows:
        if parameter in ("steps", "cfg_scale"):
            assert (first_n, last_n) == (float(first), float(last))
            assert numbers == [float(v) for v in values]
        else:
            assert first_n is None and last_n is None and numbers is None


def test_the_plan_reads_from_the_warehouse_what_a_pass_over_the_signals_computes(
    built: dict[str, Path],
) -> None:
    """int_session_plan_inputs (+ live keeper digests) equals SignalSource's pass over
    intent_signals, on the incremental build and the full one."""
    for name in ("incremental", "full"):
        with duckdb.connect(str(built[name]), read_only=True) as con:
            source = signal_source.SignalSource(con)
            assert has_relations(con, "int_session_plan_inputs", "session_keeper_digests")
            from_table = source._per_session().sort("session_id")
            from_signals = (
                con.execute(signal_source._SESSIONS_SQL, {"seed_step": SEED_STEP})
                .pl()
                .sort("session_id")
            )
        assert from_table.height == from_signals.height > 0
        assert from_table.equals(from_signals.cast(from_table.schema)), name
        assert from_table["n_seed_pairs"].sum() > 0


def test_dbt_counts_seed_steps_as_inference_does() -> None:
    project = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
    assert yaml.safe_load(project.read_text())["vars"]["seed_step"] == SEED_STEP
