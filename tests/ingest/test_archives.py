import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from orchestration.ingest.archives import archive_kind, iter_entries, sanitise_member_path


def test_kinds(tmp_path: Path) -> None:
    (tmp_path / "a.zip").write_bytes(b"")
    (tmp_path / "b.tar.gz").write_bytes(b"")
    (tmp_path / "c.csv").write_text("x")
    assert archive_kind(tmp_path) == "folder"
    assert archive_kind(tmp_path / "a.zip") == "zip"
    assert archive_kind(tmp_path / "b.tar.gz") == "tar"
    assert archive_kind(tmp_path / "c.csv") == "log"
    (tmp_path / "d.rar").write_bytes(b"")
    with pytest.raises(ValueError, match=r"not a folder, \.zip"):
        archive_kind(tmp_path / "d.rar")


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd", "etc/passwd"),
        ("/abs/x.png", "abs/x.png"),
        ("a/./b/../c.png", "a/c.png"),
        ("C:\\Users\\x.png", "Users/x.png"),
    ],
)
def test_member_paths_are_sanitised(name: str, safe: str) -> None:
    assert sanitise_member_path(name) == safe


def test_zip_entries_in_order_with_entry_times(tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i, name in enumerate(["b.png", "../a.png", "dir/c.png"]):
            info = zipfile.ZipInfo(name, date_time=(2026, 3, 1, 10, i, 0))
            zf.writestr(info, f"data{i}")
    entries, contents = [], []
    for entry in iter_entries(path, "zip"):  # entries are read while the archive is open
        entries.append(entry)
        contents.append(entry.read())
    assert [e.path for e in entries] == ["b.png", "a.png", "dir/c.png"]
    assert [e.order for e in entries] == [0, 1, 2]
    assert entries[2].modified_at.minute == 2
    assert entries[2].modified_at_source == "archive entry time"
    assert contents == [b"data0", b"data1", b"data2"]


def test_zip_bomb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.png", b"\0" * 5_000_000)
    (entry,) = list(iter_entries(path, "zip"))
    assert entry.problem and "zip bomb" in entry.problem


def test_tar_streams_and_skips_links(tmp_path: Path) -> None:
    path = tmp_path / "a.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        info = tarfile.TarInfo("x.png")
        info.size, info.mtime = 3, 1_770_000_000
        tf.addfile(info, io.BytesIO(b"abc"))
        link = tarfile.TarInfo("link.png")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    entries = list(iter_entries(path, "tar"))
    assert entries[0].read() == b"abc" and entries[0].modified_at.year == 2026
    assert entries[1].problem and "link" in entries[1].problem


def test_folder_walk_sorted_and_symlinks_not_followed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.png").write_bytes(b"b")
    (tmp_path / "a.png").write_bytes(b"a")
    os.symlink(tmp_path, tmp_path / "sub" / "loop")
    entries = list(iter_entries(tmp_path, "folder"))
    assert [e.path for e in entries] == ["a.png", "sub/b.png", "sub/loop"]
    assert entries[2].problem == "symbolic link: not followed"
    assert entries[0].modified_at_source == "file mtime"
