"""`creative-sessions find "storm-lit lighthouse"`: sessions ranked by what their prompts meant.

No Dagster here; the time goes to loading the text model once, then one DuckDB query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click
import duckdb
import numpy as np

from orchestration.cli.phase_search import (
    PhaseMatch,
    attach_phase_keepers,
    rank_phases,
    rescore_phase_labels,
)
from orchestration.cli.session_search import (
    CLOSE_MATCH,
    LABEL_RESCORE_POOL,
    Keeper,
    Match,
    SearchUnavailable,
    attach_keepers,
    prompt_model,
    rank_sessions,
    rescore_labels,
)
from orchestration.cli.warehouse import reading_warehouse
from orchestration.intent.vocabulary import PHASE_INTENTS, SESSION_INTENTS
from orchestration.safe_text import printable
from orchestration.store.data_dir import DataDir


@click.command()
@click.argument("query")
@click.option("--artist", help="Only this artist's sessions (a unique prefix is enough).")
@click.option(
    "--intent",
    type=click.Choice(sorted(set(SESSION_INTENTS) | set(PHASE_INTENTS))),
    help="Only sessions with this intent, or with a phase of it.",
)
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]),
    help="Only sessions that ended on or after this time (UTC).",
)
@click.option("--limit", type=click.IntRange(min=1), default=5, show_default=True)
@click.option(
    "--phases",
    is_flag=True,
    help="Rank phases as results of their own (labelled sessions only), not whole sessions.",
)
@click.option(
    "--text-model",
    help="The prompt model to embed the query with (default: the one the warehouse's prompt "
    "vectors come from, when that is the built-in MiniLM).",
)
@click.pass_obj
def find(
    data_dir: Path,
    query: str,
    artist: str | None,
    intent: str | None,
    since: datetime | None,
    limit: int,
    phases: bool,
    text_model: str | None,
) -> None:
    """Sessions whose prompts or labels are closest in meaning to QUERY, best first.

    Prints each session's line and label, the phase and prompt that matched best, and the
    keepers' files; with --phases, each phase is a result with its own keepers. From SQL:
    `select * from find_sessions(<vector>)` or `find_phases(<vector>)` (see the README).
    """
    from orchestration.cli.session_journal import resolve_artist

    with reading_warehouse(data_dir, "find") as data, _connect(data) as con:
        try:
            model_id = prompt_model(con)
            artist = resolve_artist(con, artist) if artist is not None else None
        except LookupError as exc:
            raise click.ClickException(printable(exc)) from exc
    encoder = _encoder(model_id, text_model)
    started = time.perf_counter()
    vector = encoder.embed([query])[0]
    search = _PHASES if phases else _SESSIONS
    since_utc = since.replace(tzinfo=UTC) if since is not None else None
    matches = _ranked(data, search, vector, encoder, artist, intent, since_utc, limit)
    seconds = time.perf_counter() - started
    if not matches:
        raise click.ClickException(f"no {search.noun} matches those filters")
    if matches[0].score < CLOSE_MATCH:
        click.echo(
            f"nothing close to {printable(repr(query))}: the best similarity is "
            f"{matches[0].score:.2f} (under {CLOSE_MATCH}); the nearest {search.noun}s are"
        )
    click.echo(search.render(matches, _archive_paths(data)))
    click.echo(f"({len(matches)} {search.noun}s in {seconds:.2f} s, prompt model {model_id})")


def _connect(data: DataDir) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(data.warehouse_path), read_only=True)


def _encoder(model_id: str, text_model: str | None):
    """The text encoder that made the stored vectors; another model's query would not compare."""
    from embeddings.config import DEFAULT_TEXT_MODEL, TextEncoderConfig
    from embeddings.text import load_text_encoder, text_model_id

    model = text_model or DEFAULT_TEXT_MODEL
    if text_model_id(model) != model_id:
        raise click.ClickException(
            f"the prompt vectors come from {printable(model_id)}; pass --text-model with that "
            "model's name or folder"
        )
    return load_text_encoder(TextEncoderConfig(model=model))


@dataclass(frozen=True)
class _Search:
    """What ranks one kind of result: sessions or phases, each with its own functions."""

    noun: str
    rank: Callable[..., list]
    rescore: Callable[[list, Callable[[list[str]], np.ndarray], np.ndarray], None]
    attach: Callable[[duckdb.DuckDBPyConnection, list], None]
    render: Callable[[list, dict[str, tuple[str, str]]], str]


