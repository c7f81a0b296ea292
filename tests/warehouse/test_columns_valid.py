"""`columns_valid`: one dbt test per model checks all its column rules (issue 16).

The rules moved from one test node per column into one per model, so a nightly increment pays
dbt's per-node work and Dagster's check events ~30 times instead of ~150. These tests hold that
no rule was lost on the way (every rule still names a documented column, none went back to a
column) and that the one query reports exactly the rules a table breaks.
"""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.slow(seconds=20)  # one dbt compile

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
FOLDED = {"not_null", "unique", "accepted_values"}
# The intent views keep per-column tests: two carry a `where`, and the views are rebuilt only
# when the labels' files move, not on a nightly increment.
PER_COLUMN_FOLDERS = {"intents"}


def _model_files() -> list[Path]:
    return [
        p
        for p in sorted((DBT_DIR / "models").glob("*/_*__models.yml"))
        if p.parent.name not in PER_COLUMN_FOLDERS
    ]


def _test_name(test: object) -> str:
    return test if isinstance(test, str) else next(iter(test))  # type: ignore[arg-type]


def test_column_rules_live_in_one_test_per_model() -> None:
    models = [m for p in _model_files() for m in yaml.safe_load(p.read_text())["models"]]
    assert len(models) >= 25
    for model in models:
        columns = {c["name"] for c in model.get("columns", [])}
        for column in model.get("columns", []):
            per_column = {_test_name(t) for t in column.get("data_tests", [])} & FOLDED
            assert not per_column, f"{model['name']}.{column['name']}: {per_column} per column"
        folded = [t["columns_valid"] for t in model.get("data_tests", []) if "columns_valid" in t]
        for test in folded:
            assert test["name"] == f"columns_valid_{model['name']}"
            args = test["arguments"]
            named = {*args.get("not_null", []), *args.get("unique", [])}
            named |= set(args.get("accepted_values", {}))
            assert named, f"{model['name']}: an empty columns_valid"
            assert named <= columns, f"{model['name']}: rules on undocumented {named - columns}"


def _compile(tmp: Path, *tests: str) -> dict[str, tuple[str, str]]:
    """Each named test's compiled SQL and failure count expression, from a scratch target."""
    target = tmp / "target"
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "compile",
            "--select",
            *tests,
            "--profiles-dir",
            ".",
            "--vars",
            json.dumps({"warehouse_path": (tmp / "compile.duckdb").as_posix()}),
            "--target-path",
            str(target),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    compiled = {n["name"]: n for n in nodes if n["name"] in tests}
    assert set(compiled) == set(tests)
    return {name: (n["compiled_code"], n["config"]["fail_calc"]) for name, n in compiled.items()}


def test_one_query_reports_each_broken_rule(tmp_path: Path) -> None:
    sql = _compile(tmp_path, "columns_valid_generations", "columns_valid_sessions")
    con = duckdb.connect()
    con.execute(
        "create table generations as select * from (values"
        " ('g1', 'ann', 'a1111', timestamp '2026-01-01', 'metadata', 'a', 'x.png'),"
        " ('g1', 'ann', 'a1111', timestamp '2026-01-01', 'metadata', 'a', 'y.png'),"
        " ('g2', null, 'a1111', timestamp '2026-01-01', 'guessed', 'a', 'z.png'),"
        " ('g3', 'bo', null, timestamp '2026-01-01', null, 'a', 'w.png'))"
        " t(generation_id, artist, tool, created_at, created_at_source, source_archive,"
        " source_path)"
    )
    con.execute(
        "create table sessions as select * from (values"
        " ('s1', 'ann', timestamp '2026-01-01', timestamp '2026-01-01', 2, false))"
        " t(session_id, artist, started_at, ended_at, n_generations, is_split_by_prompt)"
    )
    generations, fail_calc = sql["columns_valid_generations"]
    sessions, _ = sql["columns_valid_sessions"]
    broken = con.sql(generations).fetchall()
    assert sorted(broken) == [
        ("accepted_values", "created_at_source", 1),  # 'guessed'; the NULL is not_null's
        ("not_null", "artist", 1),
        ("not_null", "created_at_source", 1),
        ("not_null", "tool", 1),
        ("unique", "generation_id", 1),  # one duplicated value, as dbt's unique counts
    ]
    # dbt's failure count: the broken rows summed over rules, zero when nothing broke.
    assert con.sql(f"select {fail_calc} from ({generations})").fetchone() == (5,)
    assert con.sql(sessions).fetchall() == []
    assert con.sql(f"select {fail_calc} from ({sessions})").fetchone() == (0,)
