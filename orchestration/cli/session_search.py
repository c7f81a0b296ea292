"""Find sessions by meaning: a query vector against the warehouse's prompt vectors and labels.

The ranking itself is the warehouse's table macro `find_sessions` (dbt macro of that name), so
SQL users and `creative-sessions find` get the same scores. Labels have no stored vectors; the
few sessions that rank highest by prompt are re-scored against their labels here, with the same
encoder, so "Refined: storm-lit lighthouse" can lift a session whose prompts said it less well.
No Dagster here: a query should start as fast as loading the text model allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import numpy as np

from orchestration.cli.session_journal import has_intent_views

LABEL_RESCORE_POOL = 5
"""Re-score this many times ``limit`` prompt-ranked sessions against their labels."""
CLOSE_MATCH = 0.5
"""Below this cosine (MiniLM) nothing is about the query; `find` says so above its list."""


@dataclass(slots=True)
class Keeper:
    """A keeper of a found session: where its file is and why it counts."""

    generation_id: str
    reasons: str  # "second_pass: seed 7 rendered again …; converged: …"
    source_archive: str
    source_path: str


@dataclass(slots=True)
class Match:
    """One found session: its scores, its best prompt, and the phase that matched."""

    session_id: str
    artist: str
    started_at: datetime
    ended_at: datetime
    n_generations: int
    prompt_similarity: float
    best_prompt: str
    best_position: int
    intent: str | None
    label: str | None
    phase_no: int | None
    phase_label: str | None
    label_similarity: float | None = None
    keepers: list[Keeper] | None = None  # None: the warehouse has no session_keepers yet
    phases: dict[int, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """The better of the prompt and the label similarity."""
        return max(self.prompt_similarity, self.label_similarity or -1.0)


class SearchUnavailable(LookupError):
    """The warehouse cannot answer a search yet (no prompt vectors, no search macro)."""


NO_SEARCH_INDEX = (
    "the warehouse has no search index yet; run `creative-sessions run --rebuild-warehouse`"
)


def ranking_params(
    con: duckdb.DuckDBPyConnection,
    macro: str,
    unavailable: str,
    query: np.ndarray,
    *,
    limit: int,
    artist: str | None,
    intent: str | None,
    since: datetime | None,
) -> dict[str, object]:
    """What every ranking binds: the query as float32, the filters and the limit.

    Raises SearchUnavailable(``unavailable``) where the ranking's table ``macro`` is not built.
    """
    if not has_macro(con, macro):
        raise SearchUnavailable(unavailable)
    return {
        "query": query.astype(np.float32).tolist(),
        "artist": artist,
        "intent": intent,
        "since": since,
        "limit": limit,
    }


def has_macro(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has the table macro ``name`` (its post-hook has run)."""
    found = con.execute(
        "select count(*) from duckdb_functions() where function_name = $name", {"name": name}
    ).fetchone()
    return bool(found and found[0])


def prompt_model(con: duckdb.DuckDBPyConnection) -> str:
    """The prompt model whose vectors the warehouse searches; query vectors must match it."""
    if not has_macro(con, "find_sessions"):
        raise SearchUnavailable(NO_SEARCH_INDEX)
    row = con.execute("select any_value(model_id), count(*) from prompt_vectors").fetchone()
    if row is None or not row[1]:
        raise SearchUnavailable("no prompt vectors in the warehouse; run `creative-sessions run`")
    return str(row[0])


_RANK_SQL = """
    with ranked as (select * from find_sessions($query::float[]))
    select r.session_id, s.artist, s.started_at, s.ended_at, s.n_generations,
           r.similarity, r.best_prompt, r.best_position, {intent_columns}
    from ranked as r
    join sessions as s using (session_id)
    {intent_joins}
    where ($artist is null or s.artist = $artist)
      and ($since is null or s.ended_at >= $since)
      {intent_filter}
    order by r.similarity desc, s.started_at desc, r.session_id
    limit $limit
"""


