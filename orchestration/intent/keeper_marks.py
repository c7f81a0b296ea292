"""Keeper marks: the artist naming a render they kept, stored with the corrections.

Like corrections they are the artist's input, never derived, so they live in
``<data>/corrections/keepers.jsonl`` outside everything rebuilt. The warehouse view
``stg_corrections__keeper_marks`` reads the file at query time, so ``session_keepers`` shows
a new mark at once. Append-only: undoing a mark appends a line that ``removes`` it.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from orchestration.intent.append_log import append_lines, locked

KEEPERS_FILENAME = "keepers.jsonl"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class KeeperMark:
    """One line of the file: a mark, or (``removes`` set) the undoing of an earlier one."""

    generation_id: str
    session_id: str
    artist: str
    author: str
    note: str | None = None
    created_at: str = field(default_factory=_now)
    keeper_id: str = field(default_factory=_new_id)
    removes: str | None = None


class KeeperMarks:
    """The marks file; writers serialise on a lock beside it, each line written and fsynced."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_dir(cls, corrections_dir: Path) -> KeeperMarks:
        """The file at its standard name beside the corrections."""
        return cls(Path(corrections_dir) / KEEPERS_FILENAME)

    def live(self) -> list[KeeperMark]:
        """Marks in force, oldest first; a torn or unreadable line is skipped, as the view does."""
        if not self.path.exists():
            return []
        marks, removed = [], set()
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                mark = KeeperMark(**json.loads(line))
            except (ValueError, TypeError):
                continue
            if mark.removes:
                removed.add(mark.removes)
            else:
                marks.append(mark)
        return [m for m in marks if m.keeper_id not in removed]

    def mark(self, mark: KeeperMark) -> None:
        """Append one mark."""
        with self._locked():
            self._append([mark])

    def unmark(self, generation_id: str, *, author: str) -> list[KeeperMark]:
        """Undo every live mark of ``generation_id``; returns what was undone (maybe nothing)."""
        with self._locked():
            undone = [m for m in self.live() if m.generation_id == generation_id]
            self._append(
                [
                    KeeperMark(m.generation_id, m.session_id, m.artist, author, removes=m.keeper_id)
                    for m in undone
                ]
            )
        return undone

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return locked(self.path)

    def _append(self, marks: list[KeeperMark]) -> None:
        append_lines(
            self.path, "".join(json.dumps(asdict(m), sort_keys=True) + "\n" for m in marks).encode()
        )
