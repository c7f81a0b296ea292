"""Procedural stand-ins for generated images, drawn without any model.

A concept fixes a palette and a layout, so new seeds of one concept stay alike (refinement reads
as high visual similarity) while different concepts look apart (exploration reads as low). The
seed jitters shapes and texture; settings nudge the picture the way they would in a real model:
CFG raises saturation and contrast, few steps blur, a sampler shifts shapes, a model tints.
"""

from __future__ import annotations

import colorsys
import hashlib
import random
import zlib
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

RGB = tuple[int, int, int]
ShapeKind = Literal["ellipse", "rect", "triangle", "band"]
Background = Literal["vertical", "horizontal", "radial", "diagonal"]

PIXEL_SCALE = 8  # one sample pixel per 8×8 generated pixels: 512 → 64, 1024 → 128
_BACKGROUNDS: tuple[Background, ...] = ("vertical", "horizontal", "radial", "diagonal")
_KINDS: tuple[ShapeKind, ...] = ("ellipse", "rect", "triangle", "band")


@dataclass(frozen=True, slots=True)
class Shape:
    """A shape in unit coordinates (centre and size as fractions of the canvas)."""

    kind: ShapeKind
    cx: float
    cy: float
    w: float
    h: float
    colour: int  # index into the look's palette


@dataclass(frozen=True, slots=True)
class Look:
    """What a concept looks like, whatever the seed."""

    palette: tuple[RGB, ...]
    background: Background
    shapes: tuple[Shape, ...]


def _stable_rng(*parts: object) -> random.Random:
    """A random stream fixed by its inputs (Python's ``hash`` varies between runs)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _hsv(h: float, s: float, v: float) -> RGB:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(r * 255), round(g * 255), round(b * 255)


def concept_look(concept: str) -> Look:
    """The palette and layout of a concept, from its key alone."""
    rng = _stable_rng("look", concept)
    hue = rng.random()
    spread = rng.choice((0.08, 0.33, 0.5))
    palette = (
        _hsv(hue, rng.uniform(0.4, 0.8), rng.uniform(0.15, 0.45)),
        _hsv(hue + spread / 2, rng.uniform(0.3, 0.7), rng.uniform(0.55, 0.9)),
        _hsv(hue + spread, rng.uniform(0.6, 1.0), rng.uniform(0.7, 1.0)),
        _hsv(hue - spread, rng.uniform(0.5, 0.9), rng.uniform(0.4, 0.95)),
    )
    shapes = tuple(
        Shape(
            rng.choice(_KINDS),
            rng.uniform(0.2, 0.8),
            rng.uniform(0.2, 0.8),
            rng.uniform(0.2, 0.6),
            rng.uniform(0.15, 0.55),
            rng.randint(1, 3),
        )
        for _ in range(rng.randint(3, 5))
    )
    return Look(palette, rng.choice(_BACKGROUNDS), shapes)


def _background(look: Look, size: tuple[int, int]) -> Image.Image:
    if look.background == "radial":
        mask = Image.radial_gradient("L")
    else:
        mask = Image.linear_gradient("L")
        mask = {
            "vertical": mask,
            "horizontal": mask.rotate(90),
            "diagonal": mask.rotate(45, fillcolor=128),
        }[look.background]
    mask = mask.resize(size, Image.Resampling.BILINEAR)
    top = Image.new("RGB", size, look.palette[0])
    return Image.composite(Image.new("RGB", size, look.palette[1]), top, mask)


def _jitter(colour: RGB, rng: random.Random, amount: int) -> RGB:
    r, g, b = (max(0, min(255, c + rng.randint(-amount, amount))) for c in colour)
    return r, g, b


def _draw_shape(
    draw: ImageDraw.ImageDraw,
    shape: Shape,
    fill: RGB,
    size: tuple[int, int],
    dx: float,
    dy: float,
    grow: float,
) -> None:
    w, h = size
    cx, cy = (shape.cx + dx) * w, (shape.cy + dy) * h
    hw, hh = shape.w * grow * w / 2, shape.h * grow * h / 2
    box = (cx - hw, cy - hh, cx + hw, cy + hh)
    if shape.kind == "ellipse":
        draw.ellipse(box, fill=fill)
    elif shape.kind == "rect":
        draw.rectangle(box, fill=fill)
    elif shape.kind == "triangle":
        draw.polygon([(cx, cy - hh), (cx + hw, cy + hh), (cx - hw, cy + hh)], fill=fill)
    else:
        draw.rectangle((0, cy - hh / 3, w, cy + hh / 3), fill=fill)


def pixel_size(width: int | None, height: int | None) -> tuple[int, int]:
    """Sample pixels for a generation size, keeping its aspect ratio (unknown size: 64×64)."""
    return (
        max(32, round((width or 512) / PIXEL_SCALE)),
        max(32, round((height or 512) / PIXEL_SCALE)),
    )


def render(
    concept: str,
    seed: int,
    *,
    width: int | None = None,
    height: int | None = None,
    cfg_scale: float | None = None,
    steps: int | None = None,
    sampler: str | None = None,
    model: str | None = None,
) -> Image.Image:
    """Draw one generation: the concept's look, varied by seed and nudged by settings."""
    look = concept_look(concept)
    size = pixel_size(width, height)
    rng = random.Random(seed)
    image = _background(look, size)
    draw = ImageDraw.Draw(image)
    shift = (zlib.crc32((sampler or "").encode()) % 1000) / 1000 * 0.04 - 0.02
    for shape in look.shapes:
        dx, dy = rng.uniform(-0.05, 0.05) + shift, rng.uniform(-0.05, 0.05)
        fill = _jitter(look.palette[shape.colour], rng, 14)
        _draw_shape(draw, shape, fill, size, dx, dy, rng.uniform(0.9, 1.1))
    # Coarse grain (4-pixel cells): varies with the seed yet keeps PNG encoding fast and small.
    cells = (max(1, size[0] // 4), max(1, size[1] // 4))
    grain = Image.frombytes("L", cells, rng.randbytes(cells[0] * cells[1]))
    image = Image.blend(image, grain.resize(size, Image.Resampling.NEAREST).convert("RGB"), 0.06)
    if model:
        tint = _stable_rng("model", model)
        image = Image.blend(image, Image.new("RGB", size, _hsv(tint.random(), 0.6, 0.8)), 0.07)
    if cfg_scale is not None:
        image = ImageEnhance.Color(image).enhance(0.55 + 0.06 * cfg_scale)
        image = ImageEnhance.Contrast(image).enhance(0.8 + 0.03 * cfg_scale)
    if steps is not None and steps < 40:
        image = image.filter(ImageFilter.GaussianBlur((40 - steps) / 25))
    return image


def plain_image(seed: int, size: tuple[int, int] = (96, 72)) -> Image.Image:
    """A picture that no generator made (a reference photo stand-in): stripes of noise."""
    rng = random.Random(seed)
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 6):
        draw.rectangle((x, 0, x + 5, size[1]), fill=_hsv(rng.random(), 0.3, 0.8))
    return image
