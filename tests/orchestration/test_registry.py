from pathlib import Path

import pytest

from orchestration.store.registry import ArchiveRegistry, archive_key


def test_register_is_idempotent_and_keys_are_stable(tmp_path: Path) -> None:
    archive = tmp_path / "My Archive.tar.gz"
    archive.write_bytes(b"")
    reg = ArchiveRegistry(tmp_path / "reg" / "archives.json")
    first = reg.register(archive, "mira")
    assert first.key.startswith("my-archive-") and first.kind == "tar"
    assert reg.register(archive) == first
    assert reg.all() == [first]
    assert archive_key(archive) == first.key
    moved = reg.register(archive, "jonas")
    assert moved.key == first.key and reg.get(first.key).artist == "jonas"


def test_unknown_key_and_bad_path(tmp_path: Path) -> None:
    reg = ArchiveRegistry(tmp_path / "archives.json")
    with pytest.raises(KeyError, match="no archive registered"):
        reg.get("nope")
    (tmp_path / "x.rar").write_bytes(b"")
    with pytest.raises(ValueError):
        reg.register(tmp_path / "x.rar")
