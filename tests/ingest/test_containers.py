"""The container reader against files built by the sample writers, plus broken and hostile bytes."""

from __future__ import annotations

import io
import random
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image

from orchestration.ingest.containers import read_container, read_container_file
from orchestration.ingest.formats import source, stealth
from orchestration.ingest.formats.exif import read_exif
from orchestration.ingest.formats.text import decode_user_comment, repair_mojibake
from orchestration.ingest.records import UnreadableFile
from orchestration.sample.writers.containers import (
    jpeg_bytes,
    png_bytes,
    png_chunk,
    stealth_png_bytes,
    user_comment,
    webp_bytes,
)
from orchestration.sample.writers.exif import tiff_exif

PARAMS = "a koi pond, テスト\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, Seed: 7"


@pytest.fixture(autouse=True, params=["bytes", "path", "fileobj"])
def read_via(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path) -> str:
    """Every test here runs against the bytes reader and the file reader (a path, and a file
    object without a descriptor); the file reader's head is cut to 16 bytes so that every range
    past the signature is fetched from the file."""
    if request.param == "bytes":
        return "bytes"
    monkeypatch.setattr(source, "HEAD_BYTES", 16)
    counter = iter(range(10**6))

    def via_file(data: bytes):
        if request.param == "fileobj":
            return read_container_file(io.BytesIO(bytes(data)))
        path = tmp_path / f"f{next(counter)}.img"
        path.write_bytes(bytes(data))
        return read_container_file(path)

    monkeypatch.setitem(globals(), "read_container", via_file)
    return request.param


def image(size: tuple[int, int] = (24, 16), mode: str = "RGB") -> Image.Image:
    img = Image.new(mode, size)
    img.putdata(
        [
            ((x * 9) % 256, (y * 13) % 256, 90, 255)[: len(mode)]
            for y in range(size[1])
            for x in range(size[0])
        ]
    )
    return img


def png_chunks(data: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        kinds.append(data[pos + 4 : pos + 8])
        pos += 12 + length
    return kinds


# --- PNG -------------------------------------------------------------------------------------


def test_png_text_chunks_round_trip() -> None:
    text = {
        "parameters": PARAMS,
        "plain": "café",
        "z": "compressed " * 50,
        "i": "国際 text",
        "iz": "compressed international テスト " * 20,
    }
    data = png_bytes(image(), text, ztxt_keys=("z", "iz"), itxt_keys=("i", "iz"))
    assert png_chunks(data).count(b"tEXt") == 2
    assert b"zTXt" in png_chunks(data) and png_chunks(data).count(b"iTXt") == 2
    c = read_container(data)
    assert (c.format, c.width, c.height) == ("png", 24, 16)
    assert c.text == text
    assert c.exif_datetime_original is None


def test_png_text_after_idat_is_found() -> None:
    data = png_bytes(
        image(), {"parameters": PARAMS}, ztxt_keys=("parameters",), text_after_idat=True
    )
    kinds = png_chunks(data)
    assert kinds.index(b"zTXt") > kinds.index(b"IDAT")
    assert read_container(data).text == {"parameters": PARAMS}


def test_utf8_in_text_chunk_is_repaired_and_latin1_kept() -> None:
    data = png_bytes(image(), {"parameters": "#テスト", "Comment": "naïve café"})
    assert "#テスト".encode() in data  # stored as raw UTF-8 bytes in tEXt, as tools do
    assert read_container(data).text == {"parameters": "#テスト", "Comment": "naïve café"}


def test_mojibake_repair() -> None:
    assert repair_mojibake("ãƒ†ã‚¹ãƒˆ".encode("cp1252").decode("latin-1")) == "テスト"
    assert repair_mojibake("#ã\x83\x86ã\x82¹ã\x83\x88") == "#テスト"
    assert repair_mojibake("café") == "café"
    assert repair_mojibake("テスト") == "テスト"


def test_png_xmp_and_exif_chunks() -> None:
    xmp = '<x:xmpmeta><rdf:Description iptcExt:DigImageGUID="abc"/></x:xmpmeta>'
    data = png_bytes(image(), {"XML:com.adobe.xmp": xmp, "exif:Make": "Prompt: {}"})
    assert b"iTXt" in png_chunks(data) and b"eXIf" in png_chunks(data)
    assert read_container(data).text == {"xmp": xmp, "exif:Make": "Prompt: {}"}


def test_png_bad_crc_is_tolerated() -> None:
    data = bytearray(png_bytes(image(), {"parameters": PARAMS}))
    at = data.index(b"tEXt") + 4 + len(b"parameters\x00" + PARAMS.encode())
    data[at : at + 4] = b"\x00\x00\x00\x00"
    assert read_container(bytes(data)).text["parameters"] == PARAMS


def test_oversized_or_corrupt_ztxt_is_skipped_not_fatal() -> None:
    bomb = png_chunk(b"zTXt", b"bomb\x00\x00" + zlib.compress(b"\x00" * (17 * 2**20)))
    broken = png_chunk(b"zTXt", b"broken\x00\x00not zlib at all")
    whole = png_bytes(image(), {"parameters": PARAMS})
    at = whole.index(b"IEND") - 4
    data = whole[:at] + bomb + broken + whole[at:]
    assert read_container(data).text == {"parameters": PARAMS}


def test_png_cut_in_trailing_text_keeps_the_image() -> None:
    data = png_bytes(image(), {"parameters": PARAMS, "later": "x" * 500}, text_after_idat=True)
    cut = data[: data.index(b"later") + 100]
    c = read_container(cut)
    assert c.text["parameters"] == PARAMS and "later" not in c.text


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: b"", "empty file (0 bytes)"),
        (lambda d: d[:5], "truncated PNG: file ends inside the signature"),
        (lambda d: d[:20], "truncated PNG: chunk IHDR runs past end of file"),
        (lambda d: d[: d.index(b"IDAT") + 30], "truncated PNG: chunk IDAT runs past end"),
        (lambda d: d[: d.index(b"IEND") - 4], "truncated PNG: file ends inside the image data"),
        (lambda d: d[:8] + d[8:12] + b"JUNK" + d[16:], "corrupt PNG: first chunk is JUNK"),
        (lambda d: b"GIF89a" + d[6:], "not a PNG, JPEG or WebP file (looks like GIF)"),
        (lambda d: b"hello world, not an image", "not a PNG, JPEG or WebP file (starts with"),
    ],
)
def test_broken_png_is_unreadable(make, reason: str) -> None:
    data = png_bytes(image(), {"parameters": PARAMS})
    with pytest.raises(UnreadableFile, match=reason.replace("(", r"\(").replace(")", r"\)")):
        read_container(make(data))


