"""Cost-aware incremental labelling: which sessions to (re)label this run, within a budget.

A session is relabelled only when its fingerprint changes (its members, the feature version, the
embedding models, the artist's calibration or corrections). What changed is ordered by value:
recent sessions first, then never-labelled sessions of a historical import, then stale labels,
each newest first; a run takes them in that order while its budget lasts and the next run
continues from the same order, so a sequence of budgeted runs labels what one unbudgeted run would.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import polars as pl

from orchestration.store.files import atomic_write

log = logging.getLogger(__name__)

COST_MODEL_FILENAME = "cost_model.json"

# Image embedding, open_clip ViT-B-32 on CPU under inference_mode: 64 images of 224² in 1.95 s,
# about 33 images/s (../shared/research/stack.md); decoding full-size files adds to that, so the
# default rounds up to 0.04 s. Labelling a session: not measured when this was written (inference
# was being built beside it), so 0.05 s is a guess that only the first preview ever uses: the
# first observed run replaces it outright (see CostModel.observed).
DEFAULT_SECONDS_PER_IMAGE = 0.04
DEFAULT_SECONDS_PER_SESSION = 0.05

Tier = Literal["recent", "new", "stale"]
_TIER_RANK: dict[str, int] = {"recent": 0, "new": 1, "stale": 2}


def session_fingerprint(
    session_fingerprint_from_dbt: str,
    *,
    feature_version: str,
    model_ids: Iterable[str],
    calibration_version: str,
    corrections_version: str,
) -> str:
    """The fingerprint of everything a session's labels are computed from.

    ``session_fingerprint_from_dbt`` covers the members (and their embedded coverage); the rest is
    what the intent asset adds. Model ids are order-free and de-duplicated.
    """
    models = sorted({m for m in model_ids if m})
    parts = [
        "intent-fingerprint-v1",
        session_fingerprint_from_dbt,
        feature_version,
        ",".join(models),
        calibration_version,
        corrections_version,
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Budget:
    """Bounds on one run; None means unbounded. Parse CLI text with :meth:`parse`."""

    max_sessions: int | None = None
    max_seconds: float | None = None
    max_images: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> Budget:
        """Parse ``sessions=50``, ``seconds=120``, ``images=5000`` or a comma-separated mix."""
        if text is None or not text.strip():
            return cls()
        values: dict[str, float] = {}
        for part in text.split(","):
            key, sep, raw = (s.strip() for s in part.partition("="))
            if not sep or not key or not raw:
                raise ValueError(
                    f"budget part {part.strip()!r} is not KEY=VALUE (e.g. sessions=50)"
                )
            if key not in ("sessions", "seconds", "images"):
                raise ValueError(f"unknown budget {key!r}; use sessions, seconds or images")
            if key in values:
                raise ValueError(f"budget {key!r} given twice")
            try:
                number = float(raw) if key == "seconds" else int(raw)
            except ValueError:
                kind = "a number" if key == "seconds" else "a whole number"
                raise ValueError(f"budget {key}={raw!r} is not {kind}") from None
            if not math.isfinite(number) or number < 0 or (number == 0 and key != "images"):
                raise ValueError(f"budget {key} must be positive, got {raw!r}")
            values[key] = number
        return cls(
            max_sessions=int(values["sessions"]) if "sessions" in values else None,
            max_seconds=values.get("seconds"),
            max_images=int(values["images"]) if "images" in values else None,
        )

    @property
    def is_unlimited(self) -> bool:
        """True when no bound is set."""
        return self.max_sessions is None and self.max_seconds is None and self.max_images is None

    def __str__(self) -> str:
        parts = [
            f"{name}={value:g}" if isinstance(value, float) else f"{name}={value}"
            for name, value in (
                ("sessions", self.max_sessions),
                ("seconds", self.max_seconds),
                ("images", self.max_images),
            )
            if value is not None
        ]
        return ",".join(parts) or "unlimited"


@dataclass(frozen=True, slots=True)
class CostModel:
    """Seconds per labelled session and per embedded image, learned as a moving average."""

    seconds_per_session: float = DEFAULT_SECONDS_PER_SESSION
    seconds_per_image: float = DEFAULT_SECONDS_PER_IMAGE
    session_runs: int = 0
    image_runs: int = 0
    alpha: float = 0.3  # weight of the newest run: recent hardware and data matter most

    def estimate(self, sessions: int, images: int) -> float:
        """Estimated seconds to label ``sessions`` and embed ``images``."""
        return sessions * self.seconds_per_session + images * self.seconds_per_image

    def observed(
        self,
        *,
        sessions: int,
        labelling_seconds: float,
        images: int = 0,
        embedding_seconds: float = 0.0,
    ) -> CostModel:
        """The model updated with one run's measured work; the first run replaces the defaults."""
        updated = self
        if sessions > 0 and labelling_seconds >= 0:
            rate = labelling_seconds / sessions
            blended = (
                rate if self.session_runs == 0 else _ema(self.seconds_per_session, rate, self.alpha)
            )
            updated = replace(
                updated, seconds_per_session=blended, session_runs=self.session_runs + 1
            )
        if images > 0 and embedding_seconds >= 0:
            rate = embedding_seconds / images
            blended = (
                rate if self.image_runs == 0 else _ema(self.seconds_per_image, rate, self.alpha)
            )
            updated = replace(updated, seconds_per_image=blended, image_runs=self.image_runs + 1)
        return updated

    @staticmethod
    def path_in(data_root: Path) -> Path:
        """Where the state lives: ``<data_dir>/intents/cost_model.json`` (outside the lake)."""
        return Path(data_root) / "intents" / COST_MODEL_FILENAME

    @classmethod
    def load(cls, path: Path) -> CostModel:
        """The saved model, or defaults when there is none or it is unreadable (logged)."""
        if not path.exists():
            return cls()
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as exc:
            # Only estimates depend on it; a damaged file costs accuracy of one preview, not data.
            log.warning("cost model %s unreadable (%s); using defaults", path, exc)
            return cls()

    def save(self, path: Path) -> None:
        """Write atomically (temp file, fsync, rename)."""
        atomic_write(path, json.dumps(asdict(self), indent=2).encode())


