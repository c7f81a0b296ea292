"""Labelling reads and writes what changed: SQL fingerprints, changed sessions only, no-op runs."""

from datetime import UTC, datetime

import duckdb
import polars as pl

from orchestration.intent import labelling
from orchestration.intent.evidence import ArtistHabits
from orchestration.intent.infer import needs_visual
from orchestration.intent.label_plan import Budget, CostModel, session_fingerprint
from orchestration.intent.labelling import IntentTables, _artist_batches, label
from orchestration.intent.signal_source import (
    _ARTIST_HABITS_SQL,
    _HABIT_PARAMETERS,
    SignalSource,
)
from tests.intent.signal_frames import explore, refine, session_frame, sweep_cfg

NOW = datetime(2026, 3, 2, tzinfo=UTC)


def _history() -> pl.DataFrame:
    frames = [
        session_frame(refine(6), session_id="a1", artist="ada"),
        session_frame(explore(5), session_id="a2", artist="ada"),
        session_frame(sweep_cfg([4.0, 6.0, 8.0, 10.0]), session_id="b1", artist="bo"),
        session_frame([{**g, "seed": None} for g in explore(3)], session_id="c1", artist="cy"),
    ]
    frames = [
        f.with_columns(
            session_fingerprint=pl.lit(f"dbt-{f['session_id'][0]}"),
            prompt_model_id=pl.lit("minilm"),
            image_model_id=pl.lit(None, pl.String),
            content_hash=pl.lit("h") + pl.col("generation_id"),
            has_image_embedding=pl.col("position") % 2 == 0,
        )
        for f in frames
    ]
    return pl.concat(frames, how="diagonal_relaxed")


def test_sql_fingerprints_equal_the_python_definition() -> None:
    signals = _history()
    layers = {"bo": "cal-3+own-7"}  # ada and cy have no layer: 'default+global'
    candidates = SignalSource.of_frame(signals).candidates("f1", layers, {"a2": "c9"})
    assert candidates.height == 4
    for row in candidates.iter_rows(named=True):
        session = signals.filter(pl.col("session_id") == row["session_id"])
        artist_rows = signals.filter(pl.col("artist") == row["artist"])
        weight = ArtistHabits.from_signals(artist_rows).seed_weight
        layer = layers.get(row["artist"], "default+global")
        expected = session_fingerprint(
            f"dbt-{row['session_id']}",
            feature_version="f1",
            model_ids={"minilm"},
            calibration_version=f"{layer}+seed{weight:.2f}",
            corrections_version="c9" if row["session_id"] == "a2" else "none",
        )
        assert row["fingerprint"] == expected
        assert row["n_generations"] == session.height
        assert row["needs_visual"] == needs_visual(session)
        assert row["n_images_to_embed"] == session.filter(~pl.col("has_image_embedding")).height


def test_sql_seed_habits_equal_the_python_definition() -> None:
    signals = _history()
    habits = SignalSource.of_frame(signals).seed_habits(["ada", "bo", "cy", "nobody"])
    assert sorted(habits) == ["ada", "bo", "cy"]
    for (artist,), rows in signals.group_by("artist"):
        assert habits[artist] == ArtistHabits.from_signals(rows)
    assert SignalSource.of_frame(signals).seed_habits(["bo"]).keys() == {"bo"}


def test_sql_seed_weight_text_equals_the_python_one() -> None:
    """The fingerprint spells the weight with printf in SQL and with format in Python."""
    rows = [
        {
            "artist": f"{kept}/{pairs}",
            "n_generations": pairs + 1,
            "n_seed_pairs": pairs,
            "n_seed_kept": kept,
        }
        for pairs in range(1, 120)
        for kept in range(pairs + 1)
    ]
    rows.append({"artist": "one", "n_generations": 1, "n_seed_pairs": 0, "n_seed_kept": 0})
    rows.append({"artist": "no pairs", "n_generations": 5, "n_seed_pairs": 0, "n_seed_kept": 0})
    con = duckdb.connect()
    con.register("planned_sessions", pl.DataFrame(rows))
    sql = "select artist, printf('%.2f', seed_weight) from (" + _ARTIST_HABITS_SQL + ")"
    spelled = dict(con.execute(sql, _HABIT_PARAMETERS).fetchall())
    for row in rows:
        pairs, kept = row["n_seed_pairs"], row["n_seed_kept"]
        enough = row["n_generations"] >= 2 and pairs
        habit = ArtistHabits(seed_share=kept / pairs) if enough else ArtistHabits()
        assert spelled[row["artist"]] == f"{habit.seed_weight:.2f}", row


def test_a_rerun_labels_nothing_and_changes_nothing() -> None:
    signals = _history()
    first = label(SignalSource.of_frame(signals), IntentTables.empty(), [], Budget(), CostModel())
    assert first.plan.todo.height == 4 and first.changed
    again = label(SignalSource.of_frame(signals), first.tables, [], Budget(), CostModel())
    assert again.plan.todo.height == 0 and again.plan.skipped.height == 4
    assert not again.changed
    assert again.tables.session_intents.equals(first.tables.session_intents)


def test_a_new_session_is_the_only_one_labelled() -> None:
    history = _history()
    first = label(SignalSource.of_frame(history), IntentTables.empty(), [], Budget(), CostModel())
    new = session_frame(refine(4, subject=3), session_id="d1", artist="dee").with_columns(
        session_fingerprint=pl.lit("dbt-d1"),
        prompt_model_id=pl.lit("minilm"),
        image_model_id=pl.lit(None, pl.String),
        content_hash=pl.lit(None, pl.String),
        has_image_embedding=pl.lit(False),
    )
    grown = pl.concat([history, new], how="diagonal_relaxed")
    second = label(SignalSource.of_frame(grown), first.tables, [], Budget(), CostModel())
    assert second.plan.todo["session_id"].to_list() == ["d1"]
    assert second.changed
    kept = pl.from_arrow(second.tables.session_intents).filter(pl.col("session_id") != "d1")
    assert kept.equals(pl.from_arrow(first.tables.session_intents))
    assert 0 <= second.labelling_seconds <= second.seconds


def test_batches_hold_whole_artists_and_bound_the_rows_read() -> None:
    todo = pl.DataFrame(
        {
            "session_id": ["a1", "b1", "a2", "c1", "d1"],
            "artist": ["ada", "bo", "ada", "cy", "dee"],
            "n_generations": [40, 30, 20, 50, 10],
        }
    )
    assert _artist_batches(todo, max_generations=70) == [["a1", "a2"], ["b1"], ["c1", "d1"]]
    assert _artist_batches(todo.head(0), max_generations=70) == []
    assert _artist_batches(todo, max_generations=10) == [["a1", "a2"], ["b1"], ["c1"], ["d1"]]


def test_labels_are_the_same_in_batches(monkeypatch) -> None:
    signals = _history()
    whole = label(SignalSource.of_frame(signals), IntentTables.empty(), [], Budget(), CostModel())
    monkeypatch.setattr(labelling, "BATCH_GENERATIONS", 5)
    batched = label(SignalSource.of_frame(signals), IntentTables.empty(), [], Budget(), CostModel())
    for name, table in whole.tables.as_dict().items():
        stamped = ["labelled_at"] if name == "session_intents" else []
        assert batched.tables.as_dict()[name].drop(stamped).equals(table.drop(stamped)), name
