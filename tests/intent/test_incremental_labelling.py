"""Labelling reads and writes what changed: SQL fingerprints, changed sessions only, no-op runs."""

from datetime import UTC, datetime

import polars as pl

from orchestration.intent import labelling
from orchestration.intent.evidence import ArtistHabits
from orchestration.intent.infer import needs_visual
from orchestration.intent.label_plan import Budget, CostModel, session_fingerprint
from orchestration.intent.labelling import IntentTables, _artist_batches, label
from orchestration.intent.signal_source import SignalSource
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
    versions = {"ada": "default+global+seed1.00", "bo": "x", "cy": "y"}
    candidates = SignalSource.of_frame(signals).candidates("f1", versions, {"a2": "c9"})
    assert candidates.height == 4
    for row in candidates.iter_rows(named=True):
        session = signals.filter(pl.col("session_id") == row["session_id"])
        expected = session_fingerprint(
            f"dbt-{row['session_id']}",
            feature_version="f1",
            model_ids={"minilm"},
            calibration_version=versions[row["artist"]],
            corrections_version="c9" if row["session_id"] == "a2" else "none",
        )
        assert row["fingerprint"] == expected
        assert row["n_generations"] == session.height
        assert row["needs_visual"] == needs_visual(session)
        assert row["n_images_to_embed"] == session.filter(~pl.col("has_image_embedding")).height


def test_sql_seed_habits_equal_the_python_definition() -> None:
    signals = _history()
    habits = SignalSource.of_frame(signals).seed_habits()
    for (artist,), rows in signals.group_by("artist"):
        assert habits[artist] == ArtistHabits.from_signals(rows)


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
