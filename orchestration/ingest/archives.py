"""Walk a folder, zip or tar archive entry by entry, streaming, without extracting anything.

Nothing is ever written to disk: members are read into memory (bounded by ``MAX_ENTRY_BYTES``)
and their names are only labels, sanitised so that no ``..``, absolute path or undecodable byte
reaches the lake. A damaged archive raises ``UnreadableArchive`` after the entries it could
read, so the ingest keeps them and quarantines the rest with the reason.
"""

from __future__ import annotations

import lzma
import os
import posixpath
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200

LOG_SUFFIXES = (".csv", ".parquet", ".jsonl")
ZIP_SUFFIXES = (".zip",)
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
# What a damaged or hostile archive raises while it is walked (not per entry: those are caught
# around ``ArchiveEntry.read``).
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
    EOFError,
    zlib.error,
    lzma.LZMAError,
    OSError,
    ValueError,
    NotImplementedError,
    struct.error,
    TypeError,  # tarfile's gzip header parser on a cut FNAME field (found by benchmarks/fuzz.py)
)
_SURROGATE = re.compile("[\ud800-\udfff]")


class UnreadableArchive(Exception):
    """The archive itself (not one member) cannot be read on; the message is the reason."""


@dataclass(slots=True)
class ArchiveEntry:
    """One member of an archive: its sanitised path, order, time, and a way to read it.

    ``problem`` is set instead of ``read`` working when the entry must be quarantined unread
    (too large, a link, a suspected zip bomb).
    """

    path: str
    order: int
    modified_at: datetime | None
    modified_at_source: str | None
    size: int
    read: Callable[[], bytes]
    problem: str | None = None


def archive_kind(path: Path) -> str:
    """Classify a registered path: ``folder``, ``zip``, ``tar`` or ``log``; raise if unsupported."""
    name = path.name.lower()
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist")
    if name.endswith(LOG_SUFFIXES):
        return "log"
    if name.endswith(ZIP_SUFFIXES):
        return "zip"
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    raise ValueError(
        f"{path}: not a folder, .zip, .tar/.tar.gz archive or .csv/.parquet/.jsonl log"
    )


