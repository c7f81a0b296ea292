"""Progress for long terminal commands: a bar with rate and ETA, or plain lines when piped.

On a terminal the line redraws in place; in a log file or CI each step is its own line, so the
output stays readable and greppable.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from typing import TextIO

_COUNTER = re.compile(r"^\[(\d+)/(\d+)\] ")
BAR_WIDTH = 24


def format_seconds(seconds: float) -> str:
    """``1:02:03`` or ``2:03``: what a person reads as a duration."""
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts steps of known total and prints done/total, rate and ETA after each."""

    def __init__(
        self,
        total: float,
        label: str,
        unit: str = "items",
        *,
        stream: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.label, self.unit = total, label, unit
        self.stream = stream or sys.stdout
        self.clock = clock
        self.started = clock()
        self.done = 0.0
        self.tty = self.stream.isatty()

    def rate(self) -> float | None:
        """Units per second so far, or None before anything is done."""
        elapsed = self.clock() - self.started
        return self.done / elapsed if self.done and elapsed > 0 else None

    def line(self, note: str = "") -> str:
        """``label [#####-----] 3/10 archives · 1.2 archives/s · eta 0:06 · note``."""
        parts = [f"{self.label} {self.done:g}/{self.total:g} {self.unit}"]
        if self.tty:
            filled = int(BAR_WIDTH * self.done / self.total) if self.total else BAR_WIDTH
            parts[0] = (
                f"{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                + parts[0][len(self.label) + 1 :]
            )
        rate = self.rate()
        if rate:
            parts.append(f"{rate:.3g} {self.unit}/s")
            parts.append(f"eta {format_seconds((self.total - self.done) / rate)}")
        if note:
            parts.append(note)
        return " · ".join(parts)

    def advance(self, amount: float = 1, note: str = "") -> None:
        """Count `amount` more done and show where things stand."""
        self.done += amount
        self.show(note)

    def show(self, note: str = "") -> None:
        """Print the current line (in place on a terminal)."""
        if self.tty:
            self.stream.write("\r\033[K" + self.line(note))
            if self.done >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(self.line(note) + "\n")
        self.stream.flush()


class CounterEcho:
    """An `on_progress` callback that adds rate and ETA to ``[i/N] …`` lines, echoing the rest.

    `run_stale` reports archives as ``[3/40] key: ingesting (…)``; the counter gives the total,
    so the terminal learns how fast the import goes and when it will end.
    """

    def __init__(self, echo: Callable[[str], None], clock: Callable[[], float] = time.monotonic):
        self.echo, self.clock = echo, clock
        self.started: float | None = None

    def __call__(self, message: str) -> None:
        """Echo `message`, with rate and ETA where it carries a counter."""
        match = _COUNTER.match(message)
        if not match:
            self.echo(message)
            return
        done, total = int(match[1]), int(match[2])
        now = self.clock()
        if self.started is None:
            self.started = now
        elapsed = now - self.started
        # Step i starts when i − 1 are done; the first line sets the start.
        if done > 1 and elapsed > 0:
            rate = (done - 1) / elapsed
            eta = format_seconds((total - done + 1) / rate)
            message = f"{message} · {rate:.3g}/s · eta {eta}"
        self.echo(message)
