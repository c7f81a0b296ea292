from __future__ import annotations

import json

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import stability_matrix
from orchestration.sample.writers.stability_matrix import display_sampler, stability_matrix_text

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
        tool="stability_matrix",
        prompt="general, 1girl, テスト\r\n",
        negative_prompt="bad",
        seed=395309383,
        steps=20,
        cfg_scale=5.0,
        sampler="euler_ancestral",
        scheduler="karras",
        model="waiIllustriousSDXL_v160.safetensors",
        width=1024,
        height=1024,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str]) -> GenerationMeta | None:
    return stability_matrix.parse(ImageContainer(format="png", width=8, height=8, text=text))


def fields(g: GenerationMeta) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS}


def test_round_trip() -> None:
    g = sample(prompt="general, 1girl, テスト")
    parsed = parse(stability_matrix_text(g))
    assert parsed is not None and parsed.tool == "stability_matrix"
    assert fields(parsed) == fields(g)


def test_without_project_the_display_sampler_is_kept() -> None:
    g = sample(prompt="a fox")
    parsed = parse(stability_matrix_text(g, with_project=False))
    assert parsed is not None
    assert parsed.sampler == display_sampler(g.sampler, g.scheduler) == "Euler Ancestral Karras"
    assert parsed.scheduler is None and parsed.seed == g.seed


def test_project_alone_is_enough() -> None:
    g = sample(prompt="a fox")
    text = stability_matrix_text(g, with_graph=False)
    parsed = parse({"smproj": text["smproj"]})
    assert parsed is not None and fields(parsed) == fields(g)


def test_non_numeric_values_fall_back_to_project() -> None:
    g = sample(prompt="a fox")
    text = stability_matrix_text(g)
    params = json.loads(text["parameters-json"])
    params.update(Seed="random", Steps=None, CfgScale="NaN", Width=-1)
    parsed = parse({**text, "parameters-json": json.dumps(params)})
    assert parsed is not None and fields(parsed) == fields(g)


def test_unreadable_is_rejected() -> None:
    with pytest.raises(FileRejected):
        parse({"parameters-json": "{x", "smproj": "[]"})


def test_not_stability_matrix() -> None:
    assert parse({"parameters": "a cat\nSteps: 20"}) is None
