"""Midjourney descriptions: command parsing, times, job ids, and writer round trips."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PIL import Image

from orchestration.ingest.containers import read_container
from orchestration.ingest.records import GenerationMeta, ImageContainer
from orchestration.ingest.tools import midjourney
from orchestration.sample.writers.containers import jpeg_bytes, png_bytes, webp_bytes
from orchestration.sample.writers.midjourney import midjourney_command, midjourney_description

JOB = "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"


def container(**text: str) -> ImageContainer:
    return ImageContainer(format="png", width=1456, height=816, text=text)


def test_description_with_parameters() -> None:
    c = container(
        Description=f"a castle on a hill --ar 16:9 --v 6.1 --stylize 250 --chaos 10 "
        f"--seed 1234 Job ID: {JOB}",
        Author="sol",
        **{"Creation Time": "2024-05-17T21:04:06.123Z"},
    )
    meta = midjourney.parse(c)
    assert meta is not None
    assert meta.tool == "midjourney"
    assert (meta.prompt, meta.seed, meta.job_id, meta.model) == (
        "a castle on a hill",
        1234,
        JOB,
        "6.1",
    )
    assert (meta.width, meta.height) == (1456, 816)
    assert meta.extra == {
        "ar": "16:9",
        "v": "6.1",
        "stylize": "250",
        "chaos": "10",
        "author": "sol",
    }
    assert meta.created_at == datetime(2024, 5, 17, 21, 4, 6, 123000, tzinfo=UTC)
    assert meta.steps is None and meta.cfg_scale is None


def test_aliases_niji_no_and_bare_flags() -> None:
    meta = midjourney.parse(
        container(
            Description=f"https://s.mj.run/abc cat girl --niji 6 --s 400 --no text, watermark "
            f"--tile --aspect 2:3 Job ID: {JOB}"
        )
    )
    assert meta is not None
    assert meta.prompt == "https://s.mj.run/abc cat girl"
    assert meta.negative_prompt == "text, watermark" and meta.model == "niji 6"
    assert meta.extra == {"niji": "6", "stylize": "400", "tile": "true", "ar": "2:3"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-17T21:04:06Z", datetime(2024, 5, 17, 21, 4, 6, tzinfo=UTC)),
        ("2024-05-17T23:04:06+02:00", datetime(2024, 5, 17, 21, 4, 6, tzinfo=UTC)),
        ("Fri, 17 May 2024 21:04:06 GMT", datetime(2024, 5, 17, 21, 4, 6, tzinfo=UTC)),
        ("2024:05:17 21:04:06", datetime(2024, 5, 17, 21, 4, 6, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
    ],
)
def test_creation_time_forms(value: str, expected: datetime | None) -> None:
    assert midjourney.parse_time(value) == expected


def test_job_id_from_xmp_when_description_lacks_it() -> None:
    xmp = f'<rdf:Description iptcExt:DigImageGUID="{JOB}" iptcExt:DigitalSourceType="x"/>'
    meta = midjourney.parse(container(Description="a fox --v 7", xmp=xmp))
    assert meta is not None and meta.job_id == JOB and meta.prompt == "a fox"


@pytest.mark.parametrize(
    "text",
    [
        {"Description": "1girl, solo, hatsune miku, very aesthetic"},  # NovelAI
        {"exif:ImageDescription": "GIMPで再保存しただけ"},
        {"Description": "a fox --v 7"},  # flags alone, with no author/job/XMP: not enough
        {"parameters": f"a fox Job ID: {JOB}"},
    ],
)
def test_not_midjourney(text: dict[str, str]) -> None:
    assert midjourney.parse(container(**text)) is None


GEN = GenerationMeta(
    tool="midjourney",
    prompt="a lighthouse in a storm, oil painting",
    model="6.1",
    width=1456,
    height=816,
    created_at=datetime(2024, 6, 1, 9, 30, 2, tzinfo=UTC),
    job_id=JOB,
    extra={"stylize": "250", "author": "sol"},
)


def test_writer_command() -> None:
    assert midjourney_command(GEN) == (
        "a lighthouse in a storm, oil painting --ar 91:51 --stylize 250 --v 6.1"
    )
    fields = midjourney_description(GEN)
    assert fields["Description"].endswith(f"--v 6.1 Job ID: {JOB}")
    assert fields["Author"] == "sol" and fields["Creation Time"] == "2024-06-01T09:30:02Z"
    assert JOB in fields["XML:com.adobe.xmp"]


@pytest.mark.parametrize("fmt", ["png", "webp", "jpeg"])
def test_round_trip(fmt: str) -> None:
    img = Image.new("RGB", (182, 102), (40, 60, 80))
    fields = midjourney_description(GEN)
    if fmt == "png":
        data = png_bytes(img, fields)
    elif fmt == "webp":
        data = webp_bytes(img, exif=fields)
    else:
        data = jpeg_bytes(img, exif=fields)
    meta = midjourney.parse(read_container(data))
    assert meta is not None
    assert (meta.prompt, meta.job_id, meta.model, meta.created_at) == (
        GEN.prompt,
        JOB,
        "6.1",
        GEN.created_at,
    )
    assert (meta.width, meta.height) == (182, 102)  # the pixels, not the command's ratio
    assert meta.extra["author"] == "sol" and meta.extra["stylize"] == "250"
