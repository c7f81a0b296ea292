"""Tell file times that a copy wrote from file times that a generator wrote.

A copied folder, a cloud download or a backup restore sets every file's time to the moment of the
copy: hundreds of files within seconds. A generator cannot keep that pace for long, and the files
themselves often say otherwise (dates in their folders, several tools, metadata times days away),
so such a burst is evidence of the copy, not of the work, and ranks below counters and dates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta

# Consecutive file times closer than this belong to one burst.
BURST_STEP = timedelta(seconds=2)
# A batch of 8 (A1111's largest batch size) is written at once; a burst must be larger than that
# before anything else about it counts.
MIN_BURST = 9
# Sustained faster than this over ``MIN_PACE_FILES`` files, no generator wrote them: a copy.
MAX_FILES_PER_SECOND = 10.0
MIN_PACE_FILES = 100
# Name days and file days this far apart disagree even across time zones.
DAY_SLACK = timedelta(days=1, hours=14)


@dataclass(frozen=True, slots=True)
class FileTime:
    """One file's time as the file system or archive gave it, beside what the file itself says."""

    at: datetime
    tool: str
    name_day: date | None = None
    own_time: datetime | None = None  # from metadata, EXIF, a tIME chunk or the name


def copied(times: list[FileTime]) -> tuple[set[int], str | None]:
    """Indices of ``times`` that a copy wrote, and why (the first burst's reason), if any."""
    order = sorted(range(len(times)), key=lambda i: times[i].at)
    flagged: set[int] = set()
    why: str | None = None
    start = 0
    for end in range(1, len(order) + 1):
        if end < len(order) and times[order[end]].at - times[order[end - 1]].at <= BURST_STEP:
            continue
        burst = [times[i] for i in order[start:end]]
        reason = _burst_reason(burst)
        if reason is not None:
            flagged.update(order[start:end])
            why = why or reason
        start = end
    for i, t in enumerate(times):  # a lone restored file whose own date says otherwise
        if i not in flagged and _disagrees(t):
            flagged.add(i)
    return flagged, why


def _burst_reason(burst: list[FileTime]) -> str | None:
    if len(burst) < MIN_BURST:
        return None
    seconds = max((burst[-1].at - burst[0].at).total_seconds(), 0.001)
    within = f"{len(burst)} file times within {math.ceil(seconds)} s"
    days = {t.name_day for t in burst if t.name_day is not None}
    if len(days) > 1:
        return f"{within} while their folders or names span {len(days)} days"
    tools = {t.tool for t in burst}
    if len(tools) > 1:
        return f"{within} across {len(tools)} tools"
    if sum(_disagrees(t) for t in burst) * 2 > len(burst):
        return f"{within}, days away from the times the files carry"
    if len(burst) >= MIN_PACE_FILES and len(burst) / seconds > MAX_FILES_PER_SECOND:
        return f"{within}: faster than any generator writes"
    return None


def _disagrees(t: FileTime) -> bool:
    """The file time is days from the date the file's name or its own metadata gives."""
    if t.own_time is not None:
        return abs(t.at - t.own_time) > DAY_SLACK
    if t.name_day is not None:
        noon = datetime(t.name_day.year, t.name_day.month, t.name_day.day, 12, tzinfo=t.at.tzinfo)
        return abs(t.at - noon) > DAY_SLACK
    return False
