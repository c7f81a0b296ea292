"""Turn generations into the files each front end saves: names, containers, metadata.

Every tool names and stores its output its own way (A1111's ``00012-<seed>.png``, ComfyUI's
counter, Midjourney's prompt slug and job id, SwarmUI's JPEG with EXIF); the sample follows them
so the ingest meets realistic paths as well as realistic metadata. Broken files are made here too.
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Literal

from PIL import Image

from orchestration.sample.pixels import plain_image, render
from orchestration.sample.scenarios import ArtistScenario, SampleGeneration
from orchestration.sample.writers.a1111 import Flavour, a1111_parameters
from orchestration.sample.writers.comfyui import comfyui_text
from orchestration.sample.writers.containers import jpeg_bytes, png_bytes, webp_bytes
from orchestration.sample.writers.fooocus import fooocus_text
from orchestration.sample.writers.invokeai import invokeai_text
from orchestration.sample.writers.midjourney import midjourney_description
from orchestration.sample.writers.novelai import novelai_text
from orchestration.sample.writers.stability_matrix import stability_matrix_text
from orchestration.sample.writers.swarmui import swarmui_text
from orchestration.sample.writers.tensorart import tensorart_text

ExpectedStatus = Literal["ok", "unreadable", "no_metadata", "unsupported", "duplicate"]


@dataclass(slots=True)
class SampleFile:
    """One archive member and what the ingest should make of it."""

    path: str
    data: bytes
    modified_at: datetime
    format: str | None
    generation: SampleGeneration | None = None
    status: ExpectedStatus = "ok"
    duplicate_of: str | None = None

    @property
    def sha256(self) -> str:
        """The content hash the ingest keys generations by."""
        return hashlib.sha256(self.data).hexdigest()


def _image(g: SampleGeneration) -> Image.Image:
    m = g.meta
    seed = m.seed if m.seed is not None and g.batch_index == 0 else g.render_seed
    return render(
        g.concept,
        seed,
        width=m.width,
        height=m.height,
        cfg_scale=m.cfg_scale,
        steps=m.steps,
        sampler=m.sampler,
        model=m.model,
    )


def _slug(text: str | None, limit: int = 40) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (text or "").lower()).strip("_")[:limit].rstrip("_")


def _day(g: SampleGeneration) -> str:
    return g.created_at.strftime("%Y-%m-%d")


@dataclass(slots=True)
class _Encoded:
    path: str
    data: bytes
    format: str


Encoder = Callable[[SampleGeneration, int, random.Random], _Encoded]


def _a1111(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    """A1111 and Forge: ``outputs/txt2img-images/<day>/<n>-<seed>.png``."""
    flavour: Flavour = "forge" if g.meta.tool == "forge" else "a1111"
    text = {"parameters": a1111_parameters(g.meta, flavour=flavour)}
    path = f"outputs/txt2img-images/{_day(g)}/{n:05d}-{g.meta.seed}.png"
    return _Encoded(path, png_bytes(_image(g), text), "png")


def _comfyui(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    return _Encoded(
        f"output/ComfyUI_{n:05d}_.png", png_bytes(_image(g), comfyui_text(g.meta)), "png"
    )


def _midjourney(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    """Web downloads: ``<user>_<prompt slug>_<job id>_<index>``; some saved as WebP."""
    stem = f"{g.artist}_{_slug(g.meta.prompt)}_{g.meta.job_id}_{g.batch_index}"
    text = midjourney_description(replace(g.meta, extra={"author": g.artist}))
    if rng.random() < 0.3:
        return _Encoded(f"{stem}.webp", webp_bytes(_image(g), exif=text), "webp")
    return _Encoded(f"{stem}.png", png_bytes(_image(g), text), "png")


def _invokeai(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    name = uuid.UUID(int=rng.getrandbits(128), version=4)
    return _Encoded(
        f"invokeai/outputs/images/{name}.png", png_bytes(_image(g), invokeai_text(g.meta)), "png"
    )


def _novelai(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    stem = f"novelai/{_slug(g.meta.prompt, 30)} s-{g.meta.seed}"
    if rng.random() < 0.3:
        text = novelai_text(g.meta, container="webp")
        return _Encoded(f"{stem}.webp", webp_bytes(_image(g), exif=text), "webp")
    return _Encoded(f"{stem}.png", png_bytes(_image(g), novelai_text(g.meta)), "png")


def _fooocus(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    stamp = g.created_at.strftime("%Y-%m-%d_%H-%M-%S")
    path = f"fooocus/outputs/{_day(g)}/{stamp}_{rng.randrange(1000, 10000)}.png"
    return _Encoded(path, png_bytes(_image(g), fooocus_text(g.meta)), "png")


def _swarmui(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    """SwarmUI saves JPEG here: metadata in EXIF UserComment, time in DateTimeOriginal."""
    stem = (
        f"swarmui/Output/local/raw/{_day(g)}/{g.created_at:%H%M%S}-"
        f"{_slug(g.meta.prompt, 30)}-{g.meta.seed}"
    )
    if g.phase_no > 1 or n % 3:
        text = swarmui_text(g.meta, container="exif")
        data = jpeg_bytes(_image(g), exif=text, exif_datetime=g.created_at)
        return _Encoded(f"{stem}.jpg", data, "jpeg")
    return _Encoded(f"{stem}.png", png_bytes(_image(g), swarmui_text(g.meta)), "png")


def _tensorart(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    return _Encoded(
        f"tensorart/{rng.getrandbits(60)}.png", png_bytes(_image(g), tensorart_text(g.meta)), "png"
    )


def _stability_matrix(g: SampleGeneration, n: int, rng: random.Random) -> _Encoded:
    path = f"stability-matrix/Images/Text2Image/{_day(g)}/{g.created_at:%H%M%S}_{n:04d}.png"
    return _Encoded(path, png_bytes(_image(g), stability_matrix_text(g.meta)), "png")


ENCODERS: Mapping[str, Encoder] = MappingProxyType(
    {
        "a1111": _a1111,
        "forge": _a1111,
        "comfyui": _comfyui,
        "midjourney": _midjourney,
        "invokeai": _invokeai,
        "novelai": _novelai,
        "fooocus": _fooocus,
        "swarmui": _swarmui,
        "tensorart": _tensorart,
        "stability_matrix": _stability_matrix,
    }
)


def encode_artist(artist: ArtistScenario, rng: random.Random) -> list[SampleFile]:
    """Every generation of an artist as the file its tool saved, stamped with its time."""
    files = []
    for n, g in enumerate(artist.generations, start=1):
        encoded = ENCODERS[g.meta.tool](g, n, rng)
        files.append(SampleFile(encoded.path, encoded.data, g.created_at, encoded.format, g))
    return files


def _png(image: Image.Image) -> bytes:
    return png_bytes(image, {})


def zero_byte_png(path: str, at: datetime) -> SampleFile:
    """A save interrupted before any byte was written."""
    return SampleFile(path, b"", at, "png", status="unreadable")


def truncated_png(g: SampleGeneration, path: str) -> SampleFile:
    """A download cut off halfway: the header survives, the image data does not."""
    whole = png_bytes(_image(g), comfyui_text(g.meta))
    return SampleFile(
        path,
        whole[: len(whole) // 2],
        g.created_at + timedelta(seconds=20),
        "png",
        status="unreadable",
    )


def unmarked_png(path: str, at: datetime, seed: int) -> SampleFile:
    """A readable image no generator wrote (a reference picture kept beside the outputs)."""
    return SampleFile(path, _png(plain_image(seed)), at, "png", status="no_metadata")


def notes(path: str, at: datetime, prompts: list[str]) -> SampleFile:
    """The text file artists keep next to their images."""
    body = "prompts to try next:\n" + "".join(f"- {p}\n" for p in prompts)
    return SampleFile(path, body.encode("utf-8"), at, None, status="unsupported")


def duplicate(original: SampleFile, archive: str, path: str) -> SampleFile:
    """The same bytes again in another archive: one generation, to be deduplicated."""
    return SampleFile(
        path,
        original.data,
        original.modified_at,
        original.format,
        status="duplicate",
        duplicate_of=f"{archive}/{original.path}",
    )
