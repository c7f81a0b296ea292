"""The decision rules as numbers an artist's corrections can move, and how they move them.

The decoder scores each step with a naive-Bayes likelihood: per feature, a categorical table
``P(bin | intent)``. The defaults below encode the taxonomy (exploration jumps between
concepts, refinement keeps the prompt and draws seeds, optimization keeps prompt and seed and
steps one setting). They are Dirichlet priors with ``strength`` pseudo-counts per intent, so
a corrected session adds its observed bins as counts and the posterior mean moves toward the
artist's habits in proportion to the evidence: one session nudges, a dozen dominate. Per-intent
phase counts move the segment prior the same way. Everything is plain numbers, so a
calibration is JSON and its ``version`` (a hash of the numbers) can enter a fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from orchestration.intent.contract import PHASE_INTENTS
from orchestration.intent.features import BINS, FEATURES, session_rows, steps

# P(bin | intent) per feature, in BINS order.
DEFAULT_TABLES: dict[str, dict[str, tuple[float, ...]]] = {
    "prompt": {
        "exploration": (0.03, 0.07, 0.22, 0.68),
        "refinement": (0.50, 0.28, 0.19, 0.03),
        "optimization": (0.86, 0.09, 0.04, 0.01),
    },
    "seed": {
        "exploration": (0.03, 0.02, 0.95),
        "refinement": (0.08, 0.35, 0.57),
        "optimization": (0.80, 0.03, 0.17),
    },
    "params": {
        "exploration": (0.82, 0.07, 0.02, 0.09),
        "refinement": (0.90, 0.06, 0.01, 0.03),
        "optimization": (0.03, 0.20, 0.74, 0.03),
    },
    "image": {
        "exploration": (0.08, 0.27, 0.65),
        "refinement": (0.45, 0.40, 0.15),
        "optimization": (0.60, 0.32, 0.08),
    },
    "gap": {
        "exploration": (0.20, 0.35, 0.45),
        "refinement": (0.45, 0.40, 0.15),
        "optimization": (0.60, 0.32, 0.08),
    },
}
# The prompt move that opens a phase: mostly a jump (new concept, or back to an explored one).
BOUNDARY_PROMPT: tuple[float, ...] = (0.2, 0.1, 0.15, 0.55)
# How much each feature counts; the time gap is a weak hint, never decisive.
DEFAULT_WEIGHTS: dict[str, float] = {
    "prompt": 1.0,
    "seed": 1.0,
    "params": 1.0,
    "image": 0.8,
    "gap": 0.4,
}
DEFAULT_STRENGTH = 8.0  # pseudo-counts behind each default row
SWITCH_PENALTY = 2.0  # nats a new phase must earn
MIN_UNITS = 2  # a phase needs at least this many units: one stray generation is not a phase


@dataclass
class Calibration:
    """Per-artist evidence counts on top of the default tables; JSON round-trips exactly."""

    artist: str | None = None
    counts: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    phase_counts: dict[str, float] = field(default_factory=dict)
    n_examples: int = 0
    strength: float = DEFAULT_STRENGTH

    @property
    def version(self) -> str:
        """A stable hash of the parameters: equal numbers, equal version."""
        body = json.dumps(self._params(), sort_keys=True, separators=(",", ":"))
        return "cal-" + hashlib.sha256(body.encode()).hexdigest()[:12]

    def _params(self) -> dict[str, Any]:
        return {
            "artist": self.artist,
            "counts": self.counts,
            "phase_counts": self.phase_counts,
            "n_examples": self.n_examples,
            "strength": self.strength,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict, with the version for readers that only store it."""
        return {**self._params(), "version": self.version}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Calibration:
        """Inverse of ``to_dict`` (the stored version is recomputed, not trusted)."""
        return cls(
            artist=raw.get("artist"),
            counts={
                f: {i: {b: float(v) for b, v in bins.items()} for i, bins in by_intent.items()}
                for f, by_intent in raw.get("counts", {}).items()
            },
            phase_counts={k: float(v) for k, v in raw.get("phase_counts", {}).items()},
            n_examples=int(raw.get("n_examples", 0)),
            strength=float(raw.get("strength", DEFAULT_STRENGTH)),
        )

    def log_tables(self) -> dict[str, dict[str, dict[str, float]]]:
        """Weighted ``log P(bin | intent)`` per feature: defaults plus this artist's counts."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for feature in FEATURES:
            out[feature] = {}
            for intent in PHASE_INTENTS:
                seen = self.counts.get(feature, {}).get(intent, {})
                total = sum(seen.values())
                row = {}
                for b, p in zip(BINS[feature], DEFAULT_TABLES[feature][intent], strict=True):
                    post = (self.strength * p + seen.get(b, 0.0)) / (self.strength + total)
                    row[b] = DEFAULT_WEIGHTS[feature] * math.log(post)
                out[feature][intent] = row
        out["boundary_prompt"] = {
            "any": {
                b: DEFAULT_WEIGHTS["prompt"] * math.log(p)
                for b, p in zip(BINS["prompt"], BOUNDARY_PROMPT, strict=True)
            }
        }
        return out

    def log_priors(self) -> dict[str, float]:
        """Log prior of a phase's intent against uniform: zero until corrections say otherwise.

        Relative to uniform so that it shifts intents against each other without also taxing
        every extra phase (the switching penalty alone does that).
        """
        k, total = len(PHASE_INTENTS), sum(self.phase_counts.values())
        return {
            i: math.log(k * (1.0 + self.phase_counts.get(i, 0.0)) / (k + total))
            for i in PHASE_INTENTS
        }


@dataclass
class CorrectedExample:
    """One session as corrected: its signal rows and the intents the artist gave."""

    session: pl.DataFrame
    session_intent: str | None
    phase_intents: list[str] | None  # one per position 1..n; None when only the session was


def fit_calibration(
    examples: Sequence[CorrectedExample], base: Calibration | None = None
) -> Calibration:
    """Add the corrected sessions' evidence to ``base`` (or to the defaults).

    Only steps whose intent is known count: every step inside a corrected phase, or every step
    of a session corrected to a single-strategy intent. A convergent or mixed session intent
    alone does not say where its phases split, so it adds nothing to the tables.
    """
    cal = Calibration.from_dict(base.to_dict()) if base else Calibration()
    for example in examples:
        rows = session_rows(example.session)
        cal.artist = cal.artist or rows.artist
        intents = example.phase_intents
        if intents is None and example.session_intent in PHASE_INTENTS:
            intents = [example.session_intent] * rows.n
        if intents is None:
            continue
        if len(intents) != rows.n:
            raise ValueError(f"{rows.session_id}: {len(intents)} phase intents for {rows.n} rows")
        cal.n_examples += 1
        session_steps = steps(rows)
        previous: str | None = None
        for u, step in enumerate(session_steps):
            intent = intents[step.first_row]
            if intent != previous:
                cal.phase_counts[intent] = cal.phase_counts.get(intent, 0.0) + 1.0
            if u and intent == intents[session_steps[u - 1].first_row]:
                for feature, b in step.bins.items():
                    row = cal.counts.setdefault(feature, {}).setdefault(intent, {})
                    row[b] = row.get(b, 0.0) + 1.0
            previous = intent
    return cal
