"""One labelling run: fingerprints, plan, inference, corrections, and the tables to write.

Data in, data out (the Dagster asset does the writing): the signals come through a
`SignalSource`, which fingerprints sessions in SQL and hands over only the planned ones.
Corrections are applied last, so a correction overrides what inference says wherever the tables
are shown, and the inferred values stay beside it. Each artist's corrections also calibrate that
artist's inference, and both the calibration and the corrections are part of every session's
fingerprint, so a new correction relabels exactly the sessions it can change.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from orchestration.intent.calibration import Calibration, CorrectedExample, fit_calibration
from orchestration.intent.concepts import ArtistContext
from orchestration.intent.contract import (
    FEATURE_VERSION,
    INTENTS_SCHEMA,
    MEMBER_PHASES_SCHEMA,
    PHASES_SCHEMA,
)
from orchestration.intent.corrections import Correction, ResolvedCorrections, resolve
from orchestration.intent.evidence import ArtistHabits
from orchestration.intent.infer import SessionInference, infer_rows
from orchestration.intent.label_plan import (
    Budget,
    CostModel,
    LabellingPlan,
    plan_labelling,
)
from orchestration.intent.labelling_workers import label_in_workers, worker_count
from orchestration.intent.model import IntentModel, load_model
from orchestration.intent.pooling import ARTIST_L2, pooled_model
from orchestration.intent.session_batch import batch_sessions
from orchestration.intent.signal_source import SignalSource

# Signals read at once while labelling: memory follows this, not the size of a backlog.
BATCH_GENERATIONS = 100_000


@dataclass(frozen=True, slots=True)
class IntentTables:
    """The three output tables, as Arrow tables in the contract's schemas."""

    session_phases: pa.Table
    session_intents: pa.Table
    member_phases: pa.Table

    @classmethod
    def empty(cls) -> IntentTables:
        """Tables with no rows: what a warehouse with no sessions labels."""
        return cls(
            PHASES_SCHEMA.empty_table(),
            INTENTS_SCHEMA.empty_table(),
            MEMBER_PHASES_SCHEMA.empty_table(),
        )

    def as_dict(self) -> dict[str, pa.Table]:
        """By table name, as the lake stores them."""
        return {
            "session_phases": self.session_phases,
            "session_intents": self.session_intents,
            "member_phases": self.member_phases,
        }


@dataclass(slots=True)
class LabellingOutcome:
    """What a run wrote and what it leaves for the next one."""

    tables: IntentTables
    plan: LabellingPlan
    seconds: float
    corrections: ResolvedCorrections | None
    calibrated_artists: list[str] = field(default_factory=list)
    intent_counts: dict[str, int] = field(default_factory=dict)
    # Inference of the planned sessions alone, as one process's seconds (wall seconds times the
    # worker processes): what the cost model learns, the same whether a plan was split or not.
    labelling_seconds: float = 0.0
    changed: bool = True  # False when the stored tables already hold every label


@dataclass(frozen=True)
class InferenceSetup:
    """What inference uses beyond the signals: per-artist layers and the pooled model."""

    calibrations: dict[str, Calibration]
    habits: dict[str, ArtistHabits]
    model: IntentModel | None  # the shipped model with every artist's corrections pooled in
    artist_models: dict[str, IntentModel]  # plus an artist's own corrections, where they have some

    def model_for(self, artist: str) -> IntentModel | None:
        """The model that labels this artist's sessions."""
        return self.artist_models.get(artist, self.model)

    @property
    def version(self) -> str:
        """Feature version plus the model's: every label's fingerprint carries it."""
        return f"{FEATURE_VERSION}+{self.model.version if self.model else 'rules'}"

    def artist_layer(self, artist: str) -> str:
        """The artist's calibration and own model ("default+global" for an artist with none)."""
        calibration = self.calibrations.get(artist)
        own = calibration.version if calibration else "default"
        layer = self.artist_models[artist].version if artist in self.artist_models else "global"
        return f"{own}+{layer}"

    def artist_version(self, artist: str) -> str:
        """The artist's own layer and seed habit (the candidates' SQL spells it the same)."""
        habit = self.habits.get(artist, ArtistHabits())
        return f"{self.artist_layer(artist)}+seed{habit.seed_weight:.2f}"


