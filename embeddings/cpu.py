"""An optional TorchScript path for ``encode_image`` on CPU, checked against eager at load time.

``cpu_optimize="trace"`` traces ``encode_image``, freezes it (weights become constants) and runs
``torch.jit.optimize_for_inference`` (oneDNN rewrites where it has them). The result is used only
if it reproduces the eager model on a probe batch of another size than the one traced (a trace
can bake shapes in); otherwise, or when tracing raises, the encoder stays eager and says so.

It is off by default because it did not pay on the 2-core AVX2 machine this project runs on:
ViT-B-32 spends ~80% of its time in fp32 GEMMs that MKL already runs near the core's limit, the
traced graph keeps those GEMMs as they are, and tracing and freezing ViT-B-32 takes 10-30 s and a
second copy of the weights (see benchmarks/README.md, "embed").
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import torch
import torch.nn.functional as F

log = logging.getLogger(__name__)

CPU_OPTIMIZE = ("off", "trace")
MIN_COSINE = 0.999  # per image, against the eager model: the embeddings must mean the same


class _EncodeImage(torch.nn.Module):
    """``model.encode_image`` as a module's ``forward``, the shape ``torch.jit.trace`` needs."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, pixels: torch.Tensor) -> torch.Tensor:
        return self.model.encode_image(pixels)  # type: ignore[operator]


def trace_encode_image(
    model: torch.nn.Module, input_hw: tuple[int, int]
) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """A frozen, inference-optimised trace of ``model.encode_image``, or None (logged) if unfit."""
    generator = torch.Generator().manual_seed(0)
    traced_on = torch.rand(2, 3, *input_hw, generator=generator)
    checked_on = torch.rand(3, 3, *input_hw, generator=generator)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)
            traced = torch.jit.trace(_EncodeImage(model).eval(), traced_on, check_trace=False)
            optimized = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
            cosine = F.cosine_similarity(
                optimized(checked_on).float(), model.encode_image(checked_on).float(), dim=-1
            )
    except Exception as exc:  # any tracing failure means eager, which is always correct
        log.warning(
            "cpu_optimize=trace: tracing failed, running eager (%s: %s)", type(exc).__name__, exc
        )
        return None
    if float(cosine.min()) <= MIN_COSINE:
        log.warning(
            "cpu_optimize=trace: trace differs from eager (cosine %.6f), running eager",
            float(cosine.min()),
        )
        return None
    log.info("cpu_optimize=trace: encode_image traced, frozen and optimised for CPU inference")
    return optimized
