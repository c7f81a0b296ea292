"""Inference scored on real people's sessions: the hand labels of the DiffusionDB slice.

The labels (``realdata/diffusiondb-first1k/labels``) cover the development users' sessions of
five or more generations; ``row_id`` is the 1-based data row of the CSV, which the log reader
keeps as ``source_path = 'row N'``. Anything learned is scored by leave-one-artist-out
cross-validation: each artist's sessions are labelled by a model fitted without that artist, so
the score says how inference does on people it has never seen. The token-Jaccard floor (a
ten-line heuristic) is scored beside it, on the same generations.

Evaluation users (``user_name`` starting with 8–f) are never read here: their labels are kept
elsewhere, and the functions below refuse truth rows for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from orchestration.intent.confidence import HeldOutPhase, fit_temperature
from orchestration.intent.evaluation import EvalReport, score
from orchestration.intent.evidence import ArtistHabits, unit_features
from orchestration.intent.features import session_rows, steps, token_jaccard
from orchestration.intent.infer import (
    SessionInference,
    build_artist_context,
    infer_session,
    predictions_frame,
)
from orchestration.intent.model import IntentModel, fit_model
from orchestration.intent.prompt_parts import DEFAULT_LEXICON, StyleLexicon
from orchestration.intent.session_rule import session_intent

DEV_PREFIXES = tuple("01234567")  # users whose sessions may be read, labelled and trained on


@dataclass(frozen=True, slots=True)
class LabelledSession:
    """One labelled session: its signal rows, unit vectors, and the truth per unit."""

    session_id: str
    name: str  # the label file's session name (D01, …)
    artist: str
    signals: pl.DataFrame
    habits: ArtistHabits  # from all of the artist's sessions, as the intent asset computes them
    x: np.ndarray
    intents: list[str]
    starts: list[bool]


def load_truth(labels_dir: Path) -> pl.DataFrame:
    """``dev_phases.csv`` joined with ``dev_sessions.csv``: one row per labelled generation."""
    phases = pl.read_csv(labels_dir / "dev_phases.csv")
    sessions = pl.read_csv(labels_dir / "dev_sessions.csv")
    bad = sessions.filter(~pl.col("user_prefix").str.slice(0, 1).is_in(DEV_PREFIXES))
    if bad.height:
        raise ValueError(f"{bad.height} labelled sessions are not development users'")
    return phases.join(
        sessions.select("session", "session_intent", "user_prefix"), on="session"
    ).with_columns(source_path=pl.format("row {}", pl.col("row_id")))


def attach(signals: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Truth rows with the generation and session ids the pipeline gave them.

    Matches on the log row (``source_path``) within the archive that holds the labelled rows, and
    checks that each labelled user is the artist the pipeline read.
    """
    joined = truth.join(
        signals.select("source_path", "generation_id", "session_id", "artist"),
        on="source_path",
        how="inner",
    ).filter(pl.col("artist").str.starts_with(pl.col("user_prefix")))
    if joined.height != truth.height:
        raise ValueError(
            f"{truth.height - joined.height} labelled rows are not in the warehouse; "
            "ingest the DiffusionDB CSV the labels refer to"
        )
    return joined


