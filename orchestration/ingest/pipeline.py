"""Ingest one registered archive into its lake partition: generations plus quarantine."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from orchestration.ingest.archives import (
    TAR_SUFFIXES,
    ZIP_SUFFIXES,
    ArchiveEntry,
    NotRegularFile,
    UnreadableArchive,
    archive_kind,
    iter_entries,
)
from orchestration.ingest.file_names import read_name
from orchestration.ingest.file_time import ArchiveTimes, TimeReport, Waiting
from orchestration.ingest.guard import check_record, time_problem
from orchestration.ingest.image_metadata import read_image_metadata
from orchestration.ingest.lake import (
    GENERATIONS_SCHEMA,
    GENERATIONS_TABLE,
    QUARANTINE_SCHEMA,
    QUARANTINE_TABLE,
    AtomicParquetWriter,
    partition_file,
)
from orchestration.ingest.logs import UnreadableLog, iter_log_rows
from orchestration.ingest.passes import second_pass_fields
from orchestration.ingest.records import FileRejected, GenerationMeta
from orchestration.ingest.tool_logs import (
    INVOKEAI_SOURCE,
    UnreadableToolLog,
    is_tool_log,
    read_invokeai_times,
)

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
# An archive inside an archive is not opened: each level would multiply the bomb limits, and its
# files would have no path or time of their own in the registry. The reason says what to do.
NESTED_ARCHIVE_SUFFIXES = (*ZIP_SUFFIXES, *TAR_SUFFIXES, ".7z", ".rar")
PROGRESS_EVERY_S = 10.0


@dataclass(slots=True)
class IngestStats:
    """What one ingest run did, for asset metadata and the terminal."""

    files_seen: int = 0
    generations: int = 0
    quarantined: int = 0
    duplicates_skipped: int = 0
    seconds: float = 0.0
    tools: dict[str, int] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    times: TimeReport = field(default_factory=TimeReport)


def content_hash(data: bytes) -> str:
    """The file's identity: the same image in two archives is one generation."""
    return hashlib.sha256(data).hexdigest()


class _PartitionSink:
    """Routes each entry to the generations or the quarantine writer and keeps the counts."""

    def __init__(
        self,
        archive_key: str,
        gens: AtomicParquetWriter,
        quarantine: AtomicParquetWriter,
        stats: IngestStats,
        now: datetime,
    ) -> None:
        self.archive_key = archive_key
        self.gens = gens
        self.quarantine = quarantine
        self.stats = stats
        self.now = now  # one "now" per run for the future-time check
        self.times = ArchiveTimes(gens.path.parent, now)

    def accept(self, record: dict[str, Any]) -> None:
        problem = check_record(record, self.now)
        if problem is not None:
            self.reject(record["source_path"], problem, record.get("content_hash"), None)
            return
        self.stats.generations += 1
        self.stats.tools[record["tool"]] = self.stats.tools.get(record["tool"], 0) + 1
        self.gens.write(record)

    def reject(self, path: str, reason: str, digest: str | None, size: int | None) -> None:
        self.stats.quarantined += 1
        kind = reason.split(":")[0].split("(")[0].strip()
        self.stats.quarantine_reasons[kind] = self.stats.quarantine_reasons.get(kind, 0) + 1
        self.quarantine.write(
            {
                "source_archive": self.archive_key,
                "source_path": path,
                "reason": reason,
                "content_hash": digest,
                "size_bytes": size,
            }
        )


