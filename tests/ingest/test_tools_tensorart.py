from __future__ import annotations

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import tensorart
from orchestration.sample.writers.tensorart import tensorart_text

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
        tool="tensorart",
        prompt="general, 1girl, テスト",
        negative_prompt="bad quality",
        seed=3036459311,
        steps=25,
        cfg_scale=7.0,
        sampler="euler_ancestral",
        scheduler="karras",
        model="WAI-Nsfw-Illustrious-16",
        width=1024,
        height=1024,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str]) -> GenerationMeta | None:
    return tensorart.parse(ImageContainer(format="png", width=8, height=8, text=text))


def fields(g: GenerationMeta) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS}


@pytest.mark.parametrize("with_graph", (True, False))
def test_round_trip(with_graph: bool) -> None:
    g = sample()
    parsed = parse(tensorart_text(g, with_graph=with_graph))
    assert parsed is not None and parsed.tool == "tensorart"
    assert fields(parsed) == fields(g)


def test_random_seed_comes_from_the_graph() -> None:
    g = sample()
    text = tensorart_text(g, random_seed=True)
    assert '"seed":"-1"' in text["generation_data"]
    parsed = parse(text)
    assert parsed is not None and parsed.seed == g.seed
    parsed = parse({"generation_data": text["generation_data"]})
    assert parsed is not None and parsed.seed is None


def test_broken_site_data_uses_graph_or_is_rejected() -> None:
    text = tensorart_text(sample())
    parsed = parse({"generation_data": "{oops", "prompt": text["prompt"]})
    assert parsed is not None and parsed.tool == "tensorart" and parsed.seed == sample().seed
    with pytest.raises(FileRejected):
        parse({"generation_data": "{oops"})
    parsed = parse({"generation_data": text["generation_data"], "prompt": "{broken class_type"})
    assert parsed is not None and parsed.prompt == sample().prompt


def test_not_tensorart() -> None:
    assert parse({"prompt": "{}"}) is None
