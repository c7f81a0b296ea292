"""Generation times that tools keep beside their images when the images carry none.

InvokeAI names images by UUID and writes no time into them, but its database
(``databases/invokeai.db``) keeps a record per image with its creation time in UTC. The file is
read from the archive's bytes (``sqlite3`` deserialises them; nothing is written to disk), so a
folder, a zip and a tar are read alike, and only after every image has waited for it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

INVOKEAI_DATABASE = "invokeai.db"
INVOKEAI_SOURCE = "invokeai database"


class UnreadableToolLog(Exception):
    """A tool's database or log beside the images that cannot be read; the message says why."""


def is_tool_log(path: str) -> bool:
    """Whether the archive member at ``path`` is a tool log this module reads."""
    return path.rsplit("/", 1)[-1].lower() == INVOKEAI_DATABASE


def read_invokeai_times(data: bytes) -> dict[str, datetime]:
    """Image file name → creation time, from an InvokeAI database's ``images`` table.

    Raises:
        UnreadableToolLog: not a SQLite database, or no ``images`` table with those columns.
    """
    con = sqlite3.connect(":memory:")
    try:
        con.deserialize(data)
        rows = con.execute(
            "select image_name, created_at from images where image_name is not null"
        ).fetchall()
    except sqlite3.Error as exc:
        raise UnreadableToolLog(f"unreadable InvokeAI database: {exc}") from exc
    finally:
        con.close()
    times = {}
    for name, created in rows:
        at = _utc(created)
        if isinstance(name, str) and at is not None:
            times[name] = at
    return times


def _utc(value: object) -> datetime | None:
    """InvokeAI's ``YYYY-MM-DD HH:MM:SS.fff`` (SQLite's ``STRFTIME`` in UTC), or None."""
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
