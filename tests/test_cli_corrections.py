"""Corrections that teach without harm: what changed is shown, and a correction can be undone.

The CLI runs against a small hand-made warehouse whose relabelling is a stand-in (corrected
sessions take their correction, the artist's other sessions gain a marker), so these tests take
seconds; the real relabel is exercised by ``test_end_to_end``.
"""

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner, Result

from orchestration.cli import intents as cli_intents
from orchestration.cli.app import main
from orchestration.defs.resources import DATA_DIR_ENV, DataPaths
from orchestration.intent.corrections import CorrectionStore, correction_for, resolve
from orchestration.intent.label_changes import (
    SNAPSHOT_SCHEMA,
    LabelChange,
    label_changes,
    report_lines,
)

# --- the comparison ----------------------------------------------------------------------------


def snapshot(*rows: tuple) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=SNAPSHOT_SCHEMA, orient="row")


BEFORE = snapshot(
    ("s1", "ana", "exploration", "Explored: storms", "explore", ["1. exploration: storms"]),
    ("s2", "ana", "refinement", "Refined: skies", "refine", ["1. refinement: skies"]),
    ("s3", "ben", "mixed", "Mixed", "explore → refine", ["1. exploration: a", "2. refinement: b"]),
)


def test_unchanged_snapshots_have_no_changes() -> None:
    assert label_changes(BEFORE, BEFORE.reverse()) == []
    assert report_lines([], set()) == ["no other label changed"]


def test_every_kind_of_change_is_found_in_session_order() -> None:
    after = snapshot(
        ("s3", "ben", "mixed", "Mixed", "explore → refine", ["1. exploration: a"]),
        ("s1", "ana", "refinement", "Refined: storms", "refine", ["1. refinement: storms"]),
        ("s2", "ana", "refinement", "Refined: skies", "refine", ["1. refinement: skies"]),
        ("s4", "ana", "exploration", "Explored: new", "explore", []),
    )
    changes = label_changes(BEFORE, after)
    assert [c.session_id for c in changes] == ["s1", "s3", "s4"]
    assert changes[0] == LabelChange(
        "s1",
        "ana",
        intent=("exploration", "refinement"),
        label=("Explored: storms", "Refined: storms"),
        arc=("explore", "refine"),
        phases_changed=1,
    )
    assert changes[1].phases_changed == 1 and changes[1].intent == ("mixed", "mixed")
    assert changes[2].intent == (None, "exploration")  # newly labelled
    gone = label_changes(BEFORE, BEFORE.filter(pl.col("session_id") != "s2"))
    assert [(c.session_id, c.intent, c.artist) for c in gone] == [
        ("s2", ("refinement", None), "ana")
    ]


def test_a_null_label_is_a_value_not_a_wildcard() -> None:
    after = BEFORE.with_columns(label=pl.when(pl.col("session_id") == "s2").then(None))
    changes = label_changes(BEFORE, after)
    assert [c.session_id for c in changes] == ["s1", "s2", "s3"]
    assert changes[1].label == ("Refined: skies", None)


def test_report_puts_the_corrected_session_first_and_counts_the_others() -> None:
    after = BEFORE.with_columns(
        intent=pl.when(pl.col("session_id") == "s1").then(pl.lit("refinement")).otherwise("intent"),
        label=pl.col("label")
        + pl.when(pl.col("artist") == "ana").then(pl.lit("!")).otherwise(pl.lit("")),
    )
    lines = report_lines(label_changes(BEFORE, after), {"s1"})
    assert lines == [
        'corrected: s1 ana: exploration → refinement; label: "Explored: storms" → '
        '"Explored: storms!"',
        "changed by this correction: 1 other session",
        '  s2 ana: refinement; label: "Refined: skies" → "Refined: skies!"',
    ]
    assert report_lines([], {"s9"}) == [
        "corrected: s9: its shown labels did not change",
        "no other label changed",
    ]


# --- the commands ------------------------------------------------------------------------------

SESSIONS = {  # session_id: (artist, inferred intent, inferred label, generation ids)
    "a1" + "0" * 30: ("ana", "exploration", "Explored: storms", ["g1", "g2", "g3"]),
    "a2" + "0" * 30: ("ana", "refinement", "Refined: skies", ["g4", "g5"]),
    "b1" + "0" * 30: ("ben", "optimization", "Optimized: steps", ["g6", "g7"]),
}
A1, A2, B1 = SESSIONS


def _members() -> pl.DataFrame:
    return pl.DataFrame(
        [
            (g, session_id, 1, position)
            for session_id, (*_, ids) in SESSIONS.items()
            for position, g in enumerate(ids)
        ],
        schema=["generation_id", "session_id", "phase_no", "position"],
        orient="row",
    )


