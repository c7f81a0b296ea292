"""One atomic write for the data directory: whole files or none, and no other copy of the recipe."""

import ast
from pathlib import Path

import pytest

from orchestration.store import files
from orchestration.store.files import atomic_write, replacing

ROOT = Path(__file__).resolve().parents[2]


def test_atomic_write_replaces_the_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "registry.json"
    atomic_write(target, "old")
    atomic_write(target, b"new \xe2\x9c\x93")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in target.parent.iterdir()] == ["registry.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "model.json"
    atomic_write(target, "old")
    with pytest.raises(RuntimeError), replacing(target) as tmp:
        tmp.write_text("half of the new")
        raise RuntimeError("disk full half-way")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]


def _renames(path: Path) -> list[int]:
    """Lines of ``os.replace`` / ``Path.replace`` / ``Path.rename`` calls in one module."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in {"replace", "rename"} and len(node.args) == 1:
                lines.append(node.lineno)  # str.replace takes two arguments
            elif isinstance(node.func.value, ast.Name) and node.func.value.id == "os":
                lines += [node.lineno] if node.func.attr == "replace" else []
    return lines


def test_files_are_replaced_only_through_store_files() -> None:
    """The temp-fsync-rename recipe lives in one module; the two writers that stage their own
    temp files (a streaming lake partition, the intent tables renamed in order) still take
    their temp names and fsyncs from it."""
    allowed = {
        "orchestration/store/files.py",
        "orchestration/ingest/lake.py",  # streams batches into `temp_beside`, then renames
        "orchestration/intent/tables.py",  # stages every table, then renames them in order
        "orchestration/store/warehouse_health.py",  # moves a damaged warehouse aside
    }
    found = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "orchestration").rglob("*.py")
        if _renames(path)
    }
    assert found <= allowed, sorted(found - allowed)


def test_atomic_write_many_replaces_every_file_durably(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "a.html"
    old.write_text("old")
    flushes: list[int] = []
    monkeypatch.setattr(files.os, "sync", lambda: flushes.append(1))
    monkeypatch.setattr(files, "SYNC_ALL_FROM", 3)  # three files: one flush for all
    written = files.atomic_write_many(
        (tmp_path / name, f"new {name}") for name in ("a.html", "b.html", "sub/c.html")
    )
    assert [p.read_text() for p in written] == ["new a.html", "new b.html", "new sub/c.html"]
    assert flushes == [1]
    assert not list(tmp_path.rglob("*.tmp"))
    synced: list[Path] = []
    monkeypatch.setattr(files, "fsync_file", synced.append)
    files.atomic_write_many([(tmp_path / "d.html", "d")])  # fewer: an fsync each, no flush
    assert flushes == [1] and len(synced) == 1 and (tmp_path / "d.html").read_text() == "d"


def test_atomic_write_many_failing_part_way_leaves_the_old_files(tmp_path: Path) -> None:
    old = tmp_path / "a.html"
    old.write_text("old")

    def pages():
        yield tmp_path / "b.html", "b"
        yield old, "new"
        raise RuntimeError("render failed")

    with pytest.raises(RuntimeError):
        files.atomic_write_many(pages())
    assert old.read_text() == "old" and not (tmp_path / "b.html").exists()
    assert not list(tmp_path.glob(".*.tmp"))
    (tmp_path / ".x.html.1.ab.tmp").write_text("left by a killed writer")
    files.remove_stale_temps(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html"]
