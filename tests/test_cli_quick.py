"""The interactive commands stay quick: no Dagster to read, no dbt build to correct.

`sql`, `sessions` and `corrections list` run in a fresh interpreter against a small warehouse and
must leave Dagster unimported. `correct` runs against a warehouse that dbt really built over a
tiny lake (one build, shared by the module): it relabels in place, and the journal shows it.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli import intents as cli_intents
from orchestration.cli.app import main
from orchestration.cli.relabel import can_relabel_in_place
from orchestration.intent.contract import INTENT_TABLES
from orchestration.intent.corrections import CorrectionStore, correction_for
from orchestration.intent.label_plan import Budget
from orchestration.intent.labelling import IntentTables
from orchestration.intent.tables import run_labelling, views_read_lake, write_tables
from orchestration.store.data_dir import DATA_DIR_ENV, DataDir
from orchestration.store.run_lock import run_lock
from tests.journal.warehouse import build_warehouse
from tests.warehouse.helpers import DBT_DIR
from tests.warehouse.lake_fixture import write_archive, write_vectors
from tests.warehouse.test_session_signals import (
    IMAGE_VECTORS_A,
    PART_A,
    PROMPT_VECTORS_A,
)

pytestmark = pytest.mark.slow(seconds=20)  # pipelines, dbt, servers: started first

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _restore_data_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)  # the CLI exports it; undo that afterwards


_PROBE = """
import sys
from orchestration.cli.app import main
main(sys.argv[1:], standalone_mode=False)
heavy = [m for m in ("dagster", "dagster_dbt", "dbt") if m in sys.modules]
assert not heavy, f"imported {heavy}"
"""


def _in_fresh_interpreter(data: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", _PROBE, "--data-dir", str(data), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_quick_commands_do_not_import_dagster(tmp_path: Path) -> None:
    data = build_warehouse(tmp_path / "data").root
    members = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    with members:
        frame = members.execute(
            "select m.generation_id, m.session_id, 1 as phase_no, 'ada' as artist "
            "from session_members as m"
        ).pl()
    CorrectionStore.in_dir(data / "corrections").add(
        correction_for(frame, "ada-A", "refinement", author="ada")
    )
    for args, expected in (
        (["sql", "select count(*) as n from sessions"], "3"),
        (["sessions"], "Explored 4 concepts"),
        (["corrections", "list"], "1 corrections in"),
    ):
        result = _in_fresh_interpreter(data, *args)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout, result.stdout


def test_reading_commands_run_beside_a_writing_run(tmp_path: Path) -> None:
    """Only commands that write wait for the run lock; reading ones, nested ones too, do not."""
    data = build_warehouse(tmp_path / "data").root
    with run_lock(data, "creative-sessions run"):
        for args in (["sql", "select 1"], ["sessions"], ["corrections", "list"]):
            result = CliRunner().invoke(main, ["--data-dir", str(data), *args])
            assert result.exit_code == 0, result.output
        refused = CliRunner().invoke(main, ["--data-dir", str(data), "corrections", "remove", "x"])
        assert refused.exit_code != 0 and "`creative-sessions run`" in refused.output


# --- correct on a warehouse dbt built ----------------------------------------------------------


def _dbt_build(data: DataDir) -> None:
    dbt_vars = {
        "lake_dir": data.lake_dir.as_posix(),
        "warehouse_path": data.warehouse_path.as_posix(),
    }
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            "build",
            "--profiles-dir",
            ".",
            "--vars",
            json.dumps(dbt_vars),
            "--target-path",
            str(data.root / "dbt-target"),
            "--log-path",
            str(data.logs_dir),
        ],
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    """A tiny lake, labelled, with the intent views dbt built over its Parquet files."""
    data = DataDir.at(tmp_path_factory.mktemp("built") / "data")
    write_archive(data.lake_dir, "a", [dict(row) for row in PART_A])
    write_vectors(data.lake_dir, "image_embeddings", "clip", "a", IMAGE_VECTORS_A)
    write_vectors(data.lake_dir, "prompt_embeddings", "minilm", "a", PROMPT_VECTORS_A)
    # Empty intent tables first, so the one dbt build makes views that read them.
    write_tables(data, IntentTables(**{n: s.empty_table() for n, s in INTENT_TABLES.items()}))
    _dbt_build(data)
    run_labelling(data, Budget())
    return data


def _session_of(data: DataDir, artist: str) -> str:
    with duckdb.connect(str(data.warehouse_path), read_only=True) as con:
        return con.execute(
            "select session_id from sessions where artist = ? order by started_at limit 1",
            [artist],
        ).fetchone()[0]


def test_correct_relabels_in_place_without_dbt_or_dagster(built: DataDir) -> None:
    assert can_relabel_in_place(built)
    session_id = _session_of(built, "ann")
    before = CliRunner().invoke(main, ["--data-dir", str(built.root), "sessions"])
    assert before.exit_code == 0, before.output
    assert "Castle, my way" not in before.output
    dbt_log = (built.logs_dir / "dbt.log").read_text(encoding="utf-8")

    result = _in_fresh_interpreter(
        built.root,
        "correct",
        session_id[:8],
        "--intent",
        "optimization",
        "--label",
        "Castle, my way",
        "--author",
        "ann",
    )
    assert result.returncode == 0, result.stderr
    assert "intents: " in result.stdout and "journal: " in result.stdout
    assert f"corrected: {session_id[:12]} ann: " in result.stdout
    assert '"Castle, my way"' in result.stdout
    assert (built.logs_dir / "dbt.log").read_text(encoding="utf-8") == dbt_log  # no dbt call

    after = CliRunner().invoke(main, ["--data-dir", str(built.root), "sessions", "--artist", "ann"])
    assert after.exit_code == 0, after.output
    assert "Castle, my way [corrected]" in after.output
    pages = [p.read_text(encoding="utf-8") for p in built.journal_dir.glob("*.html")]
    assert any("Castle, my way" in page for page in pages)


def test_a_copied_warehouse_falls_back_to_the_labels_run(
    built: DataDir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Views that read another directory's files cannot be refreshed by rewriting ours."""
    copy = DataDir.at(tmp_path / "copy")
    copy.root.mkdir()
    shutil.copy(built.warehouse_path, copy.warehouse_path)
    shutil.copytree(built.lake_dir, copy.lake_dir)
    with duckdb.connect(str(copy.warehouse_path), read_only=True) as con:
        assert views_read_lake(con, built) and not views_read_lake(con, copy)
    launched = []
    monkeypatch.setattr(
        cli_intents, "_run_labels", lambda data_dir, budget: launched.append(data_dir)
    )
    result = CliRunner().invoke(
        main,
        ["--data-dir", str(copy.root), "correct", _session_of(copy, "bob"), "--intent", "mixed"],
    )
    assert result.exit_code == 0, result.output
    assert launched == [copy.root]
