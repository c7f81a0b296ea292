"""A larger synthetic archive for scoring intent inference: many random artists, with truth.

The sample archive (7 artists, 38 sessions) is tuned for tests; this draws ``n_artists``
artists with ``random_profile`` (every session intent and arc, every tool, Midjourney grids and
a shared DiffusionDB-style log), writes them the same way, and records the ground truth in the
sample's schema, so ``creative-sessions ingest`` + ``run`` give it signals like any archive.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.sample.archive import (
    _WRITERS,
    GROUND_TRUTH,
    GROUND_TRUTH_SCHEMA,
    MANIFEST,
    SampleArchiveEntry,
    SampleManifest,
    _file_row,
    _manifest_json,
    _write_log,
)
from orchestration.sample.files import SampleFile, encode_artist
from orchestration.sample.plans import random_profile
from orchestration.sample.realistic import build_realistic_archive
from orchestration.sample.scenarios import generate_artist

# Tool sets an evaluation artist works with, in turn; one in six artists posts to the log.
TOOL_SETS: tuple[tuple[str, ...], ...] = (
    ("a1111", "forge"),
    ("comfyui",),
    ("midjourney",),
    ("invokeai", "fooocus", "swarmui"),
    ("novelai", "tensorart", "stability_matrix"),
    ("diffusiondb",),
)


def _unique_paths(files: list[SampleFile]) -> list[SampleFile]:
    """Number repeated names: a sweep keeps prompt and seed, which some tools name files by."""
    seen: Counter[str] = Counter()
    for f in files:
        seen[f.path] += 1
        if seen[f.path] > 1:
            stem, dot, ext = f.path.rpartition(".")
            f.path = f"{stem}-{seen[f.path]}{dot}{ext}"
    return sorted(files, key=lambda f: f.path)


def build_eval_archive(
    root: Path,
    *,
    seed: int = 11,
    n_artists: int = 12,
    sessions_per_artist: int = 10,
    realistic: bool = False,
) -> SampleManifest:
    """Write ``n_artists`` random artists under ``root``: one zip each, log users in one CSV.

    ``realistic`` draws DiffusionDB-like users instead (``realistic.build_realistic_archive``):
    people's edits, pivots and session lengths, one log, the same manifest and truth.
    """
    if realistic:
        return build_realistic_archive(root, seed, n_artists, sessions_per_artist)
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    entries: list[SampleArchiveEntry] = []
    log_users = []
    hashes: set[str] = set()
    days = max(24, sessions_per_artist * 2)
    for index in range(n_artists):
        tools = TOOL_SETS[index % len(TOOL_SETS)]
        name = f"eval{index:03d}"
        profile = random_profile(rng, name, tools, sessions_per_artist)
        artist = generate_artist(rng, profile, days=days)
        if tools == ("diffusiondb",):
            log_users.append(artist)
            continue
        files = _unique_paths(encode_artist(artist, rng))
        for f in files:
            if f.sha256 in hashes:
                raise RuntimeError(f"eval seed {seed}: two generations encode to the same bytes")
            hashes.add(f.sha256)
        archive = f"{name}.zip"
        _WRITERS["zip"](root / archive, files)
        rows.extend(_file_row(archive, name, order, f) for order, f in enumerate(files))
        entries.append(SampleArchiveEntry(root / archive, name, "zip"))
    if log_users:
        rows.extend(_write_log(root / "eval-log.csv", log_users, rng))
        entries.append(SampleArchiveEntry(root / "eval-log.csv", "discord", "log"))
    pq.write_table(pa.Table.from_pylist(rows, schema=GROUND_TRUTH_SCHEMA), root / GROUND_TRUTH)
    manifest = SampleManifest(root, seed, entries, root / GROUND_TRUTH)
    (root / MANIFEST).write_text(_manifest_json(manifest, rows), encoding="utf-8")
    return manifest
