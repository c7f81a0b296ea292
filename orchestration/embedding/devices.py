"""Which accelerator a run uses: the one its partition maps to, unless another run holds it.

Runs of the `gpu` pool (its limit set to the number of GPUs) may run side by side on one host.
A partition key maps to a preferred GPU by hash; a run takes an exclusive file lock on its GPU
for its duration and moves on to the next free one when the preferred GPU is held, so N runs
spread over N GPUs instead of colliding on a hash.
"""

from __future__ import annotations

import fcntl
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Device nodes a CUDA (NVIDIA) or ROCm (AMD, also torch.cuda) driver creates; without any of them
# no GPU is visible, and importing torch to learn so costs seconds on every run.
GPU_DRIVER_NODES = (Path("/dev/nvidiactl"), Path("/dev/kfd"))


def visible_gpus(driver_nodes: tuple[Path, ...] = GPU_DRIVER_NODES) -> int:
    """How many CUDA devices this process sees (0 without a GPU driver, torch or CUDA)."""
    if not any(node.exists() for node in driver_nodes):
        return 0
    try:
        import torch
    except ImportError:
        return 0
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


@contextmanager
def claim_device(
    requested: str, partition_key: str, lock_dir: Path, gpu_count: int | None = None
) -> Iterator[str]:
    """Yield the device for this run; an explicit ``requested`` device is used as given."""
    count = visible_gpus() if gpu_count is None else gpu_count
    if requested != "auto" or count <= 1:
        yield requested if requested != "auto" else ("cuda" if count == 1 else "cpu")
        return
    preferred = zlib.crc32(partition_key.encode()) % count
    lock_dir.mkdir(parents=True, exist_ok=True)
    for offset in range(count):
        index = (preferred + offset) % count
        handle = open(lock_dir / f"cuda{index}.lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        try:
            yield f"cuda:{index}"
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
        return
    # Every GPU is held: the pool allows more runs than there are GPUs, so share the preferred.
    yield f"cuda:{preferred}"