def ingest_archive(source: Path, artist: str, archive_key: str, lake_dir: Path) -> IngestStats:
    """Read every entry of ``source`` and replace the archive's partition in the lake atomically."""
    started = time.monotonic()
    stats = IngestStats()
    try:
        kind: str | None = archive_kind(source)
    except NotRegularFile as exc:  # replaced by a FIFO or device since it was registered
        kind, refused = None, f"{exc.reason}: not read"
    gens_path = partition_file(lake_dir, GENERATIONS_TABLE, archive_key)
    quar_path = partition_file(lake_dir, QUARANTINE_TABLE, archive_key)
    with (
        AtomicParquetWriter(gens_path, GENERATIONS_SCHEMA) as gens,
        AtomicParquetWriter(quar_path, QUARANTINE_SCHEMA) as quarantine,
    ):
        sink = _PartitionSink(archive_key, gens, quarantine, stats, datetime.now(UTC))
        try:
            if kind is None:
                sink.reject(source.name, refused, None, None)
            elif kind == "log":
                _ingest_log(source, artist, sink)
            else:
                _ingest_images(source, kind, artist, sink)
            _settle_times(sink)
        finally:
            sink.times.close()
    stats.times = sink.times.report
    stats.seconds = time.monotonic() - started
    return stats


def _unexpected(what: str, exc: Exception) -> str:
    """The quarantine reason for an error no reader anticipated, logged with its traceback."""
    log.error("unexpected error reading %s", what, exc_info=exc)
    return f"unexpected error: {type(exc).__name__}: {exc}"


def _ingest_log(source: Path, artist: str, sink: _PartitionSink) -> None:
    rows = iter_log_rows(source, artist, sink.archive_key)
    while True:
        # Only reading is guarded: an error writing the lake (a full disk) must stop the run.
        try:
            row = next(rows, None)
        except UnreadableLog as exc:
            sink.reject(source.name, str(exc), None, _size(source))
            return
        except Exception as exc:  # one log must not stop the archives after it
            sink.reject(source.name, _unexpected(source.name, exc), None, _size(source))
            return
        if row is None:
            return
        sink.stats.files_seen += 1
        if row.record is None:
            sink.reject(f"row {row.order + 1}", row.reason or "unreadable row", None, None)
        else:
            sink.accept(row.record)


def _ingest_images(source: Path, kind: str, artist: str, sink: _PartitionSink) -> None:
    seen: set[str] = set()
    stats = sink.stats
    last_report = time.monotonic()
    entries = iter_entries(source, kind)
    while True:
        try:
            entry = next(entries, None)
        except UnreadableArchive as exc:  # keep what was read; quarantine the rest with the reason
            sink.reject(source.name, str(exc), None, _size(source))
            return
        except Exception as exc:  # keep what was read; one archive must not stop the others
            sink.reject(source.name, _unexpected(source.name, exc), None, _size(source))
            return
        if entry is None:
            return
        stats.files_seen += 1
        if time.monotonic() - last_report > PROGRESS_EVERY_S:
            last_report = time.monotonic()
            log.info(
                "%s: %d files read, %d generations, %d quarantined",
                sink.archive_key,
                stats.files_seen,
                stats.generations,
                stats.quarantined,
            )
        _ingest_entry(entry, artist, sink, seen)


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def _ingest_entry(entry: ArchiveEntry, artist: str, sink: _PartitionSink, seen: set[str]) -> None:
    """One archive member to a generation, a quarantine row, or a skipped duplicate."""
    if entry.problem:
        sink.reject(entry.path, entry.problem, None, entry.size)
        return
    name = entry.path.lower()
    if name.endswith(NESTED_ARCHIVE_SUFFIXES):
        reason = "nested archive: not opened; extract it and register it with `ingest`"
        sink.reject(entry.path, reason, None, entry.size)
        return
    if is_tool_log(name):
        _read_tool_log(entry, sink)
        return
    if not name.endswith(IMAGE_SUFFIXES):
        suffix = Path(entry.path).suffix or "no extension"
        sink.reject(entry.path, f"unsupported file type ({suffix})", None, entry.size)
        return
    try:
        data = entry.read()
    except Exception as exc:  # a corrupt member must not stop the rest of the archive
        sink.reject(entry.path, f"unreadable archive entry: {exc}", None, entry.size)
        return
    digest = content_hash(data)
    if digest in seen:
        sink.stats.duplicates_skipped += 1
        return
    seen.add(digest)
    try:
        meta, container = read_image_metadata(data)
    except FileRejected as exc:
        sink.reject(entry.path, str(exc), digest, len(data))
        return
    except Exception as exc:  # a reader bug on one file must not stop the rest of the archive
        sink.reject(entry.path, _unexpected(entry.path, exc), digest, len(data))
        return
    name = read_name(entry.path, meta.tool)
    own_times = [
        (meta.created_at, "metadata"),
        (container.exif_datetime_original, "exif DateTimeOriginal"),
        (container.png_time, "png tIME"),
        (name.at, "file name"),
    ]
    own, rejected = _first_plausible(own_times, sink.now)
    file_time, file_rejected = _first_plausible(
        [(entry.modified_at, entry.modified_at_source)], sink.now
    )
    observed = sink.times.observe(
        file_time[0] if file_time else None, meta.tool, name, own[0] if own else None, meta.prompt
    )
    record = _image_record(meta, entry, artist, sink.archive_key, digest, own)
    if own is not None:
        sink.times.own_time(own[1])
        sink.accept(record)
        return
    waiting = Waiting(
        file_time=file_time[0] if file_time else None,
        file_time_source=entry.modified_at_source,
        tool=meta.tool,
        name=name,
        source_order=entry.order,
        size=len(data),
        file_name=entry.path.rsplit("/", 1)[-1],
        rejected=tuple(rejected + file_rejected),
    )
    sink.times.wait(record, waiting, observed)


