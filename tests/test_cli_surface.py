"""The everyday surface: artist prefixes, whole-value `sql` output, and `archives list/remove`."""

import csv
import io
import json
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from orchestration.cli.app import main
from orchestration.ingest.lake import GENERATIONS_TABLE, QUARANTINE_TABLE, partition_file
from orchestration.store.data_dir import DATA_DIR_ENV, DataDir
from orchestration.store.registry import ArchiveRegistry, artist_source
from orchestration.store.run_lock import run_lock
from tests.journal.warehouse import build_warehouse
from tests.test_cli_quick import _in_fresh_interpreter

LONG = " ".join(f"word{i}" for i in range(60))  # ~400 characters: DuckDB's show() cut it


@pytest.fixture(autouse=True)
def _restore_data_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)  # the CLI exports it; undo that afterwards


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The journal's tiny warehouse plus sessions by "Ada" and by an artist with an escape."""
    root = build_warehouse(tmp_path_factory.mktemp("surface") / "data").root
    with duckdb.connect(str(root / "warehouse.duckdb")) as con:
        for n, artist in enumerate(("Ada", "Bob\x1b[2J")):
            con.execute(
                "insert into sessions select $id, $artist, started_at + interval 1 day, "
                "ended_at + interval 1 day, n_generations, tools "
                "from sessions where session_id = 'ada-B'",
                {"id": f"other-{n}", "artist": artist},
            )
        con.execute(f"create table texts as select '{LONG}' as long, 'a,b' as comma")
    return root


def _cli(data: Path, *args: str):
    return CliRunner().invoke(main, ["--data-dir", str(data), *args])


# --- sessions --artist ---------------------------------------------------------------------------


def test_an_exact_artist_wins_over_a_longer_name_it_prefixes(data: Path) -> None:
    result = _cli(data, "sessions", "--artist", "Ada")
    assert result.exit_code == 0, result.output
    assert "Ada (4 gen" in result.output and "Ada <Lovelace>" not in result.output


def test_a_unique_prefix_names_the_artist(data: Path) -> None:
    result = _cli(data, "sessions", "--artist", "ada <")
    assert result.exit_code == 0, result.output
    assert "Ada <Lovelace>" in result.output and "Ada (" not in result.output


def test_an_ambiguous_prefix_lists_the_matches(data: Path) -> None:
    result = _cli(data, "sessions", "--artist", "ad")
    assert result.exit_code != 0
    assert "Error: artist 'ad' matches 2: 'Ada', 'Ada <Lovelace>'" in result.output


def test_an_unknown_artist_lists_the_known_ones_escaped_on_one_line(data: Path) -> None:
    result = _cli(data, "sessions", "--artist", "zed")
    assert result.exit_code != 0
    assert result.output == (
        "Error: no artist 'zed'; known: 'Ada', 'Ada <Lovelace>', 'Bob\\x1b[2J'\n"
    )
    fresh = _in_fresh_interpreter(data, "sessions", "--artist", "ada <")  # no Dagster imported
    assert fresh.returncode == 0, fresh.stderr


# --- sql ----------------------------------------------------------------------------------------


def test_sql_table_prints_whole_values_escaped(data: Path) -> None:
    query = "select long, chr(27) || '[2J' || chr(8238) as odd, 12 as n from texts"
    result = _cli(data, "sql", query)
    assert result.exit_code == 0, result.output
    assert LONG in result.output
    assert "\\x1b[2J\\u202e" in result.output and "\x1b" not in result.output
    assert result.output.rstrip().endswith("(1 row)")


def test_sql_table_says_when_rows_were_left_out(data: Path) -> None:
    result = _cli(data, "sql", "--max-rows", "2", "select * from range(5)")
    assert result.exit_code == 0, result.output
    assert "(2 rows shown; more left out, see --max-rows)" in result.output


def test_sql_csv_round_trips(data: Path) -> None:
    query = "select long, comma, 'two' || chr(10) || 'lines' as multi, null as nothing from texts"
    result = _cli(data, "sql", "--csv", query)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows == [["long", "comma", "multi", "nothing"], [LONG, "a,b", "two\nlines", ""]]


