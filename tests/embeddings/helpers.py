"""Fixtures the embedding tests build themselves: a tiny open_clip checkpoint and images."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

TINY_MODEL = "tiny-vit-test"
TINY_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": 64, "layers": 2, "width": 64, "head_width": 32, "patch_size": 32},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 2},
}


def write_tiny_clip(folder: Path) -> Path:
    """Register the tiny architecture with open_clip and save seeded random weights to a file."""
    import open_clip
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{TINY_MODEL}.json").write_text(json.dumps(TINY_CONFIG))
    open_clip.add_model_config(folder)  # the file name is the model name
    torch.manual_seed(0)
    model = open_clip.create_model(TINY_MODEL)
    checkpoint = folder / "tiny_clip.pt"
    torch.save(model.state_dict(), checkpoint)
    return checkpoint


def picture(seed: int, size: tuple[int, int] = (96, 80)) -> Image.Image:
    """A distinct picture per seed: a coloured gradient with a bright block somewhere."""
    rng = np.random.default_rng(seed)
    w, h = size
    y, x = np.mgrid[0:h, 0:w] / max(w, h)
    base = rng.random(3) * 255
    slope = (rng.random(3) - 0.5) * 400
    pixels = base + slope * (x[..., None] if seed % 2 else y[..., None])
    bx, by = rng.integers(0, w // 2), rng.integers(0, h // 2)
    pixels[by : by + h // 3, bx : bx + w // 3] = rng.random(3) * 255
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def near_duplicate(image: Image.Image, seed: int) -> Image.Image:
    """The same picture with faint noise, as a re-encode or a close seed variation gives."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, 4, (image.height, image.width, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def write_pictures(folder: Path, count: int, start: int = 0) -> list[Path]:
    """``count`` distinct pictures, PNG and JPEG alternating."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(start, start + count):
        path = folder / f"img_{seed:03d}.{'png' if seed % 2 else 'jpg'}"
        picture(seed).save(path)
        paths.append(path)
    return paths
