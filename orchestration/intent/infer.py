"""Public API: one session's signal rows in, its phases, intents, labels and confidences out.

Pure Python over polars frames, no Dagster: the intent asset calls ``build_artist_context``
once per artist and ``infer_session`` per session (milliseconds each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import polars as pl

from orchestration.intent.arcs import (
    PhaseView,
    arc_text,
    pivots,
    session_label,
)
from orchestration.intent.calibration import SWITCH_PENALTY, Calibration
from orchestration.intent.concepts import ArtistContext, subject_name
from orchestration.intent.confidence import phase_confidence
from orchestration.intent.contract import PHASE_INTENTS
from orchestration.intent.evidence import ArtistHabits, unit_features
from orchestration.intent.features import (
    FEATURE_SIGNALS,
    SessionRows,
    Step,
    keepers_in,
    session_rows,
    steps,
)
from orchestration.intent.labels import LABELLERS, single_render_label
from orchestration.intent.model import IntentModel, load_model
from orchestration.intent.phases import finalize, toggles
from orchestration.intent.segmentation import (
    Segment,
    boundary_loglik,
    decode,
    segment_loglik,
    step_loglik,
)
from orchestration.intent.session_rule import session_intent

LEARNED_PENALTY = 0.0  # nats a phase must earn on top of the boundary model's own odds
BARRED = -1e6  # log-likelihood that rules an intent out at a unit (finite: the decoder subtracts)
EFFECTIVE_STEPS = 4  # naive Bayes over-counts correlated steps; confidence trusts this many
SPARSE_SIGNAL = "sparse_metadata"


@dataclass
class PhaseInference:
    """One phase: its intent, label, the facts behind the label, and how sure we are."""

    phase_no: int
    intent: str | None  # None for a single render
    label: str
    first_position: int
    last_position: int
    started_at: datetime | None
    ended_at: datetime | None
    n_generations: int
    confidence: float
    signals: list[str]
    concepts: list[str]
    parameter: str | None
    first_value: str | None
    last_value: str | None
    n_candidates: int  # keepers among its renders (session_keepers), 0 when none


@dataclass
class SessionInference:
    """One session: intent, label, arc and phases; ``phase_of_position[i]`` is position i+1's."""

    session_id: str
    artist: str
    intent: str | None  # None for a single render
    label: str
    arc: str
    confidence: float
    signals: list[str]
    phases: list[PhaseInference]
    phase_of_position: list[int]
    started_at: datetime | None
    ended_at: datetime | None
    n_generations: int


def build_artist_context(artist_signals: pl.DataFrame) -> ArtistContext:
    """Phrase statistics over all of one artist's sessions, to name what sets a phase apart."""
    artists = artist_signals["artist"].unique().to_list() if artist_signals.height else [""]
    grouped = (
        artist_signals.group_by("session_id").agg(pl.col("prompt").unique())
        if artist_signals.height
        else pl.DataFrame({"prompt": []})
    )
    return ArtistContext.from_prompts(str(artists[0]), grouped["prompt"].to_list())


def needs_visual(session: pl.DataFrame) -> bool:
    """True when the session records no seed and no sampling settings (Midjourney, bare images).

    Then prompts alone (or nothing) separate strategies and the labels lean on image
    similarity, so these are the sessions worth embedding when the budget is tight. A model
    version or image size alone (Midjourney's ``--v 6.1``, any file's pixels) does not count:
    it says nothing about how the artist worked within the session.
    """
    has = [c for c in ("seed", "steps", "cfg_scale", "sampler") if c in session.columns]
    if not has or session.height == 0:
        return True
    return session.select(pl.all_horizontal(pl.col(has).is_null()).all()).item()


def _confidence(ll: dict[str, float], intent: str, n_inner: int, coverage: float) -> float:
    if n_inner == 0:
        return round(1.0 / len(ll) * (0.6 + 0.4 * coverage), 3)
    scale = min(n_inner, EFFECTIVE_STEPS) / n_inner
    top = max(ll.values())
    z = sum(math.exp((v - top) * scale) for v in ll.values())
    return round(math.exp((ll[intent] - top) * scale) / z * (0.6 + 0.4 * coverage), 3)


