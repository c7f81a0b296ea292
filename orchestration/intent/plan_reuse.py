"""One labelling plan per run: the runner's plan, reused by the labelling that follows it.

`creative-sessions run` plans before it launches the labels run (to skip it when there is no
work), and the asset plans again in the same process: over the whole history that second pass
costs about as much as the first (fingerprints and seed habits over every session). The plan is a
function of the files it reads, so it is reused only while none of them moved (warehouse, its
write-ahead log, the intent tables, the corrections and the cost model) and the budget is the
same; anything else plans afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

StateKey = tuple[tuple[str, int, int, int] | tuple[str], ...]


def files_state(paths: list[Path]) -> StateKey:
    """Each file's identity and version (inode, size, mtime), or its absence."""
    state: list[tuple[str, int, int, int] | tuple[str]] = []
    for path in paths:
        try:
            st = path.stat()
        except FileNotFoundError:
            state.append((str(path),))
            continue
        state.append((str(path), st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(state)


@dataclass
class Reuse(Generic[T]):
    """A single slot: the last plan and the inputs' state it was made from."""

    key: tuple[str, StateKey] | None = None
    value: T | None = None

    def get(self, key: tuple[str, StateKey]) -> T | None:
        """The stored plan when it was made from exactly this state, else None."""
        return self.value if self.key == key else None

    def put(self, key: tuple[str, StateKey], value: T) -> None:
        """Keep this plan for the next caller in this process."""
        self.key, self.value = key, value

    def clear(self) -> None:
        """Forget the plan (after labelling used it, or wrote new tables)."""
        self.key, self.value = None, None
