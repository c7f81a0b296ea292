"""What the journal shows, gathered from the warehouse views into plain dataclasses.

The renderer never touches DuckDB and the queries never build HTML: tests render journals from
dataclasses they write by hand, and the queries name only documented view columns (``sessions``,
``session_intents``, ``session_phases``, ``session_members``, ``generations``,
``similarity_series``). Phases are matched to generations by their position range, so the page
does not depend on how a generation's phase is stored.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from embeddings.thumbnails import thumbnail_path
from orchestration.journal.keepers import KeeperPicture, attach_keepers

STRIP_IMAGES = 10  # thumbnails per phase: evenly spaced over the phase, first and last kept
# A swept parameter's value as text, as parameter_trajectories spells it.
PARAMETER_SQL = {
    "seed": "seed::varchar",
    "steps": "steps::varchar",
    "cfg_scale": "cfg_scale::varchar",
    "size": "width::varchar || 'x' || height::varchar",
    "sampler": "sampler::varchar",
    "scheduler": "scheduler::varchar",
    "model": "model::varchar",
}


@dataclass(frozen=True, slots=True)
class Thumbnail:
    """One picture in a phase's strip: a path relative to the page and what it shows."""

    src: str
    position: int
    prompt: str | None


@dataclass(frozen=True, slots=True)
class PromptStep:
    """A prompt a phase moved to: the first, then each one that differs from the one before."""

    position: int
    prompt: str


@dataclass(frozen=True, slots=True)
class TrajectoryPoint:
    """The swept parameter's value at one position of an optimization phase."""

    position: int
    value: str


@dataclass(frozen=True, slots=True)
class SimilarityPoint:
    """How far generation ``position`` moved from its predecessor (NULL where unmeasured)."""

    position: int
    prompt: float | None
    image: float | None
    is_pivot: bool = False


@dataclass(slots=True)
class Phase:
    """A run of generations with one strategy, as labelled (after corrections)."""

    phase_no: int
    intent: str
    label: str
    first_position: int
    last_position: int
    n_generations: int
    corrected: bool = False
    inferred_label: str | None = None
    parameter: str | None = None
    first_value: str | None = None
    last_value: str | None = None
    thumbnails: list[Thumbnail] = field(default_factory=list)
    n_images: int = 0  # pictures the phase has thumbnails for; the strip shows a sample
    trajectory: list[TrajectoryPoint] = field(default_factory=list)
    prompt_steps: list[PromptStep] = field(default_factory=list)  # for phases without pictures


@dataclass(slots=True)
class Session:
    """One session with its label and arc (None until the intent asset has labelled it)."""

    session_id: str
    artist: str
    started_at: datetime
    ended_at: datetime
    n_generations: int
    tools: str | None = None
    intent: str | None = None
    label: str | None = None
    arc: str | None = None
    corrected: bool = False
    inferred_label: str | None = None
    phases: list[Phase] = field(default_factory=list)
    similarity: list[SimilarityPoint] = field(default_factory=list)
    prompt_metric: str = "prompt"  # "prompt words" where prompts have no vectors (token Jaccard)
    keepers: list[KeeperPicture] | None = None  # None: the warehouse has no session_keepers


@dataclass(slots=True)
class ArtistJournal:
    """One artist's page: sessions newest first."""

    artist: str
    slug: str
    sessions: list[Session] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """An artist's line in the index: enough to link the page without loading its sessions."""

    artist: str
    slug: str
    n_sessions: int
    latest: datetime | None  # the newest session's start

    @classmethod
    def of(cls, journal: ArtistJournal) -> IndexEntry:
        """The line for a loaded journal."""
        latest = max((s.started_at for s in journal.sessions), default=None)
        return cls(journal.artist, journal.slug, len(journal.sessions), latest)


# A file-name-safe, unique slug per artist of ``slug_input(artist)``: lower-cased, every run of
# other characters one dash, at most 60 characters ("artist" when nothing is left); a hash
# suffix separates artists that clash (with each other or with the index page). In SQL so the
# journal slugs every artist of a large history in one pass; `artist_slugs` runs the same query.
SLUG_SQL = """
select
    artist,
    case
        when count(*) over (partition by base) + (base = 'index')::integer > 1
            then base || '-' || left(sha1(artist), 8)
        else base
    end as slug
from (
    select
        artist,
        coalesce(
            nullif(left(trim(regexp_replace(lower(artist), '[^a-z0-9]+', '-', 'g'), '-'), 60), ''),
            'artist'
        ) as base
    from slug_input
)
"""