def test_sql_json_lines_carry_types_and_escape_controls(data: Path) -> None:
    query = (
        "select n, n * 1.5 as half, 'x' || chr(27) || chr(8238) as odd, "
        "timestamptz '2024-05-14 20:00:00+00' as at, [1, 2] as list from range(3) as t(n)"
    )
    result = _in_fresh_interpreter(data, "sql", "--json", query)  # Dagster-free
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert records[1] == {
        "n": 1,
        "half": 1.5,
        "odd": "x\x1b\u202e",
        "at": "2024-05-14T20:00:00+00:00",
        "list": [1, 2],
    }
    assert len(records) == 3


def test_sql_data_modes_write_every_row_unless_limited(data: Path) -> None:
    every = _cli(data, "sql", "--json", "select * from range(100)")
    assert len(every.output.splitlines()) == 100
    some = _cli(data, "sql", "--csv", "--max-rows", "3", "select * from range(100)")
    assert some.output.splitlines() == ["range", "0", "1", "2"]


# --- archives -----------------------------------------------------------------------------------


@pytest.fixture
def registered(tmp_path: Path) -> Path:
    """A data dir with two archives registered (one since deleted) and lake rows for the first."""
    data = DataDir.at(tmp_path / "data")
    registry = ArchiveRegistry(data.registry_path)
    present, gone = tmp_path / "ada-folder", tmp_path / "gone"
    present.mkdir()
    gone.mkdir()
    first = registry.register(present, "Ada\x1b[2J")
    registry.register(gone)
    gone.rmdir()
    for table in (GENERATIONS_TABLE, QUARANTINE_TABLE):
        lake = partition_file(data.lake_dir, table, first.key)
        lake.parent.mkdir(parents=True)
        lake.write_bytes(b"rows")
    return data.root


def test_archives_list_shows_each_archive_and_reads_beside_a_run(registered: Path) -> None:
    result = _in_fresh_interpreter(registered, "archives", "list")  # Dagster-free
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["KEY", "KIND", "ARTIST", "STATUS", "PATH"]
    assert lines[1].split()[1:4] == ["folder", "Ada\\x1b[2J", "present"]
    assert lines[2].split()[1:4] == ["folder", "gone", "missing"]
    with run_lock(registered, "creative-sessions run"):
        assert _cli(registered, "archives", "list").exit_code == 0


def test_archives_remove_keeps_the_lake_unless_purged(registered: Path) -> None:
    registry = ArchiveRegistry(DataDir.at(registered).registry_path)
    ada, gone = registry.all()
    with run_lock(registered, "creative-sessions run"):
        refused = _cli(registered, "archives", "remove", ada.key)
        assert refused.exit_code != 0 and "`creative-sessions run`" in refused.output

    kept = _cli(registered, "archives", "remove", gone.key[:6])  # a unique prefix
    assert kept.exit_code == 0, kept.output
    assert "its rows stay in the lake" in kept.output
    assert [a.key for a in registry.all()] == [ada.key]

    purged = _cli(registered, "archives", "remove", ada.key, "--purge")
    assert purged.exit_code == 0, purged.output
    assert "deleted its lake partition (2 folders)" in purged.output
    assert registry.all() == []
    lake = DataDir.at(registered).lake_dir
    assert not partition_file(lake, GENERATIONS_TABLE, ada.key).parent.exists()

    unknown = _cli(registered, "archives", "remove", "nope")
    assert unknown.exit_code != 0 and "no archive 'nope'" in unknown.output


def test_archives_remove_refuses_an_ambiguous_prefix(tmp_path: Path) -> None:
    registry = ArchiveRegistry(DataDir.at(tmp_path / "data").registry_path)
    for name in ("ada-one", "ada-two"):
        (tmp_path / name).mkdir()
        registry.register(tmp_path / name)
    result = _cli(tmp_path / "data", "archives", "remove", "ada-")
    assert result.exit_code != 0 and "matches 2 keys" in result.output
    assert len(registry.all()) == 2


def test_artist_source_says_why(tmp_path: Path) -> None:
    registry = ArchiveRegistry(tmp_path / "archives.json")
    (tmp_path / "ada").mkdir()
    (tmp_path / "log.csv").write_text("prompt,timestamp\n", encoding="utf-8")
    folder = registry.register(tmp_path / "ada")
    log = registry.register(tmp_path / "log.csv")
    assert artist_source(folder, given=None, earlier=False) == "from the folder name"
    assert artist_source(log, given=None, earlier=False).startswith("from the log's file name")
    assert artist_source(folder, given=None, earlier=True) == "kept from its earlier registration"
    assert artist_source(folder, given="ada", earlier=False) == "as given"
