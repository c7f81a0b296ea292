"""``intent_signals`` queried where it lives, so a run reads only what it labels.

Planning needs one row per session (its fingerprint, size and images to embed) and one seed habit
per artist: both come from one aggregate pass DuckDB makes over the warehouse's columns, without
handing the generations to Python. Only the sessions a run labels come back as frames, so memory
follows the changed sessions, not the history. Tests and benchmarks hand a frame instead
(:meth:`SignalSource.of_frame`); the same SQL runs on it.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from orchestration.intent.evidence import SEED_WEIGHT_FLOOR, SEED_WEIGHT_SPAN, ArtistHabits
from orchestration.intent.features import SEED_STEP
from orchestration.store.warehouse_queries import has_relations

# One pass over the signals: per session, what the planner reads and the seed-habit counts
# (the predecessor is within the session, so an artist's counts are the sum of their sessions').
_SESSIONS_SQL = """
with pairs as (
    select
        *,
        lag(seed::bigint) over (partition by session_id order by position) as previous_seed
    from intent_signals
)
select
    session_id,
    min(artist) as artist,
    max(created_at) as ended_at,
    coalesce(min(session_fingerprint), '') as dbt_fingerprint,
    array_to_string(list_sort(list_distinct(list_filter(
        flatten(list([prompt_model_id, image_model_id])), m -> m is not null and m <> ''
    ))), ',') as model_ids,
    count(*) as n_generations,
    count(*) filter (where content_hash is not null and not has_image_embedding)
        as n_images_to_embed,
    bool_and(seed is null and steps is null and cfg_scale is null and sampler is null)
        as needs_visual,
    count(*) filter (where seed is not null and previous_seed is not null) as n_seed_pairs,
    count(*) filter (where abs(seed::bigint - previous_seed) <= $seed_step) as n_seed_kept
from pairs
group by session_id
"""

# The same columns from the warehouse's tables: dbt keeps them per session and rebuilds only the
# sessions whose fingerprint moved (int_session_plan_inputs); the keepers' digest is read live,
# as intent_signals reads it (a test holds this equal to the pass above).
_SESSIONS_IN_WAREHOUSE_SQL = """
select
    plan.session_id,
    plan.artist,
    plan.ended_at,
    coalesce(
        plan.session_fingerprint || coalesce(' keepers:' || digests.keeper_digest, ''), ''
    ) as dbt_fingerprint,
    plan.model_ids,
    plan.n_generations,
    plan.n_images_to_embed,
    plan.needs_visual,
    plan.n_seed_pairs,
    plan.n_seed_kept
from int_session_plan_inputs as plan
left join session_keeper_digests as digests using (session_id)
"""

# An artist's seed habit from their sessions' counts, as `ArtistHabits` defines it (the weight
# is the one `ArtistHabits.seed_weight` gives; a test holds the two equal). ``{sessions}``: the
# planned sessions, or only some artists' (filled in below, never from data).
_ARTIST_HABITS_TEMPLATE = """
select
    artist,
    sum(n_generations) as n_rows,
    sum(n_seed_pairs) as n_pairs,
    sum(n_seed_kept) as n_kept,
    case
        when n_rows >= 2 and n_pairs > 0
            then least(1.0, greatest(0.0,
                (n_kept::double / n_pairs::double - $seed_floor) / $seed_span
            ))
        else 1.0
    end as seed_weight
from {sessions}
group by artist
"""
_ARTIST_HABITS_SQL = _ARTIST_HABITS_TEMPLATE.format(sessions="planned_sessions")

# The fingerprint of everything a session's labels are computed from; the same parts, order and
# hash as `backfill.session_fingerprint` (a test holds the two equal). An artist's version is
# their layer (calibration and own model, `InferenceSetup.artist_layer`; 'default+global' for
# the artists without one) and their seed weight, as `InferenceSetup.artist_version` spells it.
_CANDIDATES_SQL = (
    "with artist_habits as ("
    + _ARTIST_HABITS_SQL
    + """)
select
    planned_sessions.session_id,
    planned_sessions.artist,
    planned_sessions.ended_at,
    left(sha256(concat_ws(chr(31),
        'intent-fingerprint-v1', dbt_fingerprint, $feature_version, model_ids,
        coalesce(artist_layers.version, 'default+global')
            || '+seed' || printf('%.2f', artist_habits.seed_weight),
        coalesce(session_corrections.version, 'none')
    )), 32) as fingerprint,
    planned_sessions.n_generations,
    planned_sessions.n_images_to_embed,
    planned_sessions.needs_visual