def _signals(
    phase_steps: list[Step], tables: dict, intent: str, intents: tuple[str, ...], *, sparse: bool
) -> list[str]:
    """Features that spoke for the chosen intent over the other possible ones, strongest first."""
    inner = phase_steps[1:] or phase_steps
    weight: dict[str, float] = {}
    for step in inner:
        for feature, b in step.bins.items():
            rivals = [tables[feature][i][b] for i in intents if i != intent]
            gain = tables[feature][intent][b] - sum(rivals) / len(rivals)
            weight[feature] = weight.get(feature, 0.0) + gain
    ranked = sorted((f for f in weight if weight[f] > 0), key=lambda f: -weight[f])
    if sparse:  # no seed or settings: what the images show carries the label, and we say so
        present = {f for s in inner for f in s.bins}
        ranked = ["image"] * ("image" in present) + [f for f in ranked if f != "image"]
    out = [s for f in ranked for s in FEATURE_SIGNALS[f]]
    return [*out, SPARSE_SIGNAL] if sparse else out


def _coverage(phase_steps: list[Step]) -> float:
    inner = phase_steps[1:] or phase_steps
    feats = ("prompt", "seed", "params", "image")
    return sum(sum(f in s.bins for f in feats) for s in inner) / (len(feats) * len(inner))


def _phase(
    rows: SessionRows,
    session_steps: list[Step],
    seg: Segment,
    phase_no: int,
    loglik: list[dict[str, float]],
    tables: dict,
    context: ArtistContext,
    intents: tuple[str, ...],
    *,
    sparse: bool,
) -> tuple[PhaseInference, list[Step]]:
    phase_steps = session_steps[seg.first : seg.last + 1]
    first, last = phase_steps[0].first_row, phase_steps[-1].last_row
    facts = LABELLERS[seg.intent](rows, phase_steps, context)
    ll = segment_loglik(loglik, seg, intents)
    phase = PhaseInference(
        phase_no=phase_no,
        intent=seg.intent,
        label=facts.label,
        first_position=first + 1,
        last_position=last + 1,
        started_at=rows.created_at[first],
        ended_at=rows.created_at[last],
        n_generations=last - first + 1,
        confidence=_confidence(ll, seg.intent, seg.last - seg.first, _coverage(phase_steps)),
        signals=_signals(phase_steps, tables, seg.intent, intents, sparse=sparse),
        concepts=facts.concepts,
        parameter=facts.parameter,
        first_value=facts.first_value,
        last_value=facts.last_value,
        n_candidates=keepers_in(rows, first, last),
    )
    return phase, phase_steps


def learned_scores(
    rows: SessionRows,
    session_steps: list[Step],
    model: IntentModel,
    tables: dict[str, dict[str, dict[str, float]]],
    habits: ArtistHabits | None,
) -> tuple[list[dict[str, float]], list[dict[str, float]], list[float], list[dict[str, float]]]:
    """Decoder inputs from the learned model, with the rule table where it has no evidence.

    ``loglik[u]`` scores unit u inside a phase, ``boundary[u]`` as a phase's first unit; also
    returned: the log-odds of a start at each unit and the model's own log-probabilities. The
    real labels it was fitted on carry no pictures, so for visual similarity the (artist's
    calibrated) rule table speaks: near-identical pictures are refinement, a sudden drop a new
    direction. Corrections reach the model itself (``pooling``), not these tables.
    """
    habits = habits or ArtistHabits()
    x = np.asarray(unit_features(rows, session_steps, habits, model.lexicon), dtype=float)
    emit, start, inside = model.scores(x)

    layer = [
        {
            i: tables["image"][i][step.bins["image"]] if "image" in step.bins else 0.0
            for i in emit[0]
        }
        for step in session_steps
    ]
    loglik = [{i: e[i] + layer[u][i] + inside[u] for i in e} for u, e in enumerate(emit)]
    boundary = [{i: e[i] + layer[u][i] + start[u] for i in e} for u, e in enumerate(emit)]
    boundary[0] = {i: emit[0][i] + layer[0][i] for i in emit[0]}
    odds = [a - b for a, b in zip(start, inside, strict=True)]
    return loglik, boundary, odds, emit


