"""Times and order of whole archives: copied folders, re-exported zips, time chunks.

Fixtures are the project's own sample archive (real formats and names per tool), copied the way
people copy: ``shutil.copy`` (mtimes reset), shuffled mtimes, a zip re-exported with one time.
"""

from __future__ import annotations

import os
import random
import shutil
import struct
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from PIL import Image

from orchestration.ingest.lake import partition_file
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import GenerationMeta
from orchestration.sample.archive import SampleManifest, build_sample_archive
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import png_bytes, png_chunk
from orchestration.sample.writers.invokeai import invokeai_database, invokeai_text

GAP = timedelta(minutes=30)  # the sessions model's default gap


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    return build_sample_archive(tmp_path_factory.mktemp("sample"))


def _truth(sample: SampleManifest, archive: str) -> pl.DataFrame:
    truth = pl.read_parquet(sample.ground_truth_path)
    return truth.filter((pl.col("archive") == archive) & (pl.col("expected_status") == "ok"))


def _ingest(source: Path, lake: Path) -> tuple[list[dict], object]:
    stats = ingest_archive(source, "artist", "a", lake)
    assert not list(partition_file(lake, "generations", "a").parent.glob(".*.tmp"))
    return pq.read_table(partition_file(lake, "generations", "a")).to_pylist(), stats


def _sessions(rows: list[dict]) -> set[frozenset[str]]:
    """The sessions model's gaps-and-islands, on lake rows: ordered by time, then source order."""
    rows = sorted(rows, key=lambda r: (r["created_at"], r["source_order"]))
    out, current, last = [], [], None
    for r in rows:
        if last is not None and r["created_at"] - last > GAP:
            out.append(frozenset(current))
            current = []
        current.append(r["source_path"])
        last = r["created_at"]
    return {*out, frozenset(current)} if current else set(out)


def _truth_sessions(truth: pl.DataFrame) -> set[frozenset[str]]:
    grouped = truth.group_by("session_key").agg(pl.col("source_path")).rows()
    return {frozenset(paths) for _, paths in grouped}


def _copy_folder(src: Path, dest: Path, seed: int) -> None:
    """A copy as a file manager makes it: new mtimes, within two seconds, in no useful order."""
    shutil.copytree(src, dest, copy_function=shutil.copy)
    files = sorted(p for p in dest.rglob("*") if p.is_file())
    rng = random.Random(seed)
    base = datetime.now(UTC).timestamp() - 60
    for f in files:
        at = base + rng.uniform(0, 2)
        os.utime(f, (at, at))


def test_true_file_times_are_kept_and_give_the_true_sessions(
    sample: SampleManifest, tmp_path: Path
) -> None:
    truth = _truth(sample, "mira-a1111")
    rows, stats = _ingest(sample.root / "mira-a1111", tmp_path / "lake")
    assert {r["created_at_source"] for r in rows} == {"file mtime"}
    assert stats.times.copied == 0 and stats.times.file_time_only == truth.height
    assert _sessions(rows) == _truth_sessions(truth)


def test_a_copied_a1111_folder_keeps_days_and_counter_order(
    sample: SampleManifest, tmp_path: Path
) -> None:
    truth = _truth(sample, "mira-a1111")
    _copy_folder(sample.root / "mira-a1111", tmp_path / "copy", seed=3)
    rows, stats = _ingest(tmp_path / "copy", tmp_path / "lake")
    assert _ingest(tmp_path / "copy", tmp_path / "lake")[0] == rows  # a rerun places the same
    assert len(rows) == truth.height
    assert {r["created_at_source"] for r in rows} == {"date folder order"}
    true_at = dict(zip(truth["source_path"], truth["created_at"], strict=True))
    assert all(r["created_at"].date() == true_at[r["source_path"]].date() for r in rows)
    placed = [r["source_path"] for r in sorted(rows, key=lambda r: r["created_at"])]
    assert placed == sorted(true_at, key=true_at.__getitem__)
    # Sessions still split by day; two sessions on one day, told apart by nothing but time
    # (A1111's counter runs on across them), are one.
    got, want = _sessions(rows), _truth_sessions(truth)
    assert all(any(w <= g for g in got) for w in want)
    days = {
        frozenset(p for p in true_at if true_at[p].date() == d)
        for d in {t.date() for t in true_at.values()}
    }
    assert got == days
    assert stats.times.copied == truth.height
    assert stats.times.summary() == (
        f"{truth.height} images had only file times; {truth.height} were a copy's "
        f"({truth.height} file times within 2 s while their folders or names span "
        f"{len(days)} days): {truth.height} by date folder order"
    )


