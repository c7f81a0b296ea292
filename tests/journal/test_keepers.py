"""Keepers on the page and in the terminal: first, larger, reasons stated, or why there are none."""

from orchestration.cli.session_journal import JournalKeeper, keeper_lines
from orchestration.journal.keepers import KeeperPicture, render_keepers


def test_keepers_render_larger_with_their_reasons_escaped() -> None:
    html = render_keepers(
        [
            KeeperPicture("../thumbnails/ab.webp", 7, "second_pass: seed 5 <b>again</b>"),
            KeeperPicture(None, 9, "copied: also kept at a:x\u202egnp.png"),
        ]
    )
    assert html.startswith('<div class="keepers">')
    assert '<img src="../thumbnails/ab.webp"' in html
    assert "keeper #7 — second_pass: seed 5 &lt;b&gt;again&lt;/b&gt;" in html
    assert "\u202e" not in html and "\\u202e" in html  # a bidi override is shown, not obeyed
    assert html.count("<img") == 1  # no thumbnail yet: the caption alone


def test_no_evidence_is_said_and_no_view_says_nothing() -> None:
    assert "nothing in this session's data shows" in render_keepers([])
    assert render_keepers(None) == ""
    assert keeper_lines([]) == ["  keepers: none (no evidence of choice in the data)"]
    assert keeper_lines([JournalKeeper(3, "marked: marked by ann on 2026-03-01")]) == [
        "  keeper #3 (marked: marked by ann on 2026-03-01)"
    ]
    assert keeper_lines(None) == []