Prepared = tuple[LabellingPlan, InferenceSetup, ResolvedCorrections, pl.DataFrame]
"""`prepare_plan`'s answer: the plan, the models that label, corrections, every session."""


def prepare_plan(
    source: SignalSource,
    previous: IntentTables,
    corrections: Sequence[Correction],
    budget: Budget,
    cost: CostModel,
    *,
    now: datetime | None = None,
) -> Prepared:
    """Fingerprint every session in SQL and choose what this run labels (also the `--preview`).

    Returns the candidates too: the set of sessions that exist, which the merge keeps.
    """
    resolved = resolve(corrections, _members_with_phases(source, corrections, previous))
    examples = _corrected_examples(source, resolved)
    # Habits of the artists whose corrections train a layer now, of the artists labelled below
    # once the plan is known: not of every artist in the history.
    habits = source.seed_habits(examples)
    base = load_model()
    pooled = [e for by_artist in examples.values() for e in by_artist]
    model = pooled_model(base, pooled, habits) if base is not None else None
    artist_models = {}
    if model is not None:
        for artist, own in examples.items():
            layered = pooled_model(model, own, habits, l2=ARTIST_L2)
            if layered is not model:
                artist_models[artist] = layered
    setup = InferenceSetup(
        calibrations={a: fit_calibration(e) for a, e in examples.items() if e},
        habits=habits,
        model=model,
        artist_models=artist_models,
    )
    candidates = source.candidates(
        setup.version,
        {artist: setup.artist_layer(artist) for artist in {*examples, *artist_models}},
        _corrections_version_by_session(resolved),
    )
    plan = plan_labelling(
        candidates,
        pl.from_arrow(previous.session_intents.select(["session_id", "fingerprint"])),
        budget,
        cost,
        now=now,
    )
    labelled = set(plan.todo["artist"].to_list()) - habits.keys()
    setup = replace(setup, habits={**habits, **source.seed_habits(labelled)})
    return plan, setup, resolved, candidates


def label(
    source: SignalSource,
    previous: IntentTables,
    corrections: Sequence[Correction],
    budget: Budget,
    cost: CostModel,
    *,
    now: datetime | None = None,
    prepared: Prepared | None = None,
    warehouse: Path | None = None,
    workers: int = 1,
) -> LabellingOutcome:
    """Label what the plan takes; keep unchanged and not-yet-reached labels; drop vanished ones.

    Only the planned sessions' signals are read. The seconds the cost model learns from are
    those of this labelling work, not of planning over the history.
    ``prepared`` is `prepare_plan`'s answer for these same inputs, when the caller already has it.
    With the ``warehouse`` that ``source`` reads, a large plan is labelled in ``workers``
    processes (0: one per core; `labelling_workers`); the tables are the same either way.
    """
    started = time.perf_counter()
    now = now or datetime.now(UTC)
    plan, setup, resolved, candidates = prepared or prepare_plan(
        source, previous, corrections, budget, cost, now=now
    )
    labelling_started = time.perf_counter()
    todo = plan.todo["session_id"].to_list()
    fingerprints = dict(plan.todo.select("session_id", "fingerprint").iter_rows())
    fresh, processes = _label_plan(source, plan.todo, setup, fingerprints, now, warehouse, workers)
    labelling_seconds = (time.perf_counter() - labelling_started) * processes
    if not todo and plan.dropped.is_empty():
        # Nothing relabelled and nothing gone: the stored tables are already the answer.
        return _outcome(previous, plan, started, labelling_seconds, resolved, setup, changed=False)
    # Phase corrections land on the new phases, so resolve again over the new segmentation.
    keep = set(candidates["session_id"].to_list()) - set(todo)
    merged = _merge(previous, fresh, keep)
    final_resolved = resolve(
        [p.correction for p in resolved.effective] + list(resolved.unplaced),
        _members_with_phases(source, corrections, merged),
    )
    tables = _apply_corrections(merged, final_resolved)
    return _outcome(tables, plan, started, labelling_seconds, final_resolved, setup, changed=True)


