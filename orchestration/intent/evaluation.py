"""Score inferred intents against ground truth: per-generation phase F1, per-session accuracy.

Both frames have one row per generation: ``generation_id``, ``session_id``, ``phase_intent``
and ``session_intent``. Phase intents are scored per generation (a misplaced boundary costs the
generations it misplaces, not a whole phase). Session intents are scored per *inferred*
session against the majority true intent of its generations, so a sessionization error shows
up here instead of being hidden by a join.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from orchestration.intent.contract import PHASE_INTENTS, SESSION_INTENTS

_COLUMNS = ("generation_id", "session_id", "phase_intent", "session_intent")


@dataclass(frozen=True)
class EvalReport:
    """Phase-level precision/recall/F1 per intent, macro-F1, session accuracy, confusions."""

    n_generations: int
    n_sessions: int
    phase_f1: dict[str, float]
    phase_precision: dict[str, float]
    phase_recall: dict[str, float]
    macro_f1: float
    session_accuracy: float
    phase_confusion: pl.DataFrame  # rows: true intent, columns: predicted intent
    session_confusion: pl.DataFrame

    def summary(self) -> str:
        """A printable report."""
        lines = [
            f"generations scored: {self.n_generations}   sessions scored: {self.n_sessions}",
            f"phase macro-F1 (per generation): {self.macro_f1:.3f}",
        ]
        for i in PHASE_INTENTS:
            lines.append(
                f"  {i:<13} P {self.phase_precision[i]:.3f}  R {self.phase_recall[i]:.3f}  "
                f"F1 {self.phase_f1[i]:.3f}"
            )
        lines.append(f"session-intent accuracy: {self.session_accuracy:.3f}")
        lines.append("phase confusion (rows true, columns predicted):")
        lines += confusion_table(self.phase_confusion)
        lines.append("session confusion (rows true, columns predicted):")
        lines += confusion_table(self.session_confusion)
        return "\n".join(lines)


def confusion_table(confusion: pl.DataFrame) -> list[str]:
    """A confusion frame as aligned plain-text rows: a reader's table, not a frame dump."""
    labels = confusion.columns[1:]
    first = max(len("true \\ predicted"), *(len(str(t)) for t in confusion["true"]))
    widths = [max(len(p), 4) for p in labels]
    head = (
        "  "
        + "true \\ predicted".ljust(first)
        + "".join(f"  {p:>{w}}" for p, w in zip(labels, widths, strict=True))
    )
    rows = [
        "  "
        + str(row[0]).ljust(first)
        + "".join(f"  {n:>{w}}" for n, w in zip(row[1:], widths, strict=True))
        for row in confusion.iter_rows()
    ]
    return [head, *rows]


def _confusion(pairs: pl.DataFrame, labels: tuple[str, ...]) -> pl.DataFrame:
    counts = {(t, p): n for t, p, n in pairs.group_by("truth", "pred").len().iter_rows()}
    return pl.DataFrame(
        {"true": list(labels)} | {p: [counts.get((t, p), 0) for t in labels] for p in labels}
    )


def score(predicted: pl.DataFrame, truth: pl.DataFrame) -> EvalReport:
    """Compare predictions with truth on the generations both contain."""
    for name, frame in (("predicted", predicted), ("truth", truth)):
        missing = [c for c in _COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks columns {missing}")
    joined = predicted.select(_COLUMNS).join(
        truth.select("generation_id", "phase_intent", "session_intent"),
        on="generation_id",
        how="inner",
        suffix="_true",
    )
    if joined.height == 0:
        raise ValueError("predicted and truth share no generation_id")
    phase = joined.select(truth="phase_intent_true", pred="phase_intent")
    precision, recall, f1 = {}, {}, {}
    for i in PHASE_INTENTS:
        tp = phase.filter((pl.col("truth") == i) & (pl.col("pred") == i)).height
        n_pred = phase.filter(pl.col("pred") == i).height
        n_true = phase.filter(pl.col("truth") == i).height
        precision[i] = tp / n_pred if n_pred else 0.0
        recall[i] = tp / n_true if n_true else 0.0
        total = precision[i] + recall[i]
        f1[i] = 2 * precision[i] * recall[i] / total if total else 0.0
    # Macro over the intents the truth contains: an absent class has no F1 to average.
    present = [i for i in PHASE_INTENTS if phase.filter(pl.col("truth") == i).height]
    sessions = joined.group_by("session_id").agg(
        pred=pl.col("session_intent").first(),
        truth=pl.col("session_intent_true").mode().sort().first(),
    )
    return EvalReport(
        n_generations=joined.height,
        n_sessions=sessions.height,
        phase_f1=f1,
        phase_precision=precision,
        phase_recall=recall,
        macro_f1=sum(f1[i] for i in present) / len(present),
        session_accuracy=sessions.filter(pl.col("pred") == pl.col("truth")).height
        / sessions.height,
        phase_confusion=_confusion(phase, PHASE_INTENTS),
        session_confusion=_confusion(sessions.select("truth", "pred"), SESSION_INTENTS),
    )