def _ema(previous: float, value: float, alpha: float) -> float:
    return (1 - alpha) * previous + alpha * value


@dataclass(frozen=True, slots=True)
class LabellingPlan:
    """What one run labels (``todo``), skips and leaves for later (``remaining``), with its cost.

    ``todo`` and ``remaining`` carry session_id, artist, ended_at, fingerprint, n_generations,
    needs_visual, tier, embed_images (whether this session's images are embedded), n_images
    (images embedded for it) and est_seconds, in priority order.
    """

    todo: pl.DataFrame
    skipped: pl.DataFrame  # session_id, fingerprint: unchanged since last labelled
    remaining: pl.DataFrame
    dropped: pl.DataFrame  # session_id: labelled before, no longer a session (labels to delete)
    budget: Budget
    cost: CostModel
    images_limited: bool  # image embedding restricted to sessions that need visual signals
    runs_needed: int  # runs of this budget to clear the backlog, this one included

    @property
    def estimated_seconds(self) -> float:
        """Estimated seconds for ``todo``."""
        return float(self.todo["est_seconds"].sum())

    @property
    def estimated_images(self) -> int:
        """Images ``todo`` embeds."""
        return int(self.todo["n_images"].sum())

    @property
    def remaining_seconds(self) -> float:
        """Estimated seconds for what is left after this run."""
        return float(self.remaining["est_seconds"].sum())

    @property
    def remaining_images(self) -> int:
        """Images left to embed after this run."""
        return int(self.remaining["n_images"].sum())

    @property
    def image_session_ids(self) -> list[str]:
        """Sessions of ``todo`` whose images this run embeds."""
        return self.todo.filter(pl.col("embed_images"))["session_id"].to_list()

    def describe(self) -> str:
        """A preview a person reads before starting a backfill."""
        tiers = self.todo.group_by("tier").len().sort("tier")
        by_tier = ", ".join(f"{n} {t}" for t, n in tiers.iter_rows()) or "none"
        lines = [
            f"budget: {self.budget}",
            f"to label now: {self.todo.height} sessions ({by_tier}), "
            f"{self.estimated_images} images to embed, ~{_duration(self.estimated_seconds)}",
            f"unchanged (skipped): {self.skipped.height} sessions",
            f"remaining after this run: {self.remaining.height} sessions, "
            f"{self.remaining_images} images, ~{_duration(self.remaining_seconds)}",
        ]
        if self.dropped.height:
            lines.append(f"labels of {self.dropped.height} sessions that no longer exist: removed")
        if self.images_limited:
            lines.append(
                f"image budget tight: embedding only the {len(self.image_session_ids)} sessions "
                "with sparse metadata that need visual signals"
            )
        lines.append(
            f"backlog: {self.runs_needed} run(s) of this budget"
            if self.todo.height
            else "backlog: nothing to do"
        )
        origin = (
            f"learned from {self.cost.session_runs} run(s)"
            if self.cost.session_runs
            else "defaults"
        )
        lines.append(
            f"cost model: {self.cost.seconds_per_session:.3g} s/session, "
            f"{self.cost.seconds_per_image:.3g} s/image ({origin})"
        )
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def plan_labelling(
    candidates: pl.DataFrame,
    previous: pl.DataFrame,
    budget: Budget,
    cost: CostModel,
    *,
    now: datetime | None = None,
    recent_days: float = 7.0,
    visual: Literal["auto", "all", "needed"] = "auto",
) -> LabellingPlan:
    """Choose this run's sessions.

    ``candidates``: session_id, artist, ended_at, fingerprint, n_generations, n_images_to_embed,
    needs_visual. ``previous``: session_id, fingerprint of the labels already written.
    ``visual="auto"`` embeds images for every session unless the image budget cannot cover the
    backlog, then only for ``needs_visual`` sessions; "all"/"needed" force either. A run always
    takes its first session even if it alone exceeds the budget, so every backlog drains.
    """
    now = now or datetime.now(UTC)
    prev = previous.select(
        pl.col("session_id").cast(pl.String), pl.col("fingerprint").alias("previous_fingerprint")
    ).unique("session_id", keep="last")
    joined = candidates.join(prev, on="session_id", how="left")
    unchanged = pl.col("previous_fingerprint") == pl.col("fingerprint")
    skipped = joined.filter(unchanged.fill_null(False)).select("session_id", "fingerprint")
    cutoff = now - timedelta(days=recent_days)
    pending = (
        joined.filter(~unchanged.fill_null(False))
        .with_columns(
            tier=pl.when(pl.col("ended_at") >= cutoff)
            .then(pl.lit("recent"))
            .when(pl.col("previous_fingerprint").is_null())
            .then(pl.lit("new"))
            .otherwise(pl.lit("stale"))
        )
        .with_columns(tier_rank=pl.col("tier").replace_strict(_TIER_RANK, return_dtype=pl.Int8))
        .sort(["tier_rank", "ended_at", "session_id"], descending=[False, True, False])
    )
    work = list(pending.select("n_images_to_embed", "needs_visual").iter_rows())
    suffix_images = [0] * (len(work) + 1)
    for i in range(len(work) - 1, -1, -1):
        suffix_images[i] = suffix_images[i + 1] + work[i][0]
    take, images_limited = _take(work, 0, suffix_images, budget, cost, visual)
    costed = _costed(pending, images_limited, cost)
    todo, remaining = costed.head(take), costed.slice(take)
    # The following runs as the planner will see them: the image policy is decided afresh each
    # run, so a shrinking backlog may stop limiting images and cost more seconds.
    runs, start = 0, 0
    while start < len(work):
        start += _take(work, start, suffix_images, budget, cost, visual)[0]
        runs += 1
    dropped = prev.join(candidates.select("session_id"), on="session_id", how="anti").select(
        "session_id"
    )
    return LabellingPlan(
        todo=todo,
        skipped=skipped,
        remaining=remaining,
        dropped=dropped,
        budget=budget,
        cost=cost,
        images_limited=images_limited,
        runs_needed=runs,
    )


