"""Every path under the data directory, importable without Dagster (the quick CLI commands use it).

`DataPaths` (the Dagster resource) hands out a `DataDir`, so each path is spelled once.
"""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "CREATIVE_SESSIONS_DATA"
SESSION_GAP_ENV = "CREATIVE_SESSIONS_SESSION_GAP_MINUTES"
IMAGE_MODEL_ENV = "CREATIVE_SESSIONS_IMAGE_MODEL"
CLIP_CHECKPOINT_ENV = "CREATIVE_SESSIONS_CLIP_CHECKPOINT"
"""Settings changed without Dagster run config: the CLI's options set them, the UI reads them."""
DAGSTER_YAML = "telemetry:\n  enabled: false\nnux:\n  enabled: false\n"
"""A new instance's settings: no telemetry (nothing outside is reachable) and no pop-up."""


@dataclass(frozen=True)
class DataDir:
    """The layout of one data directory (default ``./data``)."""

    root: Path

    @classmethod
    def at(cls, data_dir: str | Path) -> DataDir:
        """The layout under ``data_dir``, made absolute."""
        return cls(Path(data_dir).expanduser().resolve())

    @property
    def lake_dir(self) -> Path:
        """Parquet lake: the system of record for derived data."""
        return self.root / "lake"

    @property
    def warehouse_path(self) -> Path:
        """DuckDB file that dbt builds and users query; rebuildable from the lake."""
        return self.root / "warehouse.duckdb"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance the CLI, `make ui` and the daemon share (``DAGSTER_HOME``)."""
        return self.root / "dagster"

    def ensure_dagster_home(self) -> Path:
        """The instance folder, created with `DAGSTER_YAML` when new; a person's edits stay."""
        home = self.dagster_home
        home.mkdir(parents=True, exist_ok=True)
        config = home / "dagster.yaml"
        if not config.exists():
            config.write_text(DAGSTER_YAML, encoding="utf-8")
        return home

    @property
    def locks_dir(self) -> Path:
        """OS file locks: the CLI's run lock and the warehouse's reader/writer lock."""
        return self.root / "locks"

    @property
    def logs_dir(self) -> Path:
        """Logs kept out of the terminal (dbt's, for one)."""
        return self.root / "logs"

    @property
    def thumbnails_dir(self) -> Path:
        """Small WebP copies of images by content hash, written at embedding time."""
        return self.root / "thumbnails"

    @property
    def journal_dir(self) -> Path:
        """The journal's static HTML pages (rebuilt from the warehouse and the thumbnails)."""
        return self.root / "journal"

    @property
    def registry_path(self) -> Path:
        """Registered archives (an input, never rebuilt)."""
        return self.root / "registry" / "archives.json"

    @property
    def corrections_dir(self) -> Path:
        """The artist's corrections (an input, never rebuilt): outside lake, warehouse, instance."""
        return self.root / "corrections"

    @property
    def inbox_dir(self) -> Path:
        """Drop archives and logs here; the inbox sensor registers and ingests them."""
        return self.root / "inbox"

    @property
    def sample_dir(self) -> Path:
        """Where the demo writes the generated sample archive."""
        return self.root / "sample"


# Errors from storage that refuses writes, as the OS and the databases on it word them.
_FULL = (errno.ENOSPC, errno.EDQUOT)
_FULL_TEXT = ("No space left on device", "database or disk is full", "Disk quota exceeded")
_READ_ONLY_TEXT = ("Read-only file system", "readonly database")
# SQLite reports a write that ran out of space as a plain "disk I/O error" more often than
# as SQLITE_FULL; such an error counts as a full disk only when the disk really is nearly full.
_IO_TEXT = ("disk I/O error",)
NEARLY_FULL_BYTES = 16 * 1024 * 1024
_ADVICE = "; free some space or pass another --data-dir, then run again"


def storage_problem(exc: BaseException, root: Path) -> str | None:
    """One line naming ``root`` when ``exc`` (or an error behind it) is storage refusing writes.

    A full disk or a read-only data directory surfaces as an ``OSError`` from our own writes,
    ``sqlite3``'s "database or disk is full" from Dagster's instance, or the same words inside
    a failed run's message; a traceback would hide that the fix is on the person's side.
    None for anything else, which stays a real error.
    """
    seen: set[int] = set()
    at: BaseException | None = exc
    while at is not None and id(at) not in seen:
        seen.add(id(at))
        found = _refusal(at, root)
        if found is not None:
            return f"cannot write to the data directory {root}: {found}"
        at = at.__cause__ or at.__context__
    return None


def _refusal(exc: BaseException, root: Path) -> str | None:
    code = exc.errno if isinstance(exc, OSError) else None
    text = str(exc)
    where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
    if code in _FULL or any(words in text for words in _FULL_TEXT):
        return f"the disk is full{where}{_ADVICE}"
    if (code == errno.EIO or any(words in text for words in _IO_TEXT)) and _nearly_full(root):
        return f"the disk is full (an I/O error with {_free(root)} left){_ADVICE}"
    if code == errno.EROFS or any(words in text for words in _READ_ONLY_TEXT):
        return f"it is on a read-only file system{where}; pass a writable --data-dir"
    if code in (errno.EACCES, errno.EPERM) and _inside(getattr(exc, "filename", None), root):
        return f"permission denied{where}; make it writable or pass another --data-dir"
    return None


def _nearly_full(root: Path) -> bool:
    try:
        return shutil.disk_usage(_existing(root)).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def _free(root: Path) -> str:
    free = shutil.disk_usage(_existing(root)).free
    return f"{free / 1024:,.0f} KB" if free < 1024 * 1024 else f"{free / 1024 / 1024:,.0f} MB"


def _existing(path: Path) -> Path:
    """``path`` or its nearest existing parent (the data directory may not exist yet)."""
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def _inside(filename: object, root: Path) -> bool:
    if not isinstance(filename, str | Path):
        return False
    path = Path(filename)
    return path == root or path.is_relative_to(root)


if __name__ == "__main__":  # `make ui`: print the instance folder of a data directory
    import sys

    home = DataDir.at(sys.argv[1] if len(sys.argv) > 1 else "data").ensure_dagster_home()
    sys.stdout.write(f"{home}\n")
