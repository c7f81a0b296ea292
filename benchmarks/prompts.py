"""Prompt embeddings: sentences/s of the shipped MiniLM by batch size and torch threads (issue 16).

    .venv/bin/python benchmarks/prompts.py                    # 3 rounds over the real prompts
    .venv/bin/python benchmarks/prompts.py --rounds 5 --batches 8 16 32 64 --threads 1 2

Encodes the distinct prompts of the real DiffusionDB slice (`../shared/realdata`; exits when it is
absent) with every (batch size, thread count) setting, the settings interleaved in each round so
load from other programs falls on all of them alike. Prints, per setting, the median over rounds
of sentences per wall second and per CPU second (process time, all threads), each as a ratio to
the baseline: batch 64 at torch's default threads, the setting before this measurement; the
shipped one (`embeddings.config.TEXT_BATCH_SIZE`, `TEXT_CPU_THREADS`) is marked.
Wall rate is what a lone nightly run sees; the CPU rate is what a loaded machine can afford.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import time
from pathlib import Path

import torch

from embeddings.config import TEXT_BATCH_SIZE, TEXT_CPU_THREADS, TextEncoderConfig
from embeddings.text import load_text_encoder

SLICE = (
    Path(__file__).resolve().parents[2]
    / "shared/realdata/diffusiondb-first1k/diffusiondb_sample.csv"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, nargs="+", default=[8, 16, 32, 64, 128])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--slice", type=Path, default=SLICE)
    args = parser.parse_args()
    if not args.slice.exists():
        raise SystemExit(f"the real slice is missing: {args.slice}")
    with open(args.slice, newline="", encoding="utf-8") as fh:
        prompts = list(dict.fromkeys(row["prompt"] for row in csv.DictReader(fh) if row["prompt"]))
    default_threads = torch.get_num_threads()
    baseline = (64, default_threads)
    shipped = (TEXT_BATCH_SIZE, TEXT_CPU_THREADS or default_threads)
    grid = {(b, t) for b in args.batches for t in args.threads}
    settings = sorted({baseline, shipped, *grid})
    encoder = load_text_encoder(TextEncoderConfig(device="cpu"))
    encoder.embed(prompts[:64])  # warm-up
    wall: dict[tuple[int, int], list[float]] = {s: [] for s in settings}
    cpu: dict[tuple[int, int], list[float]] = {s: [] for s in settings}
    for round_no in range(args.rounds):
        for batch, threads in settings if round_no % 2 == 0 else reversed(settings):
            encoder.batch_size, encoder.cpu_threads = batch, threads
            started, started_cpu = time.perf_counter(), time.process_time()
            encoder.embed(prompts)
            wall[batch, threads].append(len(prompts) / (time.perf_counter() - started))
            cpu[batch, threads].append(len(prompts) / (time.process_time() - started_cpu))
    base_wall, base_cpu = statistics.median(wall[baseline]), statistics.median(cpu[baseline])
    print(f"{len(prompts)} distinct real prompts, {args.rounds} rounds, medians")
    print(f"{'batch':>6}{'threads':>8}{'sent/s':>9}{'×':>6}{'sent/CPU-s':>12}{'×':>6}")
    for setting in settings:
        w, c = statistics.median(wall[setting]), statistics.median(cpu[setting])
        mark = "  (baseline)" if setting == baseline else ""
        mark += "  (shipped)" if setting == shipped else ""
        print(
            f"{setting[0]:>6}{setting[1]:>8}{w:>9.1f}{w / base_wall:>6.2f}"
            f"{c:>12.1f}{c / base_cpu:>6.2f}{mark}"
        )
    print(
        f"SUMMARY cpus={os.cpu_count()} load={os.getloadavg()[0]:.2f} "
        f"cmd=.venv/bin/python benchmarks/prompts.py --rounds {args.rounds}"
    )


if __name__ == "__main__":
    main()
