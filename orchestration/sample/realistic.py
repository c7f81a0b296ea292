"""A synthetic DiffusionDB-style log whose users look like people, with ground truth.

The older generator (``evalset``) makes refinements whose prompts are near-identical, so
inference tuned on it fails on real people. Here refinements reword, reorder, churn style
chunks and rerun; explorations move between subjects, often inside a fixed frame; pivots move
from one refined subject to the next; session lengths follow the real log's heavy tail; seeds
are random on almost every render; times keep minutes only, so several renders can share one
and the row order carries the sequence. ``honesty.pair_distance`` measures how close it is.
"""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.ingest.records import GenerationMeta
from orchestration.sample.archive import (
    GROUND_TRUTH,
    GROUND_TRUTH_SCHEMA,
    MANIFEST,
    SampleArchiveEntry,
    SampleManifest,
    _manifest_json,
    _write_log,
)
from orchestration.sample.people_drafting import Habit, LogSettings, Render, draft_session
from orchestration.sample.people_plans import draw_arc, draw_length, guideline_session_intent
from orchestration.sample.people_vocab import STYLES
from orchestration.sample.plans import SessionIntent
from orchestration.sample.scenarios import (
    ArtistScenario,
    SampleGeneration,
    SamplePhase,
    SampleSession,
)

REALISTIC_LOG = "realistic-log.csv"
START = datetime(2022, 8, 14, tzinfo=UTC)
# Seconds between renders: about a minute or two (a DiffusionDB render took that long).
_PACE = {"exploration": 1.3, "refinement": 1.0, "optimization": 0.8}


def build_realistic_archive(
    target: Path,
    seed: int = 23,
    n_artists: int = 60,
    sessions_per_artist: int = 4,
    *,
    min_length: int = 2,
) -> SampleManifest:
    """Write one log of ``n_artists`` users under ``target`` with the truth for every row.

    ``min_length`` drops the shortest sessions (a single render shows no strategy to score).
    """
    rng = random.Random(seed)
    target.mkdir(parents=True, exist_ok=True)
    users = generate_people(rng, n_artists, sessions_per_artist, min_length=min_length)
    rows: list[dict[str, Any]] = _write_log(target / REALISTIC_LOG, users, rng)
    pq.write_table(pa.Table.from_pylist(rows, schema=GROUND_TRUTH_SCHEMA), target / GROUND_TRUTH)
    entries = [SampleArchiveEntry(target / REALISTIC_LOG, "discord", "log")]
    manifest = SampleManifest(target, seed, entries, target / GROUND_TRUTH)
    (target / MANIFEST).write_text(_manifest_json(manifest, rows), encoding="utf-8")
    return manifest


def generate_people(
    rng: random.Random, n_artists: int, sessions_per_artist: int, *, min_length: int = 2
) -> list[ArtistScenario]:
    """Users with DiffusionDB-like names, each with sessions over a few days."""
    users = []
    for index in range(n_artists):
        name = hashlib.sha256(f"realistic-{rng.random()}-{index}".encode()).hexdigest()
        habit = _habit(rng)
        at = START + timedelta(seconds=rng.randrange(3 * 24 * 3600))
        sessions = []
        for number in range(sessions_per_artist):
            plan = draw_arc(rng, draw_length(rng, min_length))
            renders, truths = draft_session(rng, habit, plan)
            key = f"{name[:8]}#{number:02d}"
            intent = guideline_session_intent(truths)
            phases = [SamplePhase(t.intent, list(t.concepts), None) for t in truths]
            for r in renders:
                if r is not renders[0]:
                    at += _gap(rng, r.intent)
                phases[r.phase_no - 1].generations.append(
                    _generation(rng, r, name, key, at, intent)
                )
            sessions.append(SampleSession(key, name, "diffusiondb", intent, phases))
            at += timedelta(minutes=rng.uniform(35, 12 * 60))  # past the 30-minute session gap
        users.append(ArtistScenario(name, "realistic", sessions))
    return users


def _habit(rng: random.Random) -> Habit:
    """A user's style pool, tail length, taste for frames and usual settings."""
    pool = tuple(rng.sample(STYLES, rng.randint(6, 24)))
    tail_mean = rng.choices((0.0, 2.0, 5.0, 9.0, 13.0), weights=(0.2, 0.2, 0.25, 0.25, 0.1))[0]
    settings = LogSettings(
        steps=rng.choices((50, 150, 100), weights=(0.68, 0.25, 0.07))[0],
        cfg=rng.choices((7.0, 10.0, 15.0, 12.0), weights=(0.75, 0.12, 0.08, 0.05))[0],
        sampler=rng.choices(("k_lms", "ddim"), weights=(0.97, 0.03))[0],
        width=512,
        height=rng.choices((512, 768, 640), weights=(0.75, 0.15, 0.1))[0],
    )
    return Habit(pool, tail_mean, rng.choice((0.05, 0.2, 0.45)), settings)


def _gap(rng: random.Random, intent: str) -> timedelta:
    """Time to the next render: lognormal around a minute and a half, the odd longer pause."""
    seconds = rng.lognormvariate(4.5, 0.55) * _PACE[intent]
    if rng.random() < 0.05:
        seconds += rng.uniform(240, 900)
    return timedelta(seconds=max(12.0, min(seconds, 20 * 60)))


def _generation(
    rng: random.Random, r: Render, user: str, key: str, at: datetime, intent: SessionIntent
) -> SampleGeneration:
    meta = GenerationMeta(
        tool="diffusiondb",
        prompt=r.prompt.text(),
        seed=r.seed,
        steps=r.settings.steps,
        cfg_scale=r.settings.cfg,
        sampler=r.settings.sampler,
        width=r.settings.width,
        height=r.settings.height,
        created_at=at,
    )
    return SampleGeneration(
        meta=meta,
        artist=user,
        created_at=at,
        concept=r.prompt.key,
        render_seed=rng.randrange(2**31),
        session_key=key,
        phase_no=r.phase_no,
        phase_intent=r.intent,
        session_intent=intent,
    )
