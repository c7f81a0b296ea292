"""What a generated file's path says about when and in which order it was made.

Most front ends write no time into the image, but they name and file their outputs in ways that
survive any copy: A1111/Forge number files per date folder (``txt2img-images/2024-03-05/
00012-<seed>.png``), ComfyUI numbers them (``ComfyUI_00012_.png``), Fooocus stamps date and time
(``2024-03-05_14-32-11_1234.png``), SwarmUI and Stability Matrix put the time of day first in a
date folder (``143211-…``). Times in names are local clock times, read as UTC like EXIF ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

# A day as a path component of its own, or as the start of a file name.
_DAY_FOLDER = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# Date and time in one name: Fooocus ``2024-03-05_14-32-11``, ``20240305_143211``, ISO-like.
_DATE_TIME = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[_ T-](\d{2})[-:.]?(\d{2})[-:.]?(\d{2})(?!\d)"
)
# Time of day first in a dated folder: SwarmUI ``143211-prompt``, Stability Matrix ``143211_0007``.
_TIME_FIRST = re.compile(r"^(\d{2})(\d{2})(\d{2})[-_]")
# Tool counters: A1111/Forge/SD.Next ``00012-<seed>``, ComfyUI ``<prefix>_00012_``.
_LEADING_COUNTER = re.compile(r"^(\d{4,})-")
_COMFY_COUNTER = re.compile(r"_(\d{4,})_?$")
_TRAILING_COUNTER = re.compile(r"[-_](\d{1,6})$")
_TIME_FIRST_TOOLS = frozenset({"swarmui", "stability_matrix"})


@dataclass(frozen=True, slots=True)
class NameEvidence:
    """Time and order a path gives: a full time, only a day, a counter; any may be missing."""

    folder: str
    at: datetime | None = None
    day: date | None = None
    counter: int | None = None


def read_name(path: str, tool: str) -> NameEvidence:
    """The evidence in ``path`` (a sanitised POSIX path) for a file ``tool`` wrote."""
    folder, _, name = path.rpartition("/")
    stem = name.rsplit(".", 1)[0]
    day = _folder_day(folder)
    at = _name_time(stem, day, tool)
    if at is not None:
        day = at.date()
    return NameEvidence(folder=folder, at=at, day=day, counter=_counter(stem, tool))


def _folder_day(folder: str) -> date | None:
    """The innermost folder named like a day, e.g. ``txt2img-images/2024-03-05``."""
    for part in reversed(folder.split("/")):
        match = _DAY_FOLDER.match(part)
        if match:
            return _date(*match.groups())
    return None


def _name_time(stem: str, day: date | None, tool: str) -> datetime | None:
    match = _DATE_TIME.search(stem)
    if match:
        return _datetime(*match.groups())
    if day is not None and tool in _TIME_FIRST_TOOLS:
        match = _TIME_FIRST.match(stem)
        if match:
            return _datetime(f"{day.year}", f"{day.month}", f"{day.day}", *match.groups())
    return None


def _counter(stem: str, tool: str) -> int | None:
    """The tool's file counter; a Fooocus or SwarmUI suffix orders files within one second."""
    for pattern in (_LEADING_COUNTER, _COMFY_COUNTER, _TRAILING_COUNTER):
        if pattern is _LEADING_COUNTER and _DATE_TIME.match(stem):
            continue  # ``2024-03-05_…`` starts with a year, not a counter
        match = pattern.search(stem)
        if match:
            return int(match.group(1))
    return None


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def _datetime(*parts: str) -> datetime | None:
    try:
        return datetime(*(int(p) for p in parts), tzinfo=UTC)  # type: ignore[misc]
    except ValueError:
        return None
