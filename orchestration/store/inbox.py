"""What the inbox sensor knows about files: supported, complete, and the same as one seen before.

Plain functions, no Dagster. A file is complete when its size and mtime did not change between two
looks (the sensor's ticks) and, where the format has an index at its end, that index reads: a zip's
central directory, a Parquet footer. A half-copied zip fails both.
"""

from __future__ import annotations

import hashlib
import tarfile
import zipfile
from pathlib import Path

import pyarrow.parquet as pq

from orchestration.ingest.archives import archive_kind
from orchestration.store.fingerprint import archive_fingerprint, folder_files

# Names that copy tools give a file while it is being written (browsers, rsync, curl, uTorrent).
PARTIAL_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".!ut")
SAMPLE_BYTES = 256 * 1024


def candidates(inbox: Path) -> list[Path]:
    """Top-level folders, archives and logs in the inbox, skipping hidden and partial names."""
    if not inbox.is_dir():
        return []
    found = []
    for path in sorted(inbox.iterdir()):
        name = path.name.lower()
        if name.startswith((".", "~")) or name.endswith(PARTIAL_SUFFIXES):
            continue
        try:
            archive_kind(path)
        except (ValueError, FileNotFoundError):
            continue
        found.append(path)
    return found


def observe(path: Path) -> str:
    """Size and mtime of a file, or names, sizes and mtimes of a folder's files."""
    if path.is_dir():
        return archive_fingerprint(path)
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def is_readable(path: Path) -> bool:
    """Whether the format's own index reads; formats without one count as readable."""
    name = path.name.lower()
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                zf.infolist()
        elif name.endswith(".parquet"):
            pq.ParquetFile(path).metadata  # noqa: B018  (reading the footer is the check)
        elif name.endswith(".tar"):
            with tarfile.open(path) as tf:
                tf.getmembers()
    except (zipfile.BadZipFile, tarfile.TarError, OSError, ValueError):
        return False
    return True


def content_digest(path: Path) -> str:
    """Identity of the content regardless of its name, cheap enough for a sensor tick.

    A zip's central directory (names, sizes, CRC-32s) identifies it exactly; other files are
    identified by size and three 256 KiB samples (start, middle, end), folders by their files'
    relative names and sizes. Hashing whole archives of many gigabytes would outlast the tick.
    """
    digest = hashlib.sha256()
    if path.is_dir():
        for full in folder_files(path):
            rel = full.relative_to(path).as_posix()
            digest.update(f"{rel}\0{full.lstat().st_size}\n".encode())
        return "dir:" + digest.hexdigest()[:32]
    if path.name.lower().endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in sorted(zf.infolist(), key=lambda i: i.filename):
                digest.update(f"{info.filename}\0{info.file_size}\0{info.CRC}\n".encode())
        return "zip:" + digest.hexdigest()[:32]
    size = path.stat().st_size
    digest.update(f"{size}\n".encode())
    with open(path, "rb") as fh:
        middle = max(0, size // 2 - SAMPLE_BYTES // 2)
        for offset in sorted({0, middle, max(0, size - SAMPLE_BYTES)}):
            fh.seek(offset)
            digest.update(fh.read(SAMPLE_BYTES))
    return "file:" + digest.hexdigest()[:32]
