"""Inputs that cost far more to read than their size, and storage that refuses writes.

Each bomb is built small (``tests.reliability.bombs``) against limits scaled down to match; the
test checks the quarantine reason and that the other inputs still landed. Control characters
are kept in storage and shown escaped; a full disk or read-only data directory ends the CLI
with one line naming the folder.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from embeddings import decode
from embeddings.config import ImageEncoderConfig
from embeddings.images import load_image_encoder
from embeddings.thumbnails import thumbnail_path
from orchestration.cli import app as cli
from orchestration.embedding.shards import ShardImage
from orchestration.embedding.sources import iter_image_refs
from orchestration.ingest import archives, budget
from orchestration.ingest.formats import png
from orchestration.journal.render import render_artist
from orchestration.safe_text import printable, shell_arg
from orchestration.store import data_dir as data_dir_module
from orchestration.store import run_lock
from orchestration.store.data_dir import storage_problem
from orchestration.store.registry import RegisteredArchive
from tests.journal.sample import sample_journal
from tests.reliability.bombs import (
    compressible,
    overlapping_zip,
    pixel_bomb,
    tar_bomb,
    text_chunk_png,
)
from tests.reliability.test_bad_inputs import RECENT, good_png, ingest, ingest_beside_good

GOOD = {"good.png": good_png(1), "good2.png": good_png(2)}
PIXELS = ImageEncoderConfig(model="pixel-signature-v1", num_workers=0)


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Archive budgets scaled down so that a bomb of a few MB passes them."""
    monkeypatch.setattr(budget, "MIN_ARCHIVE_BYTES", 1_000_000)


# --- CPU bombs: archives ---------------------------------------------------------------------


