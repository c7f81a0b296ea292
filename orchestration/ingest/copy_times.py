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
from itertools import pairwise

# Consecutive file times closer than this belong to one burst.
BURST_STEP = timedelta(seconds=2)
# A batch of 8 (A1111's largest batch size) is written at once; a burst must be larger than that
# before anything else about it counts.
MIN_BURST = 9
# Sustained faster than this over ``MIN_PACE_FILES`` files, no generator wrote them: a copy.
MAX_FILES_PER_SECOND = 10.0
MIN_PACE_FILES = 100
# More of a folder's consecutive counters than this with falling file times: not written in order.
# Three pairs are enough: a tool never writes a higher number first.
MIN_COUNTED = 4
MAX_INVERTED_SHARE = 0.1
# Name days and file days this far apart disagree even across time zones.
DAY_SLACK = timedelta(days=1, hours=14)
# Within one burst step a generator writes at most one batch, and a batch has one prompt: more
# files than a batch there, with more than one prompt, were written by a copy (a zip re-exported
# with one entry time for all).
INSTANT = BURST_STEP


@dataclass(frozen=True, slots=True)
class FileTime:
    """One file's time as the file system or archive gave it, beside what the file itself says."""

    at: datetime
    tool: str
    name_day: date | None = None
    own_time: datetime | None = None  # from metadata, EXIF, a tIME chunk or the name
    folder: str = ""
    counter: int | None = None
    prompt: int | None = None  # a hash of the prompt: one batch, one prompt


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
    shuffled, reason = _out_of_counter_order(times, flagged)
    return flagged | shuffled, why or reason


def _out_of_counter_order(times: list[FileTime], flagged: set[int]) -> tuple[set[int], str | None]:
    """Files of one folder and tool whose times disagree with their counter's order.

    A tool numbers files as it writes them, so its file times rise with the counter (a batch
    written at once ties). A sync or restore that writes them in another order over minutes
    leaves no burst, but many inversions.
    """
    groups: dict[tuple[str, str], list[int]] = {}
    for i, t in enumerate(times):
        if i not in flagged and t.counter is not None and t.own_time is None:
            groups.setdefault((t.folder, t.tool), []).append(i)
    out: set[int] = set()
    why = None
    for (folder, _), members in groups.items():
        if len(members) < MIN_COUNTED or len({times[i].counter for i in members}) < len(members):
            continue  # a number that repeats (a batch index, a random suffix) is no file counter
        members.sort(key=lambda i: times[i].counter or 0)
        inversions = sum(times[a].at - times[b].at > BURST_STEP for a, b in pairwise(members))
        if inversions > MAX_INVERTED_SHARE * (len(members) - 1):
            out.update(members)
            why = why or (
                f"{inversions} of {len(members) - 1} file times in {folder or 'the top folder'} "
                "run against the file counter"
            )
    return out, why


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
    prompts = {t.prompt for t in burst if t.prompt is not None}
    if burst[-1].at - burst[0].at <= INSTANT and len(prompts) > 1:
        return f"{within} with {len(prompts)} prompts: more than one batch at once"
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