def test_a_re_exported_zip_gives_the_true_sessions(sample: SampleManifest, tmp_path: Path) -> None:
    """kai-mixed: names with times (Fooocus, SwarmUI, Stability Matrix), EXIF, and tools whose
    files carry no time at all (InvokeAI, NovelAI, TensorArt) but one folder per session."""
    truth = _truth(sample, "kai-mixed.zip")
    exported = tmp_path / "kai-exported.zip"
    with (
        zipfile.ZipFile(sample.root / "kai-mixed.zip") as src,
        zipfile.ZipFile(exported, "w") as dst,
    ):
        for info in src.infolist():
            copy = zipfile.ZipInfo(info.filename, date_time=(2026, 12, 1, 9, 30, 0))
            dst.writestr(copy, src.read(info))
    rows, stats = _ingest(exported, tmp_path / "lake")
    # The one image copied from mira's folder is a duplicate only across archives.
    rows = [r for r in rows if not r["source_path"].startswith("from-mira/")]
    assert len(rows) == truth.height
    sources = {r["created_at_source"] for r in rows}
    assert {"file name", "exif DateTimeOriginal", "file order"} <= sources
    assert "archive entry time" not in sources
    assert _sessions(rows) == _truth_sessions(truth)
    by_name = [r for r in rows if r["created_at_source"] == "file name"]
    true_at = dict(zip(truth["source_path"], truth["created_at"], strict=True))
    assert all(r["created_at"] == true_at[r["source_path"]] for r in by_name)
    assert stats.times.copied == stats.times.sources["file order"] == stats.times.file_time_only


def _png_with_time(seed: int, at: datetime) -> bytes:
    meta = GenerationMeta(tool="a1111", prompt="a red fox", seed=seed, steps=20, width=8, height=8)
    plain = png_bytes(
        Image.new("RGB", (8, 8), (seed, 0, 0)), {"parameters": a1111_parameters(meta)}
    )
    body = struct.pack(">HBBBBB", at.year, at.month, at.day, at.hour, at.minute, at.second)
    cut = plain.index(b"IDAT") - 4
    return plain[:cut] + png_chunk(b"tIME", body) + plain[cut:]


def test_a_png_time_chunk_outranks_the_name_and_the_file_time(tmp_path: Path) -> None:
    at = datetime(2025, 6, 1, 21, 15, 4, tzinfo=UTC)
    folder = tmp_path / "src" / "2025-06-01"
    folder.mkdir(parents=True)
    (folder / "2025-06-01_10-00-00_1.png").write_bytes(_png_with_time(1, at))
    (folder / "2025-06-01_10-00-00_2.png").write_bytes(_png_with_time(2, datetime(1999, 1, 1)))
    rows, stats = _ingest(tmp_path / "src", tmp_path / "lake")
    got = {
        r["source_path"].rsplit("_", 1)[1]: (r["created_at"], r["created_at_source"]) for r in rows
    }
    assert got["1.png"] == (at, "png tIME")
    # An implausible tIME (a reset clock) falls back to the time in the name.
    assert got["2.png"] == (datetime(2025, 6, 1, 10, tzinfo=UTC), "file name")
    assert stats.times.summary() is None


def _invokeai_png(seed: int) -> bytes:
    meta = GenerationMeta(tool="invokeai", prompt="a lighthouse", seed=seed, steps=30)
    return png_bytes(Image.new("RGB", (8, 8), (0, seed, 0)), invokeai_text(meta))


