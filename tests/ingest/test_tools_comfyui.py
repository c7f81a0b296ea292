from __future__ import annotations

import json

import pytest

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import comfyui
from orchestration.sample.writers.comfyui import comfyui_api_graph, comfyui_text

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
SAMPLERS = ("KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced")
LAYOUTS = ("png", "exif", "save_image_extended", "saveimage_plus", "workflow_only")


def sample(**changes: object) -> GenerationMeta:
    values: dict[str, object] = dict(
        tool="comfyui",
        prompt="portrait of a fox, テスト, (ink:1.2)",
        negative_prompt="blurry",
        seed=2**50 + 7,
        steps=28,
        cfg_scale=6.5,
        sampler="dpmpp_2m",
        scheduler="karras",
        model="sdxl_base.safetensors",
        width=832,
        height=1216,
    )
    values.update(changes)
    return GenerationMeta(**values)  # type: ignore[arg-type]


def container(text: dict[str, str]) -> ImageContainer:
    return ImageContainer(format="png", width=64, height=64, text=text)


def assert_same(parsed: GenerationMeta | None, g: GenerationMeta) -> None:
    assert parsed is not None
    assert parsed.tool == "comfyui"
    assert {f: getattr(parsed, f) for f in FIELDS} == {f: getattr(g, f) for f in FIELDS}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", SAMPLERS)
def test_round_trip_every_sampler_and_layout(kind: str, layout: str) -> None:
    g = sample()
    parsed = comfyui.parse(container(comfyui_text(g, sampler_kind=kind, layout=layout)))
    assert_same(parsed, g)
    assert parsed is not None and parsed.extra["sampler_node"] == kind


@pytest.mark.parametrize("encoder", ("CLIPTextEncodeSDXL", "CLIPTextEncodeFlux"))
@pytest.mark.parametrize("layout", ("png", "workflow_only"))
def test_round_trip_other_text_encoders(encoder: str, layout: str) -> None:
    g = sample()
    text = comfyui_text(g, text_encoder=encoder, layout=layout)
    assert_same(comfyui.parse(container(text)), g)


@pytest.mark.parametrize(
    "chain",
    [
        ("ConditioningSetArea",),
        ("ControlNetApply",),
        ("ControlNetApplyAdvanced",),
        ("ConditioningCombine", "ConditioningSetTimestepRange"),
        ("MyCustomStyleConditioning", "ControlNetApplyAdvanced", "FluxGuidance"),
    ],
)
def test_text_is_traced_through_intermediate_nodes(chain: tuple[str, ...]) -> None:
    g = sample()
    for layout in ("png", "workflow_only"):
        assert_same(comfyui.parse(container(comfyui_text(g, conditioning=chain, layout=layout))), g)


def test_flux_guidance_is_kept_apart_from_cfg() -> None:
    g = sample(cfg_scale=None, negative_prompt=None)
    text = comfyui_text(
        g,
        sampler_kind="SamplerCustomAdvanced",
        conditioning=("FluxGuidance",),
        loader="UNETLoader",
        latent="EmptySD3LatentImage",
    )
    parsed = comfyui.parse(container(text))
    assert_same(parsed, g)
    assert parsed is not None and parsed.extra["guidance"] == "3.5"


def test_zeroed_negative_is_not_the_positive_text() -> None:
    g = sample(negative_prompt=None)
    parsed = comfyui.parse(container(comfyui_text(g)))
    assert parsed is not None and parsed.negative_prompt is None and parsed.prompt == g.prompt


@pytest.mark.parametrize("layout", ("png", "workflow_only"))
def test_primitive_nodes_feeding_widgets(layout: str) -> None:
    g = sample()
    assert_same(comfyui.parse(container(comfyui_text(g, primitives=True, layout=layout))), g)


@pytest.mark.parametrize("second_pass", ("refiner", "hires"))
@pytest.mark.parametrize("kind", ("KSampler", "KSamplerAdvanced"))
def test_two_pass_graphs_report_the_first_pass(second_pass: str, kind: str) -> None:
    g = sample()
    for layout in ("png", "workflow_only"):
        text = comfyui_text(g, sampler_kind=kind, second_pass=second_pass, layout=layout)
        parsed = comfyui.parse(container(text))
        assert_same(parsed, g)
        assert parsed is not None and parsed.extra["sampler_count"] == "2"


def test_missing_fields_stay_none() -> None:
    g = GenerationMeta(tool="comfyui", prompt="only a prompt")
    assert_same(comfyui.parse(container(comfyui_text(g))), g)


def test_linked_width_height_and_seed_resolve_through_primitives() -> None:
    graph = comfyui_api_graph(sample(), primitives=True)
    kinds = {n["class_type"] for n in graph.values()}
    assert {"PrimitiveInt", "PrimitiveStringMultiline"} <= kinds


def test_non_numeric_and_absurd_values_become_none() -> None:
    graph = comfyui_api_graph(sample())
    sampler = next(n for n in graph.values() if n["class_type"] == "KSampler")
    sampler["inputs"].update(seed="abc", steps="20.0", cfg=float("nan"), sampler_name=None)
    latent = next(n for n in graph.values() if n["class_type"] == "EmptyLatentImage")
    latent["inputs"].update(width=-5, height=10**9)
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None
    assert (parsed.seed, parsed.steps, parsed.cfg_scale, parsed.sampler) == (None, 20, None, None)
    assert (parsed.width, parsed.height) == (None, None)
    assert parsed.prompt == sample().prompt


