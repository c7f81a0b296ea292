"""Dagster's SQLite event log with one kept engine per shard, for the CLI's instance.

Dagster's `SqliteEventLogStorage` creates a SQLAlchemy engine, opens a SQLite connection and
disposes both for every event it stores, and an asset event touches two shards (the run's and
the index). A +1% nightly run at 100k stores about 180 events; that churn was about 12% of its CPU.
This subclass keeps one pooled engine per shard for the life of the instance (the index and
the few newest runs' shards), so an event costs a checkout and a commit. The files, schema,
locking and transactions are Dagster's: the UI and the daemon, which open the same folder with
Dagster's own class, read what it writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
)
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine

KEPT_RUN_SHARDS = 4
"""Run shards whose engines stay open; older ones are disposed (a long process makes many runs)."""

STORAGE_KEYS = ("storage", "run_storage", "event_log_storage", "schedule_storage")
"""Keys of a `dagster.yaml` that choose its own storage, which the override must not replace."""


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` that reuses an engine per shard instead of one per connection."""

    def __init__(self, base_dir: str, inst_data: Any = None) -> None:
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._engines_lock = threading.Lock()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: Any, config_value: Mapping[str, Any]
    ) -> PooledSqliteEventLogStorage:
        """Dagster builds its storages from `dagster.yaml`'s config through this."""
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, made on first use; beyond the kept few, the oldest run's closes."""
        with self._engines_lock:
            engine = self._engines.pop(shard, None)
            if engine is None:
                engine = create_engine(
                    self.conn_string_for_shard(shard),
                    connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
                )
            self._engines[shard] = engine
            if shard != INDEX_SHARD_NAME:  # run shards are used under `_db_lock` alone, held here
                runs = [name for name in self._engines if name != INDEX_SHARD_NAME]
                for name in runs[:-KEPT_RUN_SHARDS]:
                    self._engines.pop(name).dispose()
            return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        """Dagster's `_connect` (same lock, first-use migration, one transaction), kept engine."""
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def has_table(self, table_name: str) -> bool:
        """Asked often by the base class (one engine each in Dagster's); the index's kept engine."""
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def _close_engines(self) -> None:
        with self._engines_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        """Closes the engines first: wiping deletes the run shards' files."""
        with self._db_lock:
            self._close_engines()
        super().wipe()

    def upgrade(self) -> None:
        """Closes the engines first: migrations open their own, then our first use opens anew."""
        with self._db_lock:
            self._close_engines()
        super().upgrade()

    def dispose(self) -> None:
        """Stops Dagster's watchers and closes the kept connections."""
        super().dispose()
        self._close_engines()


def pooled_event_log_overrides(dagster_home: Path) -> dict[str, Any]:
    """Instance config that stores events through `PooledSqliteEventLogStorage`.

    Computed from the folder each time, not written to `dagster.yaml`, so a moved or copied data
    directory still logs where it now is. Empty when `dagster.yaml` names a storage of its own
    (Postgres, say): that choice stands.
    """
    config_file = dagster_home / "dagster.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.exists() else {}
    if isinstance(config, Mapping) and any(config.get(key) for key in STORAGE_KEYS):
        return {}
    return {
        "event_log_storage": {
            "module": __name__,
            "class": PooledSqliteEventLogStorage.__name__,
            "config": {"base_dir": str(dagster_home / "history" / "runs")},
        }
    }
