"""What a person wants to read after a run: artists, sessions, quarantine, where to query.

Names, labels and reasons come from the archives, so each is escaped for the terminal, and every
command printed to paste quotes them for the shell (see `orchestration.safe_text`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.cli.session_journal import has_intent_views
from orchestration.safe_text import printable, shell_arg
from orchestration.store.warehouse_queries import fetch_all, fetch_one, read_only


def example_queries(artist: str) -> list[tuple[str, str]]:
    """Two queries worth trying first, on an artist that exists in this warehouse."""
    quoted = artist.replace("'", "''")
    return [
        (
            f"Sessions of {artist}, newest first",
            "select session_id, started_at, ended_at, n_generations from sessions "
            f"where artist = '{quoted}' order by started_at desc",
        ),
        (
            "Prompts re-run most often",
            "select artist, prompt, count(*) as runs from generations "
            "group by all order by runs desc limit 5",
        ),
    ]


SESSIONS_PER_ARTIST = 6


def _span(started, ended) -> str:
    minutes = (ended - started).total_seconds() / 60
    end = (
        ended.strftime("%H:%M") if ended.date() == started.date() else ended.strftime("%m-%d %H:%M")
    )
    return f"{started:%Y-%m-%d %H:%M}–{end} UTC ({minutes:.0f} min)"


def render_summary(
    warehouse_path: Path, max_artists: int = 12, command: str = "creative-sessions"
) -> str:
    """A plain-text summary of the warehouse, read-only; ``command`` is how the CLI was run."""
    with read_only(warehouse_path) as con:
        artists = fetch_all(con, "summary_artists", {"limit": max_artists})
        labelled = has_intent_views(con)
        n_artists, all_sessions, all_generations = artists[0][3:] if artists else (0, 0, 0)
        lines = [f"{n_artists} artists, {all_sessions} sessions, {all_generations} generations", ""]
        for artist, n_sessions, n_gens, *_totals in artists:
            (tools,) = fetch_one(con, "summary_artist_tools", {"artist": artist}) or (None,)
            lines.append(
                f"{printable(artist)}: {n_sessions} sessions, {n_gens} generations "
                f"({printable(tools)})"
            )
            sessions = fetch_all(
                con,
                "summary_sessions_labelled" if labelled else "summary_sessions",
                {"artist": artist, "limit": SESSIONS_PER_ARTIST},
            )
            for session_id, started, ended, n, n_prompts, text, by_prompt in sessions:
                placed = _placed_source(con, artist, started, ended)
                span = _span(started, ended) if placed is None else _unknown_span(started, placed)
                if by_prompt:
                    span += ", began where the subject changed"
                lines.append(
                    f"  {session_id}  {span}  "
                    f"{_count(n, 'generation')}, {_count(n_prompts, 'distinct prompt')}"
                )
                if text:
                    lines.append(f"      {printable(text)}")
            if n_sessions > len(sessions):
                lines.append(f"  … {n_sessions - len(sessions)} earlier sessions")
        if n_artists > len(artists):
            lines.append(f"… {n_artists - len(artists)} more artists")
        lines += _time_lines(con)
        quarantined = fetch_all(con, "summary_quarantine")
        total = sum(n for _, n in quarantined)
        lines += ["", f"Quarantined: {total} files or rows"]
        lines += [f"  {n} × {printable(reason)}" for reason, n in quarantined[:8]]
    lines += ["", f"Warehouse: {printable(warehouse_path)}"]
    journal = warehouse_path.parent / "journal" / "index.html"
    if journal.exists():
        lines.append(f"Journal (open in a browser): {printable(journal)}")
    lines.append("Try:")
    lines.append("  # The journal in the terminal: labels, arcs and phases")
    artist = artists[0][0] if artists else None
    name = shell_arg(artist) if artist is not None else "NAME"
    lines.append(f"  {command} sessions --artist {name}")
    for title, query in example_queries("artist" if artist is None else artist):
        lines.append(f"  # {printable(title)}")
        lines.append(f"  {command} sql {shell_arg(query)}")
    return "\n".join(lines)


# Times the ingest placed by order because a copy reset the files' own (see ingest/ordering.py).
PLACED_SOURCES = ("date folder order", "file order")


def _placed_source(con: duckdb.DuckDBPyConnection, artist: str, started, ended) -> str | None:
    """The ordering source when every time in the session was placed, not observed."""
    rows = fetch_all(
        con,
        "summary_session_time_sources",
        {"artist": artist, "started": started, "ended": ended},
    )
    sources = {source for (source,) in rows}
    return sources.pop() if len(sources) == 1 and sources <= set(PLACED_SOURCES) else None


def _unknown_span(started, source: str) -> str:
    """A session whose times were placed: say what is known (a day, or only an order)."""
    if source == "date folder order":
        return f"{started:%Y-%m-%d}, time of day unknown (ordered by file counter)"
    return "time unknown (ordered by file order; a copy reset the file times)"


def _time_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per archive, how many images had only file times, and what their times came from.

    A file time that a copy reset is replaced by an ordering time (by day and counter, or by file
    order): session times are then placed, not observed, and the reader should know.
    """
    rows = fetch_all(con, "summary_time_sources")
    if not rows:
        return []
    lines = ["", "Times taken from files, not from the images:"]
    for archive, n, kept, by_day, by_order in rows:
        used = [f"{kept} file times kept"] if kept else []
        if by_day:
            used.append(f"{by_day} placed by date folder and counter (a copy reset their times)")
        if by_order:
            used.append(f"{by_order} placed by file order (a copy reset their times; no date)")
        only = f"{kept + by_day + by_order} of {n} had only file times"
        lines.append(f"  {printable(archive)}: {only}; {', '.join(used)}")
    split = fetch_all(con, "summary_prompt_splits")
    if split:
        # Order alone puts no gap between two sessions of one day: the prompts are the evidence.
        per_artist = ", ".join(f"{printable(artist)} {n}" for artist, n in split)
        total = sum(n for _, n in split)
        lines.append(
            f"  {_count(total, 'session')} split where the subject changed, "
            f"times known only by order ({per_artist})"
        )
    return lines


def _count(n: int, noun: str) -> str:
    """The count with its noun, plural unless one ("1 distinct prompt", "3 distinct prompts")."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
