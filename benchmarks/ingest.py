"""Ingest benchmark: our metadata readers against sd-parsers, on the same files in the same run.

1. Builds (once, cached under ``benchmarks/out/`` keyed by N) a folder of N images of realistic
   size (256-512 px, noisy pixels so the image data is not trivially small) written with the
   project's own sample writers: A1111/Forge PNG, JPEG and WebP (EXIF UserComment), ComfyUI PNG
   and WebP (EXIF), InvokeAI, NovelAI PNG and WebP, Fooocus, SwarmUI PNG and JPEG, Stability
   Matrix, TensorArt, and a few images without any generation metadata.
2. Times, interleaved over several rounds with the file cache warm, our file reader
   ``read_image_metadata_file(path)`` (reads headers and metadata chunks only) against
   sd-parsers' ``ParserManager().parse(path)``, both from the path; and, as extra figures,
   ``read_image_metadata(path.read_bytes())`` and ours with the bytes already read (the parser's
   own cost): median files/s and the speed-up over sd-parsers (goal >= 3x), overall and per kind
   of file; then the whole ``ingest_archive`` of the folder (hashing and Parquet write included).
3. Field recovery on every image under ``/work/shared/realdata/``: which of prompt, negative
   prompt, seed, steps, cfg, sampler, model, width and height each reader recovers; lists the
   files where sd-parsers recovered a field we did not.
4. Peak RSS of ``ingest_archive`` on an N/5-file and on the N-file folder, each in its own
   subprocess: memory must not grow with the archive (ratio ~1).

    .venv/bin/python benchmarks/ingest.py                 # N=10000
    .venv/bin/python benchmarks/ingest.py --files 2000 --seconds 30
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

OUT_DIR = ROOT / "benchmarks" / "out"
REALDATA = Path("/work/shared/realdata")
GEN_VERSION = 1  # bump when the generated archive changes, so cached copies are rebuilt
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
FIELDS = (
    "prompt",
    "negative_prompt",
    "seed",
    "steps",
    "cfg_scale",
    "sampler",
    "model",
    "width",
    "height",
)
FIELD_LABELS = ("prompt", "neg", "seed", "steps", "cfg", "sampler", "model", "width", "height")
SIZES = (256, 320, 384, 448, 512)
BASE_TIME = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)

# kind -> (weight, tool whose settings it uses). The mix leans on the formats archives hold most.
KINDS: dict[str, tuple[int, str]] = {
    "a1111-png": (20, "a1111"),
    "forge-png": (6, "a1111"),
    "a1111-jpeg": (10, "a1111"),
    "a1111-webp": (4, "a1111"),
    "comfyui-png": (18, "comfyui"),
    "comfyui-webp": (3, "comfyui"),
    "invokeai-png": (7, "invokeai"),
    "novelai-png": (6, "novelai"),
    "novelai-webp": (2, "novelai"),
    "fooocus-png": (6, "fooocus"),
    "swarmui-jpeg": (5, "swarmui"),
    "swarmui-png": (3, "swarmui"),
    "stability_matrix-png": (4, "stability_matrix"),
    "tensorart-png": (4, "tensorart"),
    "no-metadata-png": (2, "a1111"),
}


def _die_without_project() -> None:
    missing = []
    for module in (
        "orchestration.ingest.image_metadata",
        "orchestration.ingest.pipeline",
        "orchestration.sample.writers.a1111",
        "orchestration.sample.writers.containers",
    ):
        try:
            __import__(module)
        except ImportError as exc:
            missing.append(f"{module} ({exc})")
    if missing:
        print("cannot run: project modules missing:\n  " + "\n  ".join(missing))
        raise SystemExit(2)


# --------------------------------------------------------------------------------------------
# 1. the archive
# --------------------------------------------------------------------------------------------


def _kind_of(i: int) -> str:
    """The kind of file ``i``: a fixed, interleaved schedule matching the weights exactly."""
    total = sum(w for w, _ in KINDS.values())
    slot = (i * 7919) % total  # 7919 is prime to the total, so every slot comes round in turn
    for kind, (weight, _) in KINDS.items():
        if slot < weight:
            return kind
        slot -= weight
    raise AssertionError(slot)


def _meta(i: int, tool: str, rng: random.Random) -> Any:
    from orchestration.ingest.records import GenerationMeta
    from orchestration.sample.vocabulary import CONCEPTS, STYLE_MODIFIERS, TOOLS

    settings = TOOLS[tool]
    concept = rng.choice(CONCEPTS)
    words = [concept.subject, *concept.modifiers, *rng.sample(STYLE_MODIFIERS, rng.randint(1, 6))]
    width, height = rng.choice(SIZES), rng.choice(SIZES)
    sampler = rng.choice(settings.samplers) if settings.samplers else settings.sampler
    return GenerationMeta(
        tool=tool,
        prompt=", ".join(words),
        negative_prompt=settings.negative_prompt,
        seed=rng.getrandbits(settings.seed_bits),
        steps=rng.choice((20, 25, 28, 30, 35, 40)),
        cfg_scale=rng.choice((3.5, 4.0, 5.0, 6.0, 7.0, 7.5, 8.0)),
        sampler=sampler,
        scheduler=settings.scheduler,
        model=rng.choice(settings.models) if settings.models else None,
        width=width,
        height=height,
        created_at=BASE_TIME + timedelta(seconds=37 * i),
    )


_GRADIENTS: dict[tuple[int, int], np.ndarray] = {}


def _pixels(i: int, width: int, height: int) -> Image.Image:
    """A gradient plus per-file noise: compresses like a rendered image, never to nothing."""
    base = _GRADIENTS.get((width, height))
    if base is None:
        y = np.linspace(0.0, 1.0, height)[:, None, None]
        x = np.linspace(0.0, 1.0, width)[None, :, None]
        grad = np.array([170, 100, 50]) * y + np.array([30, 90, 150]) * x
        base = _GRADIENTS[(width, height)] = grad.astype(np.uint8)
    noise = np.random.default_rng(i).integers(0, 32, (height, width, 3), dtype=np.uint8)
    return Image.fromarray(base + noise, "RGB")


def _encode(i: int) -> tuple[str, str, bytes]:
    """File ``i`` of the archive: (relative path, kind, bytes), a function of ``i`` alone."""
    from orchestration.sample.writers.a1111 import a1111_parameters
    from orchestration.sample.writers.comfyui import comfyui_text
    from orchestration.sample.writers.containers import jpeg_bytes, png_bytes, webp_bytes
    from orchestration.sample.writers.fooocus import fooocus_text
    from orchestration.sample.writers.invokeai import invokeai_text
    from orchestration.sample.writers.novelai import novelai_text
    from orchestration.sample.writers.stability_matrix import stability_matrix_text
    from orchestration.sample.writers.swarmui import swarmui_text
    from orchestration.sample.writers.tensorart import tensorart_text

    kind = _kind_of(i)
    rng = random.Random(f"ingest-bench:{GEN_VERSION}:{i}")
    g = _meta(i, KINDS[kind][1], rng)
    img = _pixels(i, g.width, g.height)
    if kind == "a1111-png":
        ext, data = "png", png_bytes(img, {"parameters": a1111_parameters(g, flavour="a1111")})
    elif kind == "forge-png":
        ext, data = "png", png_bytes(img, {"parameters": a1111_parameters(g, flavour="forge")})
    elif kind == "a1111-jpeg":
        text = {"exif:UserComment": a1111_parameters(g, flavour="a1111")}
        ext, data = "jpg", jpeg_bytes(img, exif=text)
    elif kind == "a1111-webp":
        text = {"exif:UserComment": a1111_parameters(g, flavour="forge")}
        ext, data = "webp", webp_bytes(img, exif=text)
    elif kind == "comfyui-png":
        ext, data = "png", png_bytes(img, comfyui_text(g))
    elif kind == "comfyui-webp":
        ext, data = "webp", webp_bytes(img, exif=comfyui_text(g, layout="exif"))
    elif kind == "invokeai-png":
        ext, data = "png", png_bytes(img, invokeai_text(g))
    elif kind == "novelai-png":
        ext, data = "png", png_bytes(img, novelai_text(g))
    elif kind == "novelai-webp":
        ext, data = "webp", webp_bytes(img, exif=novelai_text(g, container="webp"))
    elif kind == "fooocus-png":
        ext, data = "png", png_bytes(img, fooocus_text(g))
    elif kind == "swarmui-jpeg":
        text = swarmui_text(g, container="exif")
        ext, data = "jpg", jpeg_bytes(img, exif=text, exif_datetime=g.created_at)
    elif kind == "swarmui-png":
        ext, data = "png", png_bytes(img, swarmui_text(g))
    elif kind == "stability_matrix-png":
        ext, data = "png", png_bytes(img, stability_matrix_text(g))
    elif kind == "tensorart-png":
        ext, data = "png", png_bytes(img, tensorart_text(g))
    else:  # no-metadata-png: a reference picture kept beside the outputs
        ext, data = "png", png_bytes(img, {})
    return f"{kind}/{i // 1000:03d}/{i:06d}-{g.seed}.{ext}", kind, data


def _write_chunk(args: tuple[Path, int, int]) -> list[tuple[str, str]]:
    root, start, stop = args
    written = []
    for i in range(start, stop):
        rel, kind, data = _encode(i)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append((rel, kind))
    return written


def build_archive(n: int, small_n: int) -> tuple[Path, Path, list[tuple[str, str]], float]:
    """The cached archive of ``n`` files (and its ``small_n`` subset); builds it when missing."""
    cache = OUT_DIR / f"ingest-n{n}-v{GEN_VERSION}"
    manifest_path = cache / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("files") == n and manifest.get("small") == small_n:
            entries = [tuple(e) for e in manifest["entries"]]
            return cache / "archive", cache / "archive-small", entries, 0.0  # type: ignore[return-value]
    started = time.perf_counter()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(cache, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"ingest-n{n}-", dir=OUT_DIR))
    archive = tmp / "archive"
    chunk = 200
    jobs = [(archive, s, min(s + chunk, n)) for s in range(0, n, chunk)]
    workers = max(1, min(os.cpu_count() or 1, 8))
    entries: list[tuple[str, str]] = []
    print(f"generating {n} images with {workers} workers into {cache} ...", flush=True)
    with ProcessPoolExecutor(workers) as pool:
        for done, part in enumerate(pool.map(_write_chunk, jobs), start=1):
            entries.extend(part)
            if done % max(1, len(jobs) // 5) == 0:
                print(f"  {len(entries)}/{n}", flush=True)
    # the small archive: every (n // small_n)-th file, hard links, same relative paths
    stride = max(1, n // small_n)
    small = tmp / "archive-small"
    for rel, _ in entries[::stride][:small_n]:
        target = small / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(archive / rel, target)
        except OSError:
            shutil.copyfile(archive / rel, target)
    manifest = {"files": n, "small": small_n, "version": GEN_VERSION, "entries": entries}
    (tmp / "manifest.json").write_text(json.dumps(manifest))
    os.replace(tmp, cache)
    return cache / "archive", cache / "archive-small", entries, time.perf_counter() - started


# --------------------------------------------------------------------------------------------
# 2. reader throughput
# --------------------------------------------------------------------------------------------


# (files accepted, wall seconds, CPU seconds of this process)
Reader = Callable[[list[Path]], tuple[int, float, float]]


def _ours_reader() -> Reader:
    """``read_image_metadata_file(path)``."""
    from orchestration.ingest.image_metadata import read_image_metadata_file
    from orchestration.ingest.records import FileRejected

    def run(paths: list[Path]) -> tuple[int, float, float]:
        ok = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for path in paths:
            try:
                read_image_metadata_file(path)
                ok += 1
            except FileRejected:
                pass
        return ok, time.perf_counter() - t0, time.process_time() - c0

    return run


def _ours_bytes_reader() -> Reader:
    """``read_image_metadata(path.read_bytes())``."""
    from orchestration.ingest.image_metadata import read_image_metadata
    from orchestration.ingest.records import FileRejected

    def run(paths: list[Path]) -> tuple[int, float, float]:
        ok = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for path in paths:
            try:
                read_image_metadata(path.read_bytes())
                ok += 1
            except FileRejected:
                pass
        return ok, time.perf_counter() - t0, time.process_time() - c0

    return run


def _ours_parse_only() -> Reader:
    """Ours with the bytes already in memory (the read is not timed): the parser's own cost.

    ``ingest_archive`` reads every file whole anyway, for its content hash.
    """
    from orchestration.ingest.image_metadata import read_image_metadata
    from orchestration.ingest.records import FileRejected

    def run(paths: list[Path]) -> tuple[int, float, float]:
        ok, spent, cpu = 0, 0.0, 0.0
        for path in paths:
            data = path.read_bytes()
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                read_image_metadata(data)
                ok += 1
            except FileRejected:
                pass
            spent += time.perf_counter() - t0
            cpu += time.process_time() - c0
        return ok, spent, cpu

    return run


def sdp_parser() -> Callable[[Path], Any]:
    """sd-parsers' ``ParserManager().parse``, made safe to call on many files in a row.

    sd-parsers caches the last JPEG/WebP UserComment keyed by ``id(image)``; once an image is
    freed its id is often reused by the next one, which then gets the previous file's metadata.
    The cache is cleared before each call (one assignment), so each file is read for itself.
    """
    import importlib

    from sd_parsers import ParserManager

    usercomment = importlib.import_module("sd_parsers.extractors._jpeg_usercomment")
    manager = ParserManager()

    def parse(path: Path) -> Any:
        usercomment._image_id = None
        return manager.parse(path)

    return parse


def _sdp_reader() -> Reader:
    """sd-parsers ``ParserManager().parse(path)`` (accepted: files it returned a result for)."""
    parse = sdp_parser()

    def run(paths: list[Path]) -> tuple[int, float, float]:
        ok = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for path in paths:
            try:
                if parse(path) is not None:
                    ok += 1
            except Exception:  # sd-parsers lets PIL errors through; a failure is a miss
                pass
        return ok, time.perf_counter() - t0, time.process_time() - c0

    return run


def time_readers(
    archive: Path, entries: list[tuple[str, str]], rounds: int, budget_s: float
) -> dict[str, Any]:
    """Median files/s of the readers per kind and overall, on the same files, interleaved."""
    groups: dict[str, list[Path]] = {}
    for rel, kind in entries:
        groups.setdefault(kind, []).append(archive / rel)
    for paths in groups.values():  # warm the file cache
        for p in paths:
            p.read_bytes()
    readers: dict[str, Reader] = {
        "ours": _ours_reader(),
        "sd-parsers": _sdp_reader(),
        "ours-bytes": _ours_bytes_reader(),
        "ours-parse": _ours_parse_only(),
    }

    # pilot on ~2% of each kind to size the timed set to the budget (wall time, reads included)
    pilot = {k: v[:: max(1, len(v) // max(5, len(v) // 50))] for k, v in groups.items()}
    t_pilot = time.perf_counter()
    per_file: dict[str, float] = {}
    for kind, paths in pilot.items():
        t0 = time.perf_counter()
        for reader in readers.values():
            reader(paths)
        per_file[kind] = (time.perf_counter() - t0) / len(paths)
    estimate = rounds * sum(per_file[k] * len(v) for k, v in groups.items())
    stride = max(1, math.ceil(estimate / max(1.0, budget_s - (time.perf_counter() - t_pilot))))
    timed = {k: v[::stride] for k, v in groups.items()}

    times: dict[str, dict[str, list[float]]] = {r: {k: [] for k in timed} for r in readers}
    cpu_times: dict[str, dict[str, list[float]]] = {r: {k: [] for k in timed} for r in readers}
    parsed: dict[str, dict[str, int]] = {r: {} for r in readers}
    for rnd in range(rounds):
        order = list(readers) if rnd % 2 == 0 else list(reversed(readers))
        for kind, paths in timed.items():
            for name in order:
                ok, seconds, cpu = readers[name](paths)
                times[name][kind].append(seconds)
                cpu_times[name][kind].append(cpu)
                parsed[name][kind] = ok
    n_timed = sum(len(v) for v in timed.values())

    def spent(name: str, kinds: list[str], rnd: int) -> float:
        return sum(times[name][k][rnd] for k in kinds)

    def rate(name: str, kinds: list[str]) -> float:
        files = sum(len(timed[k]) for k in kinds)
        return files / statistics.median(spent(name, kinds, r) for r in range(rounds))

    def speedup(name: str, kinds: list[str]) -> float:
        """Median over rounds of sd-parsers' time / ``name``'s time, paired within a round."""
        if not kinds:
            return float("nan")
        return statistics.median(
            spent("sd-parsers", kinds, r) / spent(name, kinds, r) for r in range(rounds)
        )

    def cpu_speedup(name: str, kinds: list[str]) -> float:
        """The same ratio over CPU seconds (this process), which other load on the machine
        disturbs far less than wall time."""
        return statistics.median(
            sum(cpu_times["sd-parsers"][k][r] for k in kinds)
            / max(1e-9, sum(cpu_times[name][k][r] for k in kinds))
            for r in range(rounds)
        )

    kinds = sorted(timed)
    sdp_kinds = [k for k in kinds if parsed["sd-parsers"][k] >= 0.95 * len(timed[k])]
    return {
        "files": n_timed,
        "stride": stride,
        "rounds": rounds,
        "rate": {name: rate(name, kinds) for name in readers},
        "ratio": speedup("ours", kinds),
        "ratio_bytes": speedup("ours-bytes", kinds),
        "ratio_parse": speedup("ours-parse", kinds),
        "sdp_kinds": sdp_kinds,
        "ratio_sdp_kinds": speedup("ours", sdp_kinds),
        "ratio_bytes_sdp_kinds": speedup("ours-bytes", sdp_kinds),
        "ratio_parse_sdp_kinds": speedup("ours-parse", sdp_kinds),
        "ratio_cpu": cpu_speedup("ours", kinds),
        "ratio_cpu_sdp_kinds": cpu_speedup("ours", sdp_kinds),
        "per_kind": [
            (
                k,
                len(timed[k]),
                rate("ours", [k]),
                rate("ours-bytes", [k]),
                rate("ours-parse", [k]),
                rate("sd-parsers", [k]),
                speedup("ours", [k]),
                parsed["ours"][k],
                parsed["sd-parsers"][k],
                cpu_speedup("ours", [k]),
            )
            for k in kinds
        ],
    }


def print_reader_table(r: dict[str, Any]) -> None:
    thinned = f" (1 in {r['stride']} of each kind)" if r["stride"] > 1 else ""
    print(f"\n== readers: {r['rounds']} interleaved rounds, {r['files']} files{thinned} ==")
    print("files/s (median of rounds). ours = read_image_metadata_file(path);")
    print("bytes = read_image_metadata(path.read_bytes()); parse = the same with the bytes")
    print("already read; sdp = ParserManager().parse(path); ratio = sdp time / ours time,")
    print("paired per round, median; cpu = the same ratio of ours to sdp over CPU seconds;")
    print("ok = files each accepted")
    print(
        f"{'kind':22}{'files':>6}{'ours':>8}{'bytes':>8}{'parse':>8}{'sdp':>8}{'ratio':>8}"
        f"{'cpu':>8}{'ours ok':>9}{'sdp ok':>8}"
    )
    for kind, n, ours, byt, parse, sdp, ratio, ok_o, ok_s, cpu in r["per_kind"]:
        print(
            f"{kind:22}{n:6d}{ours:8.0f}{byt:8.0f}{parse:8.0f}{sdp:8.0f}{ratio:7.2f}x"
            f"{cpu:7.2f}x{ok_o:9d}{ok_s:8d}"
        )
    rate = r["rate"]
    print(
        f"{'ALL':22}{r['files']:6d}{rate['ours']:8.0f}{rate['ours-bytes']:8.0f}"
        f"{rate['ours-parse']:8.0f}{rate['sd-parsers']:8.0f}{r['ratio']:7.2f}x"
        f"{r['ratio_cpu']:7.2f}x"
    )
    print(
        f"on the {len(r['sdp_kinds'])} kinds sd-parsers reads: ratio {r['ratio_sdp_kinds']:.2f}x"
        f" (cpu {r['ratio_cpu_sdp_kinds']:.2f}x; bytes {r['ratio_bytes_sdp_kinds']:.2f}x,"
        f" parse only {r['ratio_parse_sdp_kinds']:.2f}x)"
    )


# --------------------------------------------------------------------------------------------
# 2b/4. ingest_archive: in process for throughput, in subprocesses for peak RSS
# --------------------------------------------------------------------------------------------


def time_ingest(archive: Path, rounds: int) -> tuple[float, int, Any]:
    from orchestration.ingest.pipeline import ingest_archive

    rates, stats = [], None
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="ingest-bench-lake-") as lake:
            t0 = time.perf_counter()
            stats = ingest_archive(archive, "bench", "bench", Path(lake))
            rates.append(stats.files_seen / (time.perf_counter() - t0))
    assert stats is not None
    return statistics.median(rates), stats.files_seen, stats


def _proc_status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def child_ingest(source: str) -> None:
    """Subprocess body: ingest ``source``, print resident memory as JSON (kB).

    ``peak_rss_kb`` is the process's high-water mark (ru_maxrss). Where Linux allows it, the
    mark is reset after the imports (``/proc/self/clear_refs``), so ``ingest_peak_kb`` is the
    peak while ingesting, not an import-time transient.
    """
    from orchestration.ingest.pipeline import ingest_archive

    after_imports = _proc_status_kb("VmRSS")
    try:
        Path("/proc/self/clear_refs").write_text("5")
        reset = True
    except OSError:
        reset = False
    with tempfile.TemporaryDirectory(prefix="ingest-bench-lake-") as lake:
        t0 = time.perf_counter()
        stats = ingest_archive(Path(source), "bench", "bench", Path(lake))
        seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    hwm = _proc_status_kb("VmHWM") if reset else None
    result = {
        "files": stats.files_seen,
        "generations": stats.generations,
        "quarantined": stats.quarantined,
        "seconds": seconds,
        "rss_after_imports_kb": after_imports,
        "peak_rss_kb": peak,
        "ingest_peak_kb": hwm if hwm is not None else peak,
    }
    print(json.dumps(result))


def measure_rss(source: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child-ingest", str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"ingest subprocess failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------------------------
# 3. field recovery on real files
# --------------------------------------------------------------------------------------------

_SDP_KEYS = {
    "seed": {"seed", "noise_seed"},
    "steps": {"steps"},
    "cfg_scale": {"cfg_scale", "cfg", "scale", "cfgscale", "guidance_scale"},
    "sampler": {"sampler", "sampler_name"},
    "model": {"model", "model_name", "ckpt_name", "unet_name", "base_model"},
    "width": {"width"},
    "height": {"height"},
}
_SIZE = re.compile(r"(\d+)\s*[x×,]\s*(\d+)")


_PLACEHOLDERS = {"", "unknown", "none", "null"}


def _filled(value: object) -> bool:
    """A recovered value: not None, not a placeholder string such as "unknown"."""
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, str):
        return value.strip().casefold() not in _PLACEHOLDERS
    return isinstance(value, int | float)


def _walk(obj: object) -> Any:
    """(normalised key, value) for every key of nested dicts and lists."""
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield str(key).strip('"').lower().replace(" ", "_"), value
            yield from _walk(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            yield from _walk(value)


def sdp_fields(info: Any) -> set[str]:
    """Fields sd-parsers recovered, read generously (any key that plausibly holds the value)."""
    if info is None:
        return set()
    got = set()
    if _filled(str(info.full_prompt)):
        got.add("prompt")
    if _filled(str(info.full_negative_prompt)):
        got.add("negative_prompt")
    if any(_filled(s.name) for s in info.samplers):
        got.add("sampler")
    for s in info.samplers:
        if s.model is not None and (
            (isinstance(s.model.name, str) and _filled(s.model.name)) or _filled(s.model.hash)
        ):
            got.add("model")
    trees = [s.parameters for s in info.samplers] + [info.metadata]
    for key, value in _walk(trees):
        for field, keys in _SDP_KEYS.items():
            if key in keys and _filled(value):
                got.add(field)
        if key in ("size", "resolution") and isinstance(value, str) and _SIZE.search(value):
            got.update(("width", "height"))
    return got


def field_recovery(root: Path) -> dict[str, Any] | None:
    from orchestration.ingest.image_metadata import read_image_metadata_file
    from orchestration.ingest.records import FileRejected

    if not root.is_dir():
        return None
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    sdp_parse = sdp_parser()
    rows = []
    for path in files:
        try:
            meta, _ = read_image_metadata_file(path)
            ours_tool = meta.tool
            ours = {f for f in FIELDS if _filled(getattr(meta, f))}
        except FileRejected as exc:
            ours_tool, ours = f"-({type(exc).__name__})", set()
        try:
            info = sdp_parse(path)
        except Exception as exc:
            info, sdp_tool = None, f"-({type(exc).__name__})"
        else:
            sdp_tool = info.generator.name.lower() if info is not None else "-"
        rows.append(
            (path.relative_to(root).as_posix(), ours_tool, sdp_tool, ours, sdp_fields(info))
        )
    return {"rows": rows}


def print_recovery(rec: dict[str, Any]) -> tuple[int, int, int, list[tuple[str, str]]]:
    rows = rec["rows"]
    print(f"\n== field recovery on {len(rows)} image files under {REALDATA} ==")
    print("cell: B both, o ours only, s sd-parsers only, . neither; placeholders such as")
    print('"unknown" do not count; ours falls back to the pixel size for width/height.')
    header = "".join(f"{lab[:6]:>7}" for lab in FIELD_LABELS)
    print(f"{'file':50} {'ours':16} {'sd-parsers':13}{header}")
    gaps = []
    for rel, ours_tool, sdp_tool, ours, sdp in rows:
        cells = []
        for f in FIELDS:
            cells.append(
                "B" if f in ours and f in sdp else "o" if f in ours else "s" if f in sdp else "."
            )
            if f in sdp and f not in ours:
                gaps.append((rel, f))
        name = rel if len(rel) <= 50 else "…" + rel[-49:]
        line = "".join(f"{c:>7}" for c in cells)
        print(f"{name:50} {ours_tool[:16]:16} {sdp_tool[:13]:13}{line}")
    tot_o = [sum(f in r[3] for r in rows) for f in FIELDS]
    tot_s = [sum(f in r[4] for r in rows) for f in FIELDS]
    print(f"{'TOTAL ours':81}" + "".join(f"{n:7d}" for n in tot_o) + f"  = {sum(tot_o)}")
    print(f"{'TOTAL sd-parsers':81}" + "".join(f"{n:7d}" for n in tot_s) + f"  = {sum(tot_s)}")
    if gaps:
        print("sd-parsers recovered, ours did not (to report to the reader authors):")
        for rel, f in gaps:
            print(f"  {rel}: {f}")
    else:
        print("no field that sd-parsers recovered is missing from ours")
    return sum(tot_o), sum(tot_s), len(rows) * len(FIELDS), gaps


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="archive size N (>= 100)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=60.0,
        help="time budget for the reader rounds; the timed set is thinned to fit",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved reader rounds")
    parser.add_argument("--ingest-rounds", type=int, default=2, help="in-process ingest runs")
    parser.add_argument("--child-ingest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_ingest:
        child_ingest(args.child_ingest)
        return
    _die_without_project()
    n = max(100, args.files)
    small_n = min(2000, n // 5)
    command = (
        f".venv/bin/python benchmarks/ingest.py --files {n} --seconds {args.seconds:g}"
        f" --rounds {args.rounds} --ingest-rounds {args.ingest_rounds}"
    )
    started = time.perf_counter()

    archive, small, entries, gen_s = build_archive(n, small_n)
    sizes = [(archive / rel).stat().st_size for rel, _ in entries]
    mix = Counter(kind for _, kind in entries)
    print(
        f"archive: {archive} ({len(entries)} files, {sum(sizes) / 2**20:.0f} MiB, median"
        f" {statistics.median(sizes) / 1024:.0f} KiB; "
        + (f"generated in {gen_s:.0f}s" if gen_s else "cached")
        + ")"
    )
    print("mix: " + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())))

    readers = time_readers(archive, entries, args.rounds, args.seconds)
    print_reader_table(readers)

    ingest_rate, ingest_files, stats = time_ingest(archive, args.ingest_rounds)
    print(f"\n== ingest_archive ({ingest_files} files, median of {args.ingest_rounds}) ==")
    print(
        f"{ingest_rate:.0f} files/s; generations {stats.generations}, quarantined"
        f" {stats.quarantined}, duplicates {stats.duplicates_skipped}; tools {stats.tools}"
    )

    rec = field_recovery(REALDATA)
    if rec is None:
        print(f"\n== field recovery: skipped, {REALDATA} not found ==")
        recovery = None
    else:
        recovery = print_recovery(rec)

    print("\n== resident memory of ingest_archive, each run in a fresh subprocess ==")
    rss_small, rss_big = measure_rss(small), measure_rss(archive)
    for m in (rss_small, rss_big):
        print(
            f"{m['files']:6d} files: peak while ingesting {m['ingest_peak_kb'] / 1024:.0f} MiB"
            f" (after imports {m['rss_after_imports_kb'] / 1024:.0f} MiB, process peak"
            f" {m['peak_rss_kb'] / 1024:.0f} MiB), {m['files'] / m['seconds']:.0f} files/s"
        )
    rss_ratio = rss_big["ingest_peak_kb"] / rss_small["ingest_peak_kb"]

    mib = 1024
    rate = readers["rate"]
    built = f"generated in {gen_s:.0f}s" if gen_s else "archive cached"
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print("\n" + "=" * 80)
    print(f"SUMMARY ingest benchmark N={n} ({built}; {time.perf_counter() - started:.0f}s total;")
    print(f"        {os.cpu_count()} CPUs, load average {load} at the end)")
    print(
        f"readers  ours (file) {rate['ours']:.0f} files/s, sd-parsers {rate['sd-parsers']:.0f}"
        f" files/s: {readers['ratio']:.2f}x (goal >= 3x; cpu {readers['ratio_cpu']:.2f}x)"
    )
    print(
        f"         bytes {rate['ours-bytes']:.0f} files/s: {readers['ratio_bytes']:.2f}x;"
        f" parse only {rate['ours-parse']:.0f} files/s: {readers['ratio_parse']:.2f}x"
    )
    print(
        f"         on the {len(readers['sdp_kinds'])} kinds sd-parsers reads:"
        f" {readers['ratio_sdp_kinds']:.2f}x (cpu {readers['ratio_cpu_sdp_kinds']:.2f}x;"
        f" bytes {readers['ratio_bytes_sdp_kinds']:.2f}x,"
        f" parse only {readers['ratio_parse_sdp_kinds']:.2f}x);"
        f" {readers['rounds']} interleaved rounds, {readers['files']} files"
    )
    print(
        f"ingest   ingest_archive {ingest_files} files: {ingest_rate:.0f} files/s"
        " (read, sha256, parse, Parquet)"
    )
    if recovery is None:
        print("recovery skipped (no realdata)")
    else:
        ours_f, sdp_f, cells, gaps = recovery
        print(
            f"recovery {cells // len(FIELDS)} real files x {len(FIELDS)} fields: ours {ours_f},"
            f" sd-parsers {sdp_f} (goal ours >= sd-parsers); sd-parsers-only: {len(gaps)}"
        )
    print(
        f"memory   peak RSS while ingesting {rss_small['files']} files"
        f" {rss_small['ingest_peak_kb'] / mib:.0f} MiB, {rss_big['files']} files"
        f" {rss_big['ingest_peak_kb'] / mib:.0f} MiB: ratio {rss_ratio:.2f} (goal ~1)"
    )
    print(f"command  {command}")
    print("=" * 80)


if __name__ == "__main__":
    main()
