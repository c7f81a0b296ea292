"""Bad input never stops an ingest: each bad file becomes a quarantine row with a clear reason.

Every test ingests an archive holding one good image beside the bad input and checks both: the
good image is a generation, and the bad one has the documented outcome. Where a bad input can be
read without guessing (text after the image data, UTF-16 where Latin-1 belongs), it is read;
values no tool writes (NaN, negative steps, a cfg of 1e9) are nulled and the generation kept;
what cannot be trusted (a 10 MB prompt, a time in 1970 or the future, a zip bomb) is quarantined.
"""

from __future__ import annotations

import io
import json
import os
import struct
import tarfile
import threading
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from PIL import Image

from orchestration.cli.app import main
from orchestration.ingest import archives, pipeline
from orchestration.ingest.lake import partition_file
from orchestration.ingest.logs import UnreadableLog, iter_log_rows
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import png_bytes, png_chunk, webp_bytes
from orchestration.store.fingerprint import archive_bytes, archive_fingerprint
from orchestration.store.inbox import content_digest
from orchestration.store.registry import ArchiveRegistry

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
STAGING_SQL = DBT_DIR / "models" / "staging" / "stg_lake__generations.sql"
LAKE_MACRO_SQL = DBT_DIR / "macros" / "lake_generations.sql"


def staging_sql_over(lake: Path) -> str:
    """The warehouse's own staging model, its `lake_generations` macro inlined, over ``lake``."""
    macro = LAKE_MACRO_SQL.read_text()
    body = macro.split("{% macro lake_generations() %}")[1].split("{% endmacro %}")[0]
    return (
        STAGING_SQL.read_text()
        .replace("{{ lake_generations() }}", body)
        .replace(
            "{{ source('lake', 'generations') }}",
            f"read_parquet('{lake.as_posix()}/generations/*/*.parquet', union_by_name = true)",
        )
    )


RECENT = 1_760_000_000  # 2025-10-09, a plausible generation time


def meta(**fields) -> GenerationMeta:
    values = {
        "tool": "a1111",
        "prompt": "a red fox in snow",
        "seed": 7,
        "steps": 20,
        "cfg_scale": 7.0,
        "sampler": "Euler a",
        "width": 64,
        "height": 64,
    }
    return GenerationMeta(**(values | fields))


def good_png(seed: int = 7, **fields) -> bytes:
    pixels = Image.new("RGB", (8, 8), (seed % 256, 40, 90))
    return png_bytes(pixels, {"parameters": a1111_parameters(meta(seed=seed, **fields))})


def png_with_chunk(kind: bytes, body: bytes) -> bytes:
    """A PNG whose only metadata is one raw chunk, placed before the image data."""
    plain = png_bytes(Image.new("RGB", (8, 8), (1, 2, 3)), {})
    at = plain.index(b"IDAT") - 4
    return plain[:at] + png_chunk(kind, body) + plain[at:]


def write_folder(root: Path, files: dict[str, bytes], mtime: int = RECENT) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.utime(path, (mtime, mtime))
    return root


def ingest(source: Path, lake: Path, key: str = "a") -> tuple[list[dict], dict[str, str]]:
    """Ingest ``source``; its generations and its quarantine reasons by path."""
    ingest_archive(source, "mira", key, lake)
    gens = pq.read_table(partition_file(lake, "generations", key)).to_pylist()
    quarantine = pq.read_table(partition_file(lake, "quarantine", key)).to_pylist()
    return gens, {q["source_path"]: q["reason"] for q in quarantine}


def ingest_beside_good(tmp_path: Path, files: dict[str, bytes], mtime: int = RECENT):
    """Ingest the bad ``files`` next to one good image; assert the good one got through."""
    folder = write_folder(tmp_path / "src", {"good.png": good_png(), **files}, mtime)
    os.utime(folder / "good.png", (RECENT, RECENT))
    gens, reasons = ingest(folder, tmp_path / "lake")
    by_path = {g["source_path"]: g for g in gens}
    assert by_path["good.png"]["prompt"] == "a red fox in snow"
    return by_path, reasons