def _images_limited(backlog_images: int, budget: Budget, visual: str) -> bool:
    if visual != "auto":
        return visual == "needed"
    return budget.max_images is not None and backlog_images > budget.max_images


def _take(
    work: list[tuple[int, bool]],
    start: int,
    suffix_images: list[int],
    budget: Budget,
    cost: CostModel,
    visual: str,
) -> tuple[int, bool]:
    """How many sessions from ``start`` one run takes (at least one), and its image policy.

    Strictly in priority order: the run stops at the first session that does not fit, so the
    next run resumes exactly where this one stopped.
    """
    limited = _images_limited(suffix_images[start], budget, visual)
    seconds, images, count = 0.0, 0, 0
    for n_images_to_embed, needs_visual in work[start:]:
        n_images = n_images_to_embed if (needs_visual or not limited) else 0
        seconds += cost.estimate(1, n_images)
        images += n_images
        within = (
            (budget.max_sessions is None or count + 1 <= budget.max_sessions)
            and (budget.max_seconds is None or seconds <= budget.max_seconds)
            and (budget.max_images is None or images <= budget.max_images)
        )
        if not within and count:
            break
        count += 1
        if not within:
            break
    return count, limited


def _costed(pending: pl.DataFrame, limited: bool, cost: CostModel) -> pl.DataFrame:
    """The plan's columns: whether each session embeds images, how many, and its seconds."""
    embed = pl.col("needs_visual") if limited else pl.lit(True)
    return (
        pending.with_columns(embed_images=embed & (pl.col("n_images_to_embed") > 0))
        .with_columns(
            n_images=pl.when(pl.col("embed_images")).then(pl.col("n_images_to_embed")).otherwise(0)
        )
        .with_columns(
            est_seconds=cost.seconds_per_session + pl.col("n_images") * cost.seconds_per_image
        )
        .select(
            "session_id",
            "artist",
            "ended_at",
            "fingerprint",
            "n_generations",
            "needs_visual",
            "tier",
            "embed_images",
            "n_images",
            "est_seconds",
        )
    )
