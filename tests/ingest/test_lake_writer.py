from pathlib import Path

import pyarrow.parquet as pq
import pytest

from orchestration.ingest.lake import QUARANTINE_SCHEMA, AtomicParquetWriter


def _row(i: int) -> dict:
    return {
        "source_archive": "a",
        "source_path": f"{i}.png",
        "reason": "r",
        "content_hash": None,
        "size_bytes": i,
    }


def test_streams_batches_and_replaces_atomically(tmp_path: Path) -> None:
    target = tmp_path / "t" / "q.parquet"
    with AtomicParquetWriter(target, QUARANTINE_SCHEMA, batch_rows=10) as w:
        w.write_all(_row(i) for i in range(25))
        assert not target.exists()  # nothing visible until the write completes
    assert pq.read_table(target).num_rows == 25
    assert pq.ParquetFile(target).num_row_groups == 3
    assert list(target.parent.iterdir()) == [target]


def test_failed_write_leaves_previous_partition(tmp_path: Path) -> None:
    target = tmp_path / "q.parquet"
    with AtomicParquetWriter(target, QUARANTINE_SCHEMA) as w:
        w.write(_row(1))
    with pytest.raises(RuntimeError), AtomicParquetWriter(target, QUARANTINE_SCHEMA) as w:
        w.write(_row(2))
        raise RuntimeError("crash mid-write")
    assert pq.read_table(target).column("size_bytes").to_pylist() == [1]
    assert list(tmp_path.iterdir()) == [target]
