import itertools
import json
import logging
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from orchestration.intent.label_plan import (
    Budget,
    CostModel,
    LabellingPlan,
    plan_labelling,
    session_fingerprint,
)
from orchestration.intent.signal_source import CANDIDATE_SCHEMA

NOW = datetime(2024, 6, 30, 12, 0, tzinfo=UTC)
FLAT = CostModel(seconds_per_session=1.0, seconds_per_image=0.01)


def candidates(rows: list[dict]) -> pl.DataFrame:
    defaults = {
        "artist": "ana",
        "n_generations": 20,
        "n_images_to_embed": 0,
        "needs_visual": False,
    }
    full = [defaults | {"fingerprint": f"fp-{row['session_id']}"} | row for row in rows]
    return pl.DataFrame(full, schema=CANDIDATE_SCHEMA)


def labelled(mapping: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"session_id": list(mapping), "fingerprint": list(mapping.values())},
        schema={"session_id": pl.String, "fingerprint": pl.String},
    )


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


# --- fingerprints ----------------------------------------------------------------------------

BASE = {
    "feature_version": "intent-v1",
    "model_ids": ["ViT-B-32", "all-MiniLM-L6-v2"],
    "calibration_version": "cal-1",
    "corrections_version": "cor-1",
}


def test_fingerprint_is_stable_and_ignores_model_order() -> None:
    first = session_fingerprint("dbt-abc", **BASE)
    assert first == session_fingerprint("dbt-abc", **BASE)
    reordered = BASE | {"model_ids": iter(["all-MiniLM-L6-v2", "ViT-B-32", "ViT-B-32"])}
    assert session_fingerprint("dbt-abc", **reordered) == first
    assert len(first) == 32


@pytest.mark.parametrize(
    ("dbt", "change"),
    [
        ("dbt-abd", {}),
        ("dbt-abc", {"feature_version": "intent-v2"}),
        ("dbt-abc", {"model_ids": ["ViT-L-14", "all-MiniLM-L6-v2"]}),
        ("dbt-abc", {"model_ids": ["all-MiniLM-L6-v2"]}),
        ("dbt-abc", {"calibration_version": "cal-2"}),
        ("dbt-abc", {"corrections_version": "cor-2"}),
    ],
)
def test_fingerprint_changes_with_every_input(dbt: str, change: dict) -> None:
    assert session_fingerprint(dbt, **(BASE | change)) != session_fingerprint("dbt-abc", **BASE)


def test_fingerprint_parts_cannot_bleed_into_each_other() -> None:
    a = session_fingerprint(
        "x", **(BASE | {"calibration_version": "ab", "corrections_version": "c"})
    )
    b = session_fingerprint(
        "x", **(BASE | {"calibration_version": "a", "corrections_version": "bc"})
    )
    assert a != b


# --- budgets ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sessions=50", Budget(max_sessions=50)),
        ("seconds=120", Budget(max_seconds=120.0)),
        ("seconds=1.5", Budget(max_seconds=1.5)),
        ("images=5000", Budget(max_images=5000)),
        ("images=0", Budget(max_images=0)),
        (" sessions = 10 , images=200 ", Budget(max_sessions=10, max_images=200)),
        ("sessions=5,seconds=60,images=10", Budget(5, 60.0, 10)),
        ("", Budget()),
        (None, Budget()),
    ],
)
def test_budget_parsing(text: str | None, expected: Budget) -> None:
    assert Budget.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sessions", "not KEY=VALUE"),
        ("sessions=", "not KEY=VALUE"),
        ("minutes=5", "unknown budget 'minutes'"),
        ("sessions=abc", "not a whole number"),
        ("images=1.5", "not a whole number"),
        ("seconds=soon", "not a number"),
        ("sessions=0", "must be positive"),
        ("seconds=-1", "must be positive"),
        ("seconds=nan", "must be positive"),
        ("sessions=1,sessions=2", "given twice"),
    ],
)
def test_budget_parse_errors_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Budget.parse(text)


