"""Progress lines with rate and ETA for long embedding runs (UI event log and terminal)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from orchestration.store.pause_points import pause_point


class Progress:
    """Counts items done and emits ``label: done/total, rate/s, ETA`` every ``every_s`` seconds."""

    def __init__(
        self, label: str, total: int, emit: Callable[[str], None], every_s: float = 10.0
    ) -> None:
        self.label = label
        self.total = total
        self.emit = emit
        self.every_s = every_s
        self.done = 0
        self.started = time.monotonic()
        self._last = self.started

    @property
    def seconds(self) -> float:
        """Seconds since the counter started."""
        return time.monotonic() - self.started

    @property
    def rate(self) -> float:
        """Items per second so far."""
        return self.done / max(self.seconds, 1e-9)

    def advance(self, n: int) -> None:
        """Count ``n`` more items; emit a line when ``every_s`` has passed."""
        pause_point("embedding")
        self.done += n
        now = time.monotonic()
        if now - self._last >= self.every_s:
            self._last = now
            self.emit(self.line())

    def line(self) -> str:
        """The current progress line."""
        remaining = max(self.total - self.done, 0)
        eta = timedelta(seconds=round(remaining / self.rate)) if self.rate > 0 else "unknown"
        return f"{self.label}: {self.done:,}/{self.total:,} ({self.rate:,.1f}/s, ETA {eta})"
