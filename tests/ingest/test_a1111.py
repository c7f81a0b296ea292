"""A1111-family infotext: parsing, tool detection, and round trips through the writers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PIL import Image

from orchestration.ingest.containers import read_container
from orchestration.ingest.records import GenerationMeta, ImageContainer
from orchestration.ingest.tools import a1111
from orchestration.ingest.tools._infotext import split_infotext, split_params
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import (
    jpeg_bytes,
    png_bytes,
    stealth_png_bytes,
    user_comment,
    webp_bytes,
)

FORGE = (
    "general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, テスト\n"
    "Negative prompt: bad quality, worst quality, worst detail, sketch, censor, \n"
    "Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6, Seed: 2547514258, "
    "Size: 1024x1024, Model hash: 45a21ea00a, Model: waiIllustriousSDXL_v160, RNG: CPU, "
    "Version: classic"
)
CIVITAI = (
    "a fox\n\nNegative prompt: blurry\n\nSteps: 25, Sampler: Euler a, CFG scale: 5, "
    "Seed: 1311178179, Size: 1024x1024, Clip skip: 2, Created Date: 2026-01-04T01:27:21.2717070Z, "
    'Civitai resources: [{"type":"checkpoint","modelVersionId":2514310,'
    '"modelName":"WAI-illustrious-SDXL","modelVersionName":"v16.0"}], Civitai metadata: {}'
)


def parse(text: str, key: str = "parameters") -> GenerationMeta | None:
    return a1111.parse(ImageContainer(format="png", text={key: text}))


def test_forge_text_all_fields() -> None:
    meta = parse(FORGE)
    assert meta is not None
    assert meta.tool == "forge"
    assert meta.prompt == (
        "general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, テスト"
    )
    assert meta.negative_prompt == "bad quality, worst quality, worst detail, sketch, censor,"
    assert (meta.seed, meta.steps, meta.cfg_scale) == (2547514258, 20, 6.0)
    assert (meta.sampler, meta.scheduler) == ("DPM++ 2M", "Karras")
    assert (meta.model, meta.width, meta.height) == ("waiIllustriousSDXL_v160", 1024, 1024)
    assert meta.extra == {"model_hash": "45a21ea00a", "rng": "CPU", "version": "classic"}
    assert meta.created_at is None


def test_civitai_json_values_and_created_date() -> None:
    meta = parse(CIVITAI, key="exif:UserComment")
    assert meta is not None and meta.tool == "civitai"
    assert (meta.prompt, meta.negative_prompt) == ("a fox", "blurry")
    assert meta.model == "WAI-illustrious-SDXL"
    assert meta.created_at == datetime(2026, 1, 4, 1, 27, 21, 271707, tzinfo=UTC)
    assert meta.extra["civitai_resources"].startswith('[{"type":"checkpoint"')
    assert meta.extra["civitai_metadata"] == "{}" and meta.extra["clip_skip"] == "2"


def test_quoted_values_and_unquoted_json() -> None:
    params = split_params(
        'Steps: 20, Lora hashes: "add_detail: 7c6bad76eb54, more: 1", Hashes: {"model": "45a"}, '
        'TI: "say \\"hi\\", ok", Seed: 5'
    )
    assert params == {
        "Steps": "20",
        "Lora hashes": "add_detail: 7c6bad76eb54, more: 1",
        "Hashes": '{"model": "45a"}',
        "TI": 'say "hi", ok',
        "Seed": "5",
    }


@pytest.mark.parametrize(
    ("version", "extra_keys", "tool"),
    [
        ("v1.10.1", "", "a1111"),
        ("f2.0.1v1.10.1-previous-669-gdfdcbab6", "", "forge"),
        ("f0.0.17v1.8.0rc-latest-276-g29be1da7", "", "forge"),
        ("neo", "", "forge"),
        ("classic", "", "forge"),
        ("f1.0.0v2-v1.10.1RC-latest-2498-g5120e679", "", "reforge"),
        ("56a8aea", ", App: SD.Next, Pipeline: StableDiffusionXLPipeline", "sdnext"),
        ("ComfyUI", "", "comfyui"),
        ("Fooocus v2.5.5", "", "fooocus"),
    ],
)
def test_tool_detection(version: str, extra_keys: str, tool: str) -> None:
    text = f"p\nSteps: 20, Sampler: Euler, Seed: 1, Model: m{extra_keys}, Version: {version}"
    meta = parse(text)
    assert meta is not None and meta.tool == tool


def test_comfyui_save_nodes_without_version() -> None:
    """ComfyUI-SaveImageWithMetaData: no Version, but a checkpoint *file* name and huge seed."""
    meta = parse(
        "p\nSteps: 20, Sampler: euler_ancestral_karras, CFG scale: 5.0, "
        "Seed: 347382230306562, Size: 1024x1024, "
        'Model: waiIllustriousSDXL_v160.safetensors, Hashes: {"model": "45a"}'
    )
    assert meta is not None and meta.tool == "comfyui"
    assert meta.extra["hashes"] == '{"model": "45a"}'


def test_comfy_image_saver_placeholder_prompt_is_not_a_prompt() -> None:
    meta = parse(
        "unknown\nNegative prompt: unknown\nSteps: 20, Sampler: euler_simple, "
        "CFG Scale: 8.0, Seed: 0, Size: 512x512, Version: ComfyUI"
    )
    assert meta is not None and meta.tool == "comfyui"
    assert (meta.prompt, meta.negative_prompt, meta.seed, meta.cfg_scale) == (None, None, 0, 8.0)


def test_prompt_shapes() -> None:
    no_negative = parse("a\nb\nSteps: 5, Sampler: Euler, Seed: -1")
    assert no_negative is not None
    assert (no_negative.prompt, no_negative.negative_prompt, no_negative.seed) == (
        "a\nb",
        None,
        None,
    )
    windows = parse("a cat\r\nNegative prompt: dog\r\nline two\r\nSteps: 5, Seed: 3, Size: 64x32")
    assert windows is not None
    assert (windows.prompt, windows.negative_prompt) == ("a cat", "dog\nline two")
    assert (windows.width, windows.height) == (64, 32)
    only_negative = parse("Negative prompt: dog\nSteps: 5, Seed: 3")
    assert only_negative is not None and only_negative.prompt is None


@pytest.mark.parametrize(
    "text",
    [
        '{"prompt": "json belongs to other tools", "steps": 20}',
        "[1, 2, 3]",
        "just a prompt with no settings",
        "style: anime, mood: dark, colour: red",
        "",
        "\x00\x00",
    ],
)
def test_not_infotext(text: str) -> None:
    assert parse(text) is None
    assert split_infotext(text) is None


def test_implausible_numbers_become_none() -> None:
    meta = parse("p\nSteps: -3, CFG scale: nan, Seed: banana, Size: 0x0, Sampler: Euler")
    assert meta is not None
    assert (meta.steps, meta.cfg_scale, meta.seed, meta.width) == (None, None, None, None)


def test_sources_in_order() -> None:
    c = ImageContainer(
        format="png",
        text={"stealth": "s\nSteps: 1, Seed: 2", "exif:UserComment": "u\nSteps: 1, Seed: 3"},
    )
    meta = a1111.parse(c)
    assert meta is not None and (meta.prompt, meta.seed) == ("u", 3)
    assert a1111.parse(ImageContainer(format="png", text={"Comment": "x\nSteps: 1"})) is None


GEN = GenerationMeta(
    tool="a1111",
    prompt="a koi pond, ripples: calm\nsecond line",
    negative_prompt="blurry",
    seed=1234567890,
    steps=28,
    cfg_scale=6.5,
    sampler="DPM++ 2M",
    scheduler="Karras",
    model="dreamshaper_8",
    width=512,
    height=768,
    created_at=datetime(2024, 3, 2, 10, 20, 30, tzinfo=UTC),
)


@pytest.mark.parametrize("flavour", ["a1111", "forge", "reforge", "sdnext", "civitai"])
@pytest.mark.parametrize("container", ["png", "jpeg-be", "jpeg-le", "webp", "stealth"])
def test_writer_round_trip(flavour: str, container: str) -> None:
    text = a1111_parameters(GEN, flavour=flavour)  # type: ignore[arg-type]
    img = Image.new("RGBA", (96, 96), (10, 20, 30, 255))
    if container == "png":
        data = png_bytes(img, {"parameters": text})
    elif container.startswith("jpeg"):
        enc = "utf-16-be" if container == "jpeg-be" else "utf-16-le"
        data = jpeg_bytes(img, exif={"exif:UserComment": user_comment(text, enc)})  # type: ignore[arg-type]
    elif container == "webp":
        data = webp_bytes(img, exif={"exif:UserComment": text})
    else:
        data = stealth_png_bytes(img, text)
    meta = a1111.parse(read_container(data))
    assert meta is not None
    assert meta.tool == flavour
    assert (meta.prompt, meta.negative_prompt, meta.seed, meta.steps) == (
        GEN.prompt,
        GEN.negative_prompt,
        GEN.seed,
        GEN.steps,
    )
    assert (meta.cfg_scale, meta.sampler, meta.scheduler, meta.model) == (
        GEN.cfg_scale,
        GEN.sampler,
        GEN.scheduler,
        GEN.model,
    )
    assert (meta.width, meta.height) == (512, 768)
    assert meta.created_at == (GEN.created_at if flavour == "civitai" else None)


def test_writer_leaves_out_missing_fields() -> None:
    text = a1111_parameters(GenerationMeta(tool="a1111", prompt="p", steps=5, seed=1))
    assert text == "p\nSteps: 5, Seed: 1, Version: v1.10.1"
