"""A session's keepers on its journal page: shown first and larger, each with its reasons.

They come from the warehouse view ``session_keepers`` (evidence of choice in the data). A
session without any says so, rather than promoting a render nobody chose.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from html import escape as escape_markup
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from embeddings.thumbnails import thumbnail_path
from orchestration.safe_text import printable

if TYPE_CHECKING:
    from orchestration.journal.model import Session

CSS = """
.keepers{display:flex;gap:10px;flex-wrap:wrap;margin:8px 0}
.keepers figure{margin:0;max-width:220px}
.keepers img{height:180px;width:auto;border-radius:4px;background:#edf2f7}
.keepers .none{color:#718096;font-size:13px}
"""


def escape(text: object) -> str:
    """Markup escaped, controls and bidi characters shown as escapes (paths are artist data)."""
    return escape_markup(printable(text))


@dataclass(frozen=True, slots=True)
class KeeperPicture:
    """One keeper: its thumbnail (None when not made yet), position and reasons in words."""

    src: str | None
    position: int
    reasons: str


_KEEPERS_SQL = """
select k.session_id, m.position, any_value(g.content_hash) as content_hash,
       string_agg(k.reason || ': ' || k.evidence, '; ' order by k.reason) as reasons
from session_keepers as k
join session_members as m using (session_id, generation_id)
join generations as g using (generation_id)
{scope}
group by k.session_id, m.position, k.rank
order by k.session_id, k.rank
"""
# Whole statements chosen by the caller's scope, never text built from data.
KEEPERS_SQL = _KEEPERS_SQL.replace("{scope}", "")
KEEPERS_IN_SCOPE_SQL = (
    _KEEPERS_SQL.replace("{scope}", "where k.session_id in (select session_id from journal_scope)")
    .replace("join session_members as m", "join journal_members as m")
    .replace("join generations as g", "join journal_generations as g")
)


def attach_keepers(
    con: duckdb.DuckDBPyConnection,
    sessions: dict[str, Session],
    thumbnails_dir: Path,
    journal_dir: Path,
    scoped: bool = False,
) -> None:
    """Fill ``Session.keepers`` (best first); left None when the warehouse has no keeper view.

    ``scoped``: only the sessions in the registered ``journal_scope`` (a page rewrite's).
    """
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = 'session_keepers'"
    ).fetchone()
    if not found or not found[0]:
        return
    rows = con.execute(KEEPERS_IN_SCOPE_SQL if scoped else KEEPERS_SQL).fetchall()
    for session in sessions.values():
        session.keepers = []
    for session_id, position, content_hash, reasons in rows:
        session = sessions.get(session_id)
        if session is None:
            continue
        src = None
        if content_hash is not None:
            path = thumbnail_path(thumbnails_dir, content_hash)
            if path.exists():
                src = Path(os.path.relpath(path, journal_dir)).as_posix()
        session.keepers.append(KeeperPicture(src, position, reasons))  # type: ignore[union-attr]


def render_keepers(keepers: list[KeeperPicture] | None, eager: bool = True) -> str:
    """The keepers block: larger pictures captioned with their reasons, or why there are none."""
    if keepers is None:
        return ""
    if not keepers:
        return (
            '<div class="keepers"><span class="none">keepers: none — nothing in this '
            "session's data shows which render was chosen</span></div>"
        )
    loading = "eager" if eager else "lazy"
    figures = []
    for keeper in keepers:
        caption = f"keeper #{keeper.position} — {keeper.reasons}"
        image = (
            f'<img src="{escape(keeper.src)}" alt="{escape(caption)}" loading="{loading}" '
            'decoding="async">'
            if keeper.src
            else ""
        )
        figures.append(f"<figure>{image}<figcaption>{escape(caption)}</figcaption></figure>")
    return f'<div class="keepers">{"".join(figures)}</div>'
