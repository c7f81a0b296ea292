"""Every real image under ../shared/realdata through ``read_image_metadata`` (see SOURCE.md files).

Each file must either yield a tool, a prompt and at least one parameter, or be rejected with a
reason; the table pins which, per file, so a regression in any reader or parser shows up here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.ingest.image_metadata import read_image_metadata
from orchestration.ingest.records import FileRejected, NoGenerationMetadata, UnreadableFile

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
CE, SM, SP = "comfyui-examples/", "sd-metadata-samples/", "sd-parsers-fixtures/"
NO_META = (NoGenerationMetadata, "no generation metadata")

# file -> expected tool, or (rejection class, reason substring)
EXPECTED: dict[str, str | tuple[type[FileRejected], str]] = {
    CE + "chroma/fennec_girl_flowers.png": "comfyui",
    CE + "chroma/fennec_girl_hug.png": "comfyui",
    CE + "chroma/fennec_girl_sing.png": "comfyui",
    CE + "flux/flux_dev_example.png": "comfyui",
    CE + "flux/flux_kontext_example_comic.webp": "comfyui",
    CE + "flux/flux_schnell_example.png": "comfyui",
    CE + "hypernetworks/hypernetwork_example_output.png": "comfyui",
    CE + "lora/lora.png": "comfyui",
    CE + "sd3/sd3_simple_example.png": "comfyui",
    CE + "sdturbo/sdxlturbo_example.png": "comfyui",
    CE + "sdxl/sdxl_simple_example.png": "comfyui",
    CE + "wan/text_to_video_wan.webp": "comfyui",
    SM + "jpg/civitai-hires.jpg": "comfyui",  # Civitai's generator, ComfyUI graph in UserComment
    SM + "jpg/civitai-upscale.jpg": "comfyui",
    SM + "jpg/civitai.jpeg": "civitai",
    SM + "jpg/comfyui-comfy-image-saver.jpeg": "comfyui",  # A1111-style text, Version: ComfyUI
    SM + "jpg/comfyui-save-image-extended.jpeg": "comfyui",
    SM + "jpg/comfyui-saveimage-plus.jpg": "comfyui",
    SM + "jpg/comfyui-saveimagewithmetadata.jpeg": "comfyui",  # A1111-style, .safetensors model
    SM + "jpg/empty.jpg": (NoGenerationMetadata, "JPEG without text, EXIF or XMP metadata"),
    SM + "jpg/forge-classic-hires.jpeg": "forge",
    SM + "jpg/forge-classic.jpeg": "forge",
    SM + "jpg/forge-neo.jpeg": "forge",
    SM + "jpg/gimp.jpg": (NoGenerationMetadata, "JPEG comment only: 'GIMPで再保存しただけ'"),
    SM + "jpg/reforge-hires.jpeg": "reforge",
    SM + "jpg/reforge.jpeg": "reforge",
    SM + "jpg/sd-next-hires.jpg": "sdnext",
    SM + "jpg/sd-next.jpg": "sdnext",
    SM + "jpg/sd-webui.jpg": "a1111",
    SM + "jpg/swarmui.jpg": "swarmui",
    SM + "png/invokeai.png": "invokeai",
    SM + "png/novelai-full.png": "novelai",
    SM + "png/ruined-fooocus.png": "ruinedfooocus",
    SM + "png/sd-webui.png": "a1111",
    SM + "png/stability-matrix.png": "stability_matrix",
    SM + "png/swarmui.png": "swarmui",
    SM + "png/tensorart.png": "tensorart",
    SM + "webp/comfyui-animated-webp.webp": "comfyui",
    SM + "webp/comfyui-comfy-image-saver.webp": "comfyui",
    SM + "webp/comfyui-save-image-extended.webp": "comfyui",
    SM + "webp/comfyui-saveimage-plus.webp": "comfyui",
    SM + "webp/comfyui-saveimagewithmetadata.webp": "comfyui",
    SM + "webp/forge-classic-hires.webp": "forge",
    SM + "webp/forge-classic.webp": "forge",
    SM + "webp/forge-neo.webp": "forge",
    SM + "webp/gimp.webp": (NoGenerationMetadata, "EXIF tags: ImageDescription, Software="),
    SM + "webp/novelai-curated.webp": "novelai",
    SM + "webp/novelai-full-3char.webp": "novelai",
    SM + "webp/reforge-hires.webp": "reforge",
    SM + "webp/sd-next.webp": "sdnext",
    SM + "webp/sd-webui.webp": "a1111",
    SM + "webp/swarmui.webp": "swarmui",
    SP + "bad_images/empty_file.png": (UnreadableFile, "empty file (0 bytes)"),
    SP + "bad_images/empty_image.jpg": NO_META,
    SP + "bad_images/empty_image.png": (NoGenerationMetadata, "PNG text keys: date:create"),
    SP + "bad_images/text_after_idat.png": "a1111",
    SP + "parsers/AUTOMATIC1111/automatic1111_cropped.jpg": "a1111",
    SP + "parsers/AUTOMATIC1111/automatic1111_cropped.png": "a1111",
    SP + "parsers/AUTOMATIC1111/automatic1111_stealth.png": "a1111",
    SP + "parsers/ComfyUI/img2img_cropped.png": "comfyui",
    SP + "parsers/ComfyUI/night_evening_day_morning_cropped.png": "comfyui",
    SP + "parsers/ComfyUI/noisy_latents_3_subjects_cropped.png": "comfyui",
    SP + "parsers/ComfyUI/unclip_2pass_cropped.png": "comfyui",
    SP + "parsers/Fooocus/fooocus1_cropped.png": "fooocus",
    SP + "parsers/InvokeAI/invokeai_dream1.png": "invokeai",
    SP + "parsers/InvokeAI/invokeai_imeta1.png": "invokeai",
    SP + "parsers/InvokeAI/invokeai_sdmeta1.png": "invokeai",
    SP + "parsers/NovelAI/novelai1_cropped.png": "novelai",
}
# Comfy Image Saver writes the literal placeholder "unknown" when no prompt was wired in (its
# seed and size are its widget defaults too): no prompt is recovered from these, by design.
NO_PROMPT = {SM + "jpg/comfyui-comfy-image-saver.jpeg", SM + "webp/comfyui-comfy-image-saver.webp"}


def _images() -> list[str]:
    if not REALDATA.is_dir():
        return []
    return sorted(
        p.relative_to(REALDATA).as_posix()
        for p in REALDATA.rglob("*")
        if p.suffix.lower() in IMAGE_SUFFIXES
    )


pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason=f"no {REALDATA}")


def test_every_real_image_has_an_expectation() -> None:
    assert set(_images()) == set(EXPECTED)


@pytest.mark.parametrize("rel", _images() or ["<no realdata>"])
def test_real_image(rel: str) -> None:
    expected = EXPECTED.get(rel)
    assert expected is not None, f"{rel}: add it to EXPECTED"
    data = (REALDATA / rel).read_bytes()
    if isinstance(expected, tuple):
        kind, reason = expected
        with pytest.raises(FileRejected) as info:
            read_image_metadata(data)
        assert type(info.value) is kind and reason in str(info.value)
        return
    meta, container = read_image_metadata(data)
    assert meta.tool == expected
    if rel in NO_PROMPT:
        assert meta.prompt is None
    else:
        assert meta.prompt
    generation = set(meta.filled_fields()) - {"prompt", "negative_prompt", "width", "height"}
    assert generation, f"{rel}: no generation parameter recovered"
    assert container.width and container.height


def test_real_details() -> None:
    """Container-level details of files that exercise the quirky paths."""
    forge, _ = read_image_metadata((REALDATA / SM / "jpg/forge-classic.jpeg").read_bytes())
    assert forge.prompt is not None and forge.prompt.endswith("テスト")  # UTF-16BE UserComment
    assert (forge.seed, forge.scheduler, forge.extra["version"]) == (
        2547514258,
        "Karras",
        "classic",
    )
    stealth, _ = read_image_metadata(
        (REALDATA / SP / "parsers/AUTOMATIC1111/automatic1111_stealth.png").read_bytes()
    )
    assert (stealth.prompt, stealth.negative_prompt) == ("a circle", "a square")
    after, _ = read_image_metadata((REALDATA / SP / "bad_images/text_after_idat.png").read_bytes())
    assert (after.prompt, after.seed, after.width) == ("photo of a duck", 235284042, 512)
    civitai, _ = read_image_metadata((REALDATA / SM / "jpg/civitai.jpeg").read_bytes())
    assert civitai.created_at is not None and civitai.created_at.isoformat().startswith(
        "2026-01-04T01:27:21"
    )
    sm, container = read_image_metadata((REALDATA / SM / "png/stability-matrix.png").read_bytes())
    assert "#テスト" in container.text["parameters"]  # mojibake repaired in the container
    assert sm.prompt is not None and "テスト" in sm.prompt