from planned_sessions
inner join artist_habits using (artist)
left join artist_layers using (artist)
left join session_corrections using (session_id)
"""
)

_HABITS_SQL = (
    "select artist, n_rows, n_pairs, n_kept from ("
    + _ARTIST_HABITS_TEMPLATE.format(
        sessions="(select * from planned_sessions semi join habit_artists using (artist))"
    )
    + ")"
)

_HABIT_PARAMETERS = {"seed_floor": SEED_WEIGHT_FLOOR, "seed_span": SEED_WEIGHT_SPAN}

CANDIDATE_SCHEMA = {
    "session_id": pl.String,
    "artist": pl.String,
    "ended_at": pl.Datetime("us", "UTC"),
    "fingerprint": pl.String,
    "n_generations": pl.Int64,
    "n_images_to_embed": pl.Int64,
    "needs_visual": pl.Boolean,
}

MEMBER_SCHEMA = {"generation_id": pl.String, "session_id": pl.String, "artist": pl.String}


class SignalSource:
    """Read access to ``intent_signals`` through one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._sessions: pl.DataFrame | None = None

    @classmethod
    def of_frame(cls, signals: pl.DataFrame) -> SignalSource:
        """A source over an in-memory frame (tests, benchmarks, evaluation)."""
        con = duckdb.connect()
        con.register("intent_signals", signals)  # the same name, so the same SQL reads it
        return cls(con)

    def _per_session(self) -> pl.DataFrame:
        """What planning reads per session (kept for the source's life).

        From dbt's per-session table where the warehouse has it, else one pass over the signals
        (a frame, or a warehouse built before the table existed).
        """
        if self._sessions is None:
            if has_relations(self._con, "int_session_plan_inputs", "session_keeper_digests"):
                self._sessions = self._con.execute(_SESSIONS_IN_WAREHOUSE_SQL).pl()
            else:
                self._sessions = self._con.execute(_SESSIONS_SQL, {"seed_step": SEED_STEP}).pl()
        return self._sessions

    def seed_habits(self, artists: Iterable[str]) -> dict[str, ArtistHabits]:
        """These artists' seed habits, as `ArtistHabits.from_signals` defines them.

        Over all of each artist's sessions; for the artists a run labels or learns from, not
        for every artist in the history.
        """
        wanted = pl.DataFrame({"artist": sorted(set(artists))}, schema={"artist": pl.String})
        self._con.register("planned_sessions", self._per_session())
        self._con.register("habit_artists", wanted)
        try:
            rows = self._con.execute(_HABITS_SQL, _HABIT_PARAMETERS).fetchall()
        finally:
            self._con.unregister("planned_sessions")
            self._con.unregister("habit_artists")
        return {
            str(artist): ArtistHabits(seed_share=kept / pairs)
            if n_rows >= 2 and pairs
            else ArtistHabits()
            for artist, n_rows, pairs, kept in rows
        }

    def candidates(
        self, feature_version: str, artist_layers: dict[str, str], corrections: dict[str, str]
    ) -> pl.DataFrame:
        """One row per session with its labelling fingerprint: what the planner reads.

        ``artist_layers``: the layer version of each artist who has one (the others are
        'default+global'); the seed weight is added here, for every artist, in SQL.
        """
        self._con.register("planned_sessions", self._per_session())
        self._con.register(
            "artist_layers",
            pl.DataFrame(
                {"artist": list(artist_layers), "version": list(artist_layers.values())},
                schema={"artist": pl.String, "version": pl.String},
            ),
        )
        self._con.register(
            "session_corrections",
            pl.DataFrame(
                {"session_id": list(corrections), "version": list(corrections.values())},
                schema={"session_id": pl.String, "version": pl.String},
            ),
        )
        try:
            frame = self._con.execute(
                _CANDIDATES_SQL,
                {"feature_version": feature_version, **_HABIT_PARAMETERS},
            ).pl()
        finally:
            for name in ("planned_sessions", "artist_layers", "session_corrections"):
                self._con.unregister(name)
        if frame.is_empty():
            return pl.DataFrame(schema=CANDIDATE_SCHEMA)
        return frame.cast(CANDIDATE_SCHEMA)  # type: ignore[arg-type]

    def sessions(self, session_ids: Iterable[str]) -> pl.DataFrame:
        """Every column of these sessions, ordered by session and position."""
        return self._where("session_id", session_ids, "*", "session_id, position")

    def members(self, generation_ids: Iterable[str]) -> pl.DataFrame:
        """generation_id, session_id, artist of these generations (where corrections land).

        Without corrections there is nothing to look up, and no query over the view is run.
        """
        ids = set(generation_ids)
        if not ids:
            return pl.DataFrame(schema=MEMBER_SCHEMA)
        return self._where("generation_id", ids, "generation_id, session_id, artist", "")

    def _where(self, column: str, values: Iterable[str], columns: str, order: str) -> pl.DataFrame:
        keys = pl.DataFrame({"key": sorted(set(values))}, schema={"key": pl.String})
        self._con.register("wanted_keys", keys)
        try:
            return self._con.execute(
                f"select {columns} from intent_signals "
                f"where {column} in (select key from wanted_keys)"
                + (f" order by {order}" if order else "")
            ).pl()
        finally:
            self._con.unregister("wanted_keys")
