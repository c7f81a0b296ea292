"""Last checks on a record before it is buffered for the lake, where one bad row would fail all.

The lake writer converts thousands of rows at once, so a value Parquet cannot hold (a lone
surrogate, an int past int32) or that no tool writes (a 10 MB prompt, a generation dated 1970)
must be caught per row: text is repaired, oversized text and implausible times quarantine the
row with the reason, and the rest of the archive goes on.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from orchestration.ingest.archives import safe_text

# Real prompts stay under a few thousand characters (wildcard expansions included); more is a
# broken or hostile file, quarantined whole rather than cut, so nothing is silently changed.
MAX_PROMPT_CHARS = 100_000
MAX_FIELD_CHARS = 4_096  # names: sampler, model, tool, artist, paths
_PROMPT_FIELDS = ("prompt", "negative_prompt")
# No image generator wrote files before 2015 (DeepDream); a 1970 or 1980 time is a reset clock
# or a zip's default date. A day of slack covers clocks and zones set a little ahead.
EARLIEST_PLAUSIBLE = datetime(2015, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def time_problem(moment: datetime, now: datetime) -> str | None:
    """Why ``moment`` cannot be a generation time, or None when it can."""
    if moment.tzinfo is None:  # readers attach UTC; a naive value here is read the same way
        moment = moment.replace(tzinfo=UTC)
    if moment < EARLIEST_PLAUSIBLE:
        return f"{moment.isoformat()} is before {EARLIEST_PLAUSIBLE.date()}"
    if moment > now + FUTURE_SLACK:
        return f"{moment.isoformat()} is in the future"
    return None


def check_record(record: dict[str, Any], now: datetime) -> str | None:
    """Repair ``record``'s text in place; return a quarantine reason when it cannot be kept."""
    for name, value in record.items():
        if not isinstance(value, str):
            continue
        limit = MAX_PROMPT_CHARS if name in _PROMPT_FIELDS else MAX_FIELD_CHARS
        if len(value) > limit:
            return f"{name} too long ({len(value):,} characters > {limit:,})"
        record[name] = safe_text(value)
    created_at = record.get("created_at")
    if created_at is None:
        return "no creation time"
    problem = time_problem(created_at, now)
    return None if problem is None else f"implausible creation time: {problem}"
