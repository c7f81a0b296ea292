"""Every query under "Example queries" in the README runs and answers what its comment says.

The views are built over tables shaped exactly as the intent contract's Parquet
(`orchestration/intent/contract.py`), so a renamed column breaks this test, not the README reader.
"""

import re
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from orchestration.intent.contract import INTENTS_SCHEMA, PHASES_SCHEMA

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_queries() -> dict[str, str]:
    """The README's example queries by their first comment line."""
    section = README.read_text(encoding="utf-8").split("## Example queries", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    return {block.splitlines()[0].removeprefix("-- ").strip(): block for block in blocks}


def _at(day: int, hour: int) -> datetime:
    return datetime(2024, 5, day, hour, tzinfo=UTC)


def _phase(session: str, no: int, intent: str, **fields) -> dict:
    row = {name: None for name in PHASES_SCHEMA.names}
    row |= {
        "session_id": session,
        "artist": "ada",
        "phase_no": no,
        "intent": intent,
        "label": f"{intent} {no}",
        "started_at": _at(3, 20 + no),
        "ended_at": _at(3, 20 + no),
        "n_generations": 4,
        "concepts": [],
        "corrected": False,
    }
    return row | fields


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    sessions = pa.table(
        {
            "session_id": ["s1", "s2", "s3"],
            "artist": ["ada", "ada", "bo"],
            "started_at": [_at(3, 20), datetime(2024, 6, 1, 1, tzinfo=UTC), _at(4, 9)],
            "n_generations": [12, 5, 7],
        }
    )
    phases = pa.Table.from_pylist(
        [
            _phase(
                "s1", 1, "optimization", parameter="cfg_scale", first_value="5", last_value="12"
            ),
            _phase("s1", 2, "refinement", concepts=["neon portrait", "rim light"], n_generations=9),
            _phase("s2", 1, "refinement", concepts=["neon portrait"]),
            _phase("s3", 1, "optimization", parameter="steps", first_value="20", last_value="40"),
            _phase("s3", 2, "optimization", parameter="cfg_scale", first_value="4", last_value="9"),
        ],
        schema=PHASES_SCHEMA,
    )
    intent = {name: None for name in INTENTS_SCHEMA.names}
    intents = pa.Table.from_pylist(
        [
            intent
            | {
                "session_id": "s1",
                "artist": "ada",
                "intent": "convergent_selection",
                "label": "Selected: neon portrait",
            },
        ],
        schema=INTENTS_SCHEMA,
    )
    for name, table in (
        ("sessions", sessions),
        ("session_phases", phases),
        ("session_intents", intents),
    ):
        con.register(f"{name}_arrow", table)
        con.execute(f"create view {name} as select * from {name}_arrow")
    return con


def test_readme_has_the_three_examples() -> None:
    assert set(readme_queries()) == {
        "sessions of an artist in a month, with their intent",
        "optimization phases by the parameter swept",
        "the concepts refined most",
    }


def test_sessions_of_an_artist_in_a_month(con) -> None:
    rows = con.execute(readme_queries()["sessions of an artist in a month, with their intent"])
    assert [(r[0], r[3]) for r in rows.fetchall()] == [("s1", "convergent_selection")]


def test_optimization_phases_by_parameter(con) -> None:
    rows = con.execute(readme_queries()["optimization phases by the parameter swept"]).fetchall()
    assert rows == [("cfg_scale", 2, 2, ["5→12", "4→9"]), ("steps", 1, 1, ["20→40"])]


def test_most_refined_concepts(con) -> None:
    rows = con.execute(readme_queries()["the concepts refined most"]).fetchall()
    assert rows == [("neon portrait", 2, 13), ("rim light", 1, 9)]
