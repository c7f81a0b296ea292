"""The journal asset over a small warehouse, and its page as a person sees it in Chromium."""

import re
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.assets.journal import journal
from orchestration.defs.resources import DataPaths
from orchestration.journal.model import load_journals
from tests.browser import dump_dom, screenshot
from tests.journal.warehouse import build_warehouse


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataPaths, dict]:
    paths = build_warehouse(tmp_path_factory.mktemp("journal") / "data")
    result = dg.materialize([journal], resources={"paths": paths})
    event = result.asset_materializations_for_node("journal")[0]
    return paths, {k: v.value for k, v in event.metadata.items()}


def test_load_journals_reads_the_views(built: tuple[DataPaths, dict]) -> None:
    paths, _ = built
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        (ada,) = load_journals(con, paths.thumbnails_dir, paths.journal_dir)
    assert [s.session_id for s in ada.sessions] == ["ada-C", "ada-B", "ada-A"]  # newest first
    a = ada.sessions[2]
    assert [p.intent for p in a.phases] == ["exploration", "optimization"]
    sweep = a.phases[1]
    assert [(t.position, t.value) for t in sweep.trajectory] == [
        (5, "5.0"),
        (6, "7.0"),
        (7, "9.0"),
        (8, "12.0"),
    ]
    assert [t.position for t in a.phases[0].thumbnails] == [1, 2, 3, 4]
    assert all(t.src.startswith("../thumbnails/") for t in a.phases[0].thumbnails)
    assert len(a.similarity) == 7 and a.prompt_metric == "prompt"
    assert ada.sessions[1].corrected and ada.sessions[1].phases[0].corrected
    assert ada.sessions[0].label is None and ada.sessions[0].phases == []


def test_journal_asset_writes_pages_and_reports(built: tuple[DataPaths, dict]) -> None:
    paths, metadata = built
    assert sorted(p.name for p in paths.journal_dir.iterdir()) == [
        "ada-lovelace.html",
        "index.html",
    ]
    assert metadata["pages_written"] == 2 and metadata["sessions"] == 3
    assert metadata["sessions_unlabelled"] == 1 and metadata["labels_corrected"] == 2
    assert metadata["thumbnails_shown"] == 12
    assert metadata["path"] == str(paths.journal_dir / "index.html")


def test_a_person_sees_labels_arcs_thumbnails_and_plots(
    built: tuple[DataPaths, dict], tmp_path: Path
) -> None:
    paths, _ = built
    page = paths.journal_dir / "ada-lovelace.html"

    dom = dump_dom(page.as_uri())
    shot = screenshot(page.as_uri(), tmp_path / "journal.png", size=(1200, 1400))

    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    counts = dict(re.findall(r'data-(images|loaded|broken)="(\d+)"', body.group(0)))
    assert counts == {"images": "12", "loaded": "12", "broken": "0"}  # every thumbnail displayed
    for text in (
        "Explored 4 concepts, then optimized CFG scale 5→12",
        "explore → optimize",
        "Optimized: CFG scale 5→12 for castle prompt",
        "Refined: neon portrait — 4 seed variations",
        "corrected by you",
        "not labelled yet",
        "neon portrait of a &lt;dancer&gt; &amp;",  # the prompt, shown as text, not markup
    ):
        assert text in dom, text
    assert dom.index("ada-B") < dom.index("ada-A")  # newest first
    assert dom.count('<figure class="trajectory">') == 1
    assert dom.count('<figure class="similarity">') == 2
    assert dom.count("<polyline") >= 3
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one

    index = dump_dom((paths.journal_dir / "index.html").as_uri())
    assert 'href="ada-lovelace.html"' in index and "3 sessions" in index