def test_graph_without_sampler_uses_encoder_titles() -> None:
    graph = {
        "1": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "a castle"},
            "_meta": {"title": "CLIP Text Encode (Positive Prompt)"},
        },
        "2": {
            "class_type": "CLIPTextEncode",
            "inputs": {"text": "lowres"},
            "_meta": {"title": "CLIP Text Encode (Negative Prompt)"},
        },
        "3": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
    }
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None
    assert (parsed.prompt, parsed.negative_prompt, parsed.model) == (
        "a castle",
        "lowres",
        "m.safetensors",
    )


def test_graph_with_nothing_usable_is_rejected() -> None:
    graph = {"1": {"class_type": "LoadImage", "inputs": {"image": "x.png"}}}
    with pytest.raises(FileRejected):
        comfyui.parse(container({"prompt": json.dumps(graph)}))


def test_broken_json_that_is_clearly_comfyui_is_rejected() -> None:
    with pytest.raises(FileRejected):
        comfyui.parse(container({"prompt": '{"3": {"class_type": "KSampler", "inputs": {'}))


@pytest.mark.parametrize(
    "text",
    [
        {},
        {"prompt": "a plain text prompt"},
        {"prompt": "[1, 2]"},
        {"parameters": "a cat\nSteps: 20, Seed: 1"},
    ],
)
def test_not_comfyui(text: dict[str, str]) -> None:
    assert comfyui.parse(container(text)) is None


def _sampler_graph(positive: list[object], latent: list[object]) -> dict[str, object]:
    return {
        "s": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 5,
                "steps": 10,
                "cfg": 7,
                "positive": positive,
                "negative": ["missing", 0],
                "latent_image": latent,
                "model": ["s", 0],
            },
        }
    }


def test_cyclic_and_dangling_graph() -> None:
    graph = _sampler_graph(["a", 0], ["s", 0])
    graph["a"] = {
        "class_type": "ConditioningCombine",
        "inputs": {"conditioning_1": ["b", 0], "conditioning_2": ["a", 0]},
    }
    graph["b"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "loop", "clip": ["a", 0]}}
    graph["c"] = {
        "class_type": "KSampler",
        "inputs": {"seed": 9, "positive": ["b", 0], "latent_image": ["c", 0]},
    }
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None and parsed.prompt == "loop"
    assert parsed.negative_prompt is None


def test_thousands_deep_chain_does_not_recurse() -> None:
    depth = 5000
    graph = _sampler_graph([f"n{depth}", 0], ["latent", 0])
    graph["latent"] = {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512}}
    graph["n0"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "deep"}}
    for i in range(1, depth + 1):
        graph[f"n{i}"] = {
            "class_type": "ConditioningSetArea",
            "inputs": {"conditioning": [f"n{i - 1}", 0]},
        }
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None and parsed.prompt == "deep" and parsed.width == 512


def test_many_chained_samplers_stay_within_budget() -> None:
    graph: dict[str, object] = {
        "l": {"class_type": "EmptyLatentImage", "inputs": {"width": 64, "height": 64}}
    }
    previous = "l"
    for i in range(3000):
        graph[str(i)] = {
            "class_type": "KSampler",
            "inputs": {"seed": i, "positive": [previous, 0], "latent_image": [previous, 0]},
        }
        previous = str(i)
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None and parsed.seed is not None


def test_deeply_nested_json_is_not_a_crash() -> None:
    nested = '{"1": {"class_type": "KSampler", "inputs": {"x": ' + "[" * 100_000 + "]" * 100_000
    with pytest.raises(FileRejected):
        comfyui.parse(container({"prompt": nested + "}}}"}))


def test_ui_workflow_variants() -> None:
    """Early saves wrote a bool for control_after_generate, some none; muted nodes don't run."""
    workflow = json.loads(comfyui_text(sample(), layout="workflow_only")["workflow"])
    sampler = next(n for n in workflow["nodes"] if n["type"] == "KSampler")
    original = list(sampler["widgets_values"])
    assert original[1] == "fixed"
    for control in ([True], []):
        sampler["widgets_values"] = [original[0], *control, *original[2:]]
        assert_same(comfyui.parse(container({"workflow": json.dumps(workflow)})), sample())
    sampler["widgets_values"] = original
    muted = dict(sampler, mode=2, id=999, widgets_values=[1, "fixed", 2, 3.0, "x", "y", 1.0])
    workflow["nodes"].insert(0, muted)
    assert_same(comfyui.parse(container({"workflow": json.dumps(workflow)})), sample())


def test_wide_shared_tree_under_many_samplers_is_bounded() -> None:
    size = 3000
    graph: dict[str, object] = {
        f"c{i}": {
            "class_type": "ConditioningCombine",
            "inputs": {
                "conditioning_1": [f"c{(i * 7 + 1) % size}", 0],
                "conditioning_2": [f"c{(i * 13 + 5) % size}", 0],
                "text": f"t{i}",
            },
        }
        for i in range(size)
    }
    for s in range(40):
        graph[f"s{s}"] = {
            "class_type": "KSampler",
            "inputs": {
                "seed": s,
                "positive": [f"c{s}", 0],
                "negative": [f"c{s + 1}", 0],
                "latent_image": [f"c{s + 2}", 0],
            },
        }
    parsed = comfyui.parse(container({"prompt": json.dumps(graph)}))
    assert parsed is not None and parsed.prompt is not None
    assert len(parsed.prompt.splitlines()) <= 64
