"""Find phases by meaning: each labelled phase a result of its own (`find --phases`).

The ranking is the warehouse's table macro `find_phases` (dbt macro of that name, created with
the intent views), scored like `find_sessions` over the prompts used inside each phase; the
macro applies the filters and, asked for the best few (`top_n`), places only the best prompts in
phases. Phase labels are re-scored here with the same encoder, and each phase gets the keepers
inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import duckdb
import numpy as np

from orchestration.cli.session_search import Keeper, ranking_params
from orchestration.store.warehouse_queries import fetch_all, has_relations


@dataclass(slots=True)
class PhaseMatch:
    """One found phase: a result of its own, with its session's place and its best prompt."""

    session_id: str
    phase_no: int
    artist: str
    started_at: datetime
    ended_at: datetime
    n_generations: int
    intent: str | None
    label: str | None
    first_position: int
    last_position: int
    prompt_similarity: float
    best_prompt: str
    best_position: int
    n_phases: int
    label_similarity: float | None = None
    keepers: list[Keeper] | None = None

    @property
    def score(self) -> float:
        """The better of the prompt and the label similarity."""
        return max(self.prompt_similarity, self.label_similarity or -1.0)


def rank_phases(
    con: duckdb.DuckDBPyConnection,
    query: np.ndarray,
    *,
    limit: int,
    artist: str | None = None,
    intent: str | None = None,
    since: datetime | None = None,
) -> list[PhaseMatch]:
    """Labelled phases by their closest prompt to ``query`` (`find_phases`), best first.

    The macro applies the filters and places only the best prompts in phases (``top_n``), which
    keeps a query at 1M generations as cheap as `rank_sessions`.
    """
    params = ranking_params(
        con,
        "find_phases",
        "no phases labelled yet; run `creative-sessions run` to label",
        query,
        limit=limit,
        artist=artist,
        intent=intent,
        since=since,
    )
    return [PhaseMatch(*row) for row in fetch_all(con, "find_phases_ranked", params)]


def rescore_phase_labels(
    matches: list[PhaseMatch], embed: Callable[[list[str]], np.ndarray], query: np.ndarray
) -> None:
    """Score each phase's label against ``query``, as `rescore_labels` does for sessions."""
    labelled = [m for m in matches if m.label]
    if not labelled:
        return
    scores = embed([m.label for m in labelled]) @ query.astype(np.float32)  # type: ignore[misc]
    for match, score in zip(labelled, scores.tolist(), strict=True):
        match.label_similarity = float(score)


def attach_phase_keepers(con: duckdb.DuckDBPyConnection, matches: list[PhaseMatch]) -> None:
    """Each phase's keepers (those whose position lies in the phase), best first."""
    if not matches or not has_relations(con, "session_keepers"):
        return
    rows = fetch_all(con, "find_phase_keepers", {"ids": sorted({m.session_id for m in matches})})
    for match in matches:
        match.keepers = [
            Keeper(*keeper)
            for session_id, position, *keeper in rows
            if session_id == match.session_id
            and match.first_position <= position <= match.last_position
        ]