def _stand_in_relabel(data_dir: Path) -> None:
    """Corrections win on their session and teach: the artist's other sessions gain a marker."""
    paths = DataPaths(data_dir=str(data_dir))
    overrides = resolve(
        CorrectionStore.in_dir(paths.corrections_dir).all(), _members()
    ).session_overrides
    taught = {o.correction.artist for o in overrides.values()}
    rows = []
    for session_id, (artist, intent, label, _) in SESSIONS.items():
        if session_id in overrides:
            intent, label = overrides[session_id].intent, overrides[session_id].label or label
        elif artist in taught:
            label += " (taught)"
        rows.append((session_id, artist, intent, label, intent))
    intents = pl.DataFrame(
        rows, schema=["session_id", "artist", "intent", "label", "arc"], orient="row"
    )
    with duckdb.connect(str(paths.warehouse_path)) as con:
        con.register("labelled", intents)
        con.execute("create or replace table session_intents as select * from labelled")
        con.execute(
            "create or replace table session_phases as select session_id, 1 as phase_no, "
            "intent, label from labelled"
        )


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv(DATA_DIR_ENV, str(data))  # the CLI exports it; restore it afterwards
    monkeypatch.setattr(cli_intents, "_relabel", _stand_in_relabel)
    sessions = pl.DataFrame(
        [(s, artist) for s, (artist, *_) in SESSIONS.items()],
        schema=["session_id", "artist"],
        orient="row",
    )
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.register("members", _members())
        con.register("sessions_frame", sessions)
        con.execute("create table session_members as select * from members")
        con.execute("create table sessions as select * from sessions_frame")
    _stand_in_relabel(data)
    return data


def _cli(data: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--data-dir", str(data), *args])


def test_correct_prints_the_corrected_session_and_each_other_label_it_changed(data: Path) -> None:
    result = _cli(data, "correct", "a1", "--intent", "refinement", "--label", "Refined: storms")
    assert result.exit_code == 0, result.output
    assert (
        f'corrected: {A1[:12]} ana: exploration → refinement; label: "Explored: storms" → '
        '"Refined: storms"; arc: "exploration" → "refinement"; 1 phase changed'
    ) in result.output
    assert "changed by this correction: 1 other session\n" in result.output
    assert (
        f'  {A2[:12]} ana: refinement; label: "Refined: skies" → "Refined: skies (taught)"'
    ) in result.output
    assert B1[:12] not in result.output


def test_remove_undoes_a_correction_by_id_prefix_and_reports_what_moved_back(data: Path) -> None:
    assert _cli(data, "correct", "a1", "--intent", "refinement", "--author", "ana").exit_code == 0
    (correction,) = CorrectionStore.in_dir(data / "corrections").all()
    listed = _cli(data, "corrections", "list")
    assert listed.output.startswith(correction.correction_id[:12])

    result = _cli(data, "corrections", "remove", correction.correction_id[:6], "--author", "ana")
    assert result.exit_code == 0, result.output
    assert f"removed: correction {correction.correction_id[:12]} (ana session" in result.output
    assert f"corrected: {A1[:12]} ana: refinement → exploration" in result.output
    assert f'  {A2[:12]} ana: refinement; label: "Refined: skies (taught)" → "Refined: skies"' in (
        result.output
    )
    assert CorrectionStore.in_dir(data / "corrections").all() == []

    again = _cli(data, "corrections", "remove", correction.correction_id)
    assert again.exit_code != 0 and "already removed" in again.output
    unknown = _cli(data, "corrections", "remove", "fff")
    assert unknown.exit_code != 0 and "no correction 'fff'" in unknown.output


def test_import_reports_changes_and_keeps_a_removed_correction_removed(
    data: Path, tmp_path: Path
) -> None:
    assert _cli(data, "correct", "b1", "--intent", "mixed", "--author", "ben").exit_code == 0
    exported = tmp_path / "corrections.json"
    assert _cli(data, "corrections", "export", str(exported)).exit_code == 0
    (correction,) = CorrectionStore.in_dir(data / "corrections").all()
    assert _cli(data, "corrections", "remove", correction.correction_id).exit_code == 0

    back = _cli(data, "corrections", "import", str(exported))
    assert back.exit_code == 0, back.output
    assert "imported 0 corrections (0 already present, 1 removed here and kept removed)" in (
        back.output
    )
    assert "corrected:" not in back.output  # nothing added, nothing relabelled

    other = tmp_path / "other"  # the same archive on another machine, with no corrections
    other.mkdir()
    shutil.copy(data / "warehouse.duckdb", other / "warehouse.duckdb")
    _stand_in_relabel(other)
    moved = _cli(other, "corrections", "import", str(exported))
    assert moved.exit_code == 0, moved.output
    assert f"corrected: {B1[:12]} ben: optimization → mixed" in moved.output
    assert "no other label changed" in moved.output  # ben has no other session


def test_remove_without_a_warehouse_only_records_the_removal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "bare"
    monkeypatch.setenv(DATA_DIR_ENV, str(data))
    store = CorrectionStore.in_dir(data / "corrections")
    members = _members().with_columns(artist=pl.lit("ana"))
    correction = correction_for(members, A1, "refinement", author="ana")
    store.add(correction)
    result = _cli(data, "corrections", "remove", correction.correction_id[:8])
    assert result.exit_code == 0, result.output
    assert "removed: correction" in result.output and "corrected:" not in result.output
    assert store.all() == []
