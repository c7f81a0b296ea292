from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import swarmui
from orchestration.sample.writers.swarmui import swarmui_text

FIELDS = (
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "cfg_scale",
    "sampler",
    "scheduler",
    "model",
    "width",
    "height",
)


def sample(**changes: object) -> GenerationMeta:
    values: dict[str, object] = dict(
        tool="swarmui",
        prompt="general, 1girl, テスト",
        negative_prompt="bad quality",
        seed=2083100758,
        steps=20,
        cfg_scale=7.0,
        sampler="euler_ancestral",
        scheduler="karras",
        model="waiIllustriousSDXL_v160",
        width=1024,
        height=1024,
        created_at=datetime(2025, 3, 4, 21, 15, 2, tzinfo=UTC),
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str]) -> GenerationMeta | None:
    return swarmui.parse(ImageContainer(format="png", width=8, height=8, text=text))


def fields(g: GenerationMeta) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS}


@pytest.mark.parametrize("container", ("png", "exif"))
def test_round_trip(container: str) -> None:
    g = sample()
    parsed = parse(swarmui_text(g, container=container))  # type: ignore[arg-type]
    assert parsed is not None and parsed.tool == "swarmui"
    assert fields(parsed) == fields(g)
    assert parsed.created_at is None  # SwarmUI writes only the day
    assert parsed.extra["date"] == "2025-03-04"


def test_date_with_time_is_read_as_utc() -> None:
    g = sample()
    parsed = parse(swarmui_text(g, date_format="%Y-%m-%d %H:%M:%S"))
    assert parsed is not None and parsed.created_at == g.created_at
    assert parsed.created_at.tzinfo is not None


def test_png_carries_the_comfy_graph_too() -> None:
    assert "prompt" in swarmui_text(sample())


def test_old_layout_with_date_inside_params() -> None:
    raw = (
        '{"sui_image_params": {"prompt": "a fox", "seed": "18446744073709551615", "steps": 25.0,'
        ' "cfgscale": "x", "date": "2024-08-07"}}'
    )
    parsed = parse({"parameters": raw})
    assert parsed is not None
    assert (parsed.prompt, parsed.seed, parsed.steps, parsed.cfg_scale) == ("a fox", None, 25, None)
    assert parsed.extra["date"] == "2024-08-07" and parsed.created_at is None


def test_broken_json_is_rejected() -> None:
    with pytest.raises(FileRejected):
        parse({"parameters": '{"sui_image_params": {"prompt": '})
    with pytest.raises(FileRejected):
        parse({"parameters": '{"sui_image_params": "text"}'})


@pytest.mark.parametrize(
    "text", [{}, {"parameters": "a cat\nSteps: 20"}, {"parameters": "I love sui_image_params"}]
)
def test_not_swarmui(text: dict[str, str]) -> None:
    assert parse(text) is None
