"""The file reader (``read_image_metadata_file``) against the bytes reader on every real image.

Both walk the same chunk code; the file reader fetches only the ranges it needs, so this pins
that it ends with the same container, the same generation and the same rejection reason.
(The synthetic round trips in ``test_containers`` also run through the file reader.)
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from orchestration.ingest.formats import source
from orchestration.ingest.image_metadata import read_image_metadata, read_image_metadata_file
from orchestration.ingest.records import FileRejected

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}


def _images() -> list[str]:
    if not REALDATA.is_dir():
        return []
    return sorted(
        p.relative_to(REALDATA).as_posix()
        for p in REALDATA.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
    )


def _outcome(read, arg) -> object:
    try:
        return read(arg)
    except FileRejected as exc:
        return (type(exc), str(exc))


@pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no {REALDATA}")
@pytest.mark.parametrize("head", [source.HEAD_BYTES, 8])
@pytest.mark.parametrize("rel", _images() or ["<no realdata>"])
def test_real_image_same_through_file_and_bytes(
    rel: str, head: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = REALDATA / rel
    expected = _outcome(read_image_metadata, path.read_bytes())
    monkeypatch.setattr(source, "HEAD_BYTES", head)
    assert _outcome(read_image_metadata_file, path) == expected
    assert _outcome(read_image_metadata_file, str(path)) == expected
    with path.open("rb") as fh:
        assert _outcome(read_image_metadata_file, fh) == expected
    assert _outcome(read_image_metadata_file, io.BytesIO(path.read_bytes())) == expected


def test_file_reader_skips_the_image_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A large PNG: only headers and the text chunk are fetched, not the IDAT bodies."""
    from PIL import Image

    from orchestration.sample.writers.containers import png_bytes

    noise = Image.frombytes("RGB", (256, 256), random.Random(0).randbytes(256 * 256 * 3))
    data = png_bytes(noise, {"parameters": "a fox\nSteps: 20, Sampler: Euler, Seed: 1"})
    path = tmp_path / "big.png"
    path.write_bytes(data)
    fetched: list[int] = []
    real_pread = source.os.pread

    def pread(fd: int, n: int, pos: int) -> bytes:
        fetched.append(n)
        return real_pread(fd, n, pos)

    monkeypatch.setattr(source.os, "pread", pread)
    meta, container = read_image_metadata_file(path)
    assert (meta.prompt, meta.seed) == ("a fox", 1)
    assert sum(fetched) < 20_000 and len(data) > 100_000
    assert (meta, container) == read_image_metadata(data)


def test_unseekable_stream_is_read_whole() -> None:
    """A pipe has no size and cannot seek: the file reader falls back to reading it all."""
    import os
    import threading

    from PIL import Image

    from orchestration.ingest.containers import read_container, read_container_file
    from orchestration.sample.writers.containers import png_bytes

    data = png_bytes(Image.new("RGB", (8, 8)), {"parameters": "a fox\nSteps: 20, Seed: 1"})
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as w:
            w.write(data)

    thread = threading.Thread(target=feed)
    thread.start()
    with os.fdopen(read_end, "rb") as stream:
        assert read_container_file(stream) == read_container(data)
    thread.join()


@pytest.mark.parametrize("pad", [0, 70_000])
def test_webp_metadata_after_the_image_is_fetched_in_one_read(
    tmp_path: Path, pad: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ComfyUI's WebP saver puts EXIF after the image data: the head, then one read of the rest.

    A tail longer than the tail window (``pad``: a 70 KB EXIF) is read chunk by chunk instead.
    """
    from PIL import Image

    from orchestration.ingest.records import GenerationMeta
    from orchestration.sample.writers.comfyui import comfyui_text
    from orchestration.sample.writers.containers import webp_bytes

    g = GenerationMeta(
        tool="comfyui", prompt="a fox", seed=7, steps=20, cfg_scale=5.0, sampler="euler"
    )
    exif = comfyui_text(g, layout="exif")
    exif["exif:Artist"] = "x" * pad if pad else "someone"
    noise = Image.frombytes("RGB", (128, 128), random.Random(1).randbytes(128 * 128 * 3))
    data = webp_bytes(noise, exif=exif)
    assert data.index(b"EXIF") > source.HEAD_BYTES  # the metadata lies past the head
    path = tmp_path / "comfy.webp"
    path.write_bytes(data)
    fetched: list[tuple[int, int]] = []
    real_pread = source.os.pread

    def pread(fd: int, n: int, pos: int) -> bytes:
        fetched.append((n, pos))
        return real_pread(fd, n, pos)

    monkeypatch.setattr(source.os, "pread", pread)
    meta, container = read_image_metadata_file(path)
    assert (meta.tool, meta.prompt, meta.seed, meta.steps) == ("comfyui", "a fox", 7, 20)
    assert container.text["exif:Artist"] == exif["exif:Artist"]
    assert (meta, container) == read_image_metadata(data)
    exif_at = data.index(b"EXIF")
    if pad:  # header, then body, each read on its own
        tail = len(data) - exif_at - 8
        assert fetched == [(source.HEAD_BYTES, 0), (8, exif_at), (tail, exif_at + 8)]
    else:
        assert fetched == [(source.HEAD_BYTES, 0), (len(data) - exif_at, exif_at)]
