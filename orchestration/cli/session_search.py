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
from orchestration.store.warehouse_queries import fetch_all, fetch_one, has_relations

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
    found = fetch_one(con, "macro_present", {"name": name})
    return bool(found and found[0])


def prompt_model(con: duckdb.DuckDBPyConnection) -> str:
    """The prompt model whose vectors the warehouse searches; query vectors must match it."""
    if not has_macro(con, "find_sessions"):
        raise SearchUnavailable(NO_SEARCH_INDEX)
    row = fetch_one(con, "prompt_model")
    if row is None or not row[1]:
        raise SearchUnavailable("no prompt vectors in the warehouse; run `creative-sessions run`")
    return str(row[0])


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
    if not labelled:
        del params["intent"]  # the query has no intent filter to bind it to
    rows = fetch_all(
        con, "find_sessions_ranked_labelled" if labelled else "find_sessions_ranked", params
    )
    matches = [Match(*row) for row in rows]
    if labelled and matches:
        ids = [m.session_id for m in matches]
        phases = fetch_all(con, "session_phase_labels", {"ids": ids})
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
    if not matches or not has_relations(con, "session_keepers"):
        return
    rows = fetch_all(con, "find_session_keepers", {"ids": [m.session_id for m in matches]})
    by_id = {m.session_id: m for m in matches}
    for match in matches:
        match.keepers = []
    for session_id, *keeper in rows:
        by_id[session_id].keepers.append(Keeper(*keeper))  # type: ignore[union-attr]