def artist_slugs(artists: Collection[str]) -> dict[str, str]:
    """The slug of each (distinct) artist, as `SLUG_SQL` makes it."""
    with duckdb.connect() as con:
        names = pa.array(sorted(set(artists)), pa.string())
        con.register("slug_input", pa.table({"artist": names}))
        return dict(con.execute(SLUG_SQL).fetchall())


def strip_sample(items: list[Any], size: int = STRIP_IMAGES) -> list[Any]:
    """At most ``size`` items spread evenly, the first and the last always among them."""
    if len(items) <= size:
        return list(items)
    step = (len(items) - 1) / (size - 1)
    return [items[round(i * step)] for i in range(size)]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_journals(
    con: duckdb.DuckDBPyConnection,
    thumbnails_dir: Path,
    journal_dir: Path,
    only: Collection[str] | None = None,
    slugs: dict[str, str] | None = None,
) -> list[ArtistJournal]:
    """Artists' journals; thumbnail paths are relative to ``journal_dir``, the pages' folder.

    A picture whose thumbnail file is absent (not embedded yet, or unreadable) is left out.
    With ``only``, just those artists are loaded (the pages a build rewrites); their slugs then
    come from ``slugs``, made over every artist, since a clash elsewhere can change one.
    """
    scoped = only is not None
    if scoped:
        artists = pa.array(sorted(set(only or ())), pa.string())
        con.register("journal_artists", pa.table({"artist": artists}))
    sessions: dict[str, Session] = {}
    try:
        for row in _rows(
            con,
            f"""
            select s.session_id, s.artist, s.started_at, s.ended_at, s.n_generations, s.tools,
                   i.intent, i.label, i.arc, coalesce(i.corrected, false) as corrected,
                   i.inferred_label
            from sessions as s
            left join session_intents as i using (session_id)
            where {"s.artist in (select artist from journal_artists)" if scoped else "true"}
            order by s.artist, s.started_at desc, s.session_id
            """,
        ):
            sessions[row["session_id"]] = Session(**row)
        if scoped:
            ids = pa.array(list(sessions), pa.string())
            con.register("journal_scope", pa.table({"session_id": ids}))
            for statement in _SCOPED_MEMBERS_SQL:
                con.execute(statement)
        _attach_details(con, sessions, scoped, thumbnails_dir, journal_dir)
    finally:
        if scoped:
            for name in ("journal_artists", "journal_scope"):
                con.unregister(name)
            con.execute("drop table if exists temp.journal_members")
            con.execute("drop table if exists temp.journal_generations")
    journals: dict[str, ArtistJournal] = {}
    if slugs is None:
        slugs = artist_slugs(sorted({s.artist for s in sessions.values()}))
    for session in sessions.values():  # already newest first within each artist
        journal = journals.setdefault(
            session.artist, ArtistJournal(session.artist, slugs[session.artist])
        )
        journal.sessions.append(session)
    return sorted(journals.values(), key=lambda j: j.artist.lower())


def _attach_details(
    con: duckdb.DuckDBPyConnection,
    sessions: dict[str, Session],
    scoped: bool,
    thumbnails_dir: Path,
    journal_dir: Path,
) -> None:
    """Phases, thumbnails, trajectories and similarity (of the scope's sessions when scoped)."""
    phases: dict[tuple[str, int], Phase] = {}
    for row in _rows(
        con,
        f"""
        select session_id, phase_no, intent, label, first_position, last_position,
               n_generations, coalesce(corrected, false) as corrected, inferred_label,
               parameter, first_value, last_value
        from session_phases
        where {_in_scope("", scoped)}
        order by session_id, phase_no
        """,
    ):
        session = sessions.get(row.pop("session_id"))
        if session is not None:
            phase = Phase(**row)
            session.phases.append(phase)
            phases[(session.session_id, phase.phase_no)] = phase
    _attach_thumbnails(con, phases, scoped, thumbnails_dir, journal_dir)
    _attach_prompt_steps(con, {k: p for k, p in phases.items() if not p.thumbnails}, scoped)
    _attach_trajectories(con, phases, scoped)
    _attach_similarity(con, sessions, scoped)
    attach_keepers(con, sessions, thumbnails_dir, journal_dir, scoped)


# A page rewrite's members and their generations, read once: the views join the whole history
# (sessionized generations with their phases and passes), and four queries below read them.
_SCOPED_MEMBERS_SQL = (
    """
    create or replace temp table journal_members as
    select * from session_members
    where session_id in (select session_id from journal_scope)
    """,
    """
    create or replace temp table journal_generations as
    select * from generations
    where generation_id in (select generation_id from journal_members)
    """,
)