def test_invokeai_times_come_from_its_database_wherever_it_sits(tmp_path: Path) -> None:
    """UUID names and no time in the image: the database's records give each image its time,
    in a copied folder and in a zip that lists the database after the images."""
    at = {f"{uuid.UUID(int=i + 1)}.png": datetime(2025, 2, 1, 20, i, tzinfo=UTC) for i in range(12)}
    files = {f"outputs/images/{name}": _invokeai_png(i) for i, name in enumerate(at)}
    files["databases/invokeai.db"] = invokeai_database(at)
    folder = tmp_path / "invokeai"
    for path, data in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
        os.utime(folder / path, (1_780_000_000, 1_780_000_000))  # one copy time for all
    packed = tmp_path / "invokeai.zip"
    with zipfile.ZipFile(packed, "w") as zf:
        for path in sorted(files, reverse=True):  # outputs/ first, databases/ last
            zf.writestr(path, files[path])
    for source in (folder, packed):
        rows, stats = _ingest(source, tmp_path / f"lake-{source.name}")
        got = {r["source_path"].rsplit("/", 1)[1]: r["created_at"] for r in rows}
        assert got == at
        assert {r["created_at_source"] for r in rows} == {"invokeai database"}
        assert stats.times.tool_logs == ["databases/invokeai.db"]
        assert stats.times.file_time_only == 0 and stats.quarantined == 0


def test_an_unreadable_tool_database_is_quarantined_and_the_images_go_on(tmp_path: Path) -> None:
    folder = tmp_path / "invokeai"
    (folder / "databases").mkdir(parents=True)
    (folder / "databases" / "invokeai.db").write_bytes(b"not a database" * 100)
    (folder / "a.png").write_bytes(_invokeai_png(1))
    stats = ingest_archive(folder, "artist", "a", tmp_path / "lake")
    quarantine = pq.read_table(partition_file(tmp_path / "lake", "quarantine", "a")).to_pylist()
    assert [q["source_path"] for q in quarantine] == ["databases/invokeai.db"]
    assert quarantine[0]["reason"].startswith("unreadable InvokeAI database: ")
    assert stats.generations == 1 and stats.times.sources == {"file mtime": 1}


def test_real_samples_copied_twice_give_the_same_sessions(realdata: Path, tmp_path: Path) -> None:
    """sd-metadata-samples: one author's files from 12 tools, copied (all mtimes within
    milliseconds), no dates or counters in their names. Whatever order a copy wrote them in,
    each run of one folder and tool is its own session; the one time of its own is kept."""
    got = []
    for seed in (1, 2):
        copy = tmp_path / f"copy{seed}"
        _copy_folder(realdata / "sd-metadata-samples", copy, seed)
        rows, stats = _ingest(copy, tmp_path / f"lake{seed}")
        assert stats.times.sources == {"file order": 36, "metadata": 1}
        assert stats.times.copied == 36 and "across 12 tools" in (stats.times.copy_reason or "")
        got.append(_sessions(rows))
    assert got[0] == got[1]
    assert len(got[0]) == 21
    comfy_jpegs = {
        "jpg/civitai-hires.jpg",  # Civitai's ComfyUI: the parser names the tool comfyui
        "jpg/civitai-upscale.jpg",
        "jpg/comfyui-comfy-image-saver.jpeg",
        "jpg/comfyui-save-image-extended.jpeg",
        "jpg/comfyui-saveimage-plus.jpg",
        "jpg/comfyui-saveimagewithmetadata.jpeg",
    }
    assert frozenset(comfy_jpegs) in got[0]


def test_mtimes_shuffled_within_their_days_yield_to_the_counter(
    sample: SampleManifest, tmp_path: Path
) -> None:
    """A restore that kept each file's day but not its time: no burst, no day disagrees, but
    the times run against A1111's counter, so the counter orders each day."""
    truth = _truth(sample, "mira-a1111")
    copy = tmp_path / "restored"
    shutil.copytree(sample.root / "mira-a1111", copy)
    rng = random.Random(9)
    for path, at in zip(truth["source_path"], truth["created_at"], strict=True):
        noon = at.replace(hour=12, minute=0, second=0, microsecond=0)
        moved = (noon + timedelta(minutes=rng.uniform(-300, 300))).timestamp()
        os.utime(copy / path, (moved, moved))
    rows, stats = _ingest(copy, tmp_path / "lake")
    assert {r["created_at_source"] for r in rows} == {"date folder order"}
    true_at = dict(zip(truth["source_path"], truth["created_at"], strict=True))
    placed = [r["source_path"] for r in sorted(rows, key=lambda r: r["created_at"])]
    assert placed == sorted(true_at, key=true_at.__getitem__)
    assert "run against the file counter" in (stats.times.copy_reason or "")
