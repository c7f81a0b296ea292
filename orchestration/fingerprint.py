"""Cheap fingerprints of an archive on disk, to tell whether it changed since its last ingest."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def archive_fingerprint(path: Path) -> str:
    """Hash of names, sizes and mtimes: changes whenever a file is added, removed or rewritten."""
    digest = hashlib.sha256()
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            dirnames.sort()
            for name in sorted(filenames):
                full = Path(dirpath) / name
                st = full.lstat()
                rel = full.relative_to(path).as_posix()
                digest.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    else:
        st = path.stat()
        digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def archive_bytes(path: Path) -> int:
    """Bytes on disk: the measure backfill estimates scale ingest rates by."""
    if not path.is_dir():
        return path.stat().st_size
    return sum(
        (Path(dirpath) / name).lstat().st_size
        for dirpath, _dirs, filenames in os.walk(path, followlinks=False)
        for name in filenames
    )
