import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from embeddings.config import ImageEncoderConfig
from embeddings.images import load_image_encoder
from tests.embeddings.helpers import TINY_MODEL, write_pictures


def tiny_config(checkpoint: Path, **overrides: object) -> ImageEncoderConfig:
    settings = {"model": TINY_MODEL, "checkpoint_path": str(checkpoint), "batch_size": 4}
    return ImageEncoderConfig(**{**settings, "device": "cpu", **overrides})


def test_traced_cpu_path_matches_eager(tiny_clip: Path, tmp_path: Path) -> None:
    paths = [str(p) for p in write_pictures(tmp_path, 10)]  # batches of 4, 4 and 2
    eager = load_image_encoder(tiny_config(tiny_clip, num_workers=2))
    traced = load_image_encoder(tiny_config(tiny_clip, num_workers=2, cpu_optimize="trace"))
    assert eager.cpu_path == "eager"
    assert traced.cpu_path == "trace"

    expected, result = eager.embed(paths), traced.embed(paths)

    assert list(result.indices) == list(expected.indices) == list(range(10))
    assert result.vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(result.vectors, axis=1), 1, atol=1e-5)
    cosine = np.sum(result.vectors * expected.vectors, axis=1)
    assert cosine.min() > 0.999
    assert np.array_equal(result.vectors, traced.embed(paths).vectors)  # deterministic


def test_trace_failure_falls_back_to_eager_and_says_so(
    tiny_clip: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("untraceable")

    paths = [str(p) for p in write_pictures(tmp_path, 3)]
    expected = load_image_encoder(tiny_config(tiny_clip, num_workers=0)).embed(paths).vectors
    monkeypatch.setattr(torch.jit, "trace", refuse)
    with caplog.at_level(logging.WARNING, logger="embeddings.cpu"):
        encoder = load_image_encoder(tiny_config(tiny_clip, num_workers=0, cpu_optimize="trace"))

    assert encoder.cpu_path == "eager"
    assert "tracing failed, running eager (RuntimeError: untraceable)" in caplog.text
    assert np.array_equal(encoder.embed(paths).vectors, expected)


def test_unknown_cpu_optimize_is_refused(tiny_clip: Path) -> None:
    with pytest.raises(ValueError, match="cpu_optimize 'fast' is not one of off, trace"):
        load_image_encoder(tiny_config(tiny_clip, cpu_optimize="fast"))
