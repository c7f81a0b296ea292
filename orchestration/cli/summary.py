"""What a person wants to read after a run: artists, sessions, quarantine, where to query.

Names, labels and reasons come from the archives, so each is escaped for the terminal, and every
command printed to paste quotes them for the shell (see `orchestration.safe_text`).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from orchestration.cli.session_journal import has_intent_views
from orchestration.safe_text import printable, shell_arg


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
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        artists = con.sql(
            "select artist, count(*) as n_sessions, sum(n_generations) as n_generations, "
            "min(started_at) as first_at, max(ended_at) as last_at "
            "from sessions group by artist order by n_generations desc, artist"
        ).fetchall()
        labelled = has_intent_views(con)
        lines = [
            f"{len(artists)} artists, "
            f"{sum(a[1] for a in artists)} sessions, {sum(a[2] for a in artists)} generations",
            "",
        ]
        for artist, n_sessions, n_gens, _first, _last in artists[:max_artists]:
            tools = con.execute(
                "select string_agg(distinct tool, ', ' order by tool) from generations "
                "where artist = ?",
                [artist],
            ).fetchone()[0]
            lines.append(
                f"{printable(artist)}: {n_sessions} sessions, {n_gens} generations "
                f"({printable(tools)})"
            )
            label = "i.label" if labelled else "null"
            sessions = con.execute(
                "select s.session_id, s.started_at, s.ended_at, s.n_generations, "
                f"s.n_distinct_prompts, {label}, s.is_split_by_prompt from sessions as s "
                + ("left join session_intents as i using (session_id) " if labelled else "")
                + "where s.artist = ? order by s.started_at desc limit ?",
                [artist, SESSIONS_PER_ARTIST],
            ).fetchall()
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
        if len(artists) > max_artists:
            lines.append(f"… {len(artists) - max_artists} more artists")
        lines += _time_lines(con)
        quarantined = con.sql(
            "select reason, count(*) from quarantine group by reason order by 2 desc, 1"
        ).fetchall()
        total = sum(n for _, n in quarantined)
        lines += ["", f"Quarantined: {total} files or rows"]
        lines += [f"  {n} × {printable(reason)}" for reason, n in quarantined[:8]]
    finally:
        con.close()
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
    rows = con.execute(
        "select distinct created_at_source from generations "
        "where artist = ? and created_at between ? and ?",
        [artist, started, ended],
    ).fetchall()
    sources = {source for (source,) in rows}
    return sources.pop() if len(sources) == 1 and sources <= set(PLACED_SOURCES) else None


def _unknown_span(started, source: str) -> str:
    """A session whose times were placed: say what is known (a day, or only an order)."""
    if source == "date folder order":
        return f"{started:%Y-%m-%d}, time of day unknown (ordered by file counter)"
    return "time unknown (ordered by file order; a copy reset the file times)"


_TIME_LINES_SQL = """
select
    source_archive,
    count(*) as n,
    count(*) filter (where created_at_source in ('file mtime', 'archive entry time')) as kept,
    count(*) filter (where created_at_source = 'date folder order') as by_day,
    count(*) filter (where created_at_source = 'file order') as by_order
from generations
group by source_archive
having kept + by_day + by_order > 0
order by source_archive
"""


def _time_lines(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Per archive, how many images had only file times, and what their times came from.

    A file time that a copy reset is replaced by an ordering time (by day and counter, or by file
    order): session times are then placed, not observed, and the reader should know.
    """
    rows = con.sql(_TIME_LINES_SQL).fetchall()
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
    split = con.sql(
        "select artist, count(*) from sessions where is_split_by_prompt "
        "group by artist order by artist"
    ).fetchall()
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
