"""A small journal written by hand: two sessions of one artist, one with a corrected label."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestration.journal.model import (
    ArtistJournal,
    Phase,
    Session,
    SimilarityPoint,
    Thumbnail,
    TrajectoryPoint,
)

HOSTILE_PROMPT = '<script>alert("x")</script> & "quotes"'


def older_session() -> Session:
    """An exploration then a CFG sweep, Tuesday evening."""
    return Session(
        session_id="s-old",
        artist="Ada <Lovelace>",
        started_at=datetime(2024, 5, 14, 21, 3, tzinfo=UTC),
        ended_at=datetime(2024, 5, 14, 22, 10, tzinfo=UTC),
        n_generations=8,
        tools="a1111",
        intent="mixed",
        label="Explored: castles, robots; then optimized CFG scale 5→12",
        arc="explore → optimize",
        phases=[
            Phase(
                2,
                "optimization",
                "Optimized: CFG scale 5→12 for castle prompt",
                5,
                8,
                4,
                parameter="cfg_scale",
                first_value="5.0",
                last_value="12.0",
                trajectory=[
                    TrajectoryPoint(5, "5.0"),
                    TrajectoryPoint(6, "7.0"),
                    TrajectoryPoint(7, "9.0"),
                    TrajectoryPoint(8, "12.0"),
                ],
            ),
            Phase(
                1,
                "exploration",
                "Explored: castles, robots",
                1,
                4,
                4,
                thumbnails=[Thumbnail("../thumbnails/ab/ab.webp", 1, HOSTILE_PROMPT)],
                n_images=4,
            ),
        ],
        similarity=[
            SimilarityPoint(2, 0.2, 0.1),
            SimilarityPoint(3, None, 0.3),
            SimilarityPoint(4, 0.9, 0.95, is_pivot=True),
        ],
    )


def newer_session() -> Session:
    """A corrected refinement on Wednesday."""
    return Session(
        session_id="s-new",
        artist="Ada <Lovelace>",
        started_at=datetime(2024, 5, 15, 9, 0, tzinfo=UTC),
        ended_at=datetime(2024, 5, 15, 9, 40, tzinfo=UTC),
        n_generations=3,
        intent="refinement",
        label="Refined: neon portrait — 3 seed variations",
        arc="refine",
        corrected=True,
        inferred_label="Explored: neon, portrait",
        phases=[
            Phase(
                1,
                "refinement",
                "Refined: neon portrait",
                1,
                3,
                3,
                corrected=True,
                inferred_label="Explored: neon",
            )
        ],
    )


def sample_journal() -> ArtistJournal:
    """Sessions deliberately stored oldest first: the page must put the newest on top."""
    return ArtistJournal("Ada <Lovelace>", "ada-lovelace", [older_session(), newer_session()])
