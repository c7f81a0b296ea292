"""Write the project's sample archive: artists' folders, zips, a tar, a log, and their ground truth.

Everything is a function of the seed: fixed entry times, no time chunks in images, sorted
entries, a gzip header without name or time, so two builds are byte-identical and tests can rely
on the sample instead of third-party files.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import random
import shutil
import tarfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.sample.files import (
    SampleFile,
    duplicate,
    encode_artist,
    notes,
    truncated_png,
    unmarked_png,
    zero_byte_png,
)
from orchestration.sample.plans import LOG_PROFILES, SAMPLE_PROFILES
from orchestration.sample.scenarios import (
    ArtistScenario,
    SampleGeneration,
    generate_artists,
    generate_log_users,
)

ArchiveKind = Literal["folder", "zip", "tar", "log"]
GROUND_TRUTH = "ground_truth.parquet"
MANIFEST = "manifest.json"
LOG_COLUMNS = (
    "prompt",
    "seed",
    "step",
    "cfg",
    "sampler",
    "width",
    "height",
    "user_name",
    "timestamp",
    "image_nsfw",
    "prompt_nsfw",
)


@dataclass(frozen=True, slots=True)
class SampleArchiveEntry:
    """One archive of the sample; ``artist`` is its owner (a log's rows name their own users)."""

    path: Path
    artist: str
    kind: ArchiveKind


@dataclass(frozen=True, slots=True)
class SampleManifest:
    """``manifest.json`` with paths resolved against the sample's root."""

    root: Path
    seed: int
    archives: list[SampleArchiveEntry]
    ground_truth_path: Path

    @classmethod
    def load(cls, path: Path) -> SampleManifest:
        """Read a ``manifest.json`` written by :func:`build_sample_archive`."""
        raw = json.loads(path.read_text(encoding="utf-8"))
        root = path.parent
        return cls(
            root=root,
            seed=raw["seed"],
            archives=[
                SampleArchiveEntry(root / a["path"], a["artist"], a["kind"])
                for a in raw["archives"]
            ],
            ground_truth_path=root / raw["ground_truth"],
        )


# The image archives: file name, owner, container. The log is added after them.
_IMAGE_ARCHIVES: tuple[tuple[str, str, ArchiveKind], ...] = (
    ("mira-a1111", "mira", "folder"),
    ("jonas-comfyui.zip", "jonas", "zip"),
    ("sol-midjourney.tar.gz", "sol", "tar"),
    ("kai-mixed.zip", "kai", "zip"),
)
_LOG = ("discord-log.csv", "discord")


def build_sample_archive(dest: Path, *, seed: int = 7) -> SampleManifest:
    """Generate the sample under ``dest`` (replacing an earlier build there) and describe it."""
    rng = random.Random(seed)
    artists = {a.name: a for a in generate_artists(rng, SAMPLE_PROFILES)}
    log_users = generate_log_users(rng, LOG_PROFILES)
    dest.mkdir(parents=True, exist_ok=True)
    contents = {name: encode_artist(artists[artist], rng) for name, artist, _ in _IMAGE_ARCHIVES}
    _add_broken_files(contents, artists, rng)
    hashes = [f.sha256 for files in contents.values() for f in files if f.status == "ok"]
    if len(hashes) != len(set(hashes)):  # the ground truth would count one file twice
        raise RuntimeError(f"sample seed {seed}: two generations encode to the same bytes")
    rows: list[dict[str, Any]] = []
    entries: list[SampleArchiveEntry] = []
    for name, artist, kind in _IMAGE_ARCHIVES:
        files = sorted(contents[name], key=lambda f: f.path)
        _WRITERS[kind](dest / name, files)
        rows.extend(_file_row(name, artist, order, f) for order, f in enumerate(files))
        entries.append(SampleArchiveEntry(dest / name, artist, kind))
    log_name, log_owner = _LOG
    rows.extend(_write_log(dest / log_name, log_users, rng))
    entries.append(SampleArchiveEntry(dest / log_name, log_owner, "log"))
    pq.write_table(
        pa.Table.from_pylist(rows, schema=GROUND_TRUTH_SCHEMA),
        dest / GROUND_TRUTH,
        compression="zstd",
    )
    manifest = SampleManifest(dest, seed, entries, dest / GROUND_TRUTH)
    (dest / MANIFEST).write_text(_manifest_json(manifest, rows), encoding="utf-8")
    return manifest


def _add_broken_files(
    contents: dict[str, list[SampleFile]], artists: dict[str, ArtistScenario], rng: random.Random
) -> None:
    """One of each failure the ingest must quarantine or skip, among the artists' own files."""
    mira, jonas, sol = artists["mira"], artists["jonas"], artists["sol"]
    interrupted = mira.sessions[2].generations[-1]
    contents["mira-a1111"] += [
        zero_byte_png(
            f"outputs/txt2img-images/{interrupted.created_at:%Y-%m-%d}/"
            f"{len(mira.generations) + 1:05d}-{interrupted.meta.seed}.png",
            interrupted.created_at + timedelta(seconds=30),
        ),
        notes(
            "notes.txt",
            mira.sessions[0].generations[0].created_at - timedelta(hours=3),
            [g.meta.prompt or "" for g in mira.sessions[-1].generations[:3]],
        ),
    ]
    cut = jonas.sessions[1].generations[-1]
    contents["jonas-comfyui.zip"].append(
        truncated_png(cut, f"output/ComfyUI_{len(jonas.generations) + 1:05d}_.png")
    )
    contents["sol-midjourney.tar.gz"].append(
        unmarked_png(
            "references/moodboard-01.png",
            sol.sessions[0].generations[0].created_at - timedelta(hours=1),
            rng.randrange(2**31),
        )
    )
    original = contents["mira-a1111"][len(contents["mira-a1111"]) // 3]
    contents["kai-mixed.zip"].append(
        duplicate(original, "mira-a1111", f"from-mira/{original.path.rsplit('/', 1)[-1]}")
    )


def _manifest_json(manifest: SampleManifest, rows: list[dict[str, Any]]) -> str:
    ok = [r for r in rows if r["expected_status"] == "ok"]
    body = {
        "seed": manifest.seed,
        "archives": [
            {
                "path": e.path.relative_to(manifest.root).as_posix(),
                "artist": e.artist,
                "kind": e.kind,
            }
            for e in manifest.archives
        ],
        "ground_truth": manifest.ground_truth_path.relative_to(manifest.root).as_posix(),
        "counts": {
            "generations": len(ok),
            "image_files": sum(1 for r in rows if r["source_row"] is None),
            "log_rows": sum(1 for r in rows if r["source_row"] is not None),
            "artists": len({r["artist"] for r in ok}),
            "sessions": len({r["session_key"] for r in ok}),
            "broken_files": sum(1 for r in rows if r["expected_status"] != "ok"),
        },
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def _write_folder(path: Path, files: list[SampleFile]) -> None:
    """A plain folder; file times carry the generation time, as a front end's output does."""
    if path.exists():
        shutil.rmtree(path)
    for f in files:
        target = path / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.data)
        os.utime(target, (f.modified_at.timestamp(), f.modified_at.timestamp()))


def _write_zip(path: Path, files: list[SampleFile]) -> None:
    """Entry times are the generation times in UTC (zip keeps no zone and 2 s steps)."""
    with zipfile.ZipFile(path, "w") as zf:
        for f in files:
            info = zipfile.ZipInfo(f.path, date_time=f.modified_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever machine builds the sample
            info.external_attr = 0o644 << 16
            zf.writestr(info, f.data, compresslevel=6)


def _write_tar(path: Path, files: list[SampleFile]) -> None:
    """A gzipped tar whose member times are the generation times and whose header has none."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for f in files:
            info = tarfile.TarInfo(f.path)
            info.size, info.mtime, info.mode = len(f.data), int(f.modified_at.timestamp()), 0o644
            tar.addfile(info, io.BytesIO(f.data))


_WRITERS: dict[str, Callable[[Path, list[SampleFile]], None]] = {
    "folder": _write_folder,
    "zip": _write_zip,
    "tar": _write_tar,
}


def _write_log(path: Path, users: list[ArtistScenario], rng: random.Random) -> list[dict[str, Any]]:
    """A DiffusionDB-format log: minute timestamps, users interleaved in time order.

    Rows are sorted by the true generation time, so within a minute the row order is each
    user's own sequence, which is all the log keeps of it.
    """
    gens = sorted(
        (g for u in users for g in u.generations), key=lambda g: (g.created_at, g.session_key)
    )
    rows = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(LOG_COLUMNS)
        for order, g in enumerate(gens):
            m = g.meta
            minute = g.created_at.replace(second=0, microsecond=0)
            writer.writerow(
                [
                    m.prompt,
                    m.seed,
                    m.steps,
                    f"{m.cfg_scale:g}",
                    m.sampler,
                    m.width,
                    m.height,
                    g.artist,
                    minute.isoformat(sep=" "),
                    f"{rng.uniform(0.02, 0.3):.8f}",
                    f"{rng.uniform(0.0, 0.05):.8f}",
                ]
            )
            rows.append(
                _generation_row(path.name, f"row {order + 1}", order, g, created_at=minute)
                | {"source_row": order}
            )
    return rows


GROUND_TRUTH_SCHEMA = pa.schema(
    [
        ("archive", pa.string()),
        ("source_path", pa.string()),  # inside the archive; "row N" (1-based) for a log
        ("source_order", pa.int64()),  # entry order in the archive, or the log's row index
        ("source_row", pa.int64()),  # 0-based data row of a log; null for files
        ("artist", pa.string()),
        ("tool", pa.string()),
        ("format", pa.string()),
        ("session_key", pa.string()),
        ("phase_no", pa.int32()),
        ("phase_intent", pa.string()),
        ("session_intent", pa.string()),
        ("concept", pa.string()),
        ("prompt", pa.string()),
        ("seed", pa.int64()),
        ("job_id", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),  # as the source records it (a log: minutes)
        ("content_hash", pa.string()),
        ("expected_status", pa.string()),  # ok | unreadable | no_metadata | unsupported | duplicate
        ("duplicate_of", pa.string()),
    ]
)


def _generation_row(
    archive: str, source_path: str, order: int, g: SampleGeneration, *, created_at: datetime
) -> dict[str, Any]:
    return {
        "archive": archive,
        "source_path": source_path,
        "source_order": order,
        "source_row": None,
        "artist": g.artist,
        "tool": g.meta.tool,
        "format": None,
        "session_key": g.session_key,
        "phase_no": g.phase_no,
        "phase_intent": g.phase_intent,
        "session_intent": g.session_intent,
        "concept": g.concept,
        "prompt": g.meta.prompt,
        "seed": g.meta.seed,
        "job_id": g.meta.job_id,
        "created_at": created_at,
        "content_hash": None,
        "expected_status": "ok",
        "duplicate_of": None,
    }


def _file_row(archive: str, artist: str, order: int, f: SampleFile) -> dict[str, Any]:
    if f.generation is not None and f.status == "ok":
        row = _generation_row(archive, f.path, order, f.generation, created_at=f.modified_at)
    else:
        row = {name: None for name in GROUND_TRUTH_SCHEMA.names}
        row |= {
            "archive": archive,
            "source_path": f.path,
            "source_order": order,
            "artist": artist,
            "expected_status": f.status,
            "duplicate_of": f.duplicate_of,
        }
    return row | {"format": f.format, "content_hash": f.sha256}