def test_png_without_idat_is_unreadable() -> None:
    data = png_bytes(image(), {})
    start = data.index(b"IDAT") - 4
    (length,) = struct.unpack_from(">I", data, start)
    without = data[:start] + data[start + 12 + length :]
    with pytest.raises(UnreadableFile, match="no IDAT"):
        read_container(without)


# --- JPEG ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "ascii", "utf-8", "undefined"])
def test_jpeg_user_comment_encodings(encoding: str) -> None:
    raw = user_comment(PARAMS, encoding)  # type: ignore[arg-type]
    data = jpeg_bytes(image(), exif={"exif:UserComment": raw})
    c = read_container(data)
    assert (c.format, c.width, c.height) == ("jpeg", 24, 16)
    assert c.text == {"exif:UserComment": PARAMS}


def test_jpeg_exif_tags_datetime_comment_and_xmp() -> None:
    moment = datetime(2024, 5, 17, 21, 4, 6, tzinfo=UTC)
    tags = {
        "exif:ImageDescription": "a castle --ar 16:9",
        "exif:Make": "Prompt: {}",
        "exif:Model": "prompt:{}",
        "exif:Software": "NovelAI",
        "exif:Artist": "sol",
        "exif:XPComment": "コメント",
    }
    data = jpeg_bytes(
        image(),
        exif={**tags, "xmp": "<x:xmpmeta/>"},
        exif_datetime=moment,
        comment="Created with GIMP",
    )
    c = read_container(data)
    assert c.exif_datetime_original == moment and c.exif_datetime_original.tzinfo is UTC
    assert c.text == {**tags, "xmp": "<x:xmpmeta/>", "jpeg:comment": "Created with GIMP"}


@pytest.mark.parametrize("big_endian", [False, True])
def test_exif_byte_orders_and_user_comment_in_ifd0(big_endian: bool) -> None:
    block = tiff_exif(
        {"exif:UserComment": '{"prompt": {}}', "exif:Software": "x"},
        big_endian=big_endian,
        user_comment_in_ifd0=True,
    )
    exif = read_exif(block)
    assert exif.text == {"exif:UserComment": '{"prompt": {}}', "exif:Software": "x"}


def test_user_comment_byte_order_heuristics() -> None:
    for text in (PARAMS, '{\n  "a": 1}', "テスト only", "x"):
        for enc in ("utf-16-be", "utf-16-le"):
            decoded = decode_user_comment(b"UNICODE\x00" + text.encode(enc))
            assert decoded == text or (enc == "utf-16-le" and not any(c.isascii() for c in text))
        assert decode_user_comment(b"UNICODE\x00\xff\xfe" + text.encode("utf-16-le")) == text
    assert decode_user_comment(b"ASCII\x00\x00\x00abc\x00\x00") == "abc"
    assert decode_user_comment(b"no header at all") == "no header at all"


def test_exif_loops_and_wild_offsets_terminate() -> None:
    # IFD0 with one entry: an Exif pointer back to IFD0 itself, and a value far past the end
    entries = struct.pack("<HHII", 0x8769, 4, 1, 8) + struct.pack("<HHII", 0x010E, 2, 50, 9999)
    block = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 2) + entries + b"\0" * 4
    assert read_exif(block).text == {}
    assert read_exif(b"II*\x00\xff\xff\xff\xff").text == {}
    assert read_exif(b"nonsense").text == {}


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d[:3], "truncated JPEG: file ends before the image data"),
        (lambda d: d[:30], "truncated JPEG: segment 0x"),
        (lambda d: d[: len(d) // 2 + len(d) // 4], "truncated JPEG: image data has no end"),
        (lambda d: d[:2] + b"\x00\x00" + d[4:], "corrupt JPEG: expected a marker at byte 2"),
    ],
)
def test_broken_jpeg_is_unreadable(make, reason: str) -> None:
    data = jpeg_bytes(image((64, 64)), exif={"exif:UserComment": PARAMS})
    with pytest.raises(UnreadableFile, match=reason):
        read_container(make(data))


