"""The tool parsers against real files from /work/shared/realdata (see each SOURCE.md).

Text fields are extracted here with Pillow, independently of the ingest container reader, the
way ``read_container`` keys them: PNG chunks by keyword, EXIF tags as ``exif:<TagName>`` with
UserComment's charset header decoded, and UTF-8 stored as Latin-1 repaired.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import ExifTags, Image, UnidentifiedImageError

from orchestration.ingest.records import FileRejected, GenerationMeta, ImageContainer
from orchestration.ingest.tools import (
    comfyui,
    fooocus,
    invokeai,
    novelai,
    stability_matrix,
    swarmui,
    tensorart,
)

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="no /work/shared/realdata")

PARSERS: dict[str, Callable[[ImageContainer], GenerationMeta | None]] = {
    "comfyui": comfyui.parse,
    "invokeai": invokeai.parse,
    "novelai": novelai.parse,
    "fooocus": fooocus.parse,
    "swarmui": swarmui.parse,
    "tensorart": tensorart.parse,
    "stability_matrix": stability_matrix.parse,
}
CE, SP, SM = "comfyui-examples/", "sd-parsers-fixtures/parsers/", "sd-metadata-samples/"
MIKU = "hatsune miku"
# file, parser, expected tool, prompt substring, seed, steps, cfg
CASES: list[tuple[str, str, str, str, int | None, int | None, float | None]] = [
    (
        CE + "hypernetworks/hypernetwork_example_output.png",
        "comfyui",
        "comfyui",
        "marble statue",
        572636856966402,
        20,
        8.0,
    ),
    (CE + "sdturbo/sdxlturbo_example.png", "comfyui", "comfyui", "galaxy inside", 0, 1, 1.0),
    (
        CE + "sdxl/sdxl_simple_example.png",
        "comfyui",
        "comfyui",
        "evening sunset scenery",
        721897303308196,
        25,
        8.0,
    ),
    (
        CE + "sd3/sd3_simple_example.png",
        "comfyui",
        "comfyui",
        "pink and red galaxy",
        125338548270506,
        30,
        5.45,
    ),
    (
        CE + "flux/flux_dev_example.png",
        "comfyui",
        "comfyui",
        "fennec ears",
        219670278747233,
        20,
        None,
    ),
    (
        CE + "flux/flux_schnell_example.png",
        "comfyui",
        "comfyui",
        "rainbow galaxy",
        112298569477003,
        4,
        None,
    ),
    (
        CE + "flux/flux_kontext_example_comic.webp",
        "comfyui",
        "comfyui",
        "sitting on a bench",
        972054013131399,
        20,
        1.0,
    ),
    (
        CE + "chroma/fennec_girl_flowers.png",
        "comfyui",
        "comfyui",
        "fennec",
        592194909579488,
        30,
        4.02,
    ),
    (
        CE + "chroma/fennec_girl_hug.png",
        "comfyui",
        "comfyui",
        "rpg game style",
        1084700453155415,
        30,
        4.0,
    ),
    (CE + "chroma/fennec_girl_sing.png", "comfyui", "comfyui", "fennec", 1056632876965862, 25, 4.0),
    (
        CE + "lora/lora.png",
        "comfyui",
        "comfyui",
        "masterpiece best quality girl",
        851616030078638,
        20,
        8.0,
    ),
    (
        CE + "wan/text_to_video_wan.webp",
        "comfyui",
        "comfyui",
        "a fox moving quickly",
        82628696717253,
        30,
        6.0,
    ),
    (
        SP + "ComfyUI/img2img_cropped.png",
        "comfyui",
        "comfyui",
        "victorian woman with wings",
        280823642470253,
        20,
        8.0,
    ),
    (
        SP + "ComfyUI/night_evening_day_morning_cropped.png",
        "comfyui",
        "comfyui",
        "morning sky",
        335608130539327,
        13,
        8.5,
    ),
    (
        SP + "ComfyUI/noisy_latents_3_subjects_cropped.png",
        "comfyui",
        "comfyui",
        "national park",
        512136241112371,
        16,
        7.0,
    ),
    (
        SP + "ComfyUI/unclip_2pass_cropped.png",
        "comfyui",
        "comfyui",
        "waifu",
        1106257833005336,
        26,
        8.0,
    ),
    (
        SM + "jpg/comfyui-save-image-extended.jpeg",
        "comfyui",
        "comfyui",
        MIKU,
        813617545434765,
        20,
        5.0,
    ),
    (SM + "jpg/comfyui-saveimage-plus.jpg", "comfyui", "comfyui", MIKU, 577723948579568, 20, 5.0),
    (SM + "webp/comfyui-animated-webp.webp", "comfyui", "comfyui", MIKU, 270932924124066, 20, 5.0),
    (
        SM + "webp/comfyui-save-image-extended.webp",
        "comfyui",
        "comfyui",
        MIKU,
        602057552457611,
        20,
        5.0,
    ),
    (SM + "webp/comfyui-saveimage-plus.webp", "comfyui", "comfyui", MIKU, 453851843419278, 20, 5.0),
    # Civitai's generator: a ComfyUI graph in UserComment (SOURCE.md calls it A1111 text)
    (SM + "jpg/civitai-hires.jpg", "comfyui", "comfyui", MIKU, 1311178179, 25, 5.0),
    (SM + "jpg/civitai-upscale.jpg", "comfyui", "comfyui", MIKU, 1311178179, 25, 5.0),
    (SM + "png/swarmui.png", "swarmui", "swarmui", MIKU, 2083100758, 20, 7.0),
    (SM + "jpg/swarmui.jpg", "swarmui", "swarmui", MIKU, 697543491, 20, 7.0),
    (SM + "webp/swarmui.webp", "swarmui", "swarmui", MIKU, 830680752, 20, 7.0),
    (SM + "png/invokeai.png", "invokeai", "invokeai", MIKU, 3951921344, 24, 6.0),
    (
        SP + "InvokeAI/invokeai_imeta1.png",
        "invokeai",
        "invokeai",
        "painterly brushstrokes",
        3293022630,
        35,
        8.0,
    ),
    (
        SP + "InvokeAI/invokeai_sdmeta1.png",
        "invokeai",
        "invokeai",
        "professional full body",
        2980747362,
        50,
        5.0,
    ),
    (
        SP + "InvokeAI/invokeai_dream1.png",
        "invokeai",
        "invokeai",
        "professional full body",
        2980747362,
        50,
        5.0,
    ),
    (SM + "png/novelai-full.png", "novelai", "novelai", MIKU, 2043807047, 28, 5.0),
    (SM + "webp/novelai-curated.webp", "novelai", "novelai", MIKU, 880673757, 23, 5.0),
    (
        SM + "webp/novelai-full-3char.webp",
        "novelai",
        "novelai",
        "2girls, 1boy, dancing",
        447042893,
        28,
        5.0,
    ),
    (
        SP + "NovelAI/novelai1_cropped.png",
        "novelai",
        "novelai",
        "cat, space, icon",
        2253955223,
        50,
        10.0,
    ),
    (
        SP + "Fooocus/fooocus1_cropped.png",
        "fooocus",
        "fooocus",
        "a smiling goldfish",
        6952411511246973023,
        30,
        4.0,
    ),
    (SM + "png/ruined-fooocus.png", "fooocus", "ruinedfooocus", MIKU, 2020047614, 30, 8.0),
    (SM + "png/tensorart.png", "tensorart", "tensorart", MIKU, 3036459311, 25, 7.0),
    (
        SM + "png/stability-matrix.png",
        "stability_matrix",
        "stability_matrix",
        MIKU,
        395309383,
        20,
        5.0,
    ),
]
# Files whose ComfyUI graph belongs to another tool's output: the dispatcher tries that tool
# first, so the ComfyUI parser may also read them.
ALSO_COMFY = {SM + "png/swarmui.png", SM + "png/tensorart.png", SM + "png/stability-matrix.png"}


def _repair(text: str) -> str:
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _user_comment(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    head, body = raw[:8], raw[8:]
    if head.startswith(b"UNICODE"):
        big_endian = body[:1] == b"\x00" and body[1:2] != b"\x00"
        return body.decode("utf-16-be" if big_endian else "utf-16-le", "replace")
    return body.decode("utf-8", "replace")


def load(path: Path) -> ImageContainer:
    with Image.open(path) as image:
        text: dict[str, str] = {}
        if image.format == "PNG":
            text.update({k: _repair(v) for k, v in image.text.items() if isinstance(v, str)})
        exif = image.getexif()
        tags = [*exif.items(), *exif.get_ifd(ExifTags.IFD.Exif).items()]
        for tag, value in tags:
            name = ExifTags.TAGS.get(tag)
            if name == "UserComment":
                value = _user_comment(value)
            if name and isinstance(value, str):
                text[f"exif:{name}"] = _repair(value)
        fmt = (image.format or "").lower()
        return ImageContainer(format=fmt, width=image.width, height=image.height, text=text)


@pytest.mark.parametrize(
    ("rel", "parser", "tool", "words", "seed", "steps", "cfg"), CASES, ids=[c[0] for c in CASES]
)
def test_real_file(
    rel: str,
    parser: str,
    tool: str,
    words: str,
    seed: int | None,
    steps: int | None,
    cfg: float | None,
) -> None:
    meta = PARSERS[parser](load(REALDATA / rel))
    assert meta is not None
    assert meta.tool == tool
    assert meta.prompt is not None and words in meta.prompt
    assert (meta.seed, meta.steps) == (seed, steps)
    assert meta.cfg_scale == pytest.approx(cfg) if cfg is not None else meta.cfg_scale is None
    assert meta.sampler is not None


def test_parsers_claim_only_their_own_files() -> None:
    """Every real image, through every parser: no parser reads another tool's metadata."""
    expected = {rel: {parser} for rel, parser, *_ in CASES}
    for rel in ALSO_COMFY:
        expected[rel].add("comfyui")
    for path in sorted(
        p for p in REALDATA.rglob("*") if p.suffix in {".png", ".jpg", ".jpeg", ".webp"}
    ):
        rel = path.relative_to(REALDATA).as_posix()
        try:
            container = load(path)
        except (UnidentifiedImageError, OSError):
            continue  # empty/truncated fixtures belong to the container reader's tests
        claimed = set()
        for name, parse in PARSERS.items():
            try:
                if parse(container) is not None:
                    claimed.add(name)
            except FileRejected:
                claimed.add(name)
        assert claimed == expected.get(rel, set()), rel


