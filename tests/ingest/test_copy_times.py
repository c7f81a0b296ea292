import random
from datetime import UTC, date, datetime, timedelta

from orchestration.ingest.copy_times import MIN_BURST, FileTime, copied

COPY = datetime(2026, 12, 7, 4, 43, 40, tzinfo=UTC)


def _burst(n: int, step: timedelta, **fields) -> list[FileTime]:
    return [FileTime(COPY + i * step, **({"tool": "a1111"} | fields)) for i in range(n)]


def test_work_at_a_generators_pace_is_not_a_copy() -> None:
    # One image every 20 s for an hour, and a batch of 8 written at once: both real work.
    paced = _burst(180, timedelta(seconds=20))
    batch = _burst(MIN_BURST - 1, timedelta(milliseconds=3), tool="comfyui")
    assert copied(paced) == (set(), None)
    assert copied(batch) == (set(), None)


def test_a_burst_spanning_days_of_date_folders_is_a_copy() -> None:
    times = [
        FileTime(COPY + timedelta(milliseconds=5 * i), "a1111", name_day=date(2024, 3, 1 + i % 3))
        for i in range(30)
    ]
    flagged, why = copied(times)
    assert flagged == set(range(30))
    assert why == "30 file times within 1 s while their folders or names span 3 days"


def test_a_burst_across_tools_is_a_copy_but_work_beside_it_is_not() -> None:
    tools = ["a1111", "comfyui", "forge", "swarmui"]
    burst = [FileTime(COPY + timedelta(milliseconds=i), tools[i % 4]) for i in range(12)]
    later = _burst(5, timedelta(minutes=1))
    later = [FileTime(t.at + timedelta(hours=2), t.tool) for t in later]
    flagged, why = copied(burst + later)
    assert flagged == set(range(12))
    assert why is not None and "across 4 tools" in why


def test_hundreds_of_files_in_seconds_are_a_copy_without_other_evidence() -> None:
    flagged, why = copied(_burst(150, timedelta(milliseconds=20)))
    assert len(flagged) == 150
    assert why == "150 file times within 3 s: faster than any generator writes"


def test_a_lone_file_whose_date_folder_disagrees_is_flagged() -> None:
    restored = FileTime(COPY, "a1111", name_day=date(2024, 3, 5))
    same_day = FileTime(datetime(2024, 3, 5, 23, tzinfo=UTC), "a1111", name_day=date(2024, 3, 5))
    assert copied([restored, same_day]) == ({0}, None)


def test_file_times_against_the_counter_are_a_copy_even_without_a_burst() -> None:
    """A sync that wrote a ComfyUI folder over 20 minutes in another order leaves no burst."""
    rng = random.Random(4)
    minutes = rng.sample(range(20), 20)
    shuffled = [
        FileTime(COPY + timedelta(minutes=m), "comfyui", folder="output", counter=n)
        for n, m in enumerate(minutes, start=1)
    ]
    flagged, why = copied(shuffled)
    assert flagged == set(range(20))
    assert why is not None and why.endswith("in output run against the file counter")
    in_order = [
        FileTime(COPY + timedelta(minutes=n), "comfyui", folder="output", counter=n)
        for n in range(20)
    ]
    assert copied(in_order) == (set(), None)


def test_numbers_that_repeat_are_not_a_counter() -> None:
    """Midjourney's batch index (0-3 per job) is no file counter: its order says nothing."""
    jobs = [
        FileTime(COPY + timedelta(minutes=2 * job), "midjourney", folder="", counter=index)
        for job in range(6)
        for index in range(4)
    ]
    assert copied(jobs) == (set(), None)


def test_one_instant_with_several_prompts_is_a_copy_but_one_big_batch_is_not() -> None:
    """A zip re-exported with one entry time for all; a generator writes one batch at once."""
    exported = [
        FileTime(COPY, "comfyui", folder="output", counter=n, prompt=n // 4) for n in range(30)
    ]
    flagged, why = copied(exported)
    assert flagged == set(range(30))
    assert why == "30 file times within 1 s with 8 prompts: more than one batch at once"
    batch = [FileTime(COPY, "comfyui", folder="output", counter=n, prompt=7) for n in range(16)]
    assert copied(batch) == (set(), None)
    # Several prompts 1.5 s apart for 45 s: work at a generator's pace, not one instant.
    paced = [
        FileTime(COPY + timedelta(seconds=1.5 * n), "comfyui", counter=n, prompt=n // 4)
        for n in range(30)
    ]
    assert copied(paced) == (set(), None)
