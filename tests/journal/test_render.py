import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from orchestration.journal.model import (
    ArtistJournal,
    IndexEntry,
    Session,
    SimilarityPoint,
    TrajectoryPoint,
    artist_slugs,
    strip_sample,
)
from orchestration.journal.pages import write_journal
from orchestration.journal.plots import similarity_svg, trajectory_svg
from orchestration.journal.render import render_artist, render_index
from tests.journal.sample import HOSTILE_PROMPT, newer_session, sample_journal


def test_user_text_is_escaped_everywhere() -> None:
    page = render_artist(sample_journal())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in page
    assert '<h1 title="Ada &lt;Lovelace&gt;">Ada &lt;Lovelace&gt;</h1>' in page
    assert "Ada <Lovelace>" not in page
    assert HOSTILE_PROMPT not in render_index([IndexEntry.of(sample_journal())])
    assert page.count("<script>") == 1  # only the page's own load counter


def test_sessions_newest_first_and_phases_in_order() -> None:
    page = render_artist(sample_journal())
    assert page.index('id="session-s-new"') < page.index('id="session-s-old"')
    old = page[page.index('id="session-s-old"') :]
    assert old.index("Explored: castles, robots</span>") < old.index("Optimized: CFG")
    assert "Wed 15 May 2024, 09:00–09:40 UTC" in page
    assert "2 sessions · 11 generations · 14 May 2024 to 15 May 2024" in page


def test_corrected_labels_are_marked_with_the_inferred_one() -> None:
    page = render_artist(sample_journal())
    new = page[page.index('id="session-s-new"') : page.index('id="session-s-old"')]
    assert new.count('class="corrected"') == 2  # the session and its phase
    assert 'title="inferred: Explored: neon, portrait"' in new
    old = page[page.index('id="session-s-old"') :]
    assert 'class="corrected"' not in old


def test_arcs_strips_and_plots_render() -> None:
    page = render_artist(sample_journal())
    assert '<p class="arc">explore → optimize</p>' in page
    assert '<img src="../thumbnails/ab/ab.webp"' in page
    assert '<span class="more">+3 more</span>' in page
    assert page.count('<figure class="trajectory">') == 1
    assert page.count('<figure class="similarity">') == 1  # the newer session has no series
    for svg in re.findall(r"<svg.*?</svg>", page, flags=re.S):
        ET.fromstring(svg)  # well-formed XML, escaped text included


def test_unlabelled_session_says_so() -> None:
    session = newer_session()
    session.label = session.arc = session.intent = None
    session.phases = []
    page = render_artist(ArtistJournal("bo", "bo", [session]))
    assert "not labelled yet" in page
    assert 'class="phases"' not in page


def test_similarity_plot_breaks_lines_where_unmeasured() -> None:
    svg = similarity_svg(
        [
            SimilarityPoint(2, 0.5, 0.2),
            SimilarityPoint(3, None, 0.4),
            SimilarityPoint(4, 0.7, 0.6),
            SimilarityPoint(5, 0.8, None, is_pivot=True),
        ]
    )
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    prompt = [e for e in root if e.get("class") == "series-prompt"]
    image = [e for e in root if e.get("class") == "series-image"]
    assert [e.tag for e in prompt] == [f"{ns}circle", f"{ns}polyline"]  # 2 | 4–5
    assert [e.tag for e in image] == [f"{ns}polyline"]  # 2–4
    assert len([e for e in root if e.get("class") == "pivot"]) == 1
    assert similarity_svg([SimilarityPoint(2, None, None)]) is None


def test_trajectory_plots_numbers_sizes_and_names() -> None:
    cfg = trajectory_svg("cfg_scale", [TrajectoryPoint(1, "5.0"), TrajectoryPoint(2, "12.0")])
    assert cfg and "cfg_scale from 5.0 to 12.0 over positions 1–2" in cfg
    size = trajectory_svg("size", [TrajectoryPoint(3, "512x512"), TrajectoryPoint(4, "1024x1024")])
    assert size and ">1024x1024<" in size  # the high end of the axis, whole
    names = ["euler", "dpm++ 2m", "euler"]
    sampler = trajectory_svg("sampler", [TrajectoryPoint(i, n) for i, n in enumerate(names, 1)])
    assert sampler and ET.fromstring(sampler) is not None
    assert trajectory_svg("steps", [TrajectoryPoint(1, "20")]) is None


def test_slugs_are_safe_and_unique() -> None:
    slugs = artist_slugs(["Ada L", "ada-l", "index", "../etc", "☃"])
    assert len(set(slugs.values())) == 5
    assert all(re.fullmatch(r"[a-z0-9-]+", s) for s in slugs.values())
    assert slugs["../etc"] == "etc" and slugs["index"] != "index"


def test_strip_sample_keeps_first_and_last() -> None:
    assert strip_sample(list(range(30)), 10)[0] == 0
    assert strip_sample(list(range(30)), 10)[-1] == 29
    assert len(strip_sample(list(range(30)), 10)) == 10
    assert strip_sample([1, 2], 10) == [1, 2]


def test_pages_are_written_and_vanished_artists_removed(tmp_path: Path) -> None:
    (tmp_path / "gone.html").write_text("old")
    other = ArtistJournal("Bo", "bo", [newer_session()])
    written = write_journal([sample_journal(), other], tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["ada-lovelace.html", "bo.html", "index.html"]
    assert written.sessions == 3 and written.removed == 1
    index = (tmp_path / "index.html").read_text()
    assert (
        '<a href="ada-lovelace.html" title="Ada &lt;Lovelace&gt;">Ada &lt;Lovelace&gt;</a>' in index
    )
    assert "latest 15 May 2024" in index


def test_session_times_spanning_midnight_show_both_dates() -> None:
    session = Session(
        "s",
        "a",
        datetime(2024, 5, 14, 23, 50, tzinfo=UTC),
        datetime(2024, 5, 15, 0, 20, tzinfo=UTC),
        2,
    )
    page = render_artist(ArtistJournal("a", "a", [session]))
    assert "Tue 14 May 2024, 23:50–Wed 15 May 2024, 00:20 UTC" in page


def test_names_with_an_x_are_levels_not_sizes() -> None:
    models = [TrajectoryPoint(1, "sd_xl_base"), TrajectoryPoint(2, "flux-dev-x")]
    svg = trajectory_svg("model", models)
    assert svg and "model from sd_xl_base to flux-dev-x" in svg


def test_similarity_axis_reaches_below_zero_with_a_readable_label() -> None:
    svg = similarity_svg([SimilarityPoint(2, -0.083962, 0.5), SimilarityPoint(3, 0.9, 1.0000002)])
    assert svg and ">-0.1</text>" in svg


def test_times_are_shown_in_utc_whatever_zone_duckdb_used() -> None:
    berlin = timezone(timedelta(hours=2))
    session = Session(
        "s",
        "a",
        datetime(2024, 5, 14, 23, 3, tzinfo=berlin),
        datetime(2024, 5, 14, 23, 40, tzinfo=berlin),
        2,
    )
    assert "Tue 14 May 2024, 21:03–21:40 UTC" in render_artist(ArtistJournal("a", "a", [session]))
