"""Names from the data can neither run when a printed command is pasted nor repaint the terminal.

An artist name comes from a log's user column and a label from the artist's prompts, so both may
hold ``$(…)``, quotes, an escape sequence (ESC[31m) or a right-to-left override (U+202E).
"""

import shlex
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner

from orchestration.cli.app import _invocation, main
from orchestration.cli.summary import render_summary
from orchestration.intent.corrections import CorrectionStore, correction_for
from orchestration.intent.label_changes import LabelChange, report_lines
from orchestration.safe_text import printable, shell_arg
from orchestration.store.data_dir import DATA_DIR_ENV

RAW = ("\x1b", "\u202e", "\x9b", "\u2066")  # never printed as such
T0 = datetime(2024, 5, 14, 20, 0, tzinfo=UTC)


def _hostile(marker: Path) -> dict[str, str]:
    return {
        "plain": f'O\'Brien $(touch {marker}) `touch {marker}` "x"',
        "controls": f"\x1b[31mred\x1b[0m $(touch {marker})'\u202etxt.exe\n\x9b2J\u2066",
    }


def _warehouse(root: Path, artist: str) -> Path:
    """Just the relations the summary and `sessions` read, with one hostile artist."""
    root.mkdir(parents=True)
    path = root / "warehouse.duckdb"
    label = "Refined: \x1b]0;pwned\x07 neon \u202edrow"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "create table sessions as select * from (values "
            "('s1', $a, $t0::timestamptz, $t0::timestamptz + interval 20 minute, 3, 2, true), "
            "('s2', $a, $t0::timestamptz + interval 1 day, "
            "$t0::timestamptz + interval 1 day, 1, 1, false)) "
            "as t(session_id, artist, started_at, ended_at, n_generations, n_distinct_prompts, "
            "is_split_by_prompt)",
            {"a": artist, "t0": T0},
        )
        con.execute(
            "create table generations as select $a as artist, 'tool\x1b[2J' as tool, "
            "'a prompt' as prompt, 'copied \u202egpj.zip' as source_archive, "
            "'file order' as created_at_source, $t0::timestamptz as created_at",
            {"a": artist, "t0": T0},
        )
        con.execute("create table quarantine as select 'bad file \u202eexe.png' as reason")
        con.execute(
            "create table session_intents as select 's1' as session_id, 'mixed' as intent, "
            "$l as label, 'explore → refine' as arc, 0.8 as confidence, false as corrected",
            {"l": label},
        )
        con.execute(
            "create table session_phases as select * from (values "
            "('s1', 1, 'exploration', 'Explored:\nfake line', 2, 0.8, false), "
            "('s1', 2, 'refinement', $l, 1, 0.8, false)) "
            "as t(session_id, phase_no, intent, label, n_generations, confidence, corrected)",
            {"l": label},
        )
        con.execute(
            "create table session_members as select * from (values "
            "('g1', 's1', 1, 1), ('g2', 's1', 2, 1), ('g3', 's1', 2, 2), ('g4', 's2', 1, 1)) "
            "as t(generation_id, session_id, phase_no, position)"
        )
    return path


def _assert_clean(text: str) -> None:
    for raw in RAW:
        assert raw not in text, f"raw {raw!r} printed"
    assert "\\x1b[31m" in text and "\\u202e" in text


def _bash_word(word: str) -> str:
    """What bash makes of one pasted shell word."""
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash absent")
    done = subprocess.run([bash, "-c", f"printf %s {word}"], capture_output=True, check=True)
    return done.stdout.decode("utf-8")


@pytest.fixture(autouse=True)
def _restore_data_dir_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)  # the CLI exports it; undo that afterwards


def test_printable_escapes_controls_and_bidi_only() -> None:
    assert printable("Zoë — 猫 🎨 O'Brien $(x)") == "Zoë — 猫 🎨 O'Brien $(x)"
    assert printable("a\x1b[31mb\tc\nd\re\x00\x7f\x85") == "a\\x1b[31mb\\tc\\nd\\re\\x00\\x7f\\x85"
    bidi = "".join(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))
    assert printable(bidi + "\u200e\u200f\u061c") == "".join(
        f"\\u{ord(c):04x}" for c in bidi + "\u200e\u200f\u061c"
    )


def test_shell_arg_round_trips_and_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    names = _hostile(marker)
    for name in (*names.values(), "ana", "", "it's", "C:\\art\\x", "a b"):
        word = shell_arg(name)
        assert printable(word) == word  # the printed word holds no control characters
        if printable(name) == name:
            assert shlex.split(f"creative-sessions sessions --artist {word}")[-1] == name
        assert _bash_word(word) == name
    assert not marker.exists()


