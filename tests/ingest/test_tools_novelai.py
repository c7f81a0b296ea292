from __future__ import annotations

import json

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import novelai
from orchestration.sample.writers.novelai import novelai_text

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
        tool="novelai",
        prompt="1girl, solo, テスト, very aesthetic",
        negative_prompt="lowres, bad anatomy",
        seed=2043807047,
        steps=28,
        cfg_scale=5.0,
        sampler="k_euler_ancestral",
        scheduler="karras",
        model="NovelAI Diffusion V4.5",
        width=832,
        height=1216,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str], fmt: str = "png") -> GenerationMeta | None:
    return novelai.parse(ImageContainer(format=fmt, width=8, height=8, text=text))


def fields(g: GenerationMeta) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS}


@pytest.mark.parametrize("container", ("png", "webp"))
def test_round_trip(container: str) -> None:
    g = sample()
    parsed = parse(novelai_text(g, container=container), fmt=container)  # type: ignore[arg-type]
    assert parsed is not None and parsed.tool == "novelai"
    assert fields(parsed) == fields(g)
    assert len(parsed.extra["model_hash"]) == 8


def test_character_captions_go_to_extra() -> None:
    text = novelai_text(sample(), characters=("girl, red hair", "boy, hat"))
    parsed = parse(text)
    assert parsed is not None and parsed.extra["characters"] == "girl, red hair | boy, hat"


def test_old_comment_without_prompt_uses_description() -> None:
    text = {
        "Software": "NovelAI",
        "Source": "Stable Diffusion 1D44365E",
        "Description": "cat, space",
        "Comment": json.dumps({"steps": "50", "scale": "NaN", "seed": -1, "uc": "lowres"}),
    }
    parsed = parse(text)
    assert parsed is not None
    assert (parsed.prompt, parsed.negative_prompt, parsed.model) == (
        "cat, space",
        "lowres",
        "Stable Diffusion",
    )
    assert (parsed.steps, parsed.cfg_scale, parsed.seed) == (50, None, None)


def test_v4_caption_is_the_fallback_prompt() -> None:
    comment = {
        "v4_prompt": {"caption": {"base_caption": "a fox"}},
        "v4_negative_prompt": {"caption": {"base_caption": "blurry"}},
    }
    parsed = parse({"Software": "NovelAI", "Comment": json.dumps(comment)})
    assert parsed is not None and (parsed.prompt, parsed.negative_prompt) == ("a fox", "blurry")


def test_marked_but_empty_is_rejected() -> None:
    with pytest.raises(FileRejected):
        parse({"Software": "NovelAI", "Comment": "{not json"})


def test_not_novelai() -> None:
    assert parse({"Software": "GIMP 2.10", "Comment": '{"steps": 20}'}) is None
    assert parse({"exif:Software": "Adobe Photoshop"}, fmt="jpeg") is None