def test_budget_text_round_trips() -> None:
    for text in ("sessions=5,seconds=60,images=10", "seconds=1.5", "unlimited"):
        budget = Budget.parse(text if text != "unlimited" else "")
        assert str(budget) == text
    assert Budget().is_unlimited and not Budget(max_images=1).is_unlimited


# --- cost model ------------------------------------------------------------------------------


def test_cost_model_first_run_replaces_defaults_then_averages() -> None:
    model = CostModel()
    first = model.observed(sessions=10, labelling_seconds=5.0, images=100, embedding_seconds=2.0)
    assert first.seconds_per_session == pytest.approx(0.5)
    assert first.seconds_per_image == pytest.approx(0.02)
    second = first.observed(sessions=10, labelling_seconds=15.0)
    assert second.seconds_per_session == pytest.approx(0.7 * 0.5 + 0.3 * 1.5)
    assert second.seconds_per_image == first.seconds_per_image  # no images: rate untouched
    assert (second.session_runs, second.image_runs) == (2, 1)
    assert second.estimate(4, 50) == pytest.approx(4 * 0.8 + 50 * 0.02)


def test_cost_model_persists_atomically_and_survives_damage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = CostModel.path_in(tmp_path)
    assert path == tmp_path / "intents" / "cost_model.json"
    assert CostModel.load(path) == CostModel()
    learned = CostModel().observed(sessions=3, labelling_seconds=3.0)
    learned.save(path)
    assert CostModel.load(path) == learned
    assert [p.name for p in path.parent.iterdir()] == ["cost_model.json"]
    path.write_text('{"seconds_per_session": ')
    with caplog.at_level(logging.WARNING):
        assert CostModel.load(path) == CostModel()
    assert "unreadable" in caplog.text


# --- planning --------------------------------------------------------------------------------


def test_unchanged_sessions_are_skipped() -> None:
    rows = candidates([{"session_id": s, "ended_at": days_ago(30)} for s in ("a", "b", "c")])
    plan = plan_labelling(rows, labelled({"a": "fp-a", "b": "old"}), Budget(), FLAT, now=NOW)
    assert plan.skipped["session_id"].to_list() == ["a"]
    assert plan.todo["session_id"].to_list() == ["c", "b"]  # never labelled before stale
    assert plan.todo["tier"].to_list() == ["new", "stale"]
    assert plan.remaining.is_empty()


def test_priority_recent_then_new_then_stale_each_newest_first() -> None:
    rows = candidates(
        [
            {"session_id": "old-new", "ended_at": days_ago(400)},
            {"session_id": "recent-2", "ended_at": days_ago(2)},
            {"session_id": "old-stale", "ended_at": days_ago(20)},
            {"session_id": "mid-new", "ended_at": days_ago(40)},
            {"session_id": "recent-1", "ended_at": days_ago(0.5)},
            {"session_id": "recent-stale", "ended_at": days_ago(3)},
            {"session_id": "unchanged", "ended_at": days_ago(1)},
        ]
    )
    previous = labelled({"old-stale": "x", "recent-stale": "x", "unchanged": "fp-unchanged"})
    plan = plan_labelling(rows, previous, Budget(), FLAT, now=NOW)
    assert plan.todo["session_id"].to_list() == [
        "recent-1",
        "recent-2",
        "recent-stale",
        "mid-new",
        "old-new",
        "old-stale",
    ]
    assert plan.todo["tier"].to_list() == ["recent"] * 3 + ["new"] * 2 + ["stale"]


def test_what_does_not_fit_is_remaining_and_counted_in_runs() -> None:
    rows = candidates(
        [{"session_id": f"s{i:02d}", "ended_at": days_ago(100 + i)} for i in range(10)]
    )
    plan = plan_labelling(rows, labelled({}), Budget(max_sessions=3), FLAT, now=NOW)
    assert plan.todo["session_id"].to_list() == ["s00", "s01", "s02"]
    assert plan.remaining["session_id"].to_list() == [f"s{i:02d}" for i in range(3, 10)]
    assert plan.runs_needed == 4
    assert plan.estimated_seconds == pytest.approx(3.0)
    assert plan.remaining_seconds == pytest.approx(7.0)


