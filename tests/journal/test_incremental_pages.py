"""The journal rewrites only the pages whose sessions moved, plus the index."""

from pathlib import Path

import duckdb
import pytest

from orchestration.journal.incremental import build_journal, manifest_path
from orchestration.journal.model import load_journals

_VIEWS = """
create table sessions as select * from (values
    ('a1', 'ada', timestamptz '2026-03-01 10:00:00+00', timestamptz '2026-03-01 11:00:00+00',
     2, 'a1111'),
    ('b1', 'bo', timestamptz '2026-03-02 10:00:00+00', timestamptz '2026-03-02 11:00:00+00',
     2, 'a1111')
) t(session_id, artist, started_at, ended_at, n_generations, tools);
create table session_intents as select * from (values
    ('a1', 'refinement', 'Refined: a cat', 'refine', false, 'Refined: a cat', 'fp-a1',
     timestamptz '2026-03-03 00:00:00+00'),
    ('b1', 'exploration', 'Explored: ships', 'explore', false, 'Explored: ships', 'fp-b1',
     timestamptz '2026-03-03 00:00:00+00')
) t(session_id, intent, label, arc, corrected, inferred_label, fingerprint, labelled_at);
create table session_phases as select * from (values
    ('a1', 1, 'refinement', 'Refined: a cat', 1, 2, 2, false, 'Refined: a cat',
     null::varchar, null::varchar, null::varchar),
    ('b1', 1, 'exploration', 'Explored: ships', 1, 2, 2, false, 'Explored: ships',
     null, null, null)
) t(session_id, phase_no, intent, label, first_position, last_position, n_generations,
    corrected, inferred_label, parameter, first_value, last_value);
create table generations as select * from (values
    ('g1', 'h1', 'a cat', 1, 20, 7.0, 512, 512, 'euler', 'karras', 'sd15'),
    ('g2', 'h2', 'a cat', 2, 20, 7.0, 512, 512, 'euler', 'karras', 'sd15'),
    ('g3', 'h3', 'a ship', 3, 20, 7.0, 512, 512, 'euler', 'karras', 'sd15'),
    ('g4', 'h4', 'a boat', 4, 20, 7.0, 512, 512, 'euler', 'karras', 'sd15')
) t(generation_id, content_hash, prompt, seed, steps, cfg_scale, width, height, sampler,
    scheduler, model);
create table session_members as select * from (values
    ('g1', 'a1', 1, 1), ('g2', 'a1', 2, 1), ('g3', 'b1', 1, 1), ('g4', 'b1', 2, 1)
) t(generation_id, session_id, position, phase_no);
create table similarity_series as select * from (values
    ('a1', 1, null::double, null::double, null::double, false),
    ('a1', 2, 0.9, 0.8, null, false),
    ('b1', 1, null, null, null, false),
    ('b1', 2, 0.2, 0.1, null, true)
) t(session_id, position, prompt_similarity, prompt_jaccard, image_similarity,
    is_candidate_pivot);
"""


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    connection.execute(_VIEWS)
    return connection


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.glob("*.html")}


def test_a_second_build_with_nothing_moved_writes_nothing(con, tmp_path: Path) -> None:
    journal_dir = tmp_path / "journal"
    first = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert sorted(p.name for p in first.written.pages) == ["ada.html", "bo.html"]
    assert first.index_written and manifest_path(journal_dir).exists()
    before = _mtimes(journal_dir)
    again = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert again.written.pages == [] and not again.index_written
    assert again.written.sessions == 2 and again.artists == 2
    assert _mtimes(journal_dir) == before


def test_one_relabelled_session_rewrites_its_page_and_the_index(con, tmp_path: Path) -> None:
    journal_dir = tmp_path / "journal"
    build_journal(con, tmp_path / "thumbnails", journal_dir)
    before = _mtimes(journal_dir)
    con.execute(
        "update session_intents set label = 'Explored: boats', fingerprint = 'fp-b1-v2' "
        "where session_id = 'b1'"
    )
    built = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert [p.name for p in built.written.pages] == ["bo.html"]
    assert [j.artist for j in built.rewritten] == ["bo"]
    after = _mtimes(journal_dir)
    assert after["ada.html"] == before["ada.html"]
    assert after["bo.html"] != before["bo.html"] and after["index.html"] != before["index.html"]
    assert "Explored: boats" in (journal_dir / "bo.html").read_text(encoding="utf-8")


