"""Every path under the data directory, importable without Dagster (the quick CLI commands use it).

`DataPaths` (the Dagster resource) hands out a `DataDir`, so each path is spelled once.
"""

from __future__ import annotations

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


if __name__ == "__main__":  # `make ui`: print the instance folder of a data directory
    import sys

    home = DataDir.at(sys.argv[1] if len(sys.argv) > 1 else "data").ensure_dagster_home()
    sys.stdout.write(f"{home}\n")