def _in_scope(alias: str, scoped: bool) -> str:
    """The filter to the registered ``journal_scope`` sessions, or none."""
    return f"{alias}session_id in (select session_id from journal_scope)" if scoped else "true"


def _members(scoped: bool) -> str:
    """``session_members``, or the scope's copy of it."""
    return "journal_members" if scoped else "session_members"


def _generations(scoped: bool) -> str:
    """``generations``, or the scope's members' rows of it."""
    return "journal_generations" if scoped else "generations"


def _attach_thumbnails(
    con: duckdb.DuckDBPyConnection,
    phases: dict[tuple[str, int], Phase],
    scoped: bool,
    thumbnails_dir: Path,
    journal_dir: Path,
) -> None:
    pictures: dict[tuple[str, int], list[Thumbnail]] = defaultdict(list)
    for row in _rows(
        con,
        f"""
        select p.session_id, p.phase_no, m.position, g.content_hash, g.prompt
        from session_phases as p
        inner join {_members(scoped)} as m
            on m.session_id = p.session_id
            and m.position between p.first_position and p.last_position
        inner join {_generations(scoped)} as g using (generation_id)
        where g.content_hash is not null and {_in_scope("p.", scoped)}
        order by p.session_id, p.phase_no, m.position
        """,
    ):
        path = thumbnail_path(thumbnails_dir, row["content_hash"])
        if path.exists():
            src = Path(os.path.relpath(path, journal_dir)).as_posix()
            key = (row["session_id"], row["phase_no"])
            pictures[key].append(Thumbnail(src, row["position"], row["prompt"]))
    for key, found in pictures.items():
        if key in phases:
            phases[key].thumbnails = strip_sample(found)
            phases[key].n_images = len(found)


def _attach_prompt_steps(
    con: duckdb.DuckDBPyConnection, phases: dict[tuple[str, int], Phase], scoped: bool
) -> None:
    """What a phase without pictures shows instead: its first prompt and every edit after."""
    if not phases:
        return
    for row in _rows(
        con,
        f"""
        select p.session_id, p.phase_no, m.position, g.prompt,
            g.prompt is distinct from lag(g.prompt) over (
                partition by p.session_id, p.phase_no order by m.position
            ) as is_edit
        from session_phases as p
        inner join {_members(scoped)} as m
            on m.session_id = p.session_id
            and m.position between p.first_position and p.last_position
        inner join {_generations(scoped)} as g using (generation_id)
        where {_in_scope("p.", scoped)}
        qualify is_edit and g.prompt is not null
        order by p.session_id, p.phase_no, m.position
        """,
    ):
        phase = phases.get((row["session_id"], row["phase_no"]))
        if phase is not None:
            phase.prompt_steps.append(PromptStep(row["position"], row["prompt"]))


def _attach_trajectories(
    con: duckdb.DuckDBPyConnection, phases: dict[tuple[str, int], Phase], scoped: bool
) -> None:
    value = " ".join(f"when '{name}' then {sql}" for name, sql in PARAMETER_SQL.items())
    for row in _rows(
        con,
        f"""
        select p.session_id, p.phase_no, m.position, case p.parameter {value} end as value
        from session_phases as p
        inner join {_members(scoped)} as m
            on m.session_id = p.session_id
            and m.position between p.first_position and p.last_position
        inner join {_generations(scoped)} as g using (generation_id)
        where p.intent = 'optimization' and p.parameter is not null and {_in_scope("p.", scoped)}
        order by p.session_id, p.phase_no, m.position
        """,
    ):
        phase = phases.get((row["session_id"], row["phase_no"]))
        if phase is not None and row["value"] is not None:  # unrecorded values are skipped
            phase.trajectory.append(TrajectoryPoint(row["position"], row["value"]))


def _attach_similarity(
    con: duckdb.DuckDBPyConnection, sessions: dict[str, Session], scoped: bool
) -> None:
    rows = _rows(
        con,
        f"""
        select session_id, position, prompt_similarity, prompt_jaccard, image_similarity,
               is_candidate_pivot
        from similarity_series
        where {_in_scope("", scoped)}
        order by session_id, position
        """,
    )
    by_session: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_session[row["session_id"]].append(row)
    for session_id, series in by_session.items():
        session = sessions.get(session_id)
        if session is None:
            continue
        embedded = any(r["prompt_similarity"] is not None for r in series)
        column = "prompt_similarity" if embedded else "prompt_jaccard"
        session.prompt_metric = "prompt" if embedded else "prompt words"
        session.similarity = [
            SimilarityPoint(
                r["position"], r[column], r["image_similarity"], r["is_candidate_pivot"]
            )
            for r in series
        ]
