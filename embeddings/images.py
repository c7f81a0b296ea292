"""Image encoder: open_clip (or the pixel signature) behind one batched DataLoader pipeline.

Usage: ``encoder = load_image_encoder(ImageEncoderConfig(...))`` then
``encoder.embed(paths_or_bytes)``. Worker processes decode and preprocess while the main process
runs the model, so the accelerator never waits on one CPU core; the GPU idiom follows the
open_clip README (``eval``, ``inference_mode``, autocast on CUDA only, normalised features).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader

from embeddings import pixel_signature
from embeddings.config import AUTO, ImageEncoderConfig, resolve_device
from embeddings.cpu import CPU_OPTIMIZE, trace_encode_image
from embeddings.decode import ImageDataset, ImageRef, no_features
from embeddings.thumbnails import THUMBNAIL_PX
from embeddings.weights import ImageModelChoice, choose_image_model

log = logging.getLogger(__name__)

PRECISIONS = (AUTO, "fp32", "fp16", "bf16")


@dataclass(slots=True)
class ImageEmbeddings:
    """Vectors for the images that decoded (``indices`` into the input), errors for the rest."""

    indices: np.ndarray
    vectors: np.ndarray
    errors: dict[int, str] = field(default_factory=dict)
    thumbnails: int = 0  # thumbnails written on the way


@dataclass(slots=True)
class Thumbnails:
    """What a decode-only thumbnail pass did: files written, errors by input index."""

    written: int = 0
    errors: dict[int, str] = field(default_factory=dict)


def _pixel_transform(image: Image.Image) -> torch.Tensor:
    return torch.from_numpy(pixel_signature.pixel_signature(image))


def default_workers() -> int:
    """One decode worker per core, at most 8: the main process mostly waits on the device."""
    return max(1, min(8, os.cpu_count() or 1))


class ImageEncoder:
    """A loaded image model; ``embed`` returns L2-normalised float32 vectors."""

    def __init__(
        self,
        choice: ImageModelChoice,
        cfg: ImageEncoderConfig,
        transform: Callable[[Image.Image], torch.Tensor],
        input_hw: tuple[int, int],
        dim: int,
        module: torch.nn.Module | None = None,
    ) -> None:
        self.choice = choice
        self.cfg = cfg
        self.transform = transform
        self.input_hw = input_hw
        self.dim = dim
        self.module = module
        self.batch_size = cfg.batch_size
        self.num_workers = default_workers() if cfg.num_workers is None else cfg.num_workers
        if cfg.precision not in PRECISIONS:
            raise ValueError(f"precision {cfg.precision!r} is not one of {', '.join(PRECISIONS)}")
        if cfg.cpu_optimize not in CPU_OPTIMIZE:
            raise ValueError(
                f"cpu_optimize {cfg.cpu_optimize!r} is not one of {', '.join(CPU_OPTIMIZE)}"
            )
        self.device = "cpu"
        self._encode: Callable[[torch.Tensor], torch.Tensor] | None = None
        self.cpu_path = "eager"  # or "trace": what runs the image tower on CPU (metadata, tests)
        self.to(resolve_device(cfg.device))

    @property
    def model_id(self) -> str:
        """Stored with every vector; vectors of two model ids are never compared."""
        return self.choice.model_id

    def to(self, device: str) -> ImageEncoder:
        """Move the model (if any) to ``device``; on a multi-GPU host each run takes its own."""
        if self.module is not None:  # the pixel signature is computed in the decode workers
            self.module.to(device)
            self.device = device
            self._encode = self.module.encode_image  # type: ignore[assignment]
            self.cpu_path = "eager"
            if device == "cpu" and self.cfg.cpu_optimize == "trace":
                traced = trace_encode_image(self.module, self.input_hw)
                if traced is not None:
                    self._encode, self.cpu_path = traced, "trace"
        return self

    @property
    def precision(self) -> str:
        """``fp32`` on CPU; ``bf16`` or ``fp16`` autocast on CUDA (config ``precision``)."""
        if not self.device.startswith("cuda") or self.module is None:
            return "fp32"
        if self.cfg.precision != AUTO:
            return self.cfg.precision
        return "bf16" if torch.cuda.is_bf16_supported() else "fp16"

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16}
        if self.precision not in dtypes:
            return contextlib.nullcontext()
        return torch.autocast("cuda", dtype=dtypes[self.precision])

    def _placeholder(self) -> torch.Tensor:
        if self.module is None:
            return torch.zeros(self.dim)
        return torch.zeros(3, *self.input_hw)

    def embed(
        self,
        refs: Sequence[ImageRef],
        hashes: Sequence[str] | None = None,
        on_batch: Callable[[int], None] | None = None,
        thumbnails: Path | None = None,
    ) -> ImageEmbeddings:
        """Embed ``refs`` in order; ``hashes`` (sha256 hex) are verified when given.

        With ``hashes`` and a ``thumbnails`` folder, the decode workers also write each image's
        missing thumbnail (see ``embeddings.thumbnails``).
        """
        dataset = ImageDataset(
            refs, self.transform, max(self.input_hw), self._placeholder, hashes, thumbnails
        )
        loader = _loader(
            dataset, self.batch_size, self.num_workers, pin=self.device.startswith("cuda")
        )
        indices, vectors, errors, written = [], [], {}, 0
        with torch.inference_mode():
            for index, batch, error, thumbnailed in loader:
                written += int(thumbnailed.sum())
                ok = torch.tensor([not e for e in error], dtype=torch.bool)
                errors.update({int(i): e for i, e in zip(index, error, strict=True) if e})
                if ok.any():
                    vectors.append(self._forward(batch[ok]))
                    indices.append(index[ok].numpy())
                if on_batch is not None:
                    on_batch(len(index))
        if not vectors:
            empty = np.empty((0, self.dim), np.float32)
            return ImageEmbeddings(np.empty(0, np.int64), empty, errors, written)
        return ImageEmbeddings(np.concatenate(indices), np.concatenate(vectors), errors, written)

    def _forward(self, batch: torch.Tensor) -> np.ndarray:
        if self._encode is None:
            features = batch
        else:
            with self._autocast():
                features = self._encode(batch.to(self.device, non_blocking=True))
        return F.normalize(features.float(), dim=-1).cpu().numpy().astype(np.float32)


def _loader(dataset: ImageDataset, batch_size: int, workers: int, pin: bool = False) -> DataLoader:
    """Batches decoded in worker processes; a single batch is decoded inline (no pool start-up)."""
    workers = workers if len(dataset) > batch_size else 0
    return DataLoader(
        dataset,  # type: ignore[arg-type] - map-style: __len__ and __getitem__
        batch_size=batch_size,
        num_workers=workers,
        pin_memory=pin,
        prefetch_factor=4 if workers else None,
    )


def make_thumbnails(
    refs: Sequence[ImageRef],
    hashes: Sequence[str],
    folder: Path,
    num_workers: int | None = None,
    batch_size: int = 64,
) -> Thumbnails:
    """Write missing thumbnails of images already embedded: decode only, no model loaded.

    This is how a data directory embedded before thumbnails existed gets them on its next run.
    """
    dataset = ImageDataset(refs, no_features, THUMBNAIL_PX, no_features, hashes, folder)
    workers = default_workers() if num_workers is None else num_workers
    done = Thumbnails()
    for index, _, error, thumbnailed in _loader(dataset, batch_size, workers):
        done.written += int(thumbnailed.sum())
        done.errors.update({int(i): e for i, e in zip(index, error, strict=True) if e})
    return done


def load_image_encoder(
    cfg: ImageEncoderConfig, choice: ImageModelChoice | None = None
) -> ImageEncoder:
    """Load the configured model once; ``auto`` logs loudly when it falls back to pixels."""
    choice = choice or choose_image_model(cfg)
    if choice.kind == "pixel":
        log.warning("image model: %s (%s)", choice.model_id, choice.reason)
        return ImageEncoder(
            choice, cfg, _pixel_transform, (pixel_signature.DRAFT_SIZE,) * 2, pixel_signature.DIM
        )
    import open_clip

    pp = choice.pretrained_cfg
    model, preprocess = open_clip.create_model_from_pretrained(
        choice.model_name,
        pretrained=choice.weights,
        image_mean=pp.get("mean"),
        image_std=pp.get("std"),
        image_interpolation=pp.get("interpolation"),
        image_resize_mode=pp.get("resize_mode"),
        force_quick_gelu=bool(pp.get("quick_gelu", False)),
        cache_dir=cfg.cache_dir,
    )  # require_pretrained: raises rather than embedding with random weights
    model.eval()
    size = model.visual.preprocess_cfg["size"]
    hw = (int(size[0]), int(size[-1])) if isinstance(size, tuple | list) else (int(size),) * 2
    with torch.inference_mode():  # the embedding width, whatever the vision tower
        dim = int(model.encode_image(torch.zeros(1, 3, *hw)).shape[-1])
    log.info("image model: %s (%s)", choice.model_id, choice.reason)
    return ImageEncoder(choice, cfg, preprocess, hw, dim, module=model)
