"""Each image's time from the best evidence in its archive, decided once the archive is seen.

A file's own time (metadata, EXIF, a PNG tIME chunk, a date and time in its name) is decided
alone. A time a tool kept beside its images (see ``tool_logs``) may come later in the archive,
and a file time (mtime, zip or tar entry time) can only be judged beside the archive's other
file times, because a copy shows as a burst (see ``copy_times``); so those records wait in a
staging file beside the partition (memory stays flat on a million files; ``staging_codec``
keeps every value as the reader made it, so the guard still sees what it would refuse) until
the end, then get a tool's time, their file time, or an ordering time from their day and
counter (see ``ordering``), or are quarantined. ``TimeReport`` says what was used, for the
asset metadata and the run summary.
"""

from __future__ import annotations

import uuid
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from orchestration.ingest import staging_codec
from orchestration.ingest.copy_times import FileTime, copied
from orchestration.ingest.file_names import NameEvidence
from orchestration.ingest.guard import time_problem
from orchestration.ingest.ordering import Unplaced, place

# Sources of a file's own time, most direct first.
OWN_TIME_SOURCES = ("metadata", "exif DateTimeOriginal", "png tIME", "file name")
FILE_TIME_SOURCES = ("file mtime", "archive entry time")


@dataclass(slots=True)
class TimeReport:
    """How an archive's images got their times: what files had only file times, and what won."""

    sources: Counter[str] = field(default_factory=Counter)
    file_time_only: int = 0  # images whose only time of their own was a file or entry time
    copied: int = 0  # of those, file times found to be a copy's
    copy_reason: str | None = None
    tool_logs: list[str] = field(default_factory=list)  # tool databases read beside the images

    def summary(self) -> str | None:
        """One line for the terminal, or None when every image carried its own time."""
        if not self.file_time_only:
            return None
        kept = sum(self.sources[s] for s in FILE_TIME_SOURCES)
        mine = (*OWN_TIME_SOURCES, *FILE_TIME_SOURCES)
        replaced = {s: n for s, n in self.sources.items() if s not in mine}
        line = f"{self.file_time_only} images had only file times"
        if self.copied:
            line += f"; {self.copied} were a copy's ({self.copy_reason})"
        parts = [f"{kept} kept"] if kept else []
        parts += [f"{n} by {s}" for s, n in sorted(replaced.items())]
        return line + (f": {', '.join(parts)}" if parts else "")


@dataclass(frozen=True, slots=True)
class Waiting:
    """What decides a staged image's time: its file time, name evidence and refusal reasons."""

    file_time: datetime | None
    file_time_source: str | None
    tool: str
    name: NameEvidence
    source_order: int
    size: int
    file_name: str
    rejected: tuple[str, ...]


class ArchiveTimes:
    """Collects an archive's file times and the images that depend on them."""

    def __init__(self, partition_dir: Path, now: datetime) -> None:
        self.now = now
        self.report = TimeReport()
        # Named like the lake writer's temp files, so a crash leaves nothing the next run keeps.
        self._path = partition_dir / f".generations.parquet.staging-{uuid.uuid4().hex}.tmp"
        self._file: IO[bytes] | None = None
        self._observed: list[FileTime] = []
        self._observed_of: list[int] = []  # observed index of each waiting image, or -1
        self._waiting: list[Waiting] = []
        self._tool_times: dict[str, tuple[datetime, str]] = {}  # file name → time, source

    def observe(
        self,
        file_time: datetime | None,
        tool: str,
        name: NameEvidence,
        own: datetime | None,
        prompt: str | None = None,
    ) -> int:
        """Record one image's plausible file time for burst detection; its index, or -1."""
        if file_time is None:
            return -1
        key = None if prompt is None else zlib.crc32(prompt.encode("utf-8", "surrogatepass"))
        self._observed.append(
            FileTime(file_time, tool, name.day, own, name.folder, name.counter, key)
        )
        return len(self._observed) - 1

    def own_time(self, source: str) -> None:
        """Count an image that carried its own time."""
        self.report.sources[source] += 1

    def tool_times(self, path: str, times: dict[str, datetime], source: str) -> None:
        """Times a tool kept beside its images (by file name), used before any file time."""
        self.report.tool_logs.append(path)
        for name, at in times.items():
            if time_problem(at, self.now) is None:
                self._tool_times.setdefault(name, (at, source))

    def wait(self, record: dict[str, Any], waiting: Waiting, observed: int) -> None:
        """Stage an image whose time depends on the rest of the archive."""
        if self._file is None:
            self._file = open(self._path, "wb")  # closed in ``close``
        self._file.write(staging_codec.dumps(record))
        self._waiting.append(waiting)
        self._observed_of.append(observed)

    def resolve(self) -> Iterator[tuple[dict[str, Any], str | None, int]]:
        """Each staged record with its time set, or the reason it has none; and its size."""
        copies, why = copied(self._observed)
        self.report.copy_reason = why
        plain = {}
        unplaced = []
        for i, w in enumerate(self._waiting):
            logged = self._tool_times.get(w.file_name)
            if logged is not None:
                plain[i] = logged
                continue
            if w.file_time is not None:
                self.report.file_time_only += 1
            is_copy = self._observed_of[i] in copies
            self.report.copied += is_copy
            if w.file_time is not None and not is_copy:
                plain[i] = (w.file_time, w.file_time_source)
            else:
                unplaced.append(_unplaced(i, w, is_copy))
        chosen: dict[int, tuple[datetime, str | None]] = {**plain, **place(unplaced, self.now)}
        for i, record in enumerate(self._records()):
            w = self._waiting[i]
            if i not in chosen:
                reasons = "; ".join(w.rejected)
                reason = "no plausible creation time" + (f": {reasons}" if reasons else "")
                yield record, reason, w.size
                continue
            record["created_at"], record["created_at_source"] = chosen[i]
            self.report.sources[chosen[i][1] or ""] += 1
            yield record, None, w.size

    def close(self) -> None:
        """Remove the staging file (also after a failure)."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._path.unlink(missing_ok=True)

    def _records(self) -> Iterator[dict[str, Any]]:
        """The staged records in the order they came, read back one at a time."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        with open(self._path, "rb") as fh:
            for _ in self._waiting:
                yield staging_codec.loads(fh.readline())


def _unplaced(key: int, w: Waiting, is_copy: bool) -> Unplaced:
    return Unplaced(
        key=key,
        tool=w.tool,
        folder=w.name.folder,
        source_order=w.source_order,
        day=w.name.day,
        counter=w.name.counter,
        latest=w.file_time if is_copy else None,
    )