@pytest.mark.parametrize("kind", ["plain", "controls"])
def test_summary_try_lines_paste_back_to_the_name(tmp_path: Path, kind: str) -> None:
    marker = tmp_path / "pwned"
    name = _hostile(marker)[kind]
    warehouse = _warehouse(tmp_path / "data", name)
    text = render_summary(warehouse, command="creative-sessions")
    for raw in RAW:
        assert raw not in text
    assert "\\u202edrow" in text and "bad file \\u202eexe.png" in text
    assert "copied \\u202egpj.zip: 1 of 1 had only file times; 1 placed by file order" in text
    assert "s1  time unknown (ordered by file order; a copy reset the file times)" in text
    assert "1 session split where the subject changed, times known only by order (" in text
    lines = text.splitlines()
    try_at = lines.index("Try:")
    sessions_line = next(line for line in lines[try_at:] if " sessions --artist " in line)
    sql_line = next(line for line in lines[try_at:] if " sql " in line)
    word = sessions_line.split(" --artist ", 1)[1]
    query = _bash_word(sql_line.split(" sql ", 1)[1])
    if kind == "plain":
        assert shlex.split(sessions_line)[-1] == name
        assert shlex.split(sql_line)[-1] == query
    assert _bash_word(word) == name
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert len(con.execute(query).fetchall()) == 2  # the pasted query finds the sessions
    assert not marker.exists()


def test_sessions_sql_and_corrections_list_escape_names_and_labels(tmp_path: Path) -> None:
    name = _hostile(tmp_path / "pwned")["controls"]
    data = tmp_path / "data"
    _warehouse(data, name)
    shown = CliRunner().invoke(main, ["--data-dir", str(data), "sessions"])
    assert shown.exit_code == 0, shown.output
    _assert_clean(shown.output)
    assert "Explored:\\nfake line" in shown.output and "\\x1b]0;pwned\\x07" in shown.output

    query = "select s.artist, label from session_intents, sessions as s"
    queried = CliRunner().invoke(main, ["--data-dir", str(data), "sql", query])
    assert queried.exit_code == 0, queried.output
    assert not any(raw in queried.output for raw in RAW)  # DuckDB writes ESC as \e itself
    assert "\\u202e" in queried.output

    members = pl.DataFrame(
        {"generation_id": ["g1", "g2"], "session_id": ["s1", "s1"], "phase_no": [1, 1]}
    ).with_columns(artist=pl.lit(name))
    CorrectionStore.in_dir(data / "corrections").add(
        correction_for(members, "s1", "refinement", author="\u202eevil", label="my \x1b[31mlabel")
    )
    listed = CliRunner().invoke(main, ["--data-dir", str(data), "corrections", "list"])
    assert listed.exit_code == 0, listed.output
    _assert_clean(listed.output)
    assert 'label "my \\x1b[31mlabel"' in listed.output and "\\u202eevil:" in listed.output


def test_change_report_escapes_labels() -> None:
    change = LabelChange(
        "s1" * 8,
        "\x1b[31mann",
        intent=("exploration", "refinement"),
        label=("Explored: \u202eabc", "Refined:\nfake"),
        arc=(None, None),
        phases_changed=0,
    )
    lines = report_lines([change], {"s1" * 8})
    assert len(lines) == 2
    _assert_clean("\n".join(lines))
    assert lines[0].endswith('label: "Explored: \\u202eabc" → "Refined:\\nfake"')


def test_printed_data_dir_is_quoted(tmp_path: Path) -> None:
    odd = tmp_path / "my data $(touch x)'s"
    assert shlex.split(_invocation(odd)) == ["creative-sessions", "--data-dir", str(odd)]
    assert _invocation(tmp_path / "plain") == f"creative-sessions --data-dir {tmp_path / 'plain'}"


def test_summary_counts_every_artist_and_prints_the_busiest(tmp_path: Path) -> None:
    warehouse = _warehouse(tmp_path / "data", "ana")
    with duckdb.connect(str(warehouse)) as con:  # two more artists, one session each
        con.execute(
            "insert into sessions select 's' || i, 'artist' || i, $t0::timestamptz, "
            "$t0::timestamptz, 1, 1, false from range(3, 5) as r(i)",
            {"t0": T0},
        )
    text = render_summary(warehouse, max_artists=1)
    assert text.splitlines()[0] == "3 artists, 4 sessions, 6 generations"
    assert "ana: 2 sessions, 4 generations" in text  # the busiest is the one printed
    assert "… 2 more artists" in text
