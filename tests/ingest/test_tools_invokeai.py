from __future__ import annotations

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import invokeai
from orchestration.sample.writers.invokeai import invokeai_text

FIELDS = (
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "cfg_scale",
    "sampler",
    "model",
    "width",
    "height",
)


def sample(**changes: object) -> GenerationMeta:
    values: dict[str, object] = dict(
        tool="invokeai",
        prompt="a lighthouse in a storm, oil painting",
        negative_prompt="blurry, text",
        seed=3951921344,
        steps=30,
        cfg_scale=7.5,
        sampler="dpmpp_2m_k",
        model="juggernautXL_v9",
        width=1024,
        height=768,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str]) -> GenerationMeta | None:
    return invokeai.parse(ImageContainer(format="png", width=8, height=8, text=text))


def fields(g: GenerationMeta, skip: tuple[str, ...] = ()) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS if f not in skip}


@pytest.mark.parametrize("model_key", ("name", "model_name"))
def test_invokeai_metadata_round_trip(model_key: str) -> None:
    g = sample()
    parsed = parse(invokeai_text(g, model_key=model_key))
    assert parsed is not None and parsed.tool == "invokeai"
    assert fields(parsed) == fields(g)
    assert parsed.scheduler is None  # InvokeAI's "scheduler" is the sampler


def test_sd_metadata_round_trip_with_bracketed_negative() -> None:
    g = sample(sampler="k_lms")
    text = invokeai_text(g, variant="sd-metadata")
    assert "[blurry, text]" in text["Dream"]
    parsed = parse(text)
    assert parsed is not None and fields(parsed) == fields(g)


def test_dream_round_trip() -> None:
    g = sample(prompt='a "quoted" word', sampler="k_euler_a", cfg_scale=5.0)
    parsed = parse(invokeai_text(g, variant="dream"))
    assert parsed is not None
    assert fields(parsed, skip=("model",)) == fields(g, skip=("model",))
    assert parsed.model is None  # the dream line does not name the model


def test_missing_fields_stay_none() -> None:
    g = GenerationMeta(tool="invokeai", prompt="just words")
    for variant in ("invokeai_metadata", "sd-metadata", "dream"):
        parsed = parse(invokeai_text(g, variant=variant))  # type: ignore[arg-type]
        assert parsed is not None and fields(parsed) == fields(g)


def test_sd_metadata_prompt_list_and_several_negatives() -> None:
    raw = (
        '{"model_weights": "m", "image": {"prompt": [{"prompt": "a [x] cat", "weight": 0.5},'
        ' {"prompt": "on a mat [y]", "weight": 0.5}], "seed": "12", "steps": "20.0",'
        ' "cfg_scale": "NaN", "width": "abc"}}'
    )
    parsed = parse({"sd-metadata": raw})
    assert parsed is not None
    assert (parsed.prompt, parsed.negative_prompt) == ("a cat on a mat", "x, y")
    assert (parsed.seed, parsed.steps, parsed.cfg_scale, parsed.width) == (12, 20, None, None)


def test_dream_without_quotes_and_long_flags() -> None:
    parsed = parse({"Dream": "a red fox [lowres] --steps 40 --seed 7 -W 640 -H 480 -C x"})
    assert parsed is not None
    assert (parsed.prompt, parsed.negative_prompt) == ("a red fox", "lowres")
    assert (parsed.steps, parsed.seed, parsed.width, parsed.height) == (40, 7, 640, 480)
    assert parsed.cfg_scale is None


def test_broken_metadata_falls_back_then_rejects() -> None:
    dream = invokeai_text(sample(), variant="dream")
    parsed = parse({"invokeai_metadata": "{broken", **dream})
    assert parsed is not None and parsed.seed == sample().seed
    with pytest.raises(FileRejected):
        parse({"invokeai_metadata": "{broken"})
    with pytest.raises(FileRejected):
        parse({"sd-metadata": '{"image": "nope"}'})


def test_not_invokeai() -> None:
    assert parse({"parameters": "a cat\nSteps: 20"}) is None
    assert parse({}) is None
