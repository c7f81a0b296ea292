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

from orchestration.ingest.budget import (
    ArchiveBudget,
    ArchiveBudgetExceeded,
    decompressed,
    overlapping_entries,
)

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


class NotRegularFile(ValueError):
    """A registered path is a FIFO, socket or device: reading it could block for ever."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path} is {reason}: refused, nothing was read")
        self.reason = reason


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
    problem = special_file_problem(path)
    if problem is not None:
        raise NotRegularFile(path, problem)
    if name.endswith(LOG_SUFFIXES):
        return "log"
    if name.endswith(ZIP_SUFFIXES):
        return "zip"
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    raise ValueError(
        f"{path}: not a folder, .zip, .tar/.tar.gz archive or .csv/.parquet/.jsonl log"
    )


def special_file_problem(path: Path) -> str | None:
    """Why ``path`` is neither a regular file nor a folder, found without opening it, or None.

    Opening a FIFO for reading blocks until a writer appears, which holds the run lock for ever;
    ``stat`` (links followed, as for any registered path) tells without opening anything.
    """
    mode = path.stat().st_mode
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    return f"{_special_kind(mode)}, not a regular file or folder"


def _special_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


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
    except ArchiveBudgetExceeded as exc:
        read = "1 entry" if count == 1 else f"{count} entries"
        raise UnreadableArchive(f"{exc}: stopped after {read}") from exc
    except _ARCHIVE_ERRORS as exc:
        raise UnreadableArchive(
            f"unreadable {kind} archive: {type(exc).__name__}: {exc} "
            f"(stopped after {count} entries)"
        ) from exc


# No blocking on a FIFO swapped in after the listing, and no following a link swapped in either.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)


def _read_file(path: Path) -> Callable[[], bytes]:
    def read() -> bytes:
        fd = os.open(path, _OPEN_FLAGS)
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ValueError("not a regular file")
            data = fh.read(MAX_ENTRY_BYTES + 1)
        if len(data) > MAX_ENTRY_BYTES:
            raise ValueError(f"file grew past {MAX_ENTRY_BYTES} bytes")
        return data

    return read


def walk_tree(
    root: Path, on_error: Callable[[OSError], None] | None = None
) -> Iterator[tuple[Path, list[os.DirEntry[str]]]]:
    """Each folder under ``root`` with its entries other than real folders, sorted by name.

    The order is ``os.walk``'s (depth first, names sorted), and links to folders are entries, not
    followed. An explicit stack replaces ``os.walk`` because Python 3.11's recurses once per
    level: a folder 3,000 levels deep raised ``RecursionError`` and stopped the run. A folder
    that cannot be listed goes to ``on_error`` (or is skipped) and the walk goes on.
    """
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                children = list(listing)
        except OSError as exc:
            if on_error is not None:
                on_error(exc)
            continue
        subdirs, files = [], []
        for child in children:
            (subdirs if _is_real_dir(child) else files).append(child)
        yield folder, sorted(files, key=lambda c: c.name)
        stack.extend(folder / c.name for c in sorted(subdirs, key=lambda c: c.name, reverse=True))


def _is_real_dir(child: os.DirEntry[str]) -> bool:
    try:
        return child.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _iter_folder(root: Path) -> Iterator[ArchiveEntry]:
    order = 0
    walk_errors: list[OSError] = []
    for _folder, files in walk_tree(root, walk_errors.append):
        while walk_errors:  # a folder that cannot be listed is quarantined, not skipped
            yield _problem_entry(root, walk_errors.pop(), order)
            order += 1
        for child in files:
            yield _folder_entry(root, child, order)
            order += 1
    for exc in walk_errors:
        yield _problem_entry(root, exc, order)
        order += 1


def _folder_entry(root: Path, child: os.DirEntry[str], order: int) -> ArchiveEntry:
    full = Path(child.path)
    rel = safe_text(full.relative_to(root).as_posix())
    try:
        st = child.stat(follow_symlinks=False)
    except OSError as exc:  # removed or unreadable since the folder was listed
        return _problem_entry(root, exc, order, rel)
    problem = None
    if stat.S_ISLNK(st.st_mode):
        problem = "symbolic link: not followed"
    elif not stat.S_ISREG(st.st_mode):
        problem = "not a regular file"
    elif st.st_size > MAX_ENTRY_BYTES:
        problem = f"file too large ({st.st_size} bytes > {MAX_ENTRY_BYTES})"
    return ArchiveEntry(
        path=rel,
        order=order,
        modified_at=_from_epoch(st.st_mtime),
        modified_at_source="file mtime",
        size=st.st_size,
        read=_read_file(full),
        problem=problem,
    )


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
    budget = ArchiveBudget.for_size(path.stat().st_size)
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        overlaps = overlapping_entries(infos)
        for order, info in enumerate(infos):
            if info.is_dir():
                continue
            budget.next_entry()
            problem = None
            if info.file_size > MAX_ENTRY_BYTES:
                problem = f"entry too large ({info.file_size} bytes > {MAX_ENTRY_BYTES})"
            elif info.compress_size and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO:
                problem = (
                    f"suspected zip bomb: compression ratio "
                    f"{info.file_size / info.compress_size:.0f} > {MAX_COMPRESSION_RATIO}"
                )
            problem = overlaps.get(order, problem)
            if problem is None:  # zipfile never inflates past the declared size: claim it now
                problem = budget.claim(info.file_size)
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
    # Stream mode reads members in order without seeking, so memory stays flat on huge tars;
    # every decompressed byte (data read or skipped, headers) counts against the budget.
    budget = ArchiveBudget.for_size(path.stat().st_size)
    with open(path, "rb") as raw, tarfile.open(fileobj=decompressed(raw, budget), mode="r|") as tf:
        for order, member in enumerate(tf):
            if member.isdir():
                continue
            budget.next_entry()
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
