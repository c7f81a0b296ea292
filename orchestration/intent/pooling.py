"""Corrections teach the global model: every artist's corrected sessions, pooled.

An artist with one or two sessions (most real artists) gains nothing from a calibration of
their own; what they correct is still evidence about how people work. So corrected sessions
from all artists become extra training units for the shipped model, refitted with its ridge
pulling toward the shipped weights (a Gaussian prior centred on them): a few corrections nudge
the model, many move it, and none can swing it far from what the real labels taught. The
per-artist layer (``calibration``) stays on top.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orchestration.intent.calibration import CorrectedExample
from orchestration.intent.contract import PHASE_INTENTS
from orchestration.intent.evidence import ArtistHabits, unit_features
from orchestration.intent.features import session_rows, steps
from orchestration.intent.model import IntentModel, fit_model

# Ridge toward the model refitted from (the shipped one for the global model, the global one for
# an artist's layer). Chosen on the real development labels with benchmarks/corrections_real.py:
# looser pulls let a single odd correction flip other sessions.
CORRECTION_L2 = 5000.0
ARTIST_L2 = 2000.0
CORRECTION_WEIGHT = 3.0  # a corrected unit counts this many times: the artist said so


def correction_units(
    examples: Sequence[CorrectedExample],
    habits: dict[str, ArtistHabits],
    model: IntentModel,
) -> tuple[np.ndarray, list[str], list[bool]] | None:
    """Unit vectors with the corrected intent and phase starts; None when nothing is usable.

    Only sessions whose every unit has a known intent count: a phase correction covering the
    whole session, or a session corrected to one of the three phase intents.
    """
    xs: list[list[float]] = []
    intents: list[str] = []
    starts: list[bool] = []
    for example in examples:
        rows = session_rows(example.session)
        per_row = example.phase_intents
        if per_row is None and example.session_intent in PHASE_INTENTS:
            per_row = [example.session_intent] * rows.n
        if per_row is None or len(per_row) != rows.n:
            continue
        unit_steps = steps(rows)
        vectors = unit_features(
            rows, unit_steps, habits.get(rows.artist, ArtistHabits()), model.lexicon
        )
        labels = [per_row[s.first_row] for s in unit_steps]
        xs += vectors
        intents += labels
        starts += [u == 0 or labels[u] != labels[u - 1] for u in range(len(labels))]
    if not xs:
        return None
    return np.asarray(xs, dtype=float), intents, starts


def pooled_model(
    base: IntentModel,
    examples: Sequence[CorrectedExample],
    habits: dict[str, ArtistHabits],
    *,
    l2: float = CORRECTION_L2,
) -> IntentModel:
    """The base model refitted on corrections (the base itself when none).

    Called with every artist's corrections for the global model, then with one artist's own
    corrections (``ARTIST_L2``, a looser pull) for that artist's layer on top of it.
    """
    units = correction_units(examples, habits, base)
    if units is None:
        return base
    x, intents, starts = units
    refit = fit_model(
        x,
        intents,
        starts,
        sample_weight=np.full(len(intents), CORRECTION_WEIGHT),
        style_lexicon=base.style_lexicon,
        trained_on={**base.trained_on, "correction_units": len(intents)},
        prior=base,
        l2=l2,
    )
    refit.temperature = base.temperature
    return refit