def _ranked(data, search: _Search, vector, encoder, artist, intent, since, limit) -> list:
    """The best ``limit`` results, with their keepers: the same flow for sessions and phases.

    A pool of ``limit`` × LABEL_RESCORE_POOL ranked by prompt is re-scored by label, then cut.
    """
    with reading_warehouse(data.root, "find") as data, _connect(data) as con:
        try:
            pool = search.rank(
                con,
                vector,
                limit=limit * LABEL_RESCORE_POOL,
                artist=artist,
                intent=intent,
                since=since,
            )
        except SearchUnavailable as exc:
            raise click.ClickException(printable(exc)) from exc
        search.rescore(pool, encoder.embed, vector)
        pool.sort(key=lambda m: -m.score)
        matches = pool[:limit]
        search.attach(con, matches)
    return matches


def _archive_paths(data: DataDir) -> dict[str, tuple[str, str]]:
    """Archive key → (path, kind), so a keeper is printed where the artist can open it."""
    from orchestration.store.registry import ArchiveRegistry

    return {a.key: (a.path, a.kind) for a in ArchiveRegistry(data.registry_path).all()}


def keeper_path(keeper: Keeper, archives: dict[str, tuple[str, str]]) -> str:
    """A folder's file as a path; a member of a zip/tar as ``archive!member``."""
    path, kind = archives.get(keeper.source_archive, (keeper.source_archive, "archive"))
    if kind == "folder":
        return str(Path(path) / keeper.source_path)
    return f"{path}!{keeper.source_path}"


def render_matches(matches: list[Match], archives: dict[str, tuple[str, str]]) -> str:
    """Session line, label, matched phase and prompt, keepers; every data field escaped."""
    lines: list[str] = []
    for n, m in enumerate(matches, 1):
        minutes = (m.ended_at - m.started_at).total_seconds() / 60
        lines.append(
            f"{n}. {m.score:.2f}  {m.started_at:%Y-%m-%d %H:%M} {printable(m.artist)} "
            f"({m.n_generations} gen, {minutes:.0f} min)  {m.session_id[:12]}"
        )
        lines.append(f"   {printable(m.label) if m.label else '(not labelled yet)'}")
        if m.phase_no is not None and len(m.phases) > 1:
            lines.append(f"   phase {m.phase_no}: {printable(m.phase_label or '')}")
        lines.append(
            f"   best prompt (#{m.best_position}, {m.prompt_similarity:.2f}): "
            f"{printable(m.best_prompt)}"
        )
        if m.keepers is None:
            continue
        if not m.keepers:
            lines.append("   keepers: none (no evidence of choice in the data)")
        for keeper in m.keepers:
            lines.append(
                f"   keeper: {printable(keeper_path(keeper, archives))} "
                f"({printable(keeper.reasons)})"
            )
    return "\n".join(lines)


def render_phase_matches(matches: list[PhaseMatch], archives: dict[str, tuple[str, str]]) -> str:
    """Phase line with its session, label, best prompt, the phase's keepers; fields escaped."""
    lines: list[str] = []
    for n, m in enumerate(matches, 1):
        minutes = (m.ended_at - m.started_at).total_seconds() / 60
        lines.append(
            f"{n}. {m.score:.2f}  {m.started_at:%Y-%m-%d %H:%M} {printable(m.artist)}  "
            f"phase {m.phase_no} of {m.n_phases} (#{m.first_position}–#{m.last_position}, "
            f"{m.n_generations} gen, {minutes:.0f} min)  {m.session_id[:12]}"
        )
        lines.append(f"   {printable(m.label) if m.label else '(no label)'}")
        lines.append(
            f"   best prompt (#{m.best_position}, {m.prompt_similarity:.2f}): "
            f"{printable(m.best_prompt)}"
        )
        if m.keepers is None:
            continue
        if not m.keepers:
            lines.append("   keepers: none in this phase")
        for keeper in m.keepers:
            lines.append(
                f"   keeper: {printable(keeper_path(keeper, archives))} "
                f"({printable(keeper.reasons)})"
            )
    return "\n".join(lines)


_SESSIONS = _Search("session", rank_sessions, rescore_labels, attach_keepers, render_matches)
_PHASES = _Search(
    "phase", rank_phases, rescore_phase_labels, attach_phase_keepers, render_phase_matches
)
