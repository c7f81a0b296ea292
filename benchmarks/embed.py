"""Embedding throughput: the DataLoader pipeline against a naive loop and against decode alone.

Images: generated PNGs and JPEGs at an AI-typical size (1024² by default), smooth with some
texture, as generators produce. Models: ViT-B-32 with random weights (speed does not depend on
the weights) and pixel-signature-v1 (all decode, no network). For each model and format, in the
same process, interleaved and best of ``--rounds``:

- naive: one process, full-size decode, preprocess, model, batch by batch;
- pipeline: `ImageEncoder.embed` as production configures it (decode workers, JPEG draft mode,
  the same model, eager: `cpu_optimize="off"`);
- pipeline_trace (ViT only): the same with `cpu_optimize="trace"` (frozen TorchScript, oneDNN
  rewrites; `embeddings.cpu`), its one-off tracing time reported as `trace_setup_s`;
- decode-only: the pipeline's workers decoding and preprocessing with no model: the physical
  limit of the input side on this machine.

On a CPU the model competes with the decode workers for the same cores, so the pipeline's gain
is bounded by the share of time decoding takes; on a GPU the model leaves the CPU to decoding.

Prompts: sentences/s of the offline MiniLM and the share of rows deduplication saves, on the
DiffusionDB slice in ../shared/realdata (skipped when absent).

    .venv/bin/python benchmarks/embed.py [--images 64] [--size 1024] [--rounds 3]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from embeddings.config import PIXEL_SIGNATURE_ID, ImageEncoderConfig
from embeddings.decode import ImageDataset
from embeddings.images import ImageEncoder, default_workers, load_image_encoder
from embeddings.pixel_signature import pixel_signature
from embeddings.weights import ImageModelChoice

ROOT = Path(__file__).resolve().parents[1]
DIFFUSIONDB = ROOT.parent / "shared" / "realdata" / "diffusiondb-first1k" / "diffusiondb_sample.csv"


def generate_images(folder: Path, count: int, size: int, fmt: str) -> list[str]:
    """Smooth low-frequency colour fields with mild grain: compress and decode like real art."""
    rng = np.random.default_rng(0)
    paths = []
    for i in range(count):
        coarse = rng.random((8, 8, 3)) * 255
        field = np.asarray(
            Image.fromarray(coarse.astype(np.uint8)).resize((size, size), Image.Resampling.BICUBIC),
            dtype=np.float32,
        )
        pixels = np.clip(field + rng.normal(0, 6, field.shape), 0, 255).astype(np.uint8)
        path = folder / f"{i:04d}.{fmt}"
        Image.fromarray(pixels).save(path, **({"quality": 92} if fmt == "jpg" else {}))
        paths.append(str(path))
    return paths


def random_vit_b32(batch_size: int, workers: int, cpu_optimize: str = "off") -> ImageEncoder:
    import open_clip

    torch.manual_seed(0)
    model, _, preprocess = open_clip.create_model_and_transforms("ViT-B-32", pretrained=None)
    model.eval()
    choice = ImageModelChoice("open_clip", "vit-b-32-random", "benchmark: random weights")
    cfg = ImageEncoderConfig(
        device="cpu", batch_size=batch_size, num_workers=workers, cpu_optimize=cpu_optimize
    )
    return ImageEncoder(choice, cfg, preprocess, (224, 224), 512, module=model)


def naive(encoder: ImageEncoder, paths: list[str]) -> None:
    """One process, full-size decode, then the model, batch by batch."""
    with torch.inference_mode():
        for start in range(0, len(paths), encoder.batch_size):
            images = [
                Image.open(p).convert("RGB") for p in paths[start : start + encoder.batch_size]
            ]
            if encoder.module is None:
                features = torch.stack([torch.from_numpy(pixel_signature(i)) for i in images])
            else:
                features = encoder.module.encode_image(
                    torch.stack([encoder.transform(i) for i in images])
                )
            torch.nn.functional.normalize(features, dim=-1)


def decode_only(encoder: ImageEncoder, paths: list[str]) -> None:
    """The pipeline's workers decoding and preprocessing, with no model after them."""
    dataset = ImageDataset(paths, encoder.transform, max(encoder.input_hw), encoder._placeholder)
    loader = torch.utils.data.DataLoader(
        dataset,  # type: ignore[arg-type]
        batch_size=encoder.batch_size,
        num_workers=encoder.num_workers,
        prefetch_factor=4 if encoder.num_workers else None,
    )
    for _ in loader:
        pass


def best_rates(runs: dict[str, Callable[[], object]], n: int, rounds: int) -> dict[str, float]:
    """Images/s of each run, best of ``rounds``, the runs interleaved so load hits all alike."""
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            best[name] = max(best[name], n / (time.perf_counter() - started))
    return best


