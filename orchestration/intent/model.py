"""The learned part of inference: two small logistic regressions over ``evidence`` vectors.

One gives each unit's intent (exploration / refinement / optimization), the other whether a
phase starts at the unit (a pivot between two refined subjects is a start as much as a change
of strategy). The segment decoder keeps the structure (phases of at least two units, one
intent each); these models only supply its emission and boundary scores.

Why logistic regression: a few hundred labelled real units and a synthetic set cannot support
more, the weights can be read (the JSON names every feature), training takes well under a second
so corrections can be pooled into a refit at labelling time, and inference is a dot product.
The parameters live in a small versioned JSON file in the repo (``intent_model.json``),
reproduced by ``creative-sessions train``; its version is part of every label's fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from orchestration.intent.contract import PHASE_INTENTS
from orchestration.intent.evidence import FEATURE_NAMES
from orchestration.intent.prompt_parts import StyleLexicon
from orchestration.store.files import atomic_write

log = logging.getLogger(__name__)
MODEL_PATH = Path(__file__).with_name("intent_model.json")
L2 = 500.0  # ridge strength where none is chosen (corrections refits); `train` picks by nested CV


@dataclass
class Logistic:
    """Softmax regression over standardized features; ``classes`` name the output columns."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray  # (n_features, n_classes)
    bias: np.ndarray  # (n_classes,)

    def log_proba(self, x: np.ndarray) -> np.ndarray:
        """Log-probabilities, one row per sample."""
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, rounded so the file diff stays readable."""
        return {
            "classes": list(self.classes),
            "mean": _round(self.mean),
            "scale": _round(self.scale),
            "weights": [_round(row) for row in self.weights],
            "bias": _round(self.bias),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Logistic:
        """Inverse of ``to_dict``."""
        return cls(
            classes=tuple(raw["classes"]),
            mean=np.asarray(raw["mean"], dtype=float),
            scale=np.asarray(raw["scale"], dtype=float),
            weights=np.asarray(raw["weights"], dtype=float),
            bias=np.asarray(raw["bias"], dtype=float),
        )


def _round(values: np.ndarray) -> list[float]:
    return [round(float(v), 6) for v in values]


def fit_logistic(
    x: np.ndarray,
    y: Sequence[str],
    classes: tuple[str, ...],
    *,
    sample_weight: np.ndarray | None = None,
    l2: float = L2,
    prior: Logistic | None = None,
) -> Logistic:
    """Class-balanced, ridge-penalised softmax regression, solved to its optimum (Newton).

    Balanced because macro-F1 is the measure and optimization is rare in real sessions.
    The objective is convex, so a few Newton steps reach its one optimum (600 gradient steps
    took longer and stopped short of it): the fit is deterministic and cheap enough for the
    nested cross-validation that chooses the ridge strength. With a ``prior`` the ridge
    pulls toward the prior's weights instead of zero (a Gaussian prior centred on them): where
    the data say little the prior decides. A refit penalises the bias as well and does not
    rebalance classes, so a handful of corrections of one intent cannot tip every prediction.
    """
    x = np.asarray(x, dtype=float)
    index = {c: k for k, c in enumerate(classes)}
    target = np.zeros((len(y), len(classes)))
    target[np.arange(len(y)), [index[c] for c in y]] = 1.0
    weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    present = target.sum(axis=0) > 0
    if prior is None:  # balanced; a refit keeps the prior's balance and the data's own mix
        per_class = (target * weight[:, None]).sum(axis=0)
        balance = np.where(present, weight.sum() / (present.sum() * np.maximum(per_class, 1e-9)), 0)
        weight = weight * (target @ balance)
    weight = weight / weight.sum()
    if prior is not None:
        mean, scale = prior.mean, prior.scale
        w0, b0 = prior.weights.copy(), prior.bias.copy()
        present[:] = True  # the prior has seen every class
    else:
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0
        w0, b0 = np.zeros((x.shape[1], len(classes))), np.zeros(len(classes))
        b0[~present] = -30.0  # a class never seen in training is never predicted
    xs = (x - mean) / scale
    w, b = _newton(
        np.hstack([xs, np.ones((len(xs), 1))]),
        target,
        weight,
        np.vstack([w0, b0]),
        l2 / max(len(y), 1),
        bias_ridge=prior is not None,  # the bias too: a few corrections must not tip all
        free_bias=present,  # an unseen class keeps its prior bias
    )
    return Logistic(classes, mean, scale, w, b)


def _newton(
    a: np.ndarray,
    target: np.ndarray,
    weight: np.ndarray,
    v0: np.ndarray,
    penalty: float,
    *,
    bias_ridge: bool,
    free_bias: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Minimise weighted cross-entropy plus ridge toward ``v0`` by damped Newton steps.

    ``a`` is the standardized features with a ones column (the bias, last row of ``v0``). The
    objective is convex and has ~130 parameters, so the exact Hessian is cheap and a handful of
    steps with a backtracking line search reach the optimum to machine precision.
    """
    n_rows, n_classes = v0.shape
    ridge = np.ones_like(v0)
    ridge[-1] = 1.0 if bias_ridge else 0.0
    free = np.ones_like(v0, dtype=bool)
    free[-1] = free_bias
    flat_free = free.T.ravel()  # parameters ordered class by class

    def loss_and_p(v: np.ndarray) -> tuple[float, np.ndarray]:
        z = a @ v
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        d = (v - v0) * ridge
        loss = -(weight * (target * log_p).sum(axis=1)).sum() + 0.5 * penalty * (d * d).sum()
        return float(loss), np.exp(log_p)

    v = v0.copy()
    loss, p = loss_and_p(v)
    for _ in range(100):
        grad = (a.T @ ((p - target) * weight[:, None]) + penalty * ridge * (v - v0)).T.ravel()
        grad[~flat_free] = 0.0
        if np.abs(grad).max() < 1e-10:
            break
        hess = np.zeros((n_classes * n_rows, n_classes * n_rows))
        for k in range(n_classes):
            for m in range(k, n_classes):
                c = weight * p[:, k] * ((k == m) - p[:, m])
                block = _gram(a, c)
                hess[k * n_rows : (k + 1) * n_rows, m * n_rows : (m + 1) * n_rows] = block
                hess[m * n_rows : (m + 1) * n_rows, k * n_rows : (k + 1) * n_rows] = block.T
        hess += np.diag(penalty * ridge.T.ravel() + 1e-9)
        sub = np.ix_(flat_free, flat_free)
        step = np.zeros_like(grad)
        step[flat_free] = _solve_spd(hess[sub], grad[flat_free])
        shift, decrease = 1.0, float(grad @ step)
        if decrease < 1e-14:
            break
        while shift > 1e-8:
            trial = v - shift * step.reshape(n_classes, n_rows).T
            trial_loss, trial_p = loss_and_p(trial)
            if trial_loss <= loss - 1e-4 * shift * decrease:
                break
            shift *= 0.5
        else:
            break
        v, loss, p = trial, trial_loss, trial_p
    return v[:-1], v[-1]


