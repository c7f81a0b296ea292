"""Second-pass fields: what A1111 infotext and ComfyUI graphs say about hires, upscale, img2img."""

from pathlib import Path

import pytest

from orchestration.ingest.image_metadata import read_image_metadata
from orchestration.ingest.passes import second_pass_fields
from orchestration.ingest.tools import a1111
from orchestration.ingest.tools._comfy_api import parse_api_graph

REAL = Path(__file__).resolve().parents[3] / "shared" / "realdata"


def test_a1111_hires_fields() -> None:
    meta = a1111.parse_text(
        "a red fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512, "
        "Denoising strength: 0.45, Hires upscale: 2, Hires upscaler: R-ESRGAN 4x+"
    )
    assert meta is not None
    assert second_pass_fields(meta) == {
        "upscale_factor": 2.0,
        "upscaler": "R-ESRGAN 4x+",
        "denoising_strength": 0.45,
        "init_image": None,
    }


def test_a1111_hires_resize_is_read_over_the_first_pass_size() -> None:
    meta = a1111.parse_text(
        "a red fox\nSteps: 20, Seed: 5, Size: 512x768, Hires resize: 1024x1536, "
        "Hires upscaler: Latent"
    )
    assert meta is not None and second_pass_fields(meta)["upscale_factor"] == 2.0


def test_a_plain_render_has_no_second_pass() -> None:
    meta = a1111.parse_text("a red fox\nSteps: 20, Seed: 5, Size: 512x512")
    assert meta is not None
    assert set(second_pass_fields(meta).values()) == {None}


def _sampler(seed: int, latent: list, denoise: float = 1.0) -> dict:
    return {
        "class_type": "KSampler",
        "inputs": {
            "seed": seed,
            "steps": 20,
            "cfg": 7.0,
            "denoise": denoise,
            "positive": ["6", 0],
            "negative": ["7", 0],
            "latent_image": latent,
            "model": ["4", 0],
        },
    }


def _graph(**nodes: dict) -> dict:
    base = {
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "m.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a tin robot"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry"}},
    }
    return base | nodes


def test_comfyui_latent_upscale_and_second_sampler() -> None:
    graph = _graph(
        **{
            "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512}},
            "3": _sampler(11, ["5", 0]),
            "10": {
                "class_type": "LatentUpscaleBy",
                "inputs": {"upscale_method": "bislerp", "scale_by": 1.5, "samples": ["3", 0]},
            },
            "11": _sampler(11, ["10", 0], denoise=0.5),
            "12": {"class_type": "SaveImage", "inputs": {"images": ["11", 0]}},
        }
    )
    meta = parse_api_graph(graph)
    assert meta is not None and (meta.seed, meta.width) == (11, 512)
    assert second_pass_fields(meta) == {
        "upscale_factor": 1.5,
        "upscaler": "LatentUpscaleBy (bislerp)",
        "denoising_strength": 0.5,
        "init_image": None,
    }


def test_comfyui_img2img_names_its_init_image() -> None:
    graph = _graph(
        **{
            "10": {"class_type": "LoadImage", "inputs": {"image": "ComfyUI_00007_.png"}},
            "12": {"class_type": "VAEEncode", "inputs": {"pixels": ["10", 0], "vae": ["4", 2]}},
            "3": _sampler(11, ["12", 0], denoise=0.7),
        }
    )
    meta = parse_api_graph(graph)
    assert meta is not None
    fields = second_pass_fields(meta)
    assert (fields["init_image"], fields["denoising_strength"]) == ("ComfyUI_00007_.png", 0.7)
    assert fields["upscale_factor"] is None and fields["upscaler"] is None


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realdata is absent")
def test_real_files_carry_their_second_passes() -> None:
    def fields(relative: str) -> dict:
        meta, _ = read_image_metadata((REAL / relative).read_bytes())
        return second_pass_fields(meta)

    assert fields("sd-metadata-samples/jpg/forge-classic-hires.jpeg") == {
        "upscale_factor": 1.5,
        "upscaler": "ESRGAN-UltraSharp-4x",
        "denoising_strength": 0.3,
        "init_image": None,
    }
    assert fields("sd-metadata-samples/jpg/sd-next-hires.jpg")["upscale_factor"] == 1.5
    plain = fields("sd-metadata-samples/jpg/forge-classic.jpeg")
    assert set(plain.values()) == {None}
    unclip = fields("sd-parsers-fixtures/parsers/ComfyUI/unclip_2pass_cropped.png")
    assert unclip["upscaler"] == "LatentUpscale (nearest-exact)"
    assert unclip["denoising_strength"] == 0.52 and unclip["init_image"] is None
    img2img = fields("sd-parsers-fixtures/parsers/ComfyUI/img2img_cropped.png")
    assert (img2img["init_image"], img2img["denoising_strength"]) == ("example.png", 0.87)
    upscale = fields("sd-metadata-samples/jpg/civitai-upscale.jpg")
    assert upscale["upscale_factor"] == 1.5 and upscale["upscaler"].startswith("urn:air:")
    kontext = fields("comfyui-examples/flux/flux_kontext_example_comic.webp")
    assert kontext["upscaler"] is None  # Kontext scales its reference image: no upscale