def sessions_with_truth(
    signals: pl.DataFrame, attached: pl.DataFrame, lexicon: StyleLexicon = DEFAULT_LEXICON
) -> list[LabelledSession]:
    """Sessions whose every unit has a truth row, as unit vectors with their truth.

    ``attached`` rows: ``generation_id``, ``phase_intent``, ``session`` (the true session's
    name) and ``phase_no``. An inferred session reaching past its labelled generations is left
    out: its units have no truth to learn from.
    """
    artists = attached.join(signals.select("generation_id", "artist"), on="generation_id")
    habits = {
        a: ArtistHabits.from_signals(signals.filter(pl.col("artist") == a))
        for a in artists["artist"].unique().to_list()
    }
    by_generation = {
        g: (i, f"{s}#{p}")
        for g, i, s, p in attached.select(
            "generation_id", "phase_intent", "session", "phase_no"
        ).iter_rows()
    }
    ids = attached.join(signals.select("generation_id", "session_id"), on="generation_id")
    names = dict(ids.select("session_id", "session").unique("session_id").iter_rows())
    labelled = signals.filter(pl.col("session_id").is_in(list(names)))
    out = []
    for (session_id,), frame in labelled.group_by("session_id"):
        frame = frame.sort("position")
        rows = session_rows(frame)
        unit_steps = steps(rows)
        truth_of = [by_generation.get(rows.generation_ids[s.first_row]) for s in unit_steps]
        if any(t is None for t in truth_of):
            continue
        x = np.asarray(unit_features(rows, unit_steps, habits[rows.artist], lexicon), dtype=float)
        phase = [t[1] for t in truth_of]  # type: ignore[index]
        out.append(
            LabelledSession(
                session_id=str(session_id),
                name=names[session_id],
                artist=rows.artist,
                signals=frame,
                habits=habits[rows.artist],
                x=x,
                intents=[t[0] for t in truth_of],  # type: ignore[index]
                starts=[u == 0 or phase[u] != phase[u - 1] for u in range(len(phase))],
            )
        )
    return sorted(out, key=lambda s: s.name)


def truth_frame(truth: pl.DataFrame, signals: pl.DataFrame) -> pl.DataFrame:
    """Truth in ``evaluation.score``'s shape."""
    return attach(signals, truth).select(
        "generation_id", "session_id", "phase_intent", "session_intent"
    )


def predictions(sessions: Sequence[LabelledSession], model: IntentModel | None) -> pl.DataFrame:
    """Per-generation phase and session intents of labelled sessions under one model."""
    frames = []
    for s in sessions:
        inference = infer_session(
            s.signals, build_artist_context(s.signals), habits=s.habits, model=model
        )
        frames.append(predictions_frame(s.signals, [inference]))
    return pl.concat(frames)


def cross_validate(
    sessions: Sequence[LabelledSession],
    fit_fold: Callable[[list[LabelledSession]], IntentModel],
) -> tuple[pl.DataFrame, list[HeldOutPhase]]:
    """Leave-one-artist-out: each artist labelled by a model fitted without them.

    Returns the per-generation predictions and, per decoded phase, the held-out model's
    log-probabilities with the truth (what the confidence temperature is fitted on).
    """
    frames, held_out = [], []
    for artist in sorted({s.artist for s in sessions}):
        model = fit_fold([s for s in sessions if s.artist != artist])
        mine = [s for s in sessions if s.artist == artist]
        frames.append(predictions(mine, model))
        held_out += _held_out_phases(mine, model)
    return pl.concat(frames), held_out


def _held_out_phases(sessions: Sequence[LabelledSession], model: IntentModel) -> list[HeldOutPhase]:
    out = []
    for s, inference in zip(sessions, inferences(sessions, model), strict=True):
        emit, _, _ = model.scores(s.x)
        rows = session_rows(s.signals)
        first_rows = [u.first_row for u in steps(rows)]
        for phase in inference.phases:
            if phase.intent is None:
                continue
            units = [
                u
                for u, r in enumerate(first_rows)
                if phase.first_position - 1 <= r <= phase.last_position - 1
            ]
            out.append(
                HeldOutPhase(
                    logits=[emit[u] for u in units],
                    intent=phase.intent,
                    truth=[s.intents[u] for u in units],
                )
            )
    return out


def fit_real_only(sessions: Sequence[LabelledSession]) -> IntentModel:
    """A model from real units alone (the cross-validation default)."""
    return fit_model(
        np.vstack([s.x for s in sessions]),
        [i for s in sessions for i in s.intents],
        [b for s in sessions for b in s.starts],
    )