def rank_sessions(
    con: duckdb.DuckDBPyConnection,
    query: np.ndarray,
    *,
    limit: int,
    artist: str | None = None,
    intent: str | None = None,
    since: datetime | None = None,
) -> list[Match]:
    """Sessions by their closest prompt to ``query``, filtered, best first (``limit`` rows)."""
    params = ranking_params(
        con,
        "find_sessions",
        NO_SEARCH_INDEX,
        query,
        limit=limit,
        artist=artist,
        intent=intent,
        since=since,
    )
    labelled = has_intent_views(con)
    if intent is not None and not labelled:
        raise SearchUnavailable("no intent labels yet, so --intent has nothing to match")
    sql = _RANK_SQL.format(
        intent_columns="i.intent, i.label, m.phase_no, p.label"
        if labelled
        else "null, null, null, null",
        intent_joins=(
            "left join session_intents as i using (session_id) "
            "left join session_members as m on m.generation_id = r.best_generation_id "
            "and m.session_id = r.session_id "
            "left join session_phases as p on p.session_id = r.session_id "
            "and p.phase_no = m.phase_no"
            if labelled
            else ""
        ),
        intent_filter=(
            "and ($intent is null or i.intent = $intent or exists (select 1 from session_phases "
            "as q where q.session_id = r.session_id and q.intent = $intent))"
            if labelled
            else ""
        ),
    )
    if not labelled:
        del params["intent"]  # the query has no intent filter to bind it to
    rows = con.execute(sql, params).fetchall()
    matches = [Match(*row) for row in rows]
    if labelled and matches:
        phases = con.execute(
            "select session_id, phase_no, label from session_phases "
            "where session_id in (select unnest($ids)) order by session_id, phase_no",
            {"ids": [m.session_id for m in matches]},
        ).fetchall()
        by_id = {m.session_id: m for m in matches}
        for session_id, phase_no, label in phases:
            by_id[session_id].phases[phase_no] = label
    return matches


def rescore_labels(
    matches: list[Match], embed: Callable[[list[str]], np.ndarray], query: np.ndarray
):
    """Score each session's label and phase labels against ``query``; the best phase wins."""
    texts: list[tuple[Match, int | None, str]] = []
    for match in matches:
        if match.label:
            texts.append((match, None, match.label))
        if len(match.phases) > 1:
            texts.extend((match, no, label) for no, label in match.phases.items() if label)
    if not texts:
        return
    scores = embed([text for _, _, text in texts]) @ query.astype(np.float32)
    for (match, phase_no, text), score in zip(texts, scores.tolist(), strict=True):
        if match.label_similarity is None or score > match.label_similarity:
            match.label_similarity = float(score)
            if phase_no is not None and score > match.prompt_similarity:
                match.phase_no, match.phase_label = phase_no, text


def attach_keepers(con: duckdb.DuckDBPyConnection, matches: list[Match]) -> None:
    """Each match's keepers (best first), or None where the warehouse has no keeper view."""
    exists = con.execute(
        "select count(*) from information_schema.tables where table_name = 'session_keepers'"
    ).fetchone()
    if not matches or not exists or not exists[0]:
        return
    rows = con.execute(
        """
        select k.session_id, k.generation_id,
               string_agg(k.reason || ': ' || k.evidence, '; ' order by k.reason),
               any_value(g.source_archive), any_value(g.source_path)
        from session_keepers as k
        join generations as g using (generation_id)
        where k.session_id in (select unnest($ids))
        group by k.session_id, k.generation_id, k.rank
        order by k.session_id, k.rank
        """,
        {"ids": [m.session_id for m in matches]},
    ).fetchall()
    by_id = {m.session_id: m for m in matches}
    for match in matches:
        match.keepers = []
    for session_id, *keeper in rows:
        by_id[session_id].keepers.append(Keeper(*keeper))  # type: ignore[union-attr]