def _label_plan(
    source: SignalSource,
    todo: pl.DataFrame,
    setup: InferenceSetup,
    fingerprints: dict[str, str],
    now: datetime,
    warehouse: Path | None,
    workers: int,
) -> tuple[IntentTables, int]:
    """The planned sessions' rows, labelled in artist batches here or in worker processes.

    A worker returns its batch's Arrow tables, so the rows are built in parallel too and cross
    between processes as columns rather than as Python objects. Also says how many processes.
    """
    label_batch = functools.partial(_label_batch, fingerprints=fingerprints, now=now)
    processes = 1 if warehouse is None else worker_count(workers, todo.height)
    if warehouse is None or processes == 1:
        parts = [label_batch(source, batch, setup) for batch in _artist_batches(todo)]
    else:
        # A few batches per worker, so one large artist does not leave the other cores idle.
        per_batch = int(todo["n_generations"].sum()) // (processes * 3) + 1
        batches = _artist_batches(todo, min(per_batch, BATCH_GENERATIONS))
        parts = list(label_in_workers(warehouse, batches, setup, label_batch, processes))
    if not parts:
        return IntentTables.empty(), processes
    tables = IntentTables(
        **{
            name: pa.concat_tables([part.as_dict()[name] for part in parts])
            for name in IntentTables.empty().as_dict()
        }
    )
    return tables, processes


def _label_batch(
    source: SignalSource,
    batch: list[str],
    setup: InferenceSetup,
    *,
    fingerprints: dict[str, str],
    now: datetime,
) -> IntentTables:
    """One batch of sessions inferred and turned into the three tables' rows."""
    return _tables(_infer(source, batch, setup), fingerprints, now)


def _artist_batches(todo: pl.DataFrame, max_generations: int | None = None) -> list[list[str]]:
    """The planned sessions in batches of whole artists, each about ``max_generations`` rows."""
    limit = BATCH_GENERATIONS if max_generations is None else max_generations
    per_artist = todo.group_by("artist", maintain_order=True).agg(
        pl.col("session_id"), pl.col("n_generations").sum()
    )
    batches: list[list[str]] = []
    size = 0
    for sessions, n in per_artist.select("session_id", "n_generations").iter_rows():
        if not batches or size + n > limit:
            batches.append([])
            size = 0
        batches[-1].extend(sessions)
        size += n
    return batches


def _infer(
    source: SignalSource, todo: list[str], setup: InferenceSetup
) -> list[tuple[list[str], SessionInference]]:
    """Infer one batch of sessions, each with its artist's calibration, habits and model.

    The batch becomes Python lists once (`batch_sessions`), not one frame per session; each
    artist's rule tables are computed once. Names come from each phase's own prompts, so the
    artist context is only the labellers' third argument and reads nothing more.
    """
    if not todo:
        return []
    default = Calibration()
    default_tables = default.log_tables()
    tables: dict[str, dict[str, dict[str, dict[str, float]]]] = {}  # of calibrated artists
    inferred: list[tuple[list[str], SessionInference]] = []
    for session in batch_sessions(source.sessions(todo)):
        artist = session.rows.columns["artist"][0]
        calibration = setup.calibrations.get(artist)
        if calibration is not None and artist not in tables:
            tables[artist] = calibration.log_tables()
        result = infer_rows(
            session.rows,
            session.sparse,
            ArtistContext(session.rows.artist),
            calibration or default,
            setup.habits.get(artist),
            setup.model_for(artist),
            default_tables if calibration is None else tables[artist],
        )
        inferred.append((session.rows.generation_ids, result))
    return inferred


def _outcome(
    tables: IntentTables,
    plan: LabellingPlan,
    started: float,
    labelling_seconds: float,
    resolved: ResolvedCorrections,
    setup: InferenceSetup,
    *,
    changed: bool,
) -> LabellingOutcome:
    counts = pl.from_arrow(tables.session_intents.select(["intent"]))["intent"].value_counts()
    return LabellingOutcome(
        tables=tables,
        plan=plan,
        seconds=time.perf_counter() - started,
        corrections=resolved,
        calibrated_artists=sorted(setup.calibrations),
        intent_counts=dict(counts.iter_rows()),
        labelling_seconds=labelling_seconds,
        changed=changed,
    )