def _decode_without_toggles(
    rows: SessionRows,
    session_steps: list[Step],
    loglik: list[dict[str, float]],
    boundary: list[dict[str, float]],
    priors: dict[str, float],
    allowed: tuple[str, ...],
    penalty: float,
    no_repeat: tuple[str, ...] = (),
) -> list[Segment]:
    """The best segmentation in which no optimization only toggles a setting and goes back.

    A setting tried and reverted (size 1600→1024→1600 between two prompt edits) is a detour
    inside the work around it, not a sweep. Relabelling such a phase afterwards would keep the
    boundaries drawn for it; instead its units are decoded again with optimization ruled out
    there, so the phases around them are drawn as if the toggle were any other render.
    """
    decoded = decode(loglik, boundary, priors, allowed, penalty=penalty, no_repeat=no_repeat)
    if "optimization" not in allowed:
        return decoded
    barred: set[int] = set()
    for _ in range(3):
        found = {
            u
            for seg in toggles(rows, session_steps, decoded)
            for u in range(seg.first, seg.last + 1)
        }
        if not found - barred:
            break
        barred |= found
        decoded = decode(
            _bar(loglik, barred),
            _bar(boundary, barred),
            priors,
            allowed,
            penalty=penalty,
            no_repeat=no_repeat,
        )
    return decoded


def _bar(scores: list[dict[str, float]], units: set[int]) -> list[dict[str, float]]:
    """Scores with optimization ruled out at ``units``."""
    return [{**s, "optimization": BARRED} if u in units else s for u, s in enumerate(scores)]


def infer_session(
    session: pl.DataFrame,
    context: ArtistContext,
    calibration: Calibration | None = None,
    habits: ArtistHabits | None = None,
    model: IntentModel | bool | None = True,
) -> SessionInference:
    """Segment one session into phases, name each, and name the session's intent and arc.

    ``model``: True for the shipped model (rule tables alone when none is shipped), an
    ``IntentModel`` to use that one, or None/False for the rule tables alone.
    """
    model = load_model() if model is True else model or None
    return infer_rows(
        session_rows(session), needs_visual(session), context, calibration, habits, model
    )


def infer_rows(
    rows: SessionRows,
    sparse: bool,
    context: ArtistContext,
    calibration: Calibration | None = None,
    habits: ArtistHabits | None = None,
    model: IntentModel | None = None,
    tables: dict[str, dict[str, dict[str, float]]] | None = None,
) -> SessionInference:
    """`infer_session` on rows already converted (``sparse``: `needs_visual` of the session).

    A batch labels many sessions of one artist with one calibration: ``tables``, its
    ``log_tables()`` computed once, saves recomputing them per session.
    """
    calibration = calibration or Calibration()
    if not any(rows.prompts):  # no prompt to read: the model knows nothing, the tables lead
        model = None
    session_steps = steps(rows)
    if len(session_steps) == 1:
        return _single_render(rows)
    tables = tables if tables is not None else calibration.log_tables()
    rule_loglik = step_loglik(session_steps, tables)
    sweeps = any(s.bins.get("params") in ("one", "sweep", "many") for s in session_steps)
    allowed = PHASE_INTENTS if sweeps else tuple(i for i in PHASE_INTENTS if i != "optimization")
    pivot_odds, emit = None, None
    penalty, no_repeat = SWITCH_PENALTY, ()
    if model is not None:
        loglik, boundary, pivot_odds, emit = learned_scores(
            rows, session_steps, model, tables, habits
        )
        # The boundary model learned exploration as one phase (its renders inside it), so the
        # decoder may not start a second exploration right after one.
        penalty, no_repeat = LEARNED_PENALTY, ("exploration",)
    else:
        loglik = rule_loglik
        boundary = boundary_loglik(session_steps, tables, allowed)
    decoded = _decode_without_toggles(
        rows, session_steps, loglik, boundary, calibration.log_priors(), allowed, penalty, no_repeat
    )
    segments = finalize(rows, session_steps, decoded, loglik, allowed, pivot_odds=pivot_odds)
    phases, views = [], []
    for no, seg in enumerate(segments, 1):
        phase, phase_steps = _phase(
            rows, session_steps, seg, no, loglik, tables, context, allowed, sparse=sparse
        )
        if model is not None and emit is not None:
            units = emit[seg.first : seg.last + 1]
            phase.confidence = round(phase_confidence(units, seg.intent, model.temperature), 3)
        phases.append(phase)
        views.append(
            PhaseView(phase.intent, phase_steps, phase.label, phase.concepts, phase.n_generations)
        )
    pivot = pivots(rows, views)
    intent = session_intent(views)
    total = sum(p.n_generations for p in phases)
    signals = list(dict.fromkeys(s for p in phases for s in p.signals))
    return SessionInference(
        session_id=rows.session_id,
        artist=rows.artist,
        intent=intent,
        label=session_label(intent, views),
        arc=arc_text(views, pivot),
        confidence=round(sum(p.confidence * p.n_generations for p in phases) / total, 3),
        signals=signals,
        phases=phases,
        phase_of_position=[p.phase_no for p in phases for _ in range(p.n_generations)],
        started_at=rows.created_at[0],
        ended_at=rows.created_at[-1],
        n_generations=rows.n,
    )