# --- WebP ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", [False, True])
@pytest.mark.parametrize("lossless", [False, True])
def test_webp_exif_with_and_without_prefix(prefix: bool, lossless: bool) -> None:
    exif = {
        "exif:UserComment": user_comment(PARAMS, "utf-16-le"),
        "exif:Make": "workflow:{}",
        "XML:com.adobe.xmp": "<x:xmpmeta/>",
    }
    data = webp_bytes(image((30, 20)), exif=exif, with_exif_prefix=prefix, lossless=lossless)
    assert (b"Exif\x00\x00" in data) == prefix
    c = read_container(data)
    assert (c.format, c.width, c.height) == ("webp", 30, 20)
    assert c.text == {"exif:UserComment": PARAMS, "exif:Make": "workflow:{}", "xmp": "<x:xmpmeta/>"}


def test_webp_png_style_keys_map_to_exif() -> None:
    fields = {
        "Description": "a castle Job ID: 1",
        "Author": "sol",
        "Creation Time": "2024-05-01T10:00:00Z",
    }
    c = read_container(webp_bytes(image(), exif=fields))
    assert c.text == {
        "exif:ImageDescription": "a castle Job ID: 1",
        "exif:Artist": "sol",
        "exif:DateTime": "2024-05-01T10:00:00Z",
    }


def test_webp_without_metadata_and_truncated() -> None:
    data = webp_bytes(image((40, 30)))
    c = read_container(data)
    assert (c.width, c.height, c.text) == (40, 30, {})
    with pytest.raises(UnreadableFile, match="truncated WebP: chunk 'VP8"):
        read_container(data[: len(data) - 10])
    with pytest.raises(UnreadableFile, match="truncated WebP"):
        read_container(data[:10])


def test_webp_cut_in_trailing_exif_keeps_the_image() -> None:
    data = webp_bytes(image(), exif={"exif:UserComment": PARAMS * 20})
    c = read_container(data[:-50])
    assert c.format == "webp" and "exif:UserComment" not in c.text


# --- stealth ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "compressed"), [("alpha", True), ("alpha", False), ("rgb", True), ("rgb", False)]
)
def test_stealth_round_trip(mode: str, compressed: bool) -> None:
    data = stealth_png_bytes(image((64, 64), "RGB"), PARAMS, mode=mode, compressed=compressed)  # type: ignore[arg-type]
    c = read_container(data)
    assert c.text == {"stealth": PARAMS}


def test_stealth_not_read_when_other_metadata_or_too_big(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    carrier = stealth_png_bytes(image((64, 64), "RGBA"), PARAMS)
    with_text = png_bytes(Image.open(io.BytesIO(carrier)), {"Comment": "x"})
    assert read_container(with_text).text == {"Comment": "x"}
    monkeypatch.setattr(stealth, "MAX_PIXELS", 100)
    assert read_container(carrier).text == {}


def test_pixels_are_decoded_only_for_bare_images_with_alpha(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    monkeypatch.setattr(
        "orchestration.ingest.containers.read_stealth", lambda data: calls.append(len(data))
    )
    read_container(png_bytes(image((64, 64), "RGB"), {}))
    read_container(png_bytes(image((64, 64), "RGBA"), {"parameters": PARAMS}))
    assert calls == []
    assert read_container(png_bytes(image((64, 64), "RGBA"), {"date:create": "x"})).text == {
        "date:create": "x"
    }
    assert len(calls) == 1


def test_stealth_too_small_image_is_refused_by_writer() -> None:
    with pytest.raises(ValueError, match="do not fit"):
        stealth_png_bytes(image((4, 4), "RGBA"), PARAMS)


# --- hostile input ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp", "webp-prefix"])
def test_mutated_files_never_crash(fmt: str) -> None:
    """Random truncations and byte flips: the reader returns or raises UnreadableFile, only."""
    exif = {"exif:UserComment": PARAMS, "exif:Make": "m"}
    base = {
        "png": lambda: png_bytes(
            image(), {"parameters": PARAMS, "exif:Model": "x"}, ztxt_keys=("parameters",)
        ),
        "jpeg": lambda: jpeg_bytes(image(), exif=exif, comment="c"),
        "webp": lambda: webp_bytes(image(), exif=exif),
        "webp-prefix": lambda: webp_bytes(image(), exif=exif, with_exif_prefix=True),
    }[fmt]()
    rng = random.Random(fmt)
    for _ in range(250):
        data = bytearray(base)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        if rng.random() < 0.3:
            data = data[: rng.randrange(len(data))]
        try:
            read_container(bytes(data))
        except UnreadableFile:
            pass
