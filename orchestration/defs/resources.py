"""Configuration as Dagster resources: where data lives and how sessions are cut."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.store.data_dir import DATA_DIR_ENV, DataDir
from orchestration.store.registry import ArchiveRegistry

__all__ = ["DATA_DIR_ENV", "DataPaths", "SessionRules"]


class DataPaths(dg.ConfigurableResource):
    """Every path the pipeline reads or writes, under one data directory (default ``./data``).

    The layout itself is `DataDir`'s; this resource only makes the directory configurable.
    """

    data_dir: str = "data"

    @property
    def layout(self) -> DataDir:
        """The paths under this data directory."""
        return DataDir.at(self.data_dir)

    @property
    def root(self) -> Path:
        """The data directory, absolute."""
        return self.layout.root

    @property
    def lake_dir(self) -> Path:
        """Parquet lake: the system of record for derived data."""
        return self.layout.lake_dir

    @property
    def warehouse_path(self) -> Path:
        """DuckDB file that dbt builds and users query; rebuildable from the lake."""
        return self.layout.warehouse_path

    @property
    def thumbnails_dir(self) -> Path:
        """Small WebP copies of images by content hash, written at embedding time."""
        return self.layout.thumbnails_dir

    @property
    def journal_dir(self) -> Path:
        """The journal's static HTML pages."""
        return self.layout.journal_dir

    @property
    def registry(self) -> ArchiveRegistry:
        """Registered archives (an input, never rebuilt)."""
        return ArchiveRegistry(self.layout.registry_path)

    @property
    def corrections_dir(self) -> Path:
        """The artist's corrections (an input, never rebuilt)."""
        return self.layout.corrections_dir

    @property
    def inbox_dir(self) -> Path:
        """Drop archives and logs here; the inbox sensor registers and ingests them."""
        return self.layout.inbox_dir

    @property
    def sample_dir(self) -> Path:
        """Where the demo writes the generated sample archive."""
        return self.layout.sample_dir


class SessionRules(dg.ConfigurableResource):
    """How generations are grouped into sessions."""

    gap_minutes: int = 30
