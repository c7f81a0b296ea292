from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from orchestration.ingest.ordering import (
    DAY_ORDER,
    FILE_ORDER,
    MIN_RUN_GAP,
    RUN_GAP,
    STEP,
    Unplaced,
    place,
)

NOW = datetime(2026, 12, 7, 12, tzinfo=UTC)
COPY = datetime(2026, 12, 7, 4, 43, tzinfo=UTC)


def test_a_day_folder_is_ordered_by_counter_not_by_file_order() -> None:
    day = date(2024, 3, 5)
    counters = [3, 1, 10, 2]  # listed as a copy tool wrote them
    files = [
        Unplaced(i, "a1111", "txt2img-images/2024-03-05", i, day=day, counter=c)
        for i, c in enumerate(counters)
    ]
    placed = place(files, NOW)
    by_time = sorted(placed, key=lambda k: placed[k][0])
    assert [counters[k] for k in by_time] == [1, 2, 3, 10]
    assert {source for _, source in placed.values()} == {DAY_ORDER}
    assert all(at.date() == day for at, _ in placed.values())
    assert placed[2][0] - placed[1][0] == 3 * STEP  # consecutive, one step apart


def test_runs_sit_further_apart_than_a_session_gap() -> None:
    day = date(2024, 3, 5)
    files = [
        Unplaced(0, "a1111", "a/2024-03-05", 0, day=day, counter=1),
        Unplaced(1, "a1111", "a/2024-03-05", 1, day=day, counter=2),
        Unplaced(2, "a1111", "a/2024-03-05", 2, day=day, counter=300),  # 297 missing: a new run
        Unplaced(3, "comfyui", "b/2024-03-05", 3, day=day, counter=1),  # another tool
    ]
    placed = {k: at for k, (at, _) in place(files, NOW).items()}
    assert placed[1] - placed[0] == STEP
    assert placed[2] - placed[1] == RUN_GAP
    assert placed[3] - placed[2] == RUN_GAP
    assert all(at.date() == day for at in placed.values())


def test_a_day_with_many_runs_stays_on_its_day_where_it_can() -> None:
    day = date(2024, 3, 5)
    files = [Unplaced(i, "a1111", f"f{i}/2024-03-05", i, day=day) for i in range(12)]
    placed = sorted(at for at, _ in place(files, NOW).values())
    gaps = {b - a for a, b in pairwise(placed)}
    assert len(gaps) == 1 and MIN_RUN_GAP <= gaps.pop() < RUN_GAP
    assert placed[0].date() == day == placed[-1].date()


def test_files_without_a_day_end_at_the_copy_and_never_in_the_future() -> None:
    files = [
        Unplaced(0, "comfyui", "out", 0, counter=5, latest=COPY + timedelta(seconds=1)),
        Unplaced(1, "comfyui", "out", 1, counter=6, latest=COPY),
        Unplaced(2, "forge", "out", 2, latest=COPY),
    ]
    placed = place(files, NOW)
    assert placed[2] == (COPY, FILE_ORDER)
    assert placed[1] == (COPY - RUN_GAP, FILE_ORDER)
    assert placed[0] == (COPY - RUN_GAP - STEP, FILE_ORDER)
    today = date(2026, 12, 7)
    at, _ = place([Unplaced(0, "a1111", "x", 0, day=today)], NOW)[0]
    assert at == NOW
    at, _ = place([Unplaced(0, "a1111", "x", 0, day=today, latest=COPY)], NOW)[0]
    assert at == COPY  # not ``now``: a rerun places it at the same time


def test_a_file_with_neither_day_nor_copy_time_is_not_placed() -> None:
    assert place([Unplaced(0, "a1111", "x", 0)], NOW) == {}