GRAM_ROWS = 256  # rows per product: small enough that OpenBLAS stays on one thread


def _gram(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``a.T @ diag(c) @ a`` in row chunks.

    One big product makes OpenBLAS start its threads, which on a loaded machine cost about
    fifty times the CPU of the same work in chunks on one thread (measured: 16 ms against 0.26
    ms for 1,869 × 44 rows).
    """
    out = np.zeros((a.shape[1], a.shape[1]))
    for start in range(0, len(a), GRAM_ROWS):
        part = a[start : start + GRAM_ROWS]
        out += part.T @ (part * c[start : start + GRAM_ROWS, None])
    return out


def _solve_spd(h: np.ndarray, g: np.ndarray) -> np.ndarray:
    """``h⁻¹ g`` for a symmetric positive definite ``h`` by preconditioned conjugate gradients.

    LAPACK's solve is threaded by OpenBLAS even at this size (~130 unknowns) and took 0.7 s of
    wall time per call on a loaded machine; CG needs only small matrix-vector products.
    """
    inverse_diag = 1.0 / np.maximum(np.diag(h), 1e-12)
    x = np.zeros_like(g)
    r = g.copy()
    z = inverse_diag * r
    d = z.copy()
    rz = float(r @ z)
    tolerance = 1e-24 * max(float(g @ g), 1e-300)
    for _ in range(4 * len(g)):
        hd = h @ d
        alpha = rz / float(d @ hd)
        x += alpha * d
        r -= alpha * hd
        if float(r @ r) <= tolerance:
            break
        z = inverse_diag * r
        rz, previous = float(r @ z), rz
        d = z + (rz / previous) * d
    return x


@dataclass
class IntentModel:
    """Intent and boundary regressions plus the style lexicon they were trained with."""

    intent: Logistic
    boundary: Logistic
    style_lexicon: list[str] = field(default_factory=list)
    trained_on: dict[str, Any] = field(default_factory=dict)
    temperature: float = 1.0  # confidence calibration (``confidence``), fitted on held-out data

    @property
    def lexicon(self) -> StyleLexicon:
        """The style lexicon the features were computed with."""
        return _lexicon(tuple(sorted(self.style_lexicon)))

    @property
    def version(self) -> str:
        """A hash of the parameters: part of every label's fingerprint."""
        body = json.dumps(self._params(), sort_keys=True, separators=(",", ":"))
        return "model-" + hashlib.sha256(body.encode()).hexdigest()[:12]

    def _params(self) -> dict[str, Any]:
        return {
            "features": list(FEATURE_NAMES),
            "intent": self.intent.to_dict(),
            "boundary": self.boundary.to_dict(),
            "style_lexicon": sorted(self.style_lexicon),
            "temperature": self.temperature,
        }

    def to_dict(self) -> dict[str, Any]:
        """The model file's content."""
        return {**self._params(), "trained_on": self.trained_on, "version": self.version}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> IntentModel:
        """Load, refusing a file written for another feature set."""
        if list(raw.get("features", [])) != list(FEATURE_NAMES):
            raise ValueError(
                "intent model was trained on other features; run `creative-sessions train`"
            )
        return cls(
            intent=Logistic.from_dict(raw["intent"]),
            boundary=Logistic.from_dict(raw["boundary"]),
            style_lexicon=list(raw.get("style_lexicon", [])),
            trained_on=dict(raw.get("trained_on", {})),
            temperature=float(raw.get("temperature", 1.0)),
        )

    def save(self, path: Path = MODEL_PATH) -> None:
        """Write the model file, whole or not at all."""
        atomic_write(path, json.dumps(self.to_dict(), indent=1, sort_keys=True) + "\n")

    def scores(self, x: np.ndarray) -> tuple[list[dict[str, float]], list[float], list[float]]:
        """Per unit: log P(intent), log P(phase starts here), log P(it does not)."""
        intent = self.intent.log_proba(x)
        boundary = self.boundary.log_proba(x)
        start = self.boundary.classes.index("start")
        emit = [{c: float(row[k]) for k, c in enumerate(self.intent.classes)} for row in intent]
        return emit, boundary[:, start].tolist(), boundary[:, 1 - start].tolist()


def fit_model(
    x: np.ndarray,
    intents: Sequence[str],
    starts: Sequence[bool],
    *,
    sample_weight: np.ndarray | None = None,
    style_lexicon: Sequence[str] = (),
    trained_on: dict[str, Any] | None = None,
    prior: IntentModel | None = None,
    l2: float = L2,
) -> IntentModel:
    """Fit both regressions on unit vectors with their true intent and phase starts."""
    return IntentModel(
        intent=fit_logistic(
            x,
            intents,
            PHASE_INTENTS,
            sample_weight=sample_weight,
            prior=prior.intent if prior else None,
            l2=l2,
        ),
        boundary=fit_logistic(
            x,
            ["start" if s else "inside" for s in starts],
            ("start", "inside"),
            sample_weight=sample_weight,
            prior=prior.boundary if prior else None,
            l2=l2,
        ),
        style_lexicon=list(style_lexicon),
        trained_on=dict(trained_on or {}),
    )


@lru_cache(maxsize=8)
def _lexicon(chunks: tuple[str, ...]) -> StyleLexicon:
    return StyleLexicon(chunks)


@lru_cache(maxsize=4)
def load_model(path: Path = MODEL_PATH) -> IntentModel | None:
    """The shipped model, or None when there is none that fits (the rule tables decide alone).

    A file written for another feature set is reported and ignored rather than failing every
    run: `creative-sessions train` (which itself runs the pipeline) must be able to replace it.
    """
    if not path.exists():
        return None
    try:
        return IntentModel.from_dict(json.loads(path.read_text()))
    except ValueError as exc:
        log.warning("%s: %s; labelling with the rule tables", path, exc)
        return None