def image_benchmark(args: argparse.Namespace, out: dict) -> None:
    started = time.perf_counter()
    traced = random_vit_b32(args.batch_size, args.workers, cpu_optimize="trace")
    out["trace_setup_s"] = round(time.perf_counter() - started, 1)
    out["trace_used"] = traced.cpu_path == "trace"
    encoders = {
        "vit-b-32": random_vit_b32(args.batch_size, args.workers),
        PIXEL_SIGNATURE_ID: load_image_encoder(
            ImageEncoderConfig(model=PIXEL_SIGNATURE_ID, batch_size=args.batch_size,
                               num_workers=args.workers)
        ),
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("png", "jpg"):
            paths = generate_images(Path(tmp), args.images, args.size, fmt)
            mb = sum(os.path.getsize(p) for p in paths) / len(paths) / 1e6
            for name, encoder in encoders.items():
                runs = {
                    "naive": lambda e=encoder, p=paths: naive(e, p),
                    "pipeline": lambda e=encoder, p=paths: e.embed(p),
                    "decode_only": lambda e=encoder, p=paths: decode_only(e, p),
                }
                if name == "vit-b-32":
                    runs["pipeline_trace"] = lambda p=paths: traced.embed(p)
                    traced.embed(paths[: args.batch_size])
                encoder.embed(paths[: args.batch_size])  # warm-up: threads, allocator
                rates = best_rates(runs, len(paths), args.rounds)
                result = {f"{k}_img_s": round(v, 1) for k, v in rates.items()}
                result["speedup"] = round(rates["pipeline"] / rates["naive"], 2)
                if "pipeline_trace" in rates:
                    result["trace_speedup"] = round(rates["pipeline_trace"] / rates["naive"], 2)
                result["load_average"] = os.getloadavg()[0]
                result["mb_per_image"] = round(mb, 2)
                out.setdefault(name, {})[fmt] = result
            for p in paths:
                os.unlink(p)


def prompt_benchmark(out: dict, rounds: int) -> None:
    if not DIFFUSIONDB.exists():
        out["prompts"] = f"skipped: {DIFFUSIONDB} absent"
        return
    from embeddings.config import TextEncoderConfig
    from embeddings.text import load_text_encoder

    with open(DIFFUSIONDB, newline="", encoding="utf-8") as fh:
        prompts = [row["prompt"] for row in csv.DictReader(fh) if row["prompt"]]
    distinct = list(dict.fromkeys(prompts))
    encoder = load_text_encoder(TextEncoderConfig(device="cpu"))
    encoder.embed(distinct[:64])  # warm-up
    out["prompts"] = {
        "rows": len(prompts),
        "distinct": len(distinct),
        "dedup_saved_fraction": round(1 - len(distinct) / len(prompts), 4),
        "sentences_s": round(
            best_rates({"embed": lambda: encoder.embed(distinct)}, len(distinct), rounds)["embed"],
            1,
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3, help="best of N, runs interleaved")
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    out: dict = {
        "device": "cpu" if not torch.cuda.is_available() else torch.cuda.get_device_name(),
        "cpu_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "workers": args.workers,
        "images": args.images,
        "size": args.size,
        "batch_size": args.batch_size,
        "load_average_before": os.getloadavg()[0],
    }
    image_benchmark(args, out)
    prompt_benchmark(out, args.rounds)
    out["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))
    print(
        f"\n{out['device']}, {out['cpu_cores']} cores, {args.workers} decode workers, "
        f"{args.images} images of {args.size}², best of {args.rounds}; ViT-B-32 trace set up in "
        f"{out['trace_setup_s']} s (used: {out['trace_used']})"
    )
    for model in ("vit-b-32", PIXEL_SIGNATURE_ID):
        for fmt, name in (("png", "PNG"), ("jpg", "JPEG")):
            r = out[model][fmt]
            traced = (
                f", traced {r['pipeline_trace_img_s']:6.1f} ({r['trace_speedup']:.2f}×)"
                if "trace_speedup" in r
                else ""
            )
            print(
                f"{model:>18} {name:>4}: pipeline {r['pipeline_img_s']:6.1f} img/s, naive "
                f"{r['naive_img_s']:6.1f} ({r['speedup']:.2f}×){traced}, decode-only limit "
                f"{r['decode_only_img_s']:6.1f}, load {r['load_average']:.1f}"
            )
    if isinstance(out["prompts"], dict):
        p = out["prompts"]
        print(
            f"prompts: {p['sentences_s']} sentences/s; dedup saves {p['dedup_saved_fraction']:.1%}"
            f" ({p['distinct']} distinct of {p['rows']})"
        )
    target = ROOT / "benchmarks" / "out" / "embed.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