def test_real_details() -> None:
    """Fields beyond seed/steps/cfg on files that exercise special paths."""
    sdxl = comfyui.parse(load(REALDATA / CE / "sdxl/sdxl_simple_example.png"))
    assert sdxl is not None and sdxl.model == "sd_xl_base_1.0.safetensors"
    assert sdxl.negative_prompt == "text, watermark" and sdxl.width == 1024
    wan = comfyui.parse(load(REALDATA / CE / "wan/text_to_video_wan.webp"))
    assert wan is not None and (wan.width, wan.height) == (832, 480)
    flux = comfyui.parse(load(REALDATA / CE / "flux/flux_dev_example.png"))
    assert flux is not None and flux.extra["guidance"] == "3.5" and flux.negative_prompt is None
    swarm = swarmui.parse(load(REALDATA / SM / "png/swarmui.png"))
    assert swarm is not None and swarm.created_at is None and swarm.extra["date"] == "2026-01-03"
    sm = stability_matrix.parse(load(REALDATA / SM / "png/stability-matrix.png"))
    assert sm is not None and (sm.sampler, sm.scheduler) == ("euler_ancestral", "karras")
    nai = novelai.parse(load(REALDATA / SM / "webp/novelai-full-3char.webp"))
    assert nai is not None and "kagamine rin" in nai.extra["characters"]
    assert nai.model == "NovelAI Diffusion V4.5" and nai.scheduler == "karras"
    upscale = comfyui.parse(load(REALDATA / SM / "jpg/civitai-upscale.jpg"))
    assert upscale is not None and upscale.extra["platform"] == "civitai"
    assert (upscale.width, upscale.height) == (1024, 1024)
    old = invokeai.parse(load(REALDATA / SP / "InvokeAI/invokeai_dream1.png"))
    assert old is not None and old.negative_prompt == "rendering, glowing eyes, skinny"
    assert "[" not in (old.prompt or "")
