"""What the sample artists draw and with what: concepts, style modifiers, and each tool's settings.

Kept apart from the scenario logic so a synthetic evaluation can swap vocabularies without
touching how sessions are laid out. Everything here is immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Literal

Axis = Literal["cfg", "steps", "size", "sampler", "model"]


@dataclass(frozen=True, slots=True)
class Concept:
    """One subject an artist can pursue; ``key`` also seeds its look (palette, layout)."""

    key: str
    subject: str
    category: str
    modifiers: tuple[str, ...]


CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "neon_portrait",
        "portrait of a woman under neon rain",
        "portraits",
        ("cyberpunk", "rim lighting"),
    ),
    Concept(
        "dragon_portrait",
        "portrait of an ancient dragon with amber eyes",
        "portraits",
        ("fantasy art", "dramatic shadows"),
    ),
    Concept(
        "mountain_landscape",
        "mountain landscape at dawn above a glacier lake",
        "landscapes",
        ("golden hour", "wide angle"),
    ),
    Concept(
        "desert_caravan",
        "camel caravan crossing red desert dunes",
        "landscapes",
        ("matte painting", "heat haze"),
    ),
    Concept(
        "lighthouse_storm",
        "lighthouse on a cliff in a thunderstorm",
        "landscapes",
        ("crashing waves", "moody"),
    ),
    Concept(
        "abstract_wave",
        "abstract wave pattern of flowing ribbons",
        "abstract patterns",
        ("generative art", "smooth gradients"),
    ),
    Concept(
        "geometric_mosaic",
        "geometric mosaic of interlocking hexagons",
        "abstract patterns",
        ("bauhaus", "flat colors"),
    ),
    Concept(
        "scifi_corridor",
        "sci-fi space station corridor with glowing panels",
        "sci-fi interiors",
        ("hard surface", "octane render"),
    ),
    Concept(
        "retro_diner",
        "retro 1950s diner interior with chrome stools",
        "interiors",
        ("kodachrome", "soft light"),
    ),
    Concept(
        "fantasy_castle",
        "fantasy castle on a floating island",
        "fantasy landscapes",
        ("epic scale", "volumetric clouds"),
    ),
    Concept(
        "forest_spirit",
        "forest spirit among giant glowing mushrooms",
        "fantasy landscapes",
        ("bioluminescence", "mist"),
    ),
    Concept(
        "underwater_ruins",
        "sunken temple ruins under turquoise water",
        "fantasy landscapes",
        ("caustics", "god rays"),
    ),
    Concept(
        "koi_pond", "koi fish in a lily pond seen from above", "nature studies", ("ukiyo-e", "calm")
    ),
    Concept(
        "robot_garden",
        "old robot tending a greenhouse garden",
        "characters",
        ("storybook illustration", "warm palette"),
    ),
    Concept(
        "cat_astronaut",
        "cat astronaut floating inside a space capsule",
        "characters",
        ("whimsical", "pastel colors"),
    ),
    Concept(
        "art_deco_city",
        "art deco city skyline at night",
        "cityscapes",
        ("gold and black", "symmetry"),
    ),
    Concept(
        "steampunk_airship",
        "steampunk airship above a sea of clouds",
        "vehicles",
        ("brass details", "sunset"),
    ),
    Concept(
        "winter_village",
        "snowy mountain village with warm lit windows",
        "cityscapes",
        ("cozy", "blue hour"),
    ),
)

STYLE_MODIFIERS: tuple[str, ...] = (
    "highly detailed",
    "cinematic lighting",
    "volumetric fog",
    "oil painting",
    "watercolor",
    "digital art",
    "8k",
    "sharp focus",
    "bokeh",
    "film grain",
    "muted colors",
    "vibrant colors",
    "matte painting",
    "soft light",
    "dramatic shadows",
    "trending on artstation",
    "35mm photo",
    "concept art",
    "studio lighting",
    "intricate",
)


@dataclass(frozen=True, slots=True)
class ToolSettings:
    """A front end's usual settings and the alternatives an optimizing artist sweeps through."""

    tool: str
    steps: int | None
    cfg_scale: float | None
    sampler: str | None
    scheduler: str | None
    size: tuple[int, int]
    models: tuple[str, ...]
    samplers: tuple[str, ...]
    negative_prompt: str | None
    seed_bits: int = 32
    axes: tuple[Axis, ...] = ("cfg", "steps", "size", "sampler", "model")


