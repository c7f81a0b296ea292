from __future__ import annotations

import json
import sys
import types

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import fooocus
from orchestration.sample.writers.fooocus import fooocus_text, ruinedfooocus_text

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
        tool="fooocus",
        prompt="a smiling goldfish, テスト",
        negative_prompt="blurry",
        seed=6952411511246973023,
        steps=30,
        cfg_scale=4.0,
        sampler="dpmpp_2m_sde_gpu",
        scheduler="karras",
        model="juggernautXL_v8Rundiffusion",
        width=768,
        height=1280,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def parse(text: dict[str, str]) -> GenerationMeta | None:
    return fooocus.parse(ImageContainer(format="png", width=8, height=8, text=text))


def fields(g: GenerationMeta) -> dict[str, object]:
    return {f: getattr(g, f) for f in FIELDS}


def test_fooocus_json_round_trip() -> None:
    g = sample()
    parsed = parse(fooocus_text(g))
    assert parsed is not None and parsed.tool == "fooocus"
    assert fields(parsed) == fields(g)
    assert parsed.extra["version"].startswith("Fooocus")


def test_empty_negative_prompt_is_none() -> None:
    g = sample(negative_prompt=None)
    parsed = parse(fooocus_text(g))
    assert parsed is not None and parsed.negative_prompt is None


def test_ruinedfooocus_round_trip() -> None:
    g = sample(tool="ruinedfooocus", seed=2020047614, model="wai_v150.safetensors")
    parsed = parse(ruinedfooocus_text(g))
    assert parsed is not None and parsed.tool == "ruinedfooocus"
    assert fields(parsed) == fields(g)


A1111 = "orchestration.ingest.tools.a1111"


def test_a1111_scheme_without_an_a1111_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, A1111, None)  # importing it now raises ImportError
    g = sample()
    parsed = parse(fooocus_text(g, scheme="a1111"))
    assert parsed is not None and parsed.tool == "fooocus"
    assert (parsed.prompt, parsed.negative_prompt) == (g.prompt, g.negative_prompt)


def test_a1111_scheme_is_delegated_and_relabelled(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_parse(c: ImageContainer) -> GenerationMeta:
        return GenerationMeta(tool="a1111", prompt="from a1111", seed=5)

    fake = types.ModuleType(A1111)
    fake.parse = fake_parse  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, A1111, fake)
    parsed = parse(fooocus_text(sample(), scheme="a1111"))
    assert parsed is not None
    assert (parsed.tool, parsed.prompt, parsed.seed) == ("fooocus", "from a1111", 5)


def test_non_numeric_values() -> None:
    data = json.loads(fooocus_text(sample())["parameters"])
    data.update(seed="-1", steps="thirty", guidance_scale="7.0", resolution="huge")
    parsed = parse({"parameters": json.dumps(data), "fooocus_scheme": "fooocus"})
    assert parsed is not None
    assert (parsed.seed, parsed.steps, parsed.cfg_scale, parsed.width) == (None, None, 7.0, None)


def test_scheme_without_readable_parameters_is_rejected() -> None:
    with pytest.raises(FileRejected):
        parse({"parameters": "{broken", "fooocus_scheme": "fooocus"})
    with pytest.raises(FileRejected):
        parse({"parameters": "{}", "fooocus_scheme": "fooocus"})


@pytest.mark.parametrize(
    "text",
    [{}, {"parameters": "a cat\nSteps: 20, Sampler: Euler"}, {"parameters": '{"prompt": "a cat"}'}],
)
def test_not_fooocus(text: dict[str, str]) -> None:
    assert parse(text) is None


@pytest.mark.parametrize(
    "full",
    [
        "['(worst quality, low quality:1.4), (watermark:1.2)', 'blurry']",  # Fooocus 2.4's repr
        ["(worst quality, low quality:1.4), (watermark:1.2)", "blurry"],
    ],
)
def test_full_negative_prompt_when_negative_prompt_is_empty(full: object) -> None:
    text = fooocus_text(sample())
    data = json.loads(text["parameters"])
    data["negative_prompt"] = ""
    data["full_negative_prompt"] = full
    parsed = parse({**text, "parameters": json.dumps(data)})
    assert parsed is not None
    assert parsed.negative_prompt == "(worst quality, low quality:1.4), (watermark:1.2), blurry"


def test_negative_prompt_wins_over_full_negative_prompt() -> None:
    text = fooocus_text(sample())
    data = json.loads(text["parameters"])
    data["full_negative_prompt"] = "['styled, blurry']"
    parsed = parse({**text, "parameters": json.dumps(data)})
    assert parsed is not None and parsed.negative_prompt == "blurry"


def test_unmarked_non_json_parameters_are_not_fooocus() -> None:
    assert parse({"parameters": "a fox\nSteps: 20, Sampler: Euler, Seed: 1"}) is None
    assert parse({"Comment": '{"prompt": "x"}'}) is None