def test_seconds_budget_uses_the_cost_model() -> None:
    rows = candidates(
        [
            {"session_id": f"s{i}", "ended_at": days_ago(50 + i), "n_images_to_embed": 100}
            for i in range(6)
        ]
    )  # 1 s + 100 × 0.01 s = 2 s each
    plan = plan_labelling(rows, labelled({}), Budget(max_seconds=5.0), FLAT, now=NOW)
    assert plan.todo.height == 2
    assert plan.estimated_images == 200 and plan.remaining_images == 400
    assert plan.runs_needed == 3


def test_a_session_larger_than_the_budget_is_still_taken_alone() -> None:
    rows = candidates(
        [
            {
                "session_id": "huge",
                "ended_at": days_ago(1),
                "n_images_to_embed": 9000,
                "needs_visual": True,
            },
            {"session_id": "small", "ended_at": days_ago(2), "n_images_to_embed": 10},
        ]
    )
    plan = plan_labelling(rows, labelled({}), Budget(max_images=1000), FLAT, now=NOW)
    assert plan.todo["session_id"].to_list() == ["huge"]
    assert plan.remaining["session_id"].to_list() == ["small"]


def test_tight_image_budget_embeds_only_sessions_that_need_visual_signals() -> None:
    rows = candidates(
        [
            {
                "session_id": "mj-1",
                "ended_at": days_ago(10),
                "n_images_to_embed": 40,
                "needs_visual": True,
            },
            {"session_id": "a1111", "ended_at": days_ago(11), "n_images_to_embed": 300},
            {
                "session_id": "mj-2",
                "ended_at": days_ago(12),
                "n_images_to_embed": 50,
                "needs_visual": True,
            },
            {"session_id": "comfy", "ended_at": days_ago(13), "n_images_to_embed": 200},
        ]
    )
    tight = plan_labelling(rows, labelled({}), Budget(max_images=100), FLAT, now=NOW)
    assert tight.images_limited
    assert tight.todo["session_id"].to_list() == ["mj-1", "a1111", "mj-2", "comfy"]
    assert tight.image_session_ids == ["mj-1", "mj-2"]
    assert tight.estimated_images == 90
    assert "sparse metadata" in tight.describe()

    roomy = plan_labelling(rows, labelled({}), Budget(max_images=10_000), FLAT, now=NOW)
    assert not roomy.images_limited
    assert roomy.image_session_ids == ["mj-1", "a1111", "mj-2", "comfy"]
    assert roomy.estimated_images == 590

    forced = plan_labelling(rows, labelled({}), Budget(), FLAT, now=NOW, visual="needed")
    assert forced.image_session_ids == ["mj-1", "mj-2"]


def test_labels_of_vanished_sessions_are_reported_as_dropped() -> None:
    rows = candidates([{"session_id": "a", "ended_at": days_ago(1)}])
    plan = plan_labelling(rows, labelled({"a": "fp-a", "gone": "x"}), Budget(), FLAT, now=NOW)
    assert plan.dropped["session_id"].to_list() == ["gone"]


def test_describe_is_a_readable_preview() -> None:
    rows = candidates(
        [
            {"session_id": f"s{i}", "ended_at": days_ago(i * 5), "n_images_to_embed": 10}
            for i in range(7)
        ]
    )
    plan = plan_labelling(rows, labelled({"s6": "fp-s6"}), Budget(max_sessions=2), FLAT, now=NOW)
    text = plan.describe()
    assert "budget: sessions=2" in text
    assert "to label now: 2 sessions (2 recent)" in text
    assert "20 images" in text
    assert "unchanged (skipped): 1 sessions" in text
    assert "remaining after this run: 4 sessions, 40 images" in text
    assert "backlog: 3 run(s) of this budget" in text
    empty = plan_labelling(rows.head(0), labelled({}), Budget(), FLAT, now=NOW)
    assert "nothing to do" in empty.describe()


