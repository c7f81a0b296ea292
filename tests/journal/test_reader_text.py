"""What a reader needs where pictures are missing or names are long (issue 14's journal items).

Log-only phases list their prompts (the first and the edits after, in words on the page, not only
as hover text); hashed artist ids are cut in titles, whole on hover; a parameter plot's axis
labels fit (`1536x1536`, not `1536x15…`).
"""

from datetime import UTC, datetime

import duckdb
import pytest

from orchestration.defs.resources import DataPaths
from orchestration.journal.model import (
    ArtistJournal,
    IndexEntry,
    Phase,
    PromptStep,
    Session,
    TrajectoryPoint,
    _attach_prompt_steps,
    load_journals,
)
from orchestration.journal.plots import trajectory_svg
from orchestration.journal.render import render_artist, render_index, render_phase
from tests.journal.warehouse import PROMPTS, SWEEP_PROMPT, build_warehouse

HASHED = "042be080e4b36d710098fc1c497a603009a63ed5b0f45ee2dba6b15705a75f2d"


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> DataPaths:
    return build_warehouse(tmp_path_factory.mktemp("reader") / "data")


def test_prompt_steps_are_the_first_prompt_and_each_edit(paths: DataPaths) -> None:
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        (ada,) = load_journals(con, paths.thumbnails_dir, paths.journal_dir)
        a = next(s for s in ada.sessions if s.session_id == "ada-A")
        phases = {(a.session_id, p.phase_no): p for p in a.phases}
        assert all(not p.prompt_steps for p in phases.values())  # they have pictures
        _attach_prompt_steps(con, phases, scoped=False)
    explored, swept = a.phases
    assert [(s.position, s.prompt) for s in explored.prompt_steps] == list(
        zip(range(1, 5), PROMPTS, strict=True)
    )
    assert [(s.position, s.prompt) for s in swept.prompt_steps] == [(5, SWEEP_PROMPT)]


def _log_phase(n_steps: int) -> Phase:
    steps = [PromptStep(i, f"a lighthouse <b>{i}</b>") for i in range(1, n_steps + 1)]
    return Phase(1, "refinement", "Refined: lighthouse", 1, n_steps, n_steps, prompt_steps=steps)


def test_a_phase_without_pictures_shows_its_prompts_in_words() -> None:
    html = render_phase(_log_phase(3))
    assert '<ol class="prompts">' in html
    assert html.count("<li>") == 3
    assert "#2</span>a lighthouse &lt;b&gt;2&lt;/b&gt;" in html  # escaped, not as markup


def test_a_long_edit_history_shows_first_last_and_a_count() -> None:
    html = render_phase(_log_phase(20))
    assert html.count("<li>") == 6 and "+14 more edits" in html
    assert "#1</span>" in html and "#20</span>" in html


def test_hashed_artist_ids_are_cut_in_titles_and_whole_on_hover() -> None:
    moment = datetime(2022, 11, 22, 23, 12, tzinfo=UTC)
    journal = ArtistJournal(HASHED, "x", [Session("s", HASHED, moment, moment, 1)])
    page, index = render_artist(journal), render_index([IndexEntry.of(journal)])
    short = HASHED[:12] + "…"
    assert f'<h1 title="{HASHED}">{short}</h1>' in page
    assert f"<title>{short} — creative journal</title>" in page
    assert f'title="{HASHED}">{short}</a>' in index
    mira = ArtistJournal("mira", "mira", [])
    assert '<h1 title="mira">mira</h1>' in render_artist(mira)


def test_size_labels_on_a_trajectory_axis_are_not_clipped() -> None:
    points = [TrajectoryPoint(1, "1536x1536"), TrajectoryPoint(2, "1024x1024")]
    svg = trajectory_svg("size", points)
    assert svg is not None
    assert ">1536x1536</text>" in svg and ">1024x1024</text>" in svg
    assert "1536x15…" not in svg
