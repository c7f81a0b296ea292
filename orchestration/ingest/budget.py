"""What one archive may cost to read, whatever its entries claim one by one.

Per-entry limits (size, ratio) do not stop a bomb built from many sane-looking entries: thirty
zip records pointing at one 200 MB deflate stream each pass, and together inflate 6 GB; a
300 KB tar.xz holds 2 GB in one solid stream that must be decompressed to reach what follows.
So each archive gets a budget of inflated bytes in proportion to its size on disk (real image
archives hardly compress: PNG and JPEG already are), an entry count, and a deadline; zip
records whose data overlap are refused unread. Past a budget the archive stops with the reason,
keeping what was read before.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import time
import zipfile
from dataclasses import dataclass, field
from typing import BinaryIO

# An archive may inflate to this many times its size on disk, and always to one entry's limit.
MAX_ARCHIVE_RATIO = 50
MIN_ARCHIVE_BYTES = 256 * 1024 * 1024
MAX_ENTRIES = 2_000_000
# Deadline: a floor, plus time in proportion to the size (a slow network drive reads ~1 MB/s).
MIN_ARCHIVE_SECONDS = 600.0
MIN_BYTES_PER_SECOND = 1024 * 1024
_LOCAL_HEADER = 30  # a zip local file header before its name, extra field and data


class ArchiveBudgetExceeded(Exception):
    """Reading on would cost more than the archive's budget; the message says which."""


@dataclass(slots=True)
class ArchiveBudget:
    """Inflated bytes, entries and time one archive may still spend."""

    size_on_disk: int
    max_bytes: int
    deadline: float
    max_entries: int = MAX_ENTRIES
    spent: int = 0
    entries: int = 0
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def for_size(cls, size_on_disk: int) -> ArchiveBudget:
        """The budget of an archive of ``size_on_disk`` bytes (limits read at call time)."""
        now = time.monotonic()
        seconds = max(MIN_ARCHIVE_SECONDS, size_on_disk / MIN_BYTES_PER_SECOND)
        max_bytes = max(MIN_ARCHIVE_BYTES, MAX_ARCHIVE_RATIO * size_on_disk)
        return cls(size_on_disk, max_bytes, now + seconds, MAX_ENTRIES, started=now)

    def next_entry(self) -> None:
        """Count one entry; raise when there are too many or the deadline has passed."""
        self.entries += 1
        if self.entries > self.max_entries:
            raise ArchiveBudgetExceeded(f"archive has more than {self.max_entries:,} entries")
        if time.monotonic() > self.deadline:
            raise ArchiveBudgetExceeded(
                f"archive took longer than {self.deadline - self.started:,.0f} s to read "
                f"(the limit for {human_bytes(self.size_on_disk)} on disk)"
            )

    def over(self, total: int) -> str | None:
        """Why inflating to ``total`` bytes in all is refused, or None when it fits."""
        if total <= self.max_bytes:
            return None
        return (
            f"suspected archive bomb: inflates past {human_bytes(self.max_bytes)}, "
            f"the limit for {human_bytes(self.size_on_disk)} on disk"
        )

    def claim(self, size: int) -> str | None:
        """Reserve ``size`` more inflated bytes; the reason when that would pass the budget."""
        problem = self.over(self.spent + size)
        if problem is None:
            self.spent += size
        return problem


def human_bytes(n: float) -> str:
    """``n`` bytes as a person reads them: ``812 bytes``, ``3.3 KB``, ``256.0 MB``."""
    if n < 1024:
        return f"{n:,.0f} bytes"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            break
    return f"{n:,.1f} {unit}"


def overlapping_entries(infos: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Indices of zip records whose data overlap another's, each with the reason.

    Real zips lay out each entry's local header and data once, one after another; an entry
    starting inside another's data is the trick that makes many small records inflate one big
    stream many times over. The span used (30 bytes of header plus the compressed size) is a
    lower bound, so no well-formed zip is ever flagged.
    """
    order = sorted(range(len(infos)), key=lambda i: infos[i].header_offset)
    problems: dict[int, str] = {}
    owner, end = None, -1
    for i in order:
        info = infos[i]
        if owner is not None and info.header_offset < end:
            problems[i] = _overlap(infos[owner])
            problems.setdefault(owner, _overlap(info))
        span_end = info.header_offset + _LOCAL_HEADER + info.compress_size
        if span_end > end:
            owner, end = i, span_end
    return problems


def _overlap(other: zipfile.ZipInfo) -> str:
    return (
        f"suspected zip bomb: data overlaps entry {other.filename!r} "
        "(one stream read as many entries): not read"
    )


class CappedStream:
    """A read-only stream that raises instead of returning bytes past ``budget.max_bytes``.

    Wrapped around a tar's decompressed stream, it caps everything: member data read or
    skipped, and headers (a pax header may claim gigabytes), before they are inflated.
    """

    def __init__(self, raw: BinaryIO, budget: ArchiveBudget) -> None:
        self.raw = raw
        self.budget = budget
        self.pos = 0

    def read(self, n: int | None = -1) -> bytes:
        """Up to ``n`` bytes; raises when the stream goes on past the budget."""
        left = self.budget.max_bytes - self.pos
        if n is None or n < 0 or n > left:
            data = self.raw.read(left + 1)  # one byte more tells whether the stream goes on
            if len(data) > left:
                raise ArchiveBudgetExceeded(self.budget.over(self.budget.max_bytes + 1) or "")
        else:
            data = self.raw.read(n)
        self.pos += len(data)
        return data


def decompressed(raw: BinaryIO, budget: ArchiveBudget) -> CappedStream:
    """A tar file's content, decompressed by its magic bytes (gzip, bzip2, xz or none), capped."""
    head = raw.read(6)
    raw.seek(0)
    stream: BinaryIO = raw
    if head.startswith(b"\x1f\x8b"):
        stream = gzip.GzipFile(fileobj=raw, mode="rb")
    elif head.startswith(b"BZh"):
        stream = bz2.BZ2File(raw)
    elif head.startswith(b"\xfd7zXZ\x00"):
        stream = lzma.LZMAFile(raw)
    return CappedStream(stream, budget)