# --- budgeted runs converge to the unbudgeted result -----------------------------------------


def random_archive(seed: int, n: int = 60) -> tuple[pl.DataFrame, dict[str, str]]:
    rng = random.Random(seed)
    rows = [
        {
            "session_id": f"s{i:03d}",
            "artist": rng.choice(["ana", "ben", "cy"]),
            "ended_at": days_ago(rng.uniform(0, 900)),
            "n_generations": rng.randint(1, 200),
            "n_images_to_embed": rng.choice([0, 0, rng.randint(1, 400)]),
            "needs_visual": rng.random() < 0.3,
        }
        for i in range(n)
    ]
    previous = {
        row["session_id"]: rng.choice([f"fp-{row['session_id']}", "stale"])
        for row in rows
        if rng.random() < 0.4
    }
    return candidates(rows), previous


def run_until_done(
    rows: pl.DataFrame, previous: dict[str, str], budget: Budget
) -> tuple[dict[str, str], list[str], list[LabellingPlan]]:
    state = dict(previous)
    order: list[str] = []
    plans: list[LabellingPlan] = []
    while True:
        plan = plan_labelling(rows, labelled(state), budget, FLAT, now=NOW)
        plans.append(plan)
        if plan.todo.is_empty():
            return state, order, plans
        assert len(plans) < 500, "budgeted runs do not converge"
        for session_id, fingerprint in plan.todo.select("session_id", "fingerprint").iter_rows():
            state[session_id] = fingerprint
            order.append(session_id)


@pytest.mark.parametrize(
    "budget",
    [
        Budget(max_sessions=1),
        Budget(max_sessions=7),
        Budget(max_seconds=4.0),
        Budget(max_images=150),
        Budget(max_images=0),
        Budget(max_sessions=5, max_seconds=6.0, max_images=300),
    ],
    ids=str,
)
@pytest.mark.parametrize("seed", [1, 2])
def test_budgeted_runs_converge_to_one_unbudgeted_run(budget: Budget, seed: int) -> None:
    rows, previous = random_archive(seed)
    once, once_order, _ = run_until_done(rows, previous, Budget())
    assert len(_) == 2  # one run labels everything, the next finds nothing to do
    resumed, resumed_order, plans = run_until_done(rows, previous, budget)
    assert resumed == once
    assert resumed == dict(rows.select("session_id", "fingerprint").iter_rows())
    assert resumed_order == once_order  # same priority order, cut into runs
    assert plans[0].runs_needed == len(plans) - 1
    # Each run's preview was right about what was left for the next.
    for plan, following in itertools.pairwise(plans):
        assert plan.remaining["session_id"].to_list() == (
            following.todo["session_id"].to_list() + following.remaining["session_id"].to_list()
        )
    if budget.max_sessions is not None:
        assert all(p.todo.height <= budget.max_sessions for p in plans)
    assert len(plans) - 1 >= math.ceil(len(once_order) / (budget.max_sessions or len(once_order)))


def test_cost_model_json_is_plain_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "cost.json"
    CostModel().save(path)
    assert set(json.loads(path.read_text())) == {
        "seconds_per_session",
        "seconds_per_image",
        "session_runs",
        "image_runs",
        "alpha",
    }


def test_runs_needed_foresees_image_limiting_ending_as_the_backlog_shrinks() -> None:
    rows = candidates(
        [
            {"session_id": f"s{i}", "ended_at": days_ago(30 + i), "n_images_to_embed": 40}
            for i in range(4)
        ]
    )  # 160 images > 100: images limited while the backlog is large, not once it is small
    budget = Budget(max_images=100, max_seconds=2.5)
    first = plan_labelling(rows, labelled({}), budget, FLAT, now=NOW)
    assert first.images_limited and first.todo.height == 2
    _, _, plans = run_until_done(rows, {}, budget)
    assert [p.images_limited for p in plans[:-1]] == [True, False, False]
    assert first.runs_needed == len(plans) - 1 == 3
