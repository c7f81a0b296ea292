"""What an encoder is asked to be: plain, frozen settings that resources translate into."""

from __future__ import annotations

import re
from dataclasses import dataclass

PIXEL_SIGNATURE_ID = "pixel-signature-v1"
AUTO = "auto"
# `auto` tries the most common open CLIP, offline only; see `weights.choose_image_model`.
AUTO_CLIP_MODEL = "ViT-B-32"
AUTO_CLIP_PRETRAINED = "laion2b_s34b_b79k"
# Where those weights live on the Hugging Face hub (open_clip's own table says the same; a test
# checks): `auto` looks for them in the cache without importing open_clip, which costs seconds.
AUTO_CLIP_HUB = "laion/CLIP-ViT-B-32-laion2B-s34B-b79K/"
DEFAULT_TEXT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True, slots=True)
class ImageEncoderConfig:
    """How to embed images.

    ``model`` is ``auto``, ``pixel-signature-v1``, an open_clip model name (``ViT-B-32``) or
    ``local-dir:<folder>``. A named CLIP model needs weights: ``pretrained`` (a tag found in the
    local cache), ``checkpoint_path`` (a state-dict file) or the local-dir folder. Downloads
    happen only with ``allow_download``, so a run never fetches gigabytes by surprise.
    ``cpu_optimize`` is ``off`` (eager) or ``trace`` (a frozen TorchScript trace of the image
    tower on CPU, checked against eager at load; see ``embeddings.cpu``).
    """

    model: str = AUTO
    pretrained: str | None = None
    checkpoint_path: str | None = None
    device: str = AUTO
    batch_size: int = 64
    num_workers: int | None = None
    precision: str = AUTO
    cpu_optimize: str = "off"
    allow_download: bool = False
    cache_dir: str | None = None


# Chosen by `benchmarks/prompts.py` on the 2-core CPU machine, 917 real prompts. Near idle
# (load 1.7): torch's own 2 threads at batch 32 embed 182 sentences/s, 1.14× batch 64 (the old
# default) and 1.8× one thread, and use 1.13× fewer CPU-seconds per sentence than batch 64.
# Batches 8–32 are within noise of each other; 128 is 0.74×. Under load from other programs
# (load 2.9) two threads fell to 0.4× and one thread did 2.1×: `cpu_threads=1` there.
TEXT_BATCH_SIZE = 32
TEXT_CPU_THREADS = 0


@dataclass(frozen=True, slots=True)
class TextEncoderConfig:
    """How to embed prompts: a sentence-transformers model name or local path."""

    model: str = DEFAULT_TEXT_MODEL
    device: str = AUTO
    batch_size: int = TEXT_BATCH_SIZE
    cpu_threads: int = TEXT_CPU_THREADS  # torch threads while encoding on CPU; 0: torch's own


def safe_id(text: str) -> str:
    """A model id that is also a safe directory name (``model=<id>`` in the lake)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "model"


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when a GPU is visible, else ``cpu``; anything else is kept."""
    if device != AUTO:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
