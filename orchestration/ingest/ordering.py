"""Times for files whose order is known but whose time is not.

When the only time a file has is one a copy wrote, what is left is order: a date folder, a tool's
counter, the file order. Sessions are cut where time passes, so an order alone would make one
session of everything. Each file gets an ordering time instead, named honestly by its source: on
its day when a folder or name gives one, else just before the copy that reset it. Consecutive
files of one run sit ``STEP`` apart; runs (a folder, a tool, a counter without a large gap) sit
``RUN_GAP`` apart, more than a session gap, so each run is its own session at most.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

STEP = timedelta(seconds=10)
RUN_GAP = timedelta(hours=3)
MIN_RUN_GAP = timedelta(hours=1)  # when a day holds many runs; still more than the 30 min default
# More files missing from a counter than this: deleted in bulk, or made another time.
COUNTER_GAP = 50
DAY_ORDER = "date folder order"
FILE_ORDER = "file order"


@dataclass(frozen=True, slots=True)
class Unplaced:
    """A file that needs an ordering time: where it sits and what bounds its time."""

    key: int
    tool: str
    folder: str
    source_order: int
    day: date | None = None
    counter: int | None = None
    latest: datetime | None = None  # a time it surely existed by (the copy's), for no-day files


def place(files: list[Unplaced], now: datetime) -> dict[int, tuple[datetime, str]]:
    """An ordering time and its source for every file that has a day or a latest time."""
    placed: dict[int, tuple[datetime, str]] = {}
    buckets: dict[date | None, list[Unplaced]] = defaultdict(list)
    for f in files:
        if f.day is not None or f.latest is not None:
            buckets[f.day].append(f)
    for day, members in buckets.items():
        runs = _runs(members)
        # The copy's time bounds them (files existed by then) and, unlike ``now``, is the same
        # on every rerun, so placed times, and sessions, stay put.
        copies = [f.latest for f in members if f.latest is not None]
        if day is None:
            end = min(*copies, now)
            gap = RUN_GAP
            source = FILE_ORDER
        else:
            start = datetime(day.year, day.month, day.day, tzinfo=UTC)
            end = min(start + timedelta(days=1) - STEP, max(copies) if copies else now, now)
            gap = _gap_within_day(runs)
            source = DAY_ORDER
        for f, at in _backwards(runs, end, gap):
            placed[f.key] = (at, source)
    return placed


def _runs(members: list[Unplaced]) -> list[list[Unplaced]]:
    """Runs of one folder and tool in counter order, cut at large counter gaps."""
    groups: dict[tuple[str, str], list[Unplaced]] = defaultdict(list)
    for f in members:
        groups[(f.folder, f.tool)].append(f)
    runs: list[list[Unplaced]] = []
    for group in groups.values():
        group.sort(key=lambda f: (f.counter is None, f.counter or 0, f.source_order))
        run = [group[0]]
        for prev, f in pairwise(group):
            if prev.counter is not None and f.counter is not None:
                if f.counter - prev.counter > COUNTER_GAP + 1:
                    runs.append(run)
                    run = []
            run.append(f)
        runs.append(run)
    runs.sort(key=lambda run: min(f.source_order for f in run))
    return runs


def _gap_within_day(runs: list[list[Unplaced]]) -> timedelta:
    """``RUN_GAP``, narrowed so that a day's runs stay on their day when they can."""
    if len(runs) < 2:
        return RUN_GAP
    spare = timedelta(days=1) - STEP * sum(len(r) for r in runs)
    return max(min(RUN_GAP, spare / (len(runs) - 1)), MIN_RUN_GAP)


def _backwards(
    runs: list[list[Unplaced]], end: datetime, gap: timedelta
) -> list[tuple[Unplaced, datetime]]:
    """Times laid back from ``end``: nothing placed after it, so never in the future."""
    out = []
    at = end
    for run in reversed(runs):
        for f in reversed(run):
            out.append((f, at))
            at -= STEP
        at = at + STEP - gap
    return out
