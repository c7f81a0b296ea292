"""One plan per run: `run_labelling` reuses the runner's `plan_for` while its inputs hold."""

from pathlib import Path

import duckdb
import pytest

from orchestration.intent import labelling, tables
from orchestration.intent.label_plan import Budget
from orchestration.intent.plan_reuse import files_state
from orchestration.store.data_dir import DataDir
from tests.intent.test_incremental_labelling import _history


@pytest.fixture
def paths(tmp_path: Path) -> DataDir:
    paths = DataDir.at(tmp_path)
    signals = _history()
    with duckdb.connect(str(paths.warehouse_path)) as con:
        con.register("signals", signals.to_arrow())
        con.execute("create table intent_signals as select * from signals")
    tables._last_plan.clear()
    return paths


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the plans made over the history."""
    made: list[str] = []
    real = tables.prepare_plan

    def counted(*args, **kwargs):
        made.append("plan")
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "prepare_plan", counted)  # the runner's plan
    monkeypatch.setattr(labelling, "prepare_plan", counted)  # labelling's own
    return made


def test_labelling_after_a_plan_reuses_it(paths: DataDir, plans: list[str]) -> None:
    plan = tables.plan_for(paths, Budget())
    outcome = tables.run_labelling(paths, Budget())
    assert plans == ["plan"]
    assert outcome.plan.todo["session_id"].to_list() == plan.todo["session_id"].to_list()
    assert outcome.tables.session_intents.num_rows == plan.todo.height == 4


def test_moved_inputs_or_another_budget_plan_again(paths: DataDir, plans: list[str]) -> None:
    tables.plan_for(paths, Budget())
    partial = tables.run_labelling(paths, Budget.parse("sessions=1"))  # another budget
    assert len(plans) == 2 and partial.plan.todo.height == 1
    tables.plan_for(paths, Budget())
    tables.write_tables(paths, partial.tables)  # the intent tables rewritten meanwhile
    rest = tables.run_labelling(paths, Budget())
    assert len(plans) == 4 and rest.plan.todo.height == 3 and rest.plan.skipped.height == 1
    tables.plan_for(paths, Budget())
    with duckdb.connect(str(paths.warehouse_path)) as con:  # the warehouse moved
        con.execute("delete from intent_signals where session_id = 'c1'")
    again = tables.run_labelling(paths, Budget())
    assert len(plans) == 6 and again.plan.dropped.height == 1
    tables.run_labelling(paths, Budget())  # the plan was used up: no stale reuse later
    assert len(plans) == 7


def test_a_reused_plan_labels_as_a_fresh_one(paths: DataDir, tmp_path: Path) -> None:
    tables.plan_for(paths, Budget())
    reused = tables.run_labelling(paths, Budget())
    fresh_paths = DataDir.at(tmp_path / "fresh")
    fresh_paths.root.mkdir()
    with duckdb.connect(str(fresh_paths.warehouse_path)) as con:
        con.register("signals", _history().to_arrow())
        con.execute("create table intent_signals as select * from signals")
    fresh = tables.run_labelling(fresh_paths, Budget())
    columns = ["session_id", "intent", "fingerprint"]
    assert reused.tables.session_intents.select(columns).equals(
        fresh.tables.session_intents.select(columns)
    )


def test_files_state_sees_a_rewrite_and_an_absence(tmp_path: Path) -> None:
    path = tmp_path / "f"
    absent = files_state([path])
    path.write_text("a")
    written = files_state([path])
    path.write_text("ab")
    assert len({absent, written, files_state([path])}) == 3