def _single_render(rows: SessionRows) -> SessionInference:
    """One render (or one Midjourney job) shows no strategy: it says so and gets no intent."""
    label = single_render_label(rows.prompts[0], rows.n)
    phase = PhaseInference(
        phase_no=1,
        intent=None,
        label=label,
        first_position=1,
        last_position=rows.n,
        started_at=rows.created_at[0],
        ended_at=rows.created_at[-1],
        n_generations=rows.n,
        confidence=1.0,
        signals=[],
        concepts=[c for c in [subject_name(rows.prompts[0])] if c],
        parameter=None,
        first_value=None,
        last_value=None,
        n_candidates=keepers_in(rows, 0, rows.n - 1),
    )
    return SessionInference(
        session_id=rows.session_id,
        artist=rows.artist,
        intent=None,
        label=label,
        arc="single render",
        confidence=1.0,
        signals=[],
        phases=[phase],
        phase_of_position=[1] * rows.n,
        started_at=rows.created_at[0],
        ended_at=rows.created_at[-1],
        n_generations=rows.n,
    )


def infer_all(
    signals: pl.DataFrame, calibrations: dict[str, Calibration] | None = None
) -> list[SessionInference]:
    """Every session of an ``intent_signals`` frame, each artist with its own context."""
    calibrations = calibrations or {}
    out: list[SessionInference] = []
    for (artist,), artist_rows in signals.group_by("artist", maintain_order=True):
        context = build_artist_context(artist_rows)
        habits = ArtistHabits.from_signals(artist_rows)
        for _, session in artist_rows.group_by("session_id", maintain_order=True):
            out.append(infer_session(session, context, calibrations.get(str(artist)), habits))
    return out


def predictions_frame(signals: pl.DataFrame, inferences: list[SessionInference]) -> pl.DataFrame:
    """One row per generation: its session's and its phase's inferred intent (for scoring)."""
    rows = []
    for inf in inferences:
        intents = {p.phase_no: p.intent for p in inf.phases}
        for position, phase_no in enumerate(inf.phase_of_position, 1):
            rows.append((inf.session_id, position, phase_no, intents[phase_no], inf.intent))
    frame = pl.DataFrame(
        rows,
        schema=["session_id", "position", "phase_no", "phase_intent", "session_intent"],
        orient="row",
    )
    # Positions are matched by order within the session, as ``infer_session`` sorts them.
    keys = signals.select(
        "session_id",
        "generation_id",
        pl.col("position").rank("ordinal").over("session_id").cast(pl.Int64).alias("position"),
    )
    return keys.join(frame, on=["session_id", "position"], how="inner")