def _members_with_phases(
    source: SignalSource, corrections: Sequence[Correction], tables: IntentTables
) -> pl.DataFrame:
    """The generations corrections name, with their session and labelled phase."""
    ids = {g for c in corrections for g in c.generation_ids}
    members = source.members(ids)
    named = tables.member_phases.select(["generation_id", "session_id", "phase_no"])
    if not ids:  # no corrections: no need to read every member's phase
        named = named.slice(0, 0)
    phases = pl.from_arrow(named).filter(pl.col("generation_id").is_in(list(ids)))
    return members.join(phases, on=["generation_id", "session_id"], how="left")


def _corrected_examples(
    source: SignalSource, resolved: ResolvedCorrections
) -> dict[str, list[CorrectedExample]]:
    """Per artist with corrections: the sessions they corrected, with the intents they gave."""
    by_artist = resolved.by_artist()
    wanted = {p.session_id for placements in by_artist.values() for p in placements}
    sessions = source.sessions(wanted).partition_by("session_id", as_dict=True) if wanted else {}
    out: dict[str, list[CorrectedExample]] = {}
    for artist, placements in by_artist.items():
        examples = []
        for session_id in sorted({p.session_id for p in placements}):
            session = sessions.get((session_id,))
            if session is None or session.is_empty():
                continue
            session_level = [
                p for p in placements if p.session_id == session_id and p.phase_no is None
            ]
            phase_level = _phase_intents(
                session,
                [p for p in placements if p.session_id == session_id and p.phase_no is not None],
            )
            examples.append(
                CorrectedExample(
                    session=session,
                    session_intent=session_level[-1].correction.intent if session_level else None,
                    phase_intents=phase_level,
                )
            )
        out[artist] = examples
    return out


def _phase_intents(session: pl.DataFrame, placements: Sequence[Any]) -> list[str] | None:
    """Per-position intents from phase corrections, when they cover the whole session."""
    if not placements:
        return None
    by_generation: dict[str, str] = {}
    for placement in placements:
        for generation_id in placement.correction.generation_ids:
            by_generation[generation_id] = placement.correction.intent
    intents = [by_generation.get(g) for g in session["generation_id"].to_list()]
    return intents if all(intents) else None  # type: ignore[return-value]


def _corrections_version_by_session(resolved: ResolvedCorrections) -> dict[str, str]:
    ids: dict[str, list[str]] = {}
    for placement in resolved.effective:
        ids.setdefault(placement.session_id, []).append(placement.correction.correction_id)
    return {
        session_id: hashlib.sha256(",".join(sorted(values)).encode()).hexdigest()[:16]
        for session_id, values in ids.items()
    }


def _tables(
    inferred: Iterable[tuple[list[str], SessionInference]],
    fingerprints: dict[str, str],
    now: datetime,
) -> IntentTables:
    phases: list[dict[str, Any]] = []
    intents: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    for generation_ids, session in inferred:
        intents.append(
            {
                "session_id": session.session_id,
                "artist": session.artist,
                "intent": session.intent,
                "label": session.label,
                "arc": session.arc,
                "confidence": float(session.confidence),
                "corrected": False,
                "inferred_intent": session.intent,
                "inferred_label": session.label,
                "signals": list(session.signals),
                "n_phases": len(session.phases),
                "started_at": session.started_at,
                "ended_at": session.ended_at,
                "n_generations": session.n_generations,
                "fingerprint": fingerprints[session.session_id],
                "labelled_at": now,
            }
        )
        for phase in session.phases:
            phases.append(
                {
                    "session_id": session.session_id,
                    "artist": session.artist,
                    "phase_no": phase.phase_no,
                    "intent": phase.intent,
                    "label": phase.label,
                    "started_at": phase.started_at,
                    "ended_at": phase.ended_at,
                    "first_position": phase.first_position,
                    "last_position": phase.last_position,
                    "n_generations": phase.n_generations,
                    "confidence": float(phase.confidence),
                    "signals": list(phase.signals),
                    "concepts": list(phase.concepts),
                    "parameter": phase.parameter,
                    "first_value": phase.first_value,
                    "last_value": phase.last_value,
                    "n_candidates": phase.n_candidates,
                    "inferred_intent": phase.intent,
                    "inferred_label": phase.label,
                    "corrected": False,
                }
            )
        for generation_id, phase_no in zip(generation_ids, session.phase_of_position, strict=True):
            members.append(
                {
                    "generation_id": generation_id,
                    "session_id": session.session_id,
                    "phase_no": phase_no,
                }
            )
    return IntentTables(
        pa.Table.from_pylist(phases, schema=PHASES_SCHEMA),
        pa.Table.from_pylist(intents, schema=INTENTS_SCHEMA),
        pa.Table.from_pylist(members, schema=MEMBER_PHASES_SCHEMA),
    )


