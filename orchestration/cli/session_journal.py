"""The journal in the terminal: one line per session with its label, its phases indented below."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from orchestration.safe_text import printable
from orchestration.store.warehouse_queries import fetch_all, has_relations, read_only


@dataclass(slots=True)
class JournalPhase:
    """One phase line."""

    phase_no: int
    intent: str
    label: str
    n_generations: int
    confidence: float
    corrected: bool


@dataclass(slots=True)
class JournalKeeper:
    """One keeper of a session: its position and every reason, with evidence."""

    position: int
    reasons: str


@dataclass(slots=True)
class JournalSession:
    """One session line and its phases."""

    session_id: str
    artist: str
    started_at: datetime
    ended_at: datetime
    n_generations: int
    intent: str | None
    label: str | None
    arc: str | None
    confidence: float | None
    corrected: bool
    phases: list[JournalPhase] = field(default_factory=list)
    keepers: list[JournalKeeper] | None = None  # None: the warehouse has no session_keepers


def has_intent_views(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse has the intent views yet (built after the first labelling run)."""
    return has_relations(con, "session_intents", "session_phases")


def resolve_artist(con: duckdb.DuckDBPyConnection, wanted: str) -> str:
    """The artist ``wanted`` names: an exact name, else the one name it is a prefix of.

    Hashed ids and long names are tedious to type, so a unique prefix (any case) is enough; an
    ambiguous or unknown one is a `LookupError` whose one-line, escaped text lists the candidates.
    """
    known = [row[0] for row in fetch_all(con, "artists")]
    if wanted in known:
        return wanted
    matches = [name for name in known if name.casefold().startswith(wanted.casefold())]
    if len(matches) == 1:
        return matches[0]
    listed = ", ".join(printable(repr(name)) for name in (matches or known))
    if matches:
        raise LookupError(f"artist {printable(repr(wanted))} matches {len(matches)}: {listed}")
    raise LookupError(f"no artist {printable(repr(wanted))}; known: {listed or '(none yet)'}")


def load_journal(
    warehouse: Path, *, artist: str | None = None, limit: int | None = None
) -> list[JournalSession]:
    """Sessions newest first with their labels (unlabelled ones too: label None).

    ``artist`` may be a unique prefix (see `resolve_artist`).
    """
    with read_only(warehouse) as con:
        if not has_intent_views(con):
            raise LookupError("the warehouse has no intent labels yet; run `creative-sessions run`")
        if artist is not None:
            artist = resolve_artist(con, artist)
        rows = fetch_all(con, "journal_sessions", {"artist": artist, "limit": limit})
        sessions = {row[0]: JournalSession(*row) for row in rows}
        if sessions:
            phases = fetch_all(con, "journal_phases", {"ids": list(sessions)})
            for session_id, *phase in phases:
                sessions[session_id].phases.append(JournalPhase(*phase))
            _attach_keepers(con, sessions)
        return list(sessions.values())


def _attach_keepers(con: duckdb.DuckDBPyConnection, sessions: dict[str, JournalSession]) -> None:
    """Each session's keepers, best first; left None where the warehouse has no keeper view."""
    if not has_relations(con, "session_keepers"):
        return
    rows = fetch_all(con, "journal_keepers", {"ids": list(sessions)})
    for session in sessions.values():
        session.keepers = []
    for session_id, position, reasons in rows:
        sessions[session_id].keepers.append(JournalKeeper(position, reasons))  # type: ignore[union-attr]


def keeper_lines(keepers: list[JournalKeeper] | None, indent: str = "  ") -> list[str]:
    """``keeper #5 (second_pass: …)`` lines, or one saying the data shows no choice."""
    if keepers is None:
        return []
    if not keepers:
        return [f"{indent}keepers: none (no evidence of choice in the data)"]
    return [f"{indent}keeper #{k.position} ({printable(k.reasons)})" for k in keepers]


def render_journal(sessions: list[JournalSession]) -> str:
    """Plain text a person scans: date, size, label, arc; phases indented; corrections marked.

    Names and labels come from the artist's data, so each is escaped (see `printable`).
    """
    lines: list[str] = []
    for session in sessions:
        minutes = (session.ended_at - session.started_at).total_seconds() / 60
        head = (
            f"{session.started_at:%Y-%m-%d %H:%M} {printable(session.artist)} "
            f"({session.n_generations} gen, {minutes:.0f} min)  {session.session_id[:12]}"
        )
        if session.label is None:
            lines.append(f"{head}\n  (not labelled yet)")
            continue
        mark = " [corrected]" if session.corrected else f" ({session.confidence:.0%})"
        lines.append(f"{head}\n  {printable(session.label)}{mark}")
        lines.extend(keeper_lines(session.keepers))
        if session.arc and len(session.phases) > 1:
            lines.append(f"  arc: {printable(session.arc)}")
        if len(session.phases) > 1 or (session.phases and session.phases[0].label != session.label):
            for phase in session.phases:
                tag = " [corrected]" if phase.corrected else ""
                label = printable(phase.label)
                lines.append(f"    {phase.phase_no}. {label} ({phase.n_generations} gen){tag}")
    return "\n".join(lines)
