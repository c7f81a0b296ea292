"""The keeper marks file: append-only, undo by a removal line, a torn line skipped."""

from pathlib import Path

from orchestration.intent.keeper_marks import KeeperMark, KeeperMarks


def test_mark_unmark_and_a_torn_tail(tmp_path: Path) -> None:
    marks = KeeperMarks.in_dir(tmp_path / "corrections")
    marks.mark(KeeperMark("g1", "s1", "ann", "ann", "the print"))
    marks.mark(KeeperMark("g2", "s1", "ann", "ann"))
    assert [m.generation_id for m in marks.live()] == ["g1", "g2"]
    with marks.path.open("a") as f:
        f.write('{"generation_id": "g3", "sess')  # a crash mid-append
    assert [m.generation_id for m in marks.live()] == ["g1", "g2"]
    (undone,) = marks.unmark("g1", author="bo")
    assert undone.note == "the print"
    assert [m.generation_id for m in marks.live()] == ["g2"]
    assert marks.unmark("g1", author="bo") == []
    lines = marks.path.read_text().splitlines()
    assert len(lines) == 4 and '"removes": "' in lines[-1]  # the torn fragment ended, not lost