def _read_tool_log(entry: ArchiveEntry, sink: _PartitionSink) -> None:
    """Keep the image times a tool's database holds; an unreadable one is quarantined."""
    try:
        times = read_invokeai_times(entry.read())
    except UnreadableToolLog as exc:
        sink.reject(entry.path, str(exc), None, entry.size)
        return
    except Exception as exc:  # one database must not stop the rest of the archive
        sink.reject(entry.path, _unexpected(entry.path, exc), None, entry.size)
        return
    sink.times.tool_times(entry.path, times, INVOKEAI_SOURCE)


def _settle_times(sink: _PartitionSink) -> None:
    """Give the images that waited for the whole archive their times, or quarantine them."""
    for record, reason, size in sink.times.resolve():
        if reason is None:
            sink.accept(record)
        else:
            sink.reject(record["source_path"], reason, record["content_hash"], size)


def _first_plausible(
    times: list[tuple[datetime | None, str | None]], now: datetime
) -> tuple[tuple[datetime, str] | None, list[str]]:
    """The most direct time that could be a generation time, and why the ones before failed.

    A reset clock (1970) or a zip's default date in the metadata must not place a generation in
    a session decades away when the file's own time is plausible.
    """
    rejected = []
    for moment, source in times:
        if moment is None or source is None:
            continue
        problem = time_problem(moment, now)
        if problem is None:
            return (moment, source), rejected
        rejected.append(f"{source} {problem}")
    return None, rejected


def _image_record(
    meta: GenerationMeta,
    entry: ArchiveEntry,
    artist: str,
    archive_key: str,
    digest: str,
    created: tuple[datetime, str] | None,
) -> dict[str, Any]:
    """The lake row; without a time of its own, the time is set once the archive is seen."""
    created_at, created_source = created or (None, None)
    return {
        "generation_id": digest[:32],
        "artist": artist,
        "tool": meta.tool,
        "prompt": meta.prompt,
        "negative_prompt": meta.negative_prompt,
        "seed": meta.seed,
        "steps": meta.steps,
        "cfg_scale": meta.cfg_scale,
        "sampler": meta.sampler,
        "scheduler": meta.scheduler,
        "model": meta.model,
        "width": meta.width,
        "height": meta.height,
        "created_at": created_at,
        "created_at_source": created_source,
        "source_archive": archive_key,
        "source_path": entry.path,
        "source_order": entry.order,
        "content_hash": digest,
        "job_id": meta.job_id,
        **second_pass_fields(meta),
    }
