"""Ingest assets: registered archives → Parquet lake (generations and quarantine)."""

from pathlib import Path

import dagster as dg

from orchestration.defs.partitions import archive_partitions
from orchestration.defs.resources import DataPaths
from orchestration.ingest.pipeline import ingest_archive
from orchestration.store.fingerprint import archive_bytes, archive_fingerprint

GENERATIONS_KEY = dg.AssetKey(["lake", "generations"])
QUARANTINE_KEY = dg.AssetKey(["lake", "quarantine"])

archives = dg.AssetSpec(
    key="archives",
    group_name="inbox",
    description="Folders, zip/tar archives and generation logs registered with "
    "`creative-sessions ingest`; one partition each.",
    partitions_def=archive_partitions,
)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            GENERATIONS_KEY,
            deps=[archives],
            group_name="lake",
            description="One row per generation read from an archive's image metadata or log.",
        ),
        dg.AssetSpec(
            QUARANTINE_KEY,
            deps=[archives],
            group_name="lake",
            description="Files and rows that could not become a generation, with the reason.",
        ),
    ],
    partitions_def=archive_partitions,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    pool="lake_writes",
)
def lake_partition(context: dg.AssetExecutionContext, paths: DataPaths):
    """Replace one archive's lake partition; unreadable files are quarantined, not fatal."""
    archive = paths.registry.get(context.partition_key)
    source = Path(archive.path)
    fingerprint = archive_fingerprint(source)
    context.log.info(f"ingesting {archive.kind} {source} for artist {archive.artist!r}")
    stats = ingest_archive(source, archive.artist, archive.key, paths.lake_dir)
    context.log.info(
        f"{archive.key}: {stats.generations} generations, {stats.quarantined} quarantined, "
        f"{stats.duplicates_skipped} duplicate files skipped in {stats.seconds:.1f}s"
    )
    if (times := stats.times.summary()) is not None:
        context.log.info(f"{archive.key}: {times}")
    common = {
        "archive": archive.path,
        "artist": archive.artist,
        "archive_fingerprint": fingerprint,
        "archive_bytes": archive_bytes(source),
        "files_seen": stats.files_seen,
        "seconds": round(stats.seconds, 3),
    }
    yield dg.MaterializeResult(
        asset_key=GENERATIONS_KEY,
        data_version=dg.DataVersion(fingerprint),  # the archive's bytes: same input, same rows
        metadata={
            **common,
            "dagster/row_count": stats.generations,
            "duplicates_skipped": stats.duplicates_skipped,
            "tools": dg.MetadataValue.json(stats.tools),
            "time_sources": dg.MetadataValue.json(dict(stats.times.sources)),
            "file_time_only": stats.times.file_time_only,
            "copied_file_times": stats.times.copied,
            "files_per_second": round(stats.files_seen / max(stats.seconds, 1e-9), 1),
        },
    )
    yield dg.MaterializeResult(
        asset_key=QUARANTINE_KEY,
        metadata={
            **common,
            "dagster/row_count": stats.quarantined,
            "reasons": dg.MetadataValue.json(stats.quarantine_reasons),
        },
    )