def _merge(previous: IntentTables, fresh: IntentTables, keep: set[str]) -> IntentTables:
    """Fresh rows, plus previous rows of sessions still present and not relabelled now.

    Rows are ordered by session (and phase); the sort is stable, so rows that tie keep their
    order. At 1M generations this is the member table's million rows on every run.
    """
    keep_ids = pl.Series("session_id", sorted(keep), dtype=pl.String)
    out = {}
    for name, old in previous.as_dict().items():
        kept = pl.from_arrow(old).filter(pl.col("session_id").is_in(keep_ids))
        table = pl.concat([kept, pl.from_arrow(fresh.as_dict()[name].cast(old.schema))])
        order = ["session_id", "phase_no"] if "phase_no" in table.columns else ["session_id"]
        out[name] = table.sort(order, maintain_order=True).to_arrow().cast(old.schema)
    return IntentTables(**out)


def _apply_corrections(tables: IntentTables, resolved: ResolvedCorrections) -> IntentTables:
    """Corrected intent/label over the inferred ones; confidence 1 where the artist said so."""
    sessions = pl.from_arrow(tables.session_intents)
    phases = pl.from_arrow(tables.session_phases)
    session_over = resolved.session_overrides
    phase_over = resolved.phase_overrides
    sessions = _override(sessions, {(k,): v for k, v in session_over.items()}, ["session_id"])
    phases = _override(phases, phase_over, ["session_id", "phase_no"])
    return IntentTables(
        phases.to_arrow().cast(PHASES_SCHEMA),
        sessions.to_arrow().cast(INTENTS_SCHEMA),
        tables.member_phases,
    )


def _override(frame: pl.DataFrame, overrides: dict[tuple, Any], keys: list[str]) -> pl.DataFrame:
    """Reset to inferred values, then apply the overrides by key."""
    frame = frame.with_columns(
        intent=pl.col("inferred_intent"), label=pl.col("inferred_label"), corrected=pl.lit(False)
    )
    if not overrides:
        return frame
    rows = [
        dict(zip(keys, key, strict=True))
        | {"o_intent": o.intent, "o_label": o.label, "o_corrected": True}
        for key, o in overrides.items()
    ]
    key_types = {k: frame.schema[k] for k in keys}
    patch = pl.DataFrame(
        rows,
        schema={
            **key_types,
            "o_intent": pl.String,
            "o_label": pl.String,
            "o_corrected": pl.Boolean,
        },
    )
    patched = frame.join(patch, on=keys, how="left")
    is_corrected = pl.col("o_corrected").fill_null(False)
    return patched.with_columns(
        intent=pl.when(is_corrected).then(pl.col("o_intent")).otherwise(pl.col("intent")),
        label=pl.when(is_corrected)
        .then(
            pl.coalesce(
                "o_label",
                pl.format("{} (corrected; inferred: {})", "o_intent", "inferred_label"),
            )
        )
        .otherwise(pl.col("label")),
        corrected=is_corrected,
        confidence=pl.when(is_corrected).then(1.0).otherwise(pl.col("confidence")),
    ).drop("o_intent", "o_label", "o_corrected")
