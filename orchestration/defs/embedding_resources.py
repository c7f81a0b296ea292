"""Encoders as Dagster resources: configuration here, the model code in `embeddings/`.

Each resource loads its model at most once per run, on first use rather than in
``setup_for_execution``: a nightly run whose shards and prompts are all cached then never pays
for importing torch or loading weights, and the shard sensor can read ``images_per_shard``
without loading a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dagster as dg
from pydantic import PrivateAttr

from embeddings.config import (
    AUTO,
    DEFAULT_TEXT_MODEL,
    TEXT_BATCH_SIZE,
    TEXT_CPU_THREADS,
    ImageEncoderConfig,
    TextEncoderConfig,
)

if TYPE_CHECKING:
    from embeddings.images import ImageEncoder
    from embeddings.text import TextEncoder
    from embeddings.weights import ImageModelChoice


class ImageEncoderResource(dg.ConfigurableResource):
    """Image model and how to run it.

    ``model``: ``auto`` (CLIP ViT-B-32 if its weights are on this machine, else
    ``pixel-signature-v1``, logged loudly), ``pixel-signature-v1``, an open_clip name or
    ``local-dir:<folder>``. ``cpu_optimize``: ``off`` or ``trace`` (TorchScript on CPU, checked
    against eager; see ``embeddings.cpu``). ``images_per_shard`` sizes the ``image_shards``
    partitions; changing it re-keys the shards (cached vectors are reused, not recomputed).
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
    images_per_shard: int = 2000

    _encoder: Any = PrivateAttr(default=None)
    _choice: Any = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Resolve the model afresh in every run: weights may have arrived since the last."""
        self._choice = self._encoder = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Free the model (GPU memory) when the run ends."""
        self._encoder = None

    def encoder_config(self) -> ImageEncoderConfig:
        """The plain settings `embeddings` understands."""
        return ImageEncoderConfig(
            model=self.model,
            pretrained=self.pretrained,
            checkpoint_path=self.checkpoint_path,
            device=self.device,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            precision=self.precision,
            cpu_optimize=self.cpu_optimize,
            allow_download=self.allow_download,
            cache_dir=self.cache_dir,
        )

    def choose(self) -> ImageModelChoice:
        """The model a run would use and why, without loading it (resolved once per run)."""
        if self._choice is None:
            from embeddings.weights import choose_image_model

            self._choice = choose_image_model(self.encoder_config())
        return self._choice

    @property
    def encoder(self) -> ImageEncoder:
        """The loaded encoder, loaded on first use in this run."""
        if self._encoder is None:
            from embeddings.images import load_image_encoder

            self._encoder = load_image_encoder(self.encoder_config(), self.choose())
        return self._encoder


class TextEncoderResource(dg.ConfigurableResource):
    """Prompt model: a sentence-transformers name or path (default: offline MiniLM-L6-v2)."""

    model: str = DEFAULT_TEXT_MODEL
    device: str = AUTO
    batch_size: int = TEXT_BATCH_SIZE
    cpu_threads: int = TEXT_CPU_THREADS

    _encoder: Any = PrivateAttr(default=None)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Free the model when the run ends."""
        self._encoder = None

    @property
    def model_id(self) -> str:
        """The id stored with prompt vectors, known without loading the model."""
        from embeddings.text import text_model_id

        return text_model_id(self.model)

    @property
    def encoder(self) -> TextEncoder:
        """The loaded encoder, loaded on first use in this run."""
        if self._encoder is None:
            from embeddings.text import load_text_encoder

            self._encoder = load_text_encoder(
                TextEncoderConfig(self.model, self.device, self.batch_size, self.cpu_threads)
            )
        return self._encoder
