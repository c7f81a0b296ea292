"""What a relabel changed: two snapshots of the session labels, compared session by session.

A correction also teaches the artist's calibration, so labels of other sessions can move; the CLI
lists every one of them so that a correction never changes the journal silently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from orchestration.safe_text import printable

# One row per session; ``phases`` holds one "<phase_no>. <intent>: <label>" text per phase.
SNAPSHOT_SCHEMA = {
    "session_id": pl.String,
    "artist": pl.String,
    "intent": pl.String,
    "label": pl.String,
    "arc": pl.String,
    "phases": pl.List(pl.String),
}
_COMPARED = ("intent", "label", "arc", "phases")

Pair = tuple[str | None, str | None]


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One session's labels before and after; None where the session had no label then."""

    session_id: str
    artist: str
    intent: Pair
    label: Pair
    arc: Pair
    phases_changed: int

    def describe(self) -> str:
        """``<id> <artist>: <old> → <new>; label: <old> → <new>``, naming only what moved."""
        old, new = self.intent
        parts = [_text(old) if old == new else f"{_text(old)} → {_text(new)}"]
        if self.label[0] != self.label[1]:
            parts.append(f"label: {_quoted(self.label[0])} → {_quoted(self.label[1])}")
        if self.arc[0] != self.arc[1]:
            parts.append(f"arc: {_quoted(self.arc[0])} → {_quoted(self.arc[1])}")
        if self.phases_changed:
            parts.append(f"{self.phases_changed} phase{_s(self.phases_changed)} changed")
        return f"{self.session_id[:12]} {self.artist}: {'; '.join(parts)}"


def label_changes(before: pl.DataFrame, after: pl.DataFrame) -> list[LabelChange]:
    """Sessions (by id) whose intent, label, arc or phases differ, appearing or vanishing ones too.

    Both frames follow :data:`SNAPSHOT_SCHEMA`; the result is ordered by session id.
    """
    old = before.select(list(SNAPSHOT_SCHEMA)).cast(SNAPSHOT_SCHEMA)
    new = after.select(list(SNAPSHOT_SCHEMA)).cast(SNAPSHOT_SCHEMA)
    joined = old.join(new, on="session_id", how="full", coalesce=True, suffix="_after")
    moved = pl.any_horizontal(pl.col(c).ne_missing(pl.col(f"{c}_after")) for c in _COMPARED)
    changes = []
    for row in joined.filter(moved).sort("session_id").iter_rows(named=True):
        changes.append(
            LabelChange(
                session_id=row["session_id"],
                artist=row["artist_after"] or row["artist"],
                intent=(row["intent"], row["intent_after"]),
                label=(row["label"], row["label_after"]),
                arc=(row["arc"], row["arc_after"]),
                phases_changed=_phases_changed(row["phases"] or [], row["phases_after"] or []),
            )
        )
    return changes


def report_lines(changes: list[LabelChange], corrected: Collection[str]) -> list[str]:
    """The corrected sessions first ("corrected: ..."), then every other session that moved.

    Each line is escaped for the terminal (labels quote the artist's prompts).
    """
    lines = []
    moved = {c.session_id: c for c in changes}
    for session_id in sorted(corrected):
        change = moved.get(session_id)
        lines.append(
            f"corrected: {change.describe()}"
            if change
            else f"corrected: {session_id[:12]}: its shown labels did not change"
        )
    others = [c for c in changes if c.session_id not in corrected]
    if not others:
        lines.append("no other label changed")
    else:
        lines.append(f"changed by this correction: {len(others)} other session{_s(len(others))}")
        lines += [f"  {c.describe()}" for c in others]
    return [printable(line) for line in lines]


def _phases_changed(old: list[str], new: list[str]) -> int:
    return sum(a != b for a, b in zip(old, new, strict=False)) + abs(len(old) - len(new))


def _text(value: str | None) -> str:
    return "(none)" if value is None else value


def _quoted(value: str | None) -> str:
    return "(none)" if value is None else f'"{value}"'


def _s(n: int) -> str:
    return "" if n == 1 else "s"