_NEGATIVE = "lowres, blurry, bad anatomy, watermark, text"

_A1111 = ToolSettings(
    "a1111",
    30,
    7.0,
    "DPM++ 2M",
    "Karras",
    (512, 768),
    ("dreamshaper_8", "realisticVisionV60B1", "sd_xl_base_1.0"),
    ("DPM++ 2M", "Euler a", "DPM++ SDE", "UniPC"),
    _NEGATIVE,
)

TOOLS: Mapping[str, ToolSettings] = MappingProxyType(
    {
        s.tool: s
        for s in (
            _A1111,
            replace(
                _A1111, tool="forge"
            ),  # Forge keeps A1111's settings and writes its own infotext
            ToolSettings(
                "comfyui",
                20,
                8.0,
                "euler",
                "normal",
                (1024, 1024),
                (
                    "sd_xl_base_1.0.safetensors",
                    "juggernautXL_v9.safetensors",
                    "flux1-dev-fp8.safetensors",
                ),
                ("euler", "dpmpp_2m", "dpmpp_2m_sde", "uni_pc"),
                _NEGATIVE,
                seed_bits=50,
            ),
            ToolSettings(
                "midjourney", None, None, None, None, (1024, 1024), ("6.1",), (), None, axes=()
            ),
            ToolSettings(
                "invokeai",
                30,
                7.5,
                "dpmpp_2m_k",
                None,
                (1024, 1024),
                ("juggernautXL_v9", "sd_xl_base_1.0", "dreamshaperXL_v21"),
                ("dpmpp_2m_k", "euler", "euler_a", "unipc"),
                _NEGATIVE,
            ),
            ToolSettings(
                "novelai",
                28,
                5.0,
                "k_euler_ancestral",
                None,
                (832, 1216),
                ("nai-diffusion-3", "nai-diffusion-4-curated"),
                ("k_euler_ancestral", "k_euler", "k_dpmpp_2m"),
                "lowres, bad hands",
            ),
            ToolSettings(
                "fooocus",
                30,
                4.0,
                "dpmpp_2m_sde_gpu",
                "karras",
                (1152, 896),
                ("juggernautXL_v8Rundiffusion", "realisticStockPhoto_v20"),
                ("dpmpp_2m_sde_gpu", "euler_ancestral", "dpmpp_3m_sde_gpu"),
                _NEGATIVE,
                seed_bits=62,
            ),
            ToolSettings(
                "swarmui",
                25,
                7.0,
                "euler",
                "normal",
                (1024, 1024),
                ("OfficialStableDiffusion/sd_xl_base_1.0", "juggernautXL_v9", "dreamshaperXL_v21"),
                ("euler", "dpmpp_2m", "euler_ancestral"),
                _NEGATIVE,
            ),
            ToolSettings(
                "tensorart",
                25,
                3.5,
                "euler",
                "simple",
                (1024, 1024),
                ("FLUX.1-dev-fp8", "TensorArt-Illustrious-XL"),
                ("euler", "dpmpp_2m", "heun"),
                None,
                seed_bits=48,
            ),
            ToolSettings(
                "stability_matrix",
                30,
                7.0,
                "euler_ancestral",
                "karras",
                (1024, 1024),
                ("juggernautXL_v9", "sd_xl_base_1.0"),
                ("euler_ancestral", "dpmpp_2m", "dpmpp_sde"),
                _NEGATIVE,
            ),
            ToolSettings(
                "diffusiondb",
                50,
                7.0,
                "k_lms",
                None,
                (512, 512),
                (),
                ("k_lms", "k_euler_ancestral", "ddim", "k_dpm_2"),
                None,
                axes=("cfg", "steps", "size", "sampler"),
            ),
        )
    }
)