def test_overlapping_zip_entries_are_refused_unread(tmp_path: Path, monkeypatch) -> None:
    archive = overlapping_zip(tmp_path / "overlap.zip", 30, 2_000_000, GOOD)
    read: list[str] = []
    real_reader = archives._zip_reader

    def spy(zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        inner = real_reader(zf, info)
        return lambda: read.append(info.filename) or inner()

    monkeypatch.setattr(archives, "_zip_reader", spy)
    gens, reasons = ingest(archive, tmp_path / "lake")
    assert sorted(g["source_path"] for g in gens) == ["good.png", "good2.png"]
    assert reasons == {
        "bomb.png": "suspected zip bomb: data overlaps entry 'bomb.png' "
        "(one stream read as many entries): not read"
    }
    assert sorted(read) == ["good.png", "good2.png"]  # the shared stream was never inflated


def test_overlap_detection_flags_only_records_that_share_data(tmp_path: Path) -> None:
    legit = tmp_path / "legit.zip"
    with zipfile.ZipFile(legit, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(5):
            zf.writestr(f"{i}.png", good_png(i))
    with zipfile.ZipFile(legit) as zf:
        assert budget.overlapping_entries(zf.infolist()) == {}

    def record(name: str, offset: int, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name)
        info.header_offset, info.compress_size = offset, size
        return info

    # "b" starts inside "a"'s data (a quoted overlap); "c" comes after both, untouched.
    infos = [record("a", 0, 1000), record("b", 500, 1000), record("c", 2000, 10)]
    assert set(budget.overlapping_entries(infos)) == {0, 1}


def test_zip_entries_past_the_archive_budget_are_refused(
    tmp_path: Path, small_budget, monkeypatch
) -> None:
    monkeypatch.setattr(budget, "MAX_ARCHIVE_RATIO", 10)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for i in range(8):  # each about 50:1, under the entry ratio; together past the budget
            zf.writestr(f"big-{i}.png", compressible(400_000))
        zf.writestr("good.png", good_png(1))  # after the budget is spent, small enough to fit
    gens, reasons = ingest(archive, tmp_path / "lake")
    assert [g["source_path"] for g in gens] == ["good.png"]
    on_disk = budget.human_bytes(archive.stat().st_size)
    bomb = f"suspected archive bomb: inflates past 976.6 KB, the limit for {on_disk} on disk"
    assert reasons.pop("big-0.png").startswith("not a PNG")  # read: noise, not an image
    assert reasons.pop("big-1.png").startswith("not a PNG")
    assert reasons == {f"big-{i}.png": bomb for i in range(2, 8)}


@pytest.mark.parametrize("mode", ["xz", "gz", "bz2"])
def test_tar_stream_expanding_past_its_budget_stops_with_the_reason(
    tmp_path: Path, small_budget, mode: str
) -> None:
    archive = tar_bomb(tmp_path / f"bomb.tar.{mode}", 8_000_000, GOOD, mode)
    assert archive.stat().st_size < 50_000
    gens, reasons = ingest(archive, tmp_path / "lake")
    assert sorted(g["source_path"] for g in gens) == ["good.png", "good2.png"]
    assert reasons == {
        archive.name: "suspected archive bomb: inflates past 976.6 KB, the limit for "
        f"{budget.human_bytes(archive.stat().st_size)} on disk: stopped after 2 entries"
    }


def test_embedding_finds_the_images_before_a_tar_bomb_and_stops(
    tmp_path: Path, small_budget
) -> None:
    archive = tar_bomb(tmp_path / "bomb.tar.xz", 8_000_000, GOOD, "xz")
    registered = RegisteredArchive("bomb", str(archive), "mira", "tar")
    wanted = [ShardImage(hashlib.sha256(d).hexdigest(), n) for n, d in GOOD.items()]
    found = list(iter_image_refs(registered, [*wanted, ShardImage("0" * 64, "after.png")]))
    assert [(image.source_path, data) for image, data in found] == list(GOOD.items())


def test_tar_within_its_budget_is_read_whole(tmp_path: Path, small_budget) -> None:
    files = {f"{i}.png": good_png(i) for i in range(20)}
    archive = tar_bomb(tmp_path / "fine.tar.gz", 100_000, files, "gz")
    gens, reasons = ingest(archive, tmp_path / "lake")
    assert len(gens) == 20
    assert set(reasons) == {"bomb.png", "after.png"}  # zeros are no image; nothing stopped


def test_entry_count_and_deadline_stop_an_archive(tmp_path: Path, monkeypatch) -> None:
    archive = tmp_path / "five.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.png", good_png(i))
    monkeypatch.setattr(budget, "MAX_ENTRIES", 3)
    gens, reasons = ingest(archive, tmp_path / "lake", "count")
    assert len(gens) == 3
    assert reasons == {"five.zip": "archive has more than 3 entries: stopped after 3 entries"}

    monkeypatch.setattr(budget, "MAX_ENTRIES", 1_000)
    monkeypatch.setattr(budget, "time", SlowClock())
    gens, reasons = ingest(archive, tmp_path / "lake", "time")
    assert len(gens) == 2
    on_disk = budget.human_bytes(archive.stat().st_size)
    assert reasons == {
        "five.zip": f"archive took longer than 600 s to read (the limit for {on_disk} on disk): "
        "stopped after 2 entries"
    }


class SlowClock:
    """``time.monotonic`` where each look at the clock finds 250 s gone by."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 250.0
        return self.now


# --- pixel bombs ------------------------------------------------------------------------------


def test_pixel_bomb_is_refused_before_decoding(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(decode, "MAX_DECODE_PIXELS", 1_000_000)
    parameters = "a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 3, Size: 2000x2000"
    bomb = pixel_bomb(tmp_path / "src" / "huge.png", 2000, 2000, {"parameters": parameters})
    assert bomb.stat().st_size < 50_000
    big_jpeg = tmp_path / "src" / "big.jpg"  # over the limit, but drafted at 1/8 it is not
    Image.new("RGB", (2400, 2400), (200, 30, 30)).save(big_jpeg, quality=80)
    for path in (bomb, big_jpeg):
        os.utime(path, (RECENT, RECENT))
    by_path, reasons = ingest_beside_good(tmp_path, {})
    assert by_path["huge.png"]["seed"] == 3  # its metadata is kept: only pixels are refused
    assert "good.png" in by_path and "big.jpg" in reasons  # (a JPEG without metadata)

    refs = [tmp_path / "src" / "good.png", bomb, big_jpeg]
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in refs]
    folder = tmp_path / "thumbnails"
    result = load_image_encoder(PIXELS).embed([str(p) for p in refs], hashes, thumbnails=folder)
    assert result.indices.tolist() == [0, 2]
    assert result.errors == {
        1: "ImageTooLarge: PNG of 2000×2000 (4,000,000 pixels) is over the "
        "1,000,000-pixel decode limit: not decoded"
    }
    assert not thumbnail_path(folder, hashes[1]).exists()
    assert thumbnail_path(folder, hashes[2]).exists()


# --- PNG text-chunk bombs ---------------------------------------------------------------------


def test_text_chunk_bombs_are_quarantined_with_what_was_found(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(png, "MAX_TEXT_BYTES", 1024 * 1024)  # for tEXt; zTXt keeps 16 MB
    src = tmp_path / "bombs"
    src.mkdir()
    text_chunk_png(src / "text.png", "parameters", 2_000_000, compressed=False)
    text_chunk_png(src / "ztxt.png", "parameters", 17 * 1024 * 1024, compressed=True)
    files = {p.name: p.read_bytes() for p in src.iterdir()}
    assert len(files["ztxt.png"]) < 50_000
    by_path, reasons = ingest_beside_good(tmp_path, files)
    assert set(by_path) == {"good.png"}
    assert reasons == {
        "text.png": "PNG tEXt chunk 'parameters' is 2,000,011 bytes, over the 1 MB text "
        "limit: not read; no other generation metadata",
        "ztxt.png": "PNG zTXt chunk 'parameters' inflates past 16 MB: not read; "
        "no other generation metadata",
    }


# --- control characters -----------------------------------------------------------------------

HOSTILE = "fox\x00 \x1b[2J\u202egnp.exe mi\u200bra"


def test_control_characters_are_stored_as_written(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    row = {"prompt": HOSTILE, "timestamp": RECENT, "user_name": "ev\u202eil"}
    log.write_text(json.dumps(row) + "\n")
    gens, reasons = ingest(log, tmp_path / "lake")
    assert not reasons
    assert (gens[0]["prompt"], gens[0]["artist"]) == (HOSTILE, "ev\u202eil")


def test_control_characters_are_shown_escaped_in_the_journal_and_terminal() -> None:
    journal = sample_journal()
    session = replace(journal.sessions[0], label=HOSTILE)
    page = render_artist(replace(journal, artist="Ada\u202e", sessions=[session]))
    for raw in ("\x00", "\x1b", "\u202e", "\u200b"):
        assert raw not in page
    assert "fox\\x00 \\x1b[2J\\u202egnp.exe mi\\u200bra" in page
    assert '<h1 title="Ada\\u202e">Ada\\u202e</h1>' in page
    assert printable(HOSTILE) == "fox\\x00 \\x1b[2J\\u202egnp.exe mi\\u200bra"
    assert printable("👩\u200d🎨 مرحبا\u200c") == "👩\u200d🎨 مرحبا\u200c"  # joiners are writing
    assert shell_arg("mi\u200bra") == "$'mi\\u200bra'"


# --- storage that refuses writes --------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    return data


def test_read_only_data_dir_fails_with_one_line(data_dir: Path, monkeypatch) -> None:
    if os.geteuid() == 0:  # root writes through permission bits: refuse as a read-only mount
        real_open = os.open

        def read_only(path, flags, *args):
            if flags & (os.O_WRONLY | os.O_RDWR) and str(path).startswith(str(data_dir)):
                raise OSError(errno.EROFS, "Read-only file system", str(path))
            return real_open(path, flags, *args)

        monkeypatch.setattr(run_lock.os, "open", read_only)
        expected = "it is on a read-only file system"
    else:
        data_dir.chmod(0o555)
        expected = "permission denied"
    try:
        result = CliRunner().invoke(cli.main, ["--data-dir", str(data_dir), "run"])
    finally:
        data_dir.chmod(0o755)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    (line,) = result.output.strip().splitlines()
    assert line.startswith(f"Error: cannot write to the data directory {data_dir}: {expected}")


def test_full_disk_fails_with_one_line(data_dir: Path, monkeypatch) -> None:
    def full(_data_dir: Path):
        raise sqlite3.OperationalError("database or disk is full")  # as Dagster's instance

    monkeypatch.setattr(cli, "_context", full)
    result = CliRunner().invoke(cli.main, ["--data-dir", str(data_dir), "run"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cannot write to the data directory {data_dir}: the disk is full; "
        "free some space or pass another --data-dir, then run again"
    )


def test_storage_problem_reads_causes_and_leaves_other_errors_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "lake" / "x"))
        except OSError as inner:
            raise RuntimeError("run failed") from inner
    except RuntimeError as outer:
        assert storage_problem(outer, tmp_path) == (
            f"cannot write to the data directory {tmp_path}: the disk is full "
            f"({tmp_path / 'lake' / 'x'}); free some space or pass another --data-dir, "
            "then run again"
        )
    io_error = sqlite3.OperationalError("disk I/O error")  # how SQLite often words ENOSPC
    assert storage_problem(io_error, tmp_path) is None  # plenty of space: a real I/O error
    usage = shutil.disk_usage(tmp_path)._replace(free=4096)
    monkeypatch.setattr(data_dir_module.shutil, "disk_usage", lambda _path: usage)
    assert storage_problem(io_error, tmp_path / "not-yet") == (
        f"cannot write to the data directory {tmp_path / 'not-yet'}: the disk is full "
        "(an I/O error with 4 KB left); free some space or pass another --data-dir, "
        "then run again"
    )
    outside = PermissionError(errno.EACCES, "Permission denied", "/elsewhere/archive.zip")
    assert storage_problem(outside, tmp_path) is None  # an archive it cannot read is not this
    assert storage_problem(ValueError("bad budget"), tmp_path) is None
