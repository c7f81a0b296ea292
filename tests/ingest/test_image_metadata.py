"""The dispatcher: every tool's writer output is read back as that tool; rejections say why."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from PIL import Image

from orchestration.ingest import image_metadata
from orchestration.ingest.image_metadata import read_image_metadata
from orchestration.ingest.records import (
    FileRejected,
    GenerationMeta,
    ImageContainer,
    NoGenerationMetadata,
    UnreadableFile,
)
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.comfyui import comfyui_text
from orchestration.sample.writers.containers import (
    jpeg_bytes,
    png_bytes,
    stealth_png_bytes,
    webp_bytes,
)
from orchestration.sample.writers.fooocus import fooocus_text
from orchestration.sample.writers.invokeai import invokeai_text
from orchestration.sample.writers.midjourney import midjourney_description
from orchestration.sample.writers.novelai import novelai_text
from orchestration.sample.writers.stability_matrix import stability_matrix_text
from orchestration.sample.writers.swarmui import swarmui_text
from orchestration.sample.writers.tensorart import tensorart_text

AT = datetime(2024, 4, 2, 18, 30, 10, tzinfo=UTC)
GEN = GenerationMeta(
    tool="x",
    prompt="a koi pond at dusk, テスト",
    negative_prompt="blurry",
    seed=123456789,
    steps=24,
    cfg_scale=6.0,
    sampler="euler",
    scheduler="karras",
    model="juggernautXL_v9",
    width=1024,
    height=768,
    created_at=AT,
    job_id="0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
)


def img() -> Image.Image:
    return Image.new("RGBA", (128, 96), (30, 90, 120, 255))


def png(text: dict[str, str]) -> bytes:
    return png_bytes(img(), text)


FILES: dict[str, tuple[str, Callable[[], bytes]]] = {
    "a1111 png": ("a1111", lambda: png({"parameters": a1111_parameters(GEN)})),
    "forge jpeg": (
        "forge",
        lambda: jpeg_bytes(
            img(), exif={"exif:UserComment": a1111_parameters(GEN, flavour="forge")}
        ),
    ),
    "reforge webp": (
        "reforge",
        lambda: webp_bytes(
            img(), exif={"exif:UserComment": a1111_parameters(GEN, flavour="reforge")}
        ),
    ),
    "sdnext jpeg": (
        "sdnext",
        lambda: jpeg_bytes(
            img(), exif={"exif:UserComment": a1111_parameters(GEN, flavour="sdnext")}
        ),
    ),
    "civitai jpeg": (
        "civitai",
        lambda: jpeg_bytes(
            img(), exif={"exif:UserComment": a1111_parameters(GEN, flavour="civitai")}
        ),
    ),
    "a1111 stealth": ("a1111", lambda: stealth_png_bytes(img(), a1111_parameters(GEN))),
    "comfyui png": ("comfyui", lambda: png(comfyui_text(GEN))),
    "comfyui webp exif": (
        "comfyui",
        lambda: webp_bytes(img(), exif=comfyui_text(GEN, layout="exif"), with_exif_prefix=True),
    ),
    "comfyui saveimage-plus jpeg": (
        "comfyui",
        lambda: jpeg_bytes(
            img(), exif=comfyui_text(GEN, layout="saveimage_plus"), user_comment_in_ifd0=True
        ),
    ),
    "midjourney png": ("midjourney", lambda: png(midjourney_description(GEN))),
    "midjourney webp": ("midjourney", lambda: webp_bytes(img(), exif=midjourney_description(GEN))),
    "invokeai png": ("invokeai", lambda: png(invokeai_text(GEN))),
    "novelai png": ("novelai", lambda: png(novelai_text(GEN))),
    "novelai webp": (
        "novelai",
        lambda: webp_bytes(img(), exif=novelai_text(GEN, container="webp")),
    ),
    "fooocus png": ("fooocus", lambda: png(fooocus_text(GEN))),
    "fooocus a1111 scheme": ("fooocus", lambda: png(fooocus_text(GEN, scheme="a1111"))),
    "swarmui png": ("swarmui", lambda: png(swarmui_text(GEN))),
    "swarmui jpeg": (
        "swarmui",
        lambda: jpeg_bytes(
            img(),
            exif=swarmui_text(GEN, container="exif"),
            exif_datetime=AT,
            comment_encoding="utf-16-le",
        ),
    ),
    "tensorart png": ("tensorart", lambda: png(tensorart_text(GEN))),
    "stability matrix png": ("stability_matrix", lambda: png(stability_matrix_text(GEN))),
}


@pytest.mark.parametrize("name", list(FILES))
def test_each_tool_is_recognised(name: str) -> None:
    tool, make = FILES[name]
    meta, container = read_image_metadata(make())
    assert meta.tool == tool
    assert meta.prompt == GEN.prompt
    if tool != "midjourney":
        assert meta.seed == GEN.seed
    assert container.width == 128


def test_exif_time_is_on_the_container_not_the_meta() -> None:
    _, container = read_image_metadata(FILES["swarmui jpeg"][1]())
    assert container.exif_datetime_original == AT


def test_size_comes_from_the_container_when_metadata_lacks_it() -> None:
    meta, _ = read_image_metadata(png({"parameters": "a fox\nSteps: 20, Seed: 5"}))
    assert (meta.width, meta.height) == (128, 96)
    meta, _ = read_image_metadata(png({"parameters": "a fox\nSteps: 20, Size: 640x480"}))
    assert (meta.width, meta.height) == (640, 480)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: png({}), "no generation metadata (PNG without text, EXIF or XMP metadata)"),
        (
            lambda: png({"date:create": "2025-03-27T21:10:17+00:00", "date:modify": "x"}),
            "no generation metadata (PNG text keys: date:create, date:modify)",
        ),
        (
            lambda: jpeg_bytes(img(), comment="Created with GIMP"),
            "no generation metadata (JPEG comment only: 'Created with GIMP')",
        ),
        (
            lambda: webp_bytes(
                img(), exif={"exif:Software": "GIMP 3.0.6", "exif:ImageDescription": "re-saved"}
            ),
            "no generation metadata (EXIF tags: ImageDescription, Software='GIMP 3.0.6')",
        ),
        (
            lambda: png({"Comment": "holiday photo", "XML:com.adobe.xmp": "<x/>"}),
            "no generation metadata (PNG text keys: Comment; XMP packet)",
        ),
    ],
)
def test_no_generation_metadata_names_what_was_found(
    make: Callable[[], bytes], reason: str
) -> None:
    with pytest.raises(NoGenerationMetadata) as info:
        read_image_metadata(make())
    assert str(info.value) == reason


def test_unreadable_passes_through() -> None:
    with pytest.raises(UnreadableFile, match="empty file"):
        read_image_metadata(b"")
    data = png(comfyui_text(GEN))
    with pytest.raises(UnreadableFile, match="truncated PNG"):
        read_image_metadata(data[: len(data) // 2])


def test_a_tools_rejection_is_kept_when_nothing_reads_the_file() -> None:
    broken = png({"parameters": '{"sui_image_params": {"prompt": "x", '})
    with pytest.raises(FileRejected, match="SwarmUI") as info:
        read_image_metadata(broken)
    assert not isinstance(info.value, NoGenerationMetadata | UnreadableFile)


def test_parser_bugs_become_rejections(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(c: ImageContainer) -> GenerationMeta | None:
        raise KeyError("boom")

    parsers = (("exploding", explode), *image_metadata.PARSERS)
    monkeypatch.setattr(image_metadata, "PARSERS", parsers)
    meta, _ = read_image_metadata(png({"parameters": a1111_parameters(GEN)}))
    assert meta.tool == "a1111"  # a later parser still reads the file
    with pytest.raises(FileRejected, match="exploding metadata could not be read"):
        read_image_metadata(png({"Comment": "x"}))
