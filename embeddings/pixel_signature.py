"""`pixel-signature-v1`: a colour-and-layout descriptor for when no CLIP weights are at hand.

It is not a semantic embedding and is not called one. It answers the two questions intent
inference asks of pictures without a network: is this image a near-duplicate or seed variation
of the previous one (same layout and palette), and are consecutive images converging (rising
similarity) or did the artist pivot (a sudden drop)? Three blocks from a 32×32 thumbnail:

- layout (weight 0.5): luminance on a 16×16 grid, mean-removed, so composition counts and
  overall brightness does not;
- chroma layout (0.3): Cb/Cr on an 8×8 grid, signed around grey, so where the colours sit counts;
- palette (0.2): a 4×4×4 RGB histogram, square-rooted (Hellinger), so the colour mix counts
  wherever it sits.

Each block is scaled to unit length (with a floor, so a flat or grey image does not blow noise
up to unit length) and multiplied by the square root of its weight: the cosine of two signatures
is then the weighted mean of the three block cosines.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from embeddings.config import PIXEL_SIGNATURE_ID

MODEL_ID = PIXEL_SIGNATURE_ID
THUMB = 32
DRAFT_SIZE = 64  # JPEGs decode at 1/8 scale or less: ample for a 32×32 thumbnail
LAYOUT_GRID, CHROMA_GRID, HIST_BINS = 16, 8, 4
WEIGHTS = (0.5, 0.3, 0.2)
DIM = LAYOUT_GRID**2 + 2 * CHROMA_GRID**2 + HIST_BINS**3
_FLOORS = (0.3, 0.25, 1e-6)


def _pool(plane: np.ndarray, grid: int) -> np.ndarray:
    """Mean-pool an (H, W, ...) array of side THUMB down to (grid, grid, ...)."""
    k = THUMB // grid
    return plane.reshape(grid, k, grid, k, *plane.shape[2:]).mean(axis=(1, 3))


def _unit(block: np.ndarray, floor: float) -> np.ndarray:
    flat = block.reshape(-1).astype(np.float64)
    return flat / max(float(np.linalg.norm(flat)), floor)


def pixel_signature(image: Image.Image) -> np.ndarray:
    """The unit-length float32 signature (``DIM`` values) of one decoded image."""
    thumb = image.convert("RGB").resize((THUMB, THUMB), Image.Resampling.BOX)
    rgb = np.asarray(thumb, dtype=np.float32) / 255.0
    ycc = np.asarray(thumb.convert("YCbCr"), dtype=np.float32) / 255.0
    layout = _pool(ycc[..., 0], LAYOUT_GRID)
    chroma = _pool(ycc[..., 1:], CHROMA_GRID) - 0.5
    bins = np.minimum((rgb * HIST_BINS).astype(np.int64), HIST_BINS - 1)
    index = (bins[..., 0] * HIST_BINS + bins[..., 1]) * HIST_BINS + bins[..., 2]
    hist = np.sqrt(np.bincount(index.reshape(-1), minlength=HIST_BINS**3) / index.size)
    blocks = (layout - layout.mean(), chroma, hist)
    parts = [np.sqrt(w) * _unit(b, f) for b, w, f in zip(blocks, WEIGHTS, _FLOORS, strict=True)]
    vector = np.concatenate(parts)
    return (vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32)
