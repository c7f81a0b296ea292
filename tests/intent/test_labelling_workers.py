"""Labelling in worker processes writes the same tables as one process does."""

from pathlib import Path

import duckdb
import polars as pl
import pytest

from orchestration.intent import labelling, labelling_workers, tables
from orchestration.intent.label_plan import Budget
from orchestration.store.data_dir import DataDir
from tests.intent.signal_frames import explore, refine, session_frame, sweep_cfg


def _history() -> pl.DataFrame:
    """Twelve artists of three sessions each, so the plan splits into several batches."""
    frames = []
    for number in range(12):
        artist = f"artist{number:02d}"
        kinds = (("r", refine(5 + number % 3)), ("e", explore(4)), ("s", sweep_cfg([4.0, 9.0])))
        for kind, gens in kinds:
            frames.append(session_frame(gens, session_id=f"{artist}-{kind}", artist=artist))
    return pl.concat(
        [
            f.with_columns(
                session_fingerprint=pl.lit(f"dbt-{f['session_id'][0]}"),
                prompt_model_id=pl.lit("minilm"),
                image_model_id=pl.lit(None, pl.String),
                has_image_embedding=pl.lit(True),
            )
            for f in frames
        ],
        how="diagonal_relaxed",
    )


def _labelled(root: Path, workers: int) -> dict[str, pl.DataFrame]:
    root.mkdir()
    paths = DataDir.at(root)
    with duckdb.connect(str(paths.warehouse_path)) as con:
        con.register("signals", _history().to_arrow())
        con.execute("create table intent_signals as select * from signals")
    tables._last_plan.clear()
    outcome = tables.run_labelling(paths, Budget(), workers=workers)
    return {
        name: pl.from_arrow(table).drop("labelled_at", strict=False)
        for name, table in outcome.tables.as_dict().items()
    }


def test_workers_label_exactly_what_one_process_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = _labelled(tmp_path / "one", workers=1)
    monkeypatch.setattr(labelling_workers, "MIN_SESSIONS_FOR_WORKERS", 1)
    batches: list[int] = []
    real = labelling.label_in_workers

    def counted(warehouse, parts, setup, label_batch, workers):
        batches.append(len(parts))
        return real(warehouse, parts, setup, label_batch, workers)

    monkeypatch.setattr(labelling, "label_in_workers", counted)
    shared = _labelled(tmp_path / "two", workers=2)
    assert batches and batches[0] >= 2  # the plan really went to the workers, in batches
    assert alone["session_intents"].height == 36
    for name, table in alone.items():
        assert shared[name].equals(table), name


def test_small_plans_stay_in_one_process() -> None:
    assert labelling_workers.worker_count(2, 10) == 1
    assert labelling_workers.worker_count(2, 100_000) == 2
    assert labelling_workers.worker_count(0, 100_000) >= 1