def floor_predictions(sessions: Sequence[LabelledSession]) -> pl.DataFrame:
    """The ten-line heuristic: a prompt sharing half its words with a neighbour is refinement.

    An unchanged prompt with a changed setting is optimization; anything else is exploration.
    The session intent applies the guideline's rule to the runs this gives.
    """
    frames = []
    for s in sessions:
        rows = session_rows(s.signals)
        p = rows.prompts
        labels = []
        for i in range(rows.n):
            near = [j for j in (i - 1, i + 1) if 0 <= j < rows.n]
            kept = [j for j in near if p[j] == p[i]]
            moved = any(
                rows.columns[c][max(i, j)] not in (None, 0, False)
                for j in kept
                for c in ("cfg_scale_change", "steps_change", "is_size_changed")
            )
            if moved:
                labels.append("optimization")
            elif any(token_jaccard(p[i], p[j]) >= 0.5 for j in near):
                labels.append("refinement")
            else:
                labels.append("exploration")
        runs: list[_Run] = []
        for label in labels:
            if runs and runs[-1].intent == label:
                runs[-1].n_generations += 1
            else:
                runs.append(_Run(label, 1))
        intent = session_intent(runs)
        frames.append(
            pl.DataFrame(
                {
                    "generation_id": rows.generation_ids,
                    "session_id": [s.session_id] * rows.n,
                    "phase_intent": labels,
                    "session_intent": [intent] * rows.n,
                }
            )
        )
    return pl.concat(frames)


@dataclass
class _Run:
    intent: str
    n_generations: int


@dataclass(frozen=True)
class RealReport:
    """The real-data evaluation: cross-validated model, the floor, and what they were run on."""

    model: EvalReport
    floor: EvalReport
    n_artists: int
    temperature: float  # confidence temperature fitted on the held-out predictions
    ece_uncalibrated: float  # expected calibration error of phase confidences at temperature 1
    ece: float  # … and at the fitted temperature

    def summary(self) -> str:
        """Printable: headline numbers first, then the full tables."""
        return "\n".join(
            [
                f"real sessions (DiffusionDB development labels), {self.n_artists} artists, "
                "leave-one-artist-out:",
                f"  model  phase macro-F1 {self.model.macro_f1:.3f}   "
                f"session accuracy {self.model.session_accuracy:.3f}",
                f"  floor  phase macro-F1 {self.floor.macro_f1:.3f}   "
                f"session accuracy {self.floor.session_accuracy:.3f}   (token-Jaccard heuristic)",
                f"  confidence: expected calibration error {self.ece_uncalibrated:.3f} "
                f"uncalibrated, {self.ece:.3f} at temperature {self.temperature:g}",
                "",
                "model (cross-validated):",
                self.model.summary(),
            ]
        )


def evaluate_real(
    signals: pl.DataFrame,
    truth: pl.DataFrame,
    fit_fold: Callable[[list[LabelledSession]], IntentModel] = fit_real_only,
    lexicon: StyleLexicon = DEFAULT_LEXICON,
) -> RealReport:
    """Score leave-one-artist-out predictions and the floor on the labelled sessions."""
    sessions = sessions_with_truth(signals, attach(signals, truth), lexicon)
    expected = truth_frame(truth, signals)
    predicted, held_out = cross_validate(sessions, fit_fold)
    temperature, ece_before, ece_after = fit_temperature(held_out)
    return RealReport(
        model=score(predicted, expected),
        floor=score(floor_predictions(sessions), expected),
        n_artists=len({s.artist for s in sessions}),
        temperature=temperature,
        ece_uncalibrated=ece_before,
        ece=ece_after,
    )


def inferences(sessions: Sequence[LabelledSession], model: IntentModel) -> list[SessionInference]:
    """Full inferences (labels included) of labelled sessions with one model."""
    return [
        infer_session(
            s.signals,
            build_artist_context(s.signals),
            habits=s.habits,
            model=model,
        )
        for s in sessions
    ]