def test_a_vanished_artist_loses_the_page_and_a_lost_page_comes_back(con, tmp_path) -> None:
    journal_dir = tmp_path / "journal"
    build_journal(con, tmp_path / "thumbnails", journal_dir)
    (journal_dir / "ada.html").unlink()
    con.execute("delete from sessions where artist = 'bo'")
    built = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert [p.name for p in built.written.pages] == ["ada.html"] and built.written.removed == 1
    assert sorted(p.name for p in journal_dir.iterdir()) == ["ada.html", "index.html"]


def test_the_index_of_an_incremental_build_equals_a_fresh_one(con, tmp_path: Path) -> None:
    """The index comes from an aggregate, not from loading every artist: same page either way."""
    kept, fresh = tmp_path / "kept", tmp_path / "fresh"
    build_journal(con, tmp_path / "thumbnails", kept)
    con.execute(
        "insert into sessions values ('b2', 'bo', timestamptz '2026-03-05 10:00:00+00', "
        "timestamptz '2026-03-05 11:00:00+00', 1, 'a1111')"
    )
    built = build_journal(con, tmp_path / "thumbnails", kept)
    assert [j.artist for j in built.rewritten] == ["bo"]
    build_journal(con, tmp_path / "thumbnails", fresh)
    index = (kept / "index.html").read_text(encoding="utf-8")
    assert index == (fresh / "index.html").read_text(encoding="utf-8")
    assert "2 sessions, latest 05 Mar 2026" in index and "1 session, latest 01 Mar 2026" in index
    assert (kept / "bo.html").read_text(encoding="utf-8") == (fresh / "bo.html").read_text(
        encoding="utf-8"
    )


def test_a_damaged_or_older_manifest_rewrites_every_page(con, tmp_path: Path) -> None:
    journal_dir = tmp_path / "journal"
    build_journal(con, tmp_path / "thumbnails", journal_dir)
    manifest_path(journal_dir).write_bytes(b"not parquet")
    older = journal_dir.with_name("journal.pages.json")  # what earlier versions kept
    older.write_text("{}")
    built = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert sorted(p.name for p in built.written.pages) == ["ada.html", "bo.html"]
    assert not older.exists()
    again = build_journal(con, tmp_path / "thumbnails", journal_dir)
    assert again.written.pages == [] and not again.index_written


def test_a_newcomer_whose_slug_clashes_renames_both_pages(con, tmp_path: Path) -> None:
    """Slugs are made over every artist: a clash moves the page of an artist who did not change."""
    journal_dir = tmp_path / "journal"
    build_journal(con, tmp_path / "thumbnails", journal_dir)
    con.execute(
        "insert into sessions values ('c1', 'Ada', timestamptz '2026-03-06 10:00:00+00', "
        "timestamptz '2026-03-06 11:00:00+00', 1, 'a1111')"
    )
    built = build_journal(con, tmp_path / "thumbnails", journal_dir)
    names = sorted(p.name for p in built.written.pages)
    assert len(names) == 2 and all(n.startswith("ada-") for n in names)
    assert built.written.removed == 1  # ada.html
    on_disk = sorted(p.name for p in journal_dir.iterdir())
    assert on_disk == sorted([*names, "bo.html", "index.html"])
    index = (journal_dir / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{n}"' in index for n in names) and 'href="ada.html"' not in index


def test_a_scoped_load_reads_what_the_whole_load_reads(con, tmp_path: Path) -> None:
    """A page rewrite reads its members once into temp tables; the journals are the same."""
    whole = load_journals(con, tmp_path / "thumbnails", tmp_path / "journal")
    scoped = load_journals(
        con,
        tmp_path / "thumbnails",
        tmp_path / "journal",
        only=["bo", "ada"],
        slugs={"ada": "ada", "bo": "bo"},
    )
    assert scoped == whole and [j.artist for j in whole] == ["ada", "bo"]
    assert sum(len(p.prompt_steps) for j in whole for s in j.sessions for p in s.phases) > 0
    temp = "select count(*) from duckdb_tables() where temporary"
    assert con.execute(temp).fetchone() == (0,)  # dropped again
