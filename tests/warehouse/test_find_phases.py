"""find_phases and `find --phases` over a hand-built lake: phases are results of their own.

ivy's one session explores castles (#1–#3), then refines a red fox (#4–#6); the second phase
holds a keeper (a copy of #5 in a second archive). A castle query ranks phase 1 first, a fox
query phase 2, and each phase lists only the keepers inside it.
"""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.warehouse.lake_fixture import generation, write_archive, write_vectors

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
PROMPTS = [
    "castle on a hill",
    "castle at dusk",
    "castle in fog",
    "a red fox",
    "a red fox in snow",
    "a red fox, snow",
]


def _dbt(args: list[str], lake: Path, warehouse: Path, tmp: Path) -> None:
    vars_ = {
        "lake_dir": lake.as_posix(),
        "warehouse_path": warehouse.as_posix(),
        "corrections_dir": (tmp / "corrections").as_posix(),
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--profiles-dir",
            ".",
            "--vars",
            json.dumps(vars_),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def _write_phases(lake: Path, session_id: str, started: list, gids: list[str]) -> None:
    intents = lake / "intents"
    intents.mkdir(parents=True, exist_ok=True)
    phases = [
        (1, "exploration", "Explored: castle on a hill, castle at dusk, castle in fog", 1, 3),
        (2, "refinement", "Refined: a red fox — 3 variations, converged on 1 candidate", 4, 6),
    ]
    rows = [
        {
            "session_id": session_id,
            "artist": "ivy",
            "phase_no": no,
            "intent": intent,
            "label": label,
            "started_at": started[first - 1],
            "ended_at": started[last - 1],
            "first_position": first,
            "last_position": last,
            "n_generations": last - first + 1,
            "confidence": 0.9,
            "signals": ["prompt"],
            "concepts": [],
            "parameter": None,
            "first_value": None,
            "last_value": None,
            "n_candidates": 0,
            "inferred_intent": intent,
            "inferred_label": label,
            "corrected": False,
        }
        for no, intent, label, first, last in phases
    ]
    pq.write_table(pa.Table.from_pylist(rows), intents / "session_phases.parquet")
    members = [
        {"generation_id": gid, "session_id": session_id, "phase_no": 1 if i < 3 else 2}
        for i, gid in enumerate(gids)
    ]
    pq.write_table(pa.Table.from_pylist(members), intents / "member_phases.parquet")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("phases")
    lake, warehouse = tmp / "lake", tmp / "warehouse.duckdb"
    rows = [generation(f"i{n}", "ivy", n, p, seed=n) for n, p in enumerate(PROMPTS, 1)]
    write_archive(lake, "main", rows)
    write_archive(lake, "copies", [generation("i5", "ivy", 5, PROMPTS[4], seed=5)])
    vectors = {p: [0.0, 1.0] if "castle" in p else [1.0, 0.0] for p in PROMPTS}
    vectors["a red fox, snow"] = [0.6, 0.8]  # closer to castles than to foxes
    write_vectors(lake, "prompt_embeddings", "txt-2d", "p0", vectors)
    _dbt(["build", "--exclude", "tag:intents"], lake, warehouse, tmp)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        session_id, started = con.execute(
            "select any_value(session_id), list(created_at order by generation_id) "
            "from int_generations_sessionized"
        ).fetchone()
    _write_phases(lake, session_id, started, [r["generation_id"] for r in rows])
    _dbt(["build", "--select", "tag:intents"], lake, warehouse, tmp)
    return warehouse


def test_find_phases_ranks_each_phase_by_its_own_prompts(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        castle = con.execute(
            "select phase_no, round(similarity, 2), best_prompt, best_position "
            "from find_phases([0.0, 1.0]) order by similarity desc"
        ).fetchall()
        fox = con.execute(
            "select phase_no, round(similarity, 2), best_prompt, best_position "
            "from find_phases([1.0, 0.0]) order by similarity desc"
        ).fetchall()
    assert castle == [(1, 1.0, "castle on a hill", 1), (2, 0.8, "a red fox, snow", 6)]
    assert fox[0] == (2, 1.0, "a red fox", 4)
    assert fox[1][:2] == (1, 0.0)


class _FakeEncoder:
    """Castles point up, everything else to the right."""

    def embed(self, texts: list[str]):
        import numpy as np

        return np.array([[0.0, 1.0] if "castle" in t else [1.0, 0.0] for t in texts], np.float32)


def test_find_phases_prints_each_phase_with_its_keepers(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from orchestration.cli import find as cli_find
    from orchestration.cli.app import main

    monkeypatch.setattr(cli_find, "_encoder", lambda model_id, text_model: _FakeEncoder())
    result = CliRunner().invoke(
        main, ["--data-dir", str(warehouse.parent), "find", "a fox", "--phases"]
    )
    assert result.exit_code == 0, result.output
    first, second = result.output.split("\n2. ")
    assert first.startswith("1. 1.00  ") and " ivy  phase 2 of 2 (#4–#6, 3 gen" in first
    assert "Refined: a red fox" in first and "best prompt (#4, 1.00): a red fox" in first
    assert "!i5.png (copied: also kept at " in first
    assert "phase 1 of 2 (#1–#3" in second and "keepers: none in this phase" in second
    refinements = CliRunner().invoke(
        main,
        [
            "--data-dir",
            str(warehouse.parent),
            "find",
            "castle",
            "--phases",
            "--intent",
            "refinement",
        ],
    )
    assert refinements.exit_code == 0, refinements.output
    assert "phase 2 of 2" in refinements.output and "phase 1 of 2" not in refinements.output
