"""Configuration as Dagster resources: where data lives and how sessions are cut."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.registry import ArchiveRegistry

DATA_DIR_ENV = "CREATIVE_SESSIONS_DATA"


class DataPaths(dg.ConfigurableResource):
    """Every path the pipeline reads or writes, under one data directory (default ``./data``)."""

    data_dir: str = "data"

    @property
    def root(self) -> Path:
        """The data directory, absolute."""
        return Path(self.data_dir).expanduser().resolve()

    @property
    def lake_dir(self) -> Path:
        """Parquet lake: the system of record for derived data."""
        return self.root / "lake"

    @property
    def warehouse_path(self) -> Path:
        """DuckDB file that dbt builds and users query; rebuildable from the lake."""
        return self.root / "warehouse.duckdb"

    @property
    def thumbnails_dir(self) -> Path:
        """Small WebP copies of images by content hash, written at embedding time."""
        return self.root / "thumbnails"

    @property
    def journal_dir(self) -> Path:
        """The journal's static HTML pages (rebuilt from the warehouse and the thumbnails)."""
        return self.root / "journal"

    @property
    def registry(self) -> ArchiveRegistry:
        """Registered archives (an input, never rebuilt)."""
        return ArchiveRegistry(self.root / "registry" / "archives.json")

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


class SessionRules(dg.ConfigurableResource):
    """How generations are grouped into sessions."""

    gap_minutes: int = 30