def safe_text(text: str) -> str:
    r"""``text`` with lone surrogates as U+FFFD, so that it can be stored as UTF-8.

    Parquet strings must be valid UTF-8, but a file name with a Latin-1 byte on a UTF-8 file
    system arrives from ``os.walk`` or ``tarfile`` as a lone surrogate, and JSON metadata may
    escape one (``"\ud800"``); either would fail the whole partition's write.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def sanitise_member_path(name: str) -> str:
    """A member name as a safe relative POSIX path (no drive, no leading ``/``, no ``..``)."""
    name = safe_text(name).replace("\\", "/")
    parts = [p for p in posixpath.normpath("/" + name).split("/") if p not in ("", ".", "..")]
    if parts and len(parts[0]) == 2 and parts[0][1] == ":":
        parts = parts[1:]
    return "/".join(parts)


def iter_entries(path: Path, kind: str) -> Iterator[ArchiveEntry]:
    """Entries of an image archive in the order the source gives them."""
    if kind == "folder":
        yield from _iter_folder(path)
        return
    if kind not in ("zip", "tar"):
        raise ValueError(f"not an image archive kind: {kind}")
    count = 0
    try:
        for entry in _iter_zip(path) if kind == "zip" else _iter_tar(path):
            count += 1
            yield entry
    except _ARCHIVE_ERRORS as exc:
        raise UnreadableArchive(
            f"unreadable {kind} archive: {type(exc).__name__}: {exc} "
            f"(stopped after {count} entries)"
        ) from exc


def _read_file(path: Path) -> Callable[[], bytes]:
    return lambda: path.read_bytes()


def _iter_folder(root: Path) -> Iterator[ArchiveEntry]:
    order = 0
    walk_errors: list[OSError] = []  # os.walk skips unreadable folders silently by default
    for dirpath, dirnames, filenames in os.walk(
        root, onerror=walk_errors.append, followlinks=False
    ):
        while walk_errors:
            yield _problem_entry(root, walk_errors.pop(), order)
            order += 1
        linked_dirs = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in linked_dirs)
        for name in sorted(filenames + linked_dirs):
            full = Path(dirpath) / name
            rel = safe_text(full.relative_to(root).as_posix())
            try:
                st = full.lstat()
            except OSError as exc:  # removed or unreadable since the folder was listed
                yield _problem_entry(root, exc, order, rel)
                order += 1
                continue
            problem = None
            if stat.S_ISLNK(st.st_mode):
                problem = "symbolic link: not followed"
            elif not stat.S_ISREG(st.st_mode):
                problem = "not a regular file"
            elif st.st_size > MAX_ENTRY_BYTES:
                problem = f"file too large ({st.st_size} bytes > {MAX_ENTRY_BYTES})"
            yield ArchiveEntry(
                path=rel,
                order=order,
                modified_at=_from_epoch(st.st_mtime),
                modified_at_source="file mtime",
                size=st.st_size,
                read=_read_file(full),
                problem=problem,
            )
            order += 1
    for exc in walk_errors:
        yield _problem_entry(root, exc, order)
        order += 1


def _problem_entry(root: Path, exc: OSError, order: int, rel: str | None = None) -> ArchiveEntry:
    """An entry that stands for a file or folder the walk could not read."""
    if rel is None:
        where = Path(os.fsdecode(exc.filename)) if exc.filename else root
        rel = safe_text(where.relative_to(root).as_posix() if where.is_relative_to(root) else ".")

    def unreadable() -> bytes:
        raise exc

    return ArchiveEntry(
        path=rel,
        order=order,
        modified_at=None,
        modified_at_source=None,
        size=0,
        read=unreadable,
        problem=f"unreadable: {exc.strerror or type(exc).__name__}",
    )


def _iter_zip(path: Path) -> Iterator[ArchiveEntry]:
    with zipfile.ZipFile(path) as zf:
        for order, info in enumerate(zf.infolist()):
            if info.is_dir():
                continue
            problem = None
            if info.file_size > MAX_ENTRY_BYTES:
                problem = f"entry too large ({info.file_size} bytes > {MAX_ENTRY_BYTES})"
            elif info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
                problem = (
                    f"suspected zip bomb: compression ratio "
                    f"{info.file_size / info.compress_size:.0f} > {MAX_COMPRESSION_RATIO}"
                )
            try:
                modified = datetime(*info.date_time, tzinfo=UTC)
            except ValueError:
                modified = None
            yield ArchiveEntry(
                path=sanitise_member_path(info.filename),
                order=order,
                modified_at=modified,
                modified_at_source="archive entry time" if modified else None,
                size=info.file_size,
                read=_zip_reader(zf, info),
                problem=problem,
            )


def _zip_reader(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Callable[[], bytes]:
    def read() -> bytes:
        with zf.open(info) as fh:
            data = fh.read(MAX_ENTRY_BYTES + 1)
        if len(data) > MAX_ENTRY_BYTES:
            raise ValueError(f"entry expands past {MAX_ENTRY_BYTES} bytes")
        return data

    return read


def _iter_tar(path: Path) -> Iterator[ArchiveEntry]:
    # Stream mode reads members in order without seeking, so memory stays flat on huge tars.
    with tarfile.open(path, mode="r|*") as tf:
        for order, member in enumerate(tf):
            if member.isdir():
                continue
            problem = None
            if member.issym() or member.islnk():
                problem = "link inside archive: not followed"
            elif not member.isfile():
                problem = "not a regular file"
            elif member.size > MAX_ENTRY_BYTES:
                problem = f"entry too large ({member.size} bytes > {MAX_ENTRY_BYTES})"
            data = b""
            if problem is None:
                fh = tf.extractfile(member)
                data = fh.read() if fh is not None else b""
            modified = _from_epoch(member.mtime) if member.mtime else None
            yield ArchiveEntry(
                path=sanitise_member_path(member.name),
                order=order,
                modified_at=modified,
                modified_at_source="archive entry time" if modified else None,
                size=member.size,
                read=lambda data=data: data,
                problem=problem,
            )


def _from_epoch(seconds: float) -> datetime | None:
    """A member's time, or None when a hostile header holds an unrepresentable one."""
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None
