"""The journal as static HTML: one page per artist and an index, readable straight from disk.

Everything a person reads comes from the data and is escaped here (prompts and labels are user
text). Pages carry their own CSS and inline SVG plots; images are thumbnails by relative path.
A few lines of script count, on load, the pictures that displayed and write the counts onto
``<body>`` (``data-images``, ``data-loaded``, ``data-broken``), so a check sees what a reader sees.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime

from orchestration.journal.html_text import escape
from orchestration.journal.keepers import CSS as KEEPERS_CSS
from orchestration.journal.keepers import render_keepers
from orchestration.journal.model import (
    ArtistJournal,
    IndexEntry,
    Phase,
    Session,
    strip_sample,
)
from orchestration.journal.plots import similarity_svg, trajectory_svg

EAGER_SESSIONS = 30  # pictures of later sessions load as the reader scrolls to them

STYLE = (
    """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a202c;margin:0;
  background:#f7fafc}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:26px;margin:0 0 4px}
.summary{color:#4a5568;margin:0 0 20px}
nav a{color:#2b6cb0}
.session{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:14px 18px;
  margin:0 0 18px}
.session h2{font-size:14px;font-weight:600;color:#4a5568;margin:0 0 4px}
.session-label{font-size:18px;font-weight:600;margin:0 0 4px}
.arc{color:#553c9a;margin:0 0 8px;font-size:14px}
.unlabelled{color:#a0aec0;font-style:italic}
.corrected{display:inline-block;font-size:11px;font-weight:600;color:#22543d;
  background:#c6f6d5;border-radius:4px;padding:0 6px;margin-left:6px;vertical-align:middle}
.intent{display:inline-block;font-size:11px;text-transform:uppercase;letter-spacing:.04em;
  border-radius:4px;padding:0 6px;margin-right:6px;color:#fff;background:#718096}
.intent-exploration{background:#3182ce}.intent-refinement{background:#d69e2e}
.intent-optimization{background:#38a169}.intent-convergent_selection{background:#805ad5}
.intent-mixed{background:#718096}
.phases{list-style:none;margin:8px 0 0;padding:0 0 0 22px;border-left:3px solid #e2e8f0}
.phase{margin:0 0 12px}
.phase-label{font-weight:500}
.meta{color:#718096;font-size:12px}
.strip{display:flex;gap:4px;flex-wrap:wrap;margin:6px 0 0}
.strip img{height:72px;width:auto;border-radius:3px;background:#edf2f7}
.more{align-self:center;color:#718096;font-size:12px}
.prompts{margin:6px 0 0;padding:0 0 0 4px;list-style:none;font-size:13px;color:#2d3748}
.prompts li{margin:0 0 2px}.prompts .meta{margin-right:6px}
figure{margin:6px 0 0}
figcaption{color:#718096;font-size:12px}
.artists li{margin:0 0 6px}
"""
    + KEEPERS_CSS
)

SCRIPT = """
window.addEventListener("load", function () {
  var images = document.querySelectorAll("img"), loaded = 0, broken = 0;
  images.forEach(function (img) {
    if (img.complete && img.naturalWidth > 0) { loaded++; }
    else if (img.complete) { broken++; }
  });
  document.body.dataset.images = images.length;
  document.body.dataset.loaded = loaded;
  document.body.dataset.broken = broken;
});
"""


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n"
        f"<body><main>\n{body}\n</main><script>{SCRIPT}</script></body></html>\n"
    )


def _when(started: datetime, ended: datetime) -> str:
    """``Tue 14 May 2024, 21:03–22:10 UTC`` (spanning midnight: both dates).

    DuckDB hands timestamps over in the reading machine's zone; the page always shows UTC.
    """
    started, ended = _utc(started), _utc(ended)
    start = started.strftime("%a %d %b %Y, %H:%M")
    end = (
        ended.strftime("%H:%M")
        if ended.date() == started.date()
        else ended.strftime("%a %d %b %Y, %H:%M")
    )
    return f"{start}–{end} UTC"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _corrected(corrected: bool, inferred: str | None) -> str:
    if not corrected:
        return ""
    title = f' title="inferred: {escape(inferred)}"' if inferred else ""
    return f'<span class="corrected"{title}>corrected by you</span>'


def _intent(intent: str | None) -> str:
    if intent is None:  # a single render has no intent
        return ""
    return f'<span class="intent intent-{escape(intent)}">{escape(intent.replace("_", " "))}</span>'


def _strip(phase: Phase, eager: bool) -> str:
    if not phase.thumbnails:
        return ""
    loading = "eager" if eager else "lazy"
    images = []
    for thumb in phase.thumbnails:
        caption = f"#{thumb.position}" + (f": {thumb.prompt}" if thumb.prompt else "")
        images.append(
            f'<img src="{escape(thumb.src)}" alt="{escape(caption)}" '
            f'title="{escape(caption)}" loading="{loading}" decoding="async">'
        )
    hidden = phase.n_images - len(phase.thumbnails)
    if hidden > 0:
        images.append(f'<span class="more">+{hidden} more</span>')
    return f'<div class="strip">{"".join(images)}</div>'


PROMPT_STEPS_SHOWN = 6  # the first, the last and edits spread between


def _prompt_steps(phase: Phase) -> str:
    """A phase without pictures: its first prompt and the edits after, in words on the page."""
    if phase.thumbnails or not phase.prompt_steps:
        return ""
    shown = strip_sample(phase.prompt_steps, PROMPT_STEPS_SHOWN)
    items = [
        f'<li><span class="meta">#{step.position}</span>{escape(step.prompt)}</li>'
        for step in shown
    ]
    hidden = len(phase.prompt_steps) - len(shown)
    if hidden > 0:
        items.append(f'<li class="more">+{_plural(hidden, "more edit")}</li>')
    return f'<ol class="prompts">{"".join(items)}</ol>'


_HASHED = re.compile(r"[0-9a-f]{17,}")


def short_artist(artist: str) -> str:
    """A hashed artist id (DiffusionDB's user names are 64 hex digits) cut to 12 for titles."""
    return artist[:12] + "…" if _HASHED.fullmatch(artist) else artist


def render_phase(phase: Phase, eager: bool = True) -> str:
    """One phase: intent, label, where it sits in the session, its pictures and its sweep."""
    span = (
        f"#{phase.first_position}"
        if phase.first_position == phase.last_position
        else f"#{phase.first_position}–{phase.last_position}"
    )
    parts = [
        f'<li class="phase" data-intent="{escape(phase.intent or "none")}">',
        f"<div>{_intent(phase.intent)}"
        f'<span class="phase-label">{escape(phase.label)}</span>'
        f"{_corrected(phase.corrected, phase.inferred_label)}</div>",
        f'<div class="meta">phase {phase.phase_no} · {span} · '
        f"{_plural(phase.n_generations, 'generation')}</div>",
        _strip(phase, eager),
        _prompt_steps(phase),
    ]
    if phase.intent == "optimization" and phase.parameter:
        svg = trajectory_svg(phase.parameter, phase.trajectory)
        if svg:
            parts.append(
                f'<figure class="trajectory">{svg}<figcaption>'
                f"{escape(phase.parameter)} over the phase</figcaption></figure>"
            )
    parts.append("</li>")
    return "".join(parts)


def render_session(session: Session, eager: bool = True) -> str:
    """One session: when, its label and arc, its similarity series, then its phases."""
    if session.label:
        label = (
            f'<p class="session-label">{_intent(session.intent)}{escape(session.label)}'
            f"{_corrected(session.corrected, session.inferred_label)}</p>"
        )
    else:
        label = '<p class="session-label unlabelled">not labelled yet</p>'
    arc = f'<p class="arc">{escape(session.arc)}</p>' if session.arc else ""
    tools = f" · {escape(session.tools)}" if session.tools else ""
    parts = [
        f'<article class="session" id="session-{escape(session.session_id)}">',
        f"<h2>{escape(_when(session.started_at, session.ended_at))} · "
        f"{_plural(session.n_generations, 'generation')}{tools}</h2>",
        label,
        arc,
        render_keepers(session.keepers, eager),
    ]
    svg = similarity_svg(session.similarity, session.prompt_metric)
    if svg:
        parts.append(
            f'<figure class="similarity">{svg}<figcaption>similarity of each generation to the '
            "previous one (dashed: candidate pivots)</figcaption></figure>"
        )
    if session.phases:
        parts.append('<ol class="phases">')
        parts += [render_phase(p, eager) for p in sorted(session.phases, key=lambda p: p.phase_no)]
        parts.append("</ol>")
    parts.append("</article>")
    return "".join(parts)


def newest_first(sessions: Sequence[Session]) -> list[Session]:
    """Sessions by start time, newest first (ties by id, so pages are stable across runs)."""
    by_id = sorted(sessions, key=lambda s: s.session_id)
    return sorted(by_id, key=lambda s: s.started_at, reverse=True)


def render_artist(journal: ArtistJournal) -> str:
    """An artist's page: a summary line, then every session newest first."""
    sessions = newest_first(journal.sessions)
    n_generations = sum(s.n_generations for s in sessions)
    span = ""
    if sessions:
        first, last = _utc(sessions[-1].started_at), _utc(sessions[0].ended_at)
        span = f" · {first:%d %b %Y} to {last:%d %b %Y}"
    body = [
        '<nav><a href="index.html">All artists</a></nav>',
        f'<h1 title="{escape(journal.artist)}">{escape(short_artist(journal.artist))}</h1>',
        f'<p class="summary">{_plural(len(sessions), "session")} · '
        f"{_plural(n_generations, 'generation')}{span}</p>",
    ]
    body += [render_session(s, eager=i < EAGER_SESSIONS) for i, s in enumerate(sessions)]
    return _page(f"{short_artist(journal.artist)} — creative journal", "\n".join(body))


def render_index_item(entry: IndexEntry, days: dict[date, str] | None = None) -> str:
    """An artist's line in the index: link, session count and latest session.

    ``days`` caches the day's text across the lines of one index (formatted once per day); a
    hashed id (hex only, so nothing to escape) is cut without escaping it again.
    """
    latest = ""
    if entry.latest:
        day = _utc(entry.latest).date()
        cache = {} if days is None else days
        latest = cache.get(day) or cache.setdefault(day, f", latest {day:%d %b %Y}")
    title = escape(entry.artist)
    name = entry.artist[:12] + "…" if _HASHED.fullmatch(entry.artist) else title
    return (
        f'<li><a href="{escape(entry.slug)}.html" title="{title}">{name}</a> '
        f'<span class="meta">{_plural(entry.n_sessions, "session")}{latest}</span></li>'
    )


def render_index_page(items: Sequence[str]) -> str:
    """The index page around its lines (`render_index_item`), one per artist, in order."""
    body = (
        "<h1>Creative journal</h1>"
        f'<p class="summary">{_plural(len(items), "artist")}</p>'
        f'<ul class="artists">{"".join(items)}</ul>'
    )
    return _page("Creative journal", body)


def render_index(entries: Sequence[IndexEntry]) -> str:
    """The list of artists, each with their session count and latest session."""
    days: dict[date, str] = {}
    return render_index_page([render_index_item(entry, days) for entry in entries])