# --- broken and mislabelled files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.png", b"", "empty file (0 bytes)"),
        ("cut-in-image-data.png", good_png(1)[:120], "truncated PNG"),
        ("cut-in-signature.png", b"\x89PNG", "truncated PNG: file ends inside the signature"),
        ("cut.webp", webp_bytes(Image.new("RGB", (8, 8)))[:30], "WebP"),
        ("notes.png", b"just some text, not an image", "not a PNG, JPEG or WebP file"),
        ("animation.png", b"GIF89a" + b"\0" * 40, "looks like GIF"),
        ("readme.txt", b"notes", "unsupported file type (.txt)"),
        ("LICENSE", b"MIT", "unsupported file type (no extension)"),
    ],
)
def test_broken_or_mislabelled_file_is_quarantined(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    by_path, reasons = ingest_beside_good(tmp_path, {name: data})
    assert name not in by_path
    assert reason in reasons[name]


def test_image_with_the_wrong_extension_is_read_by_its_content(tmp_path: Path) -> None:
    by_path, reasons = ingest_beside_good(tmp_path, {"really-a-png.jpg": good_png(2)})
    assert by_path["really-a-png.jpg"]["seed"] == 2 and not reasons


def test_text_chunk_after_the_image_data_is_read(tmp_path: Path) -> None:
    late = png_bytes(
        Image.new("RGB", (8, 8)),
        {"parameters": a1111_parameters(meta(prompt="written after IDAT", seed=3))},
        text_after_idat=True,
    )
    assert late.index(b"tEXt") > late.index(b"IDAT")
    by_path, reasons = ingest_beside_good(tmp_path, {"late.png": late})
    assert by_path["late.png"]["prompt"] == "written after IDAT" and not reasons


# --- text in the wrong encoding ----------------------------------------------------------------


def test_metadata_in_the_wrong_encoding_is_decoded_or_replaced(tmp_path: Path) -> None:
    text = a1111_parameters(meta(prompt="café au lait, 猫"))
    invalid_json = '{"positive_prompt": "lone \\ud800 surrogate", "seed": 4}'
    files = {
        # tEXt is Latin-1 by the spec; UTF-8 and UTF-16 there are common and recognisable.
        "utf8-in-text.png": png_with_chunk(b"tEXt", b"parameters\0" + text.encode("utf-8")),
        "utf16-in-text.png": png_with_chunk(b"tEXt", b"parameters\0" + text.encode("utf-16-le")),
        # iTXt must be UTF-8; Latin-1 bytes there cannot be told apart, so they become U+FFFD.
        "latin1-in-itxt.png": png_with_chunk(
            b"iTXt", b"parameters\0\0\0\0\0" + text.replace(", 猫", "").encode("latin-1")
        ),
        # JSON may escape a lone surrogate, which Parquet cannot store: it becomes U+FFFD.
        "surrogate.png": png_with_chunk(b"tEXt", b"invokeai_metadata\0" + invalid_json.encode()),
    }
    by_path, reasons = ingest_beside_good(tmp_path, files)
    assert not reasons
    assert by_path["utf8-in-text.png"]["prompt"] == "café au lait, 猫"
    assert by_path["utf16-in-text.png"]["prompt"] == "café au lait, 猫"
    assert by_path["latin1-in-itxt.png"]["prompt"] == "caf\ufffd au lait"
    assert by_path["surrogate.png"]["prompt"] == "lone \ufffd surrogate"


def test_file_name_that_is_not_utf8_is_kept_with_a_replacement_character(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9.png")  # a Latin-1 file name on a UTF-8 file system
    by_path, _ = ingest_beside_good(tmp_path, {name: good_png(5)})
    assert by_path["caf\ufffd.png"]["seed"] == 5


# --- oversized and absurd values ---------------------------------------------------------------


def test_ten_megabyte_prompt_is_quarantined_not_truncated(tmp_path: Path) -> None:
    huge = good_png(6, prompt="x" * 10 * 1024 * 1024)  # 10 MiB of prompt text
    by_path, reasons = ingest_beside_good(tmp_path, {"huge.png": huge})
    assert "huge.png" not in by_path
    assert reasons["huge.png"] == "prompt too long (10,485,760 characters > 100,000)"


def test_absurd_parameters_are_nulled_and_the_generation_kept(tmp_path: Path) -> None:
    infotext = "a fox\nSteps: -5, Sampler: Euler a, CFG scale: 1e9, Seed: nan, Size: 0x99999999"
    files = {"absurd.png": png_bytes(Image.new("RGB", (8, 8)), {"parameters": infotext})}
    by_path, reasons = ingest_beside_good(tmp_path, files)
    row = by_path["absurd.png"]
    assert not reasons and row["prompt"] == "a fox" and row["sampler"] == "Euler a"
    assert (row["steps"], row["cfg_scale"], row["seed"]) == (None, None, None)
    assert (row["width"], row["height"]) == (8, 8)  # the container's own size replaces the lie


def test_absurd_log_values_are_nulled_and_the_row_kept(tmp_path: Path) -> None:
    rows = [
        {"prompt": p, "step": s, "cfg": c, "seed": seed, "width": w}
        | {"timestamp": f"2025-03-01T10:0{i}:00Z"}
        for i, (p, s, c, seed, w) in enumerate(
            [
                ("nan", "NaN", "nan", "nan", "512"),
                ("negative", "-5", "-1", "-1", "-512"),
                ("huge", "99999999999", "1e9", "1e30", "99999999999"),
                ("words", "many", "high", "random", "wide"),
            ]
        )
    ]
    pl.DataFrame(rows).write_csv(tmp_path / "log.csv")
    gens, reasons = ingest(tmp_path / "log.csv", tmp_path / "lake")
    assert not reasons and len(gens) == 4
    for row in gens:
        assert (row["steps"], row["cfg_scale"], row["seed"]) == (None, None, None), row
    assert [g["width"] for g in gens] == [512, None, None, None]


# --- times ---------------------------------------------------------------------------------------


def test_implausible_log_times_are_quarantined_and_zoneless_times_read_as_utc(
    tmp_path: Path,
) -> None:
    times = ["0", "1970-01-01T00:00:00Z", "2999-01-01T00:00:00Z", "2025-03-01T10:00:00"]
    pl.DataFrame({"prompt": ["a", "b", "c", "d"], "timestamp": times}).write_csv(
        tmp_path / "log.csv"
    )
    gens, reasons = ingest(tmp_path / "log.csv", tmp_path / "lake")
    assert [g["created_at"] for g in gens] == [datetime(2025, 3, 1, 10, tzinfo=UTC)]
    assert set(reasons) == {"row 1", "row 2", "row 3"}
    assert "before 2015-01-01" in reasons["row 1"] and "before 2015-01-01" in reasons["row 2"]
    assert "2999-01-01T00:00:00+00:00 is in the future" in reasons["row 3"]
    assert all(r.startswith("implausible creation time") for r in reasons.values())


def test_image_times_fall_back_to_the_first_plausible_one(tmp_path: Path) -> None:
    reset_clock = datetime(1970, 1, 1, tzinfo=UTC)
    civitai = a1111_parameters(meta(seed=8, created_at=reset_clock), flavour="civitai")
    files = {"reset-clock.png": png_bytes(Image.new("RGB", (8, 8)), {"parameters": civitai})}
    by_path, reasons = ingest_beside_good(tmp_path, files)
    row = by_path["reset-clock.png"]
    assert not reasons and row["created_at_source"] == "file mtime"
    assert row["created_at"] == datetime.fromtimestamp(RECENT, UTC)


def test_image_without_any_plausible_time_is_quarantined(tmp_path: Path) -> None:
    by_path, reasons = ingest_beside_good(tmp_path, {"old.png": good_png(9)}, mtime=86_400)
    assert "old.png" not in by_path
    assert reasons["old.png"] == (
        "no plausible creation time: file mtime 1970-01-02T00:00:00+00:00 is before 2015-01-01"
    )


# --- hostile ComfyUI graphs ----------------------------------------------------------------------


def comfy_png(graph: dict | str) -> bytes:
    text = graph if isinstance(graph, str) else json.dumps(graph)
    return png_bytes(Image.new("RGB", (8, 8)), {"prompt": text})


def test_cyclic_dangling_and_deep_comfyui_graphs_end_without_recursion_error(
    tmp_path: Path,
) -> None:
    inputs = {"seed": 11, "steps": 20, "cfg": 7, "model": ["9", 0], "latent_image": ["5", 0]}
    sampler = {"class_type": "KSampler", "inputs": {**inputs, "positive": ["2", 0]}}
    cyclic = {
        "1": {**sampler, "inputs": {**sampler["inputs"], "latent_image": ["1", 0]}},
        "2": {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": ["2", 0]}},
    }
    dangling = {"1": {**sampler, "inputs": {**inputs, "seed": 12, "positive": ["404", 0]}}}
    chain = {
        str(i): {"class_type": "ConditioningCombine", "inputs": {"conditioning_1": [str(i + 1), 0]}}
        for i in range(2, 5000)
    }
    chain["1"] = {**sampler, "inputs": {**inputs, "seed": 13, "positive": ["2", 0]}}
    chain["5000"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "five thousand deep"}}
    nested = '{"1": {"class_type": "KSampler", "inputs": ' + '{"a": ' * 100_000 + "0"
    nested += "}" * 100_002
    files = {
        "cyclic.png": comfy_png(cyclic),
        "dangling.png": comfy_png(dangling),
        "chain.png": comfy_png(chain),
        "nested.png": comfy_png(nested),
    }
    by_path, reasons = ingest_beside_good(tmp_path, files)
    assert by_path["cyclic.png"]["seed"] == 11
    assert by_path["dangling.png"]["seed"] == 12
    assert by_path["chain.png"]["prompt"] == "five thousand deep"
    assert reasons == {"nested.png": "ComfyUI graph is not valid JSON"}


# --- hostile archives ----------------------------------------------------------------------------


def tree(root: Path) -> set[Path]:
    return {p for p in root.rglob("*")}


def test_zip_member_paths_cannot_escape_and_nothing_is_extracted(tmp_path: Path) -> None:
    archive = tmp_path / "in" / "evil.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("good.png", good_png(1))
        zf.writestr("../../escaped.png", good_png(2))
        zf.writestr("/tmp/absolute.png", good_png(3))
        zf.writestr("C:\\Windows\\drive.png", good_png(4))
    lake = tmp_path / "work" / "lake"
    before = tree(tmp_path)
    gens, reasons = ingest(archive, lake)
    assert {g["source_path"]: g["seed"] for g in gens} == {
        "good.png": 1,
        "escaped.png": 2,
        "tmp/absolute.png": 3,
        "Windows/drive.png": 4,
    }
    assert not reasons
    # The ingest reads members in memory: the only new files are the lake's two partitions.
    added = {p.relative_to(tmp_path).as_posix() for p in tree(tmp_path) - before if p.is_file()}
    assert added == {
        "work/lake/generations/archive=a/generations.parquet",
        "work/lake/quarantine/archive=a/quarantine.parquet",
    }
    assert not Path("/escaped.png").exists()


def test_zip_bomb_and_oversized_entries_are_quarantined_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("good.png", good_png(1))
        zf.writestr("bomb.png", b"\0" * 150_000)  # ~1000:1, under the size limit
        zf.writestr("large.png", os.urandom(300_000), compress_type=zipfile.ZIP_STORED)
    monkeypatch.setattr(archives, "MAX_ENTRY_BYTES", 200_000)  # a small stand-in for 256 MiB
    gens, reasons = ingest(archive, tmp_path / "lake")
    assert [g["source_path"] for g in gens] == ["good.png"]
    assert reasons["bomb.png"].startswith("suspected zip bomb: compression ratio")
    assert reasons["large.png"] == "entry too large (300000 bytes > 200000)"


def test_nested_archive_is_quarantined_with_what_to_do(tmp_path: Path) -> None:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("inside.png", good_png(2))
    by_path, reasons = ingest_beside_good(tmp_path, {"more.zip": inner.getvalue()})
    assert "more.zip" not in by_path
    assert reasons["more.zip"].startswith("nested archive: not opened; extract it and register")


def test_damaged_archives_keep_the_entries_before_the_damage(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04" + os.urandom(200))
    _, reasons = ingest(corrupt, tmp_path / "lake", "zip")
    assert reasons["corrupt.zip"].startswith("unreadable zip archive: BadZipFile")

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for i in range(3):
            data = good_png(i) + os.urandom(200_000)  # incompressible: the cut lands in member 2
            info = tarfile.TarInfo(f"{i}.png")
            info.size, info.mtime = len(data), RECENT
            tf.addfile(info, io.BytesIO(data))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    gens, reasons = ingest(cut, tmp_path / "lake", "tar")
    assert [g["source_path"] for g in gens] == ["0.png"]
    assert "unreadable tar archive" in reasons["cut.tar.gz"]

    header = tmp_path / "header.tar.gz"  # gzip header cut inside its file name (fuzz finding)
    header.write_bytes(b"\x1f\x8b\x08\x0c\rm")
    _, reasons = ingest(header, tmp_path / "lake", "header")
    assert reasons["header.tar.gz"].startswith("unreadable tar archive: EOFError")


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    src = write_folder(tmp_path / "src", {"good.png": good_png(), "day/a.png": good_png(2)})
    os.symlink(src, src / "day" / "loop")  # a folder that contains itself
    os.symlink(src / "ping", src / "pong")  # two links pointing at each other
    os.symlink(src / "pong", src / "ping")
    os.symlink("/etc/passwd", src / "outside.png")  # a file outside the archive
    gens, reasons = ingest(src, tmp_path / "lake")
    assert sorted(g["source_path"] for g in gens) == ["day/a.png", "good.png"]
    assert reasons == dict.fromkeys(
        ["day/loop", "outside.png", "ping", "pong"], "symbolic link: not followed"
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their permissions")
def test_unreadable_folder_is_quarantined_not_skipped(tmp_path: Path) -> None:
    src = write_folder(tmp_path / "src", {"good.png": good_png(), "locked/a.png": good_png(2)})
    (src / "locked").chmod(0)
    try:
        _, reasons = ingest(src, tmp_path / "lake")
    finally:
        (src / "locked").chmod(0o755)
    assert reasons == {"locked": "unreadable: Permission denied"}


def test_same_image_in_two_archives_is_one_generation(tmp_path: Path) -> None:
    shared = good_png(21)
    folder = write_folder(tmp_path / "folder", {"kept.png": shared, "other.png": good_png(22)})
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("renamed.png", date_time=(2025, 10, 10, 12, 0, 0))
        zf.writestr(info, shared)
    lake = tmp_path / "lake"
    ingest_archive(folder, "mira", "folder", lake)
    ingest_archive(archive, "mira", "export", lake)
    rows = duckdb.sql(staging_sql_over(lake)).fetchall()
    assert len(rows) == 2
    in_lake = pq.read_table(lake / "generations").column("generation_id").to_pylist()
    assert len(in_lake) == 3 and len(set(in_lake)) == 2


def test_png_chunk_lengths_that_lie_are_refused(tmp_path: Path) -> None:
    data = bytearray(good_png(3))
    at = data.index(b"IDAT") - 4
    data[at : at + 4] = struct.pack(">I", 2**31 - 1)  # IDAT claims 2 GiB
    _, reasons = ingest_beside_good(tmp_path, {"liar.png": bytes(data)})
    assert reasons["liar.png"].startswith("truncated PNG: chunk IDAT runs past end of file")


# --- paths that are not files, trees deeper than the recursion limit, reader bugs ------------


def finishes_within(seconds: float, fifo: Path, call):
    """``call()``'s result; fails (and unblocks the reader) if it waits on ``fifo`` for a writer."""
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # the reader now sees end of file
        worker.join(seconds)
        pytest.fail(f"blocked opening the FIFO {fifo.name}")
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome.get("value")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_fifo_is_refused_at_registration_without_being_opened(tmp_path: Path, monkeypatch) -> None:
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    registry = ArchiveRegistry(tmp_path / "registry.json")
    with pytest.raises(ValueError, match=r"is a named pipe \(FIFO\), not a regular file or folder"):
        finishes_within(10, fifo, lambda: registry.register(fifo))
    assert registry.all() == []

    data = tmp_path / "data"
    monkeypatch.setenv("CREATIVE_SESSIONS_DATA", str(data))
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster"))
    args = ["--data-dir", str(data), "ingest", "--register-only", str(fifo)]
    result = finishes_within(10, fifo, lambda: CliRunner().invoke(main, args))
    assert result.exit_code != 0
    assert "named pipe (FIFO)" in result.output and "Traceback" not in result.output


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_fifo_in_place_of_a_registered_log_is_quarantined_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "log.jsonl"  # registered as a file, then replaced by a named pipe
    os.mkfifo(fifo)
    gens, reasons = finishes_within(10, fifo, lambda: ingest(fifo, tmp_path / "lake"))
    assert gens == []
    assert reasons == {"log.jsonl": "a named pipe (FIFO), not a regular file or folder: not read"}
    with pytest.raises(UnreadableLog, match="named pipe"):
        finishes_within(10, fifo, lambda: list(iter_log_rows(fifo, "mira", "a")))
    folder = write_folder(tmp_path / "src", {"good.png": good_png()})
    os.mkfifo(folder / "pipe.png")
    _, reasons = finishes_within(10, folder / "pipe.png", lambda: ingest(folder, tmp_path / "l2"))
    assert reasons == {"pipe.png": "not a regular file"}


def test_folder_3000_levels_deep_is_walked_without_recursion_error(tmp_path: Path) -> None:
    src = write_folder(tmp_path / "src", {"good.png": good_png()})
    home, depth = Path.cwd(), 0
    try:
        os.chdir(src)  # relative steps reach past PATH_MAX, which absolute paths cannot
        while depth < 3000:
            os.mkdir("d")
            os.chdir("d")
            depth += 1
            if depth in (1500, 3000):
                Path(f"at-{depth}.png").write_bytes(good_png(depth))
                os.utime(f"at-{depth}.png", (RECENT, RECENT))
        os.chdir(home)
        gens, reasons = ingest(src, tmp_path / "lake")
        # The walks before the ingest (change detection, the inbox, backfill sizing) as well.
        assert len(archive_fingerprint(src)) == 16 and content_digest(src).startswith("dir:")
        assert archive_bytes(src) == sum(len(good_png(seed)) for seed in (7, 1500))
    finally:
        remove_chain(src, depth)
        os.chdir(home)
    assert sorted(g["source_path"] for g in gens) == ["d/" * 1500 + "at-1500.png", "good.png"]
    # Past PATH_MAX the folder is quarantined with the reason, not skipped and not a crash.
    ((too_deep, reason),) = reasons.items()
    assert reason == "unreadable: File name too long" and too_deep.startswith("d/" * 1500)


def remove_chain(root: Path, depth: int) -> None:
    """Remove ``root/d/d/…`` ``depth`` levels deep: shutil.rmtree recurses per level in 3.11."""
    os.chdir(root)
    for _ in range(depth):
        os.chdir("d")
    for _ in range(depth):
        for name in os.listdir("."):
            os.unlink(name)
        os.chdir("..")
        os.rmdir("d")


def test_unexpected_reader_error_quarantines_one_file_not_the_archive(
    tmp_path: Path, monkeypatch
) -> None:
    real = pipeline.read_image_metadata

    def buggy(data: bytes):
        if data.endswith(b"buggy"):
            raise KeyError("a reader bug")
        return real(data)

    monkeypatch.setattr(pipeline, "read_image_metadata", buggy)
    by_path, reasons = ingest_beside_good(tmp_path, {"bug.png": good_png(3) + b"buggy"})
    assert "bug.png" not in by_path
    assert reasons == {"bug.png": "unexpected error: KeyError: 'a reader bug'"}


def test_unexpected_walk_or_log_error_keeps_what_was_read(tmp_path: Path, monkeypatch) -> None:
    def then_fail(read):
        def reader(*args):
            yield from read(*args)
            raise RecursionError("maximum recursion depth exceeded")

        return reader

    monkeypatch.setattr(pipeline, "iter_entries", then_fail(archives.iter_entries))
    monkeypatch.setattr(pipeline, "iter_log_rows", then_fail(iter_log_rows))
    write_folder(tmp_path / "src", {"good.png": good_png()})
    gens, reasons = ingest(tmp_path / "src", tmp_path / "lake")
    assert [g["source_path"] for g in gens] == ["good.png"]
    expected = "unexpected error: RecursionError: maximum recursion depth exceeded"
    assert reasons == {"src": expected}
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps({"prompt": "a fox", "timestamp": RECENT}) + "\n")
    gens, reasons = ingest(log, tmp_path / "lake", "log")
    assert [g["prompt"] for g in gens] == ["a fox"]
    assert reasons == {"log.jsonl": expected}
