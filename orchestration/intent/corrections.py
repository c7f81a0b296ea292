"""Corrections: the artist's own intents and labels, the one thing the pipeline never derives.

They live in an append-only JSON-lines file under ``<data_dir>/corrections/``, outside the lake,
the warehouse and the Dagster instance, so a full rebuild never touches them. Each correction
carries the generation ids it was made on; :func:`resolve` maps it onto whatever sessions and
phases the current segmentation has, so corrections follow their generations when boundaries move.
Undoing one appends a :class:`Removal` (a tombstone) rather than rewriting the file, so a crash
mid-removal can never take other corrections with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from orchestration.intent.append_log import append_lines, locked
from orchestration.intent.vocabulary import PHASE_INTENTS, SESSION_INTENTS
from orchestration.store.files import atomic_write

if TYPE_CHECKING:
    import polars as pl

log = logging.getLogger(__name__)

STORE_FILENAME = "corrections.jsonl"
EXPORT_FORMAT = "creative-sessions/corrections"
EXPORT_VERSION = 1
MAX_LABEL_CHARS = 2000
_ID = re.compile(r"^[0-9a-f]{32}$")
_ID_PREFIX = re.compile(r"^[0-9a-f]{1,32}$")


class CorrectionError(ValueError):
    """A correction, a store line or an import document that cannot be accepted as it is."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True, slots=True)
class Correction:
    """One artist-made correction of a session's intent (``phase_no`` None) or of one phase's.

    Immutable: changing a correction means adding a newer one (optionally naming the one it
    ``supersedes``), so the file only ever grows and history stays readable.
    """

    artist: str
    session_id: str
    intent: str
    generation_ids: tuple[str, ...]
    author: str
    phase_no: int | None = None
    label: str | None = None
    created_at: datetime = field(default_factory=_utc_now)
    correction_id: str = field(default_factory=_new_id)
    supersedes: str | None = None

    def __post_init__(self) -> None:
        for name in ("artist", "session_id", "author"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise CorrectionError(
                    f"correction {name} must be a non-empty string, got {value!r}"
                )
        if self.phase_no is None:
            if self.intent not in SESSION_INTENTS:
                raise CorrectionError(
                    f"unknown session intent {self.intent!r}; choose one of "
                    f"{', '.join(SESSION_INTENTS)}"
                )
        else:
            if isinstance(self.phase_no, bool) or not isinstance(self.phase_no, int):
                raise CorrectionError(f"phase_no must be an integer, got {self.phase_no!r}")
            if self.phase_no < 1:
                raise CorrectionError(f"phase_no is 1-based, got {self.phase_no}")
            if self.intent not in PHASE_INTENTS:
                raise CorrectionError(
                    f"unknown phase intent {self.intent!r}; a phase is one of "
                    f"{', '.join(PHASE_INTENTS)}"
                )
        if self.label is not None and (
            not isinstance(self.label, str) or len(self.label) > MAX_LABEL_CHARS
        ):
            raise CorrectionError(f"label must be text of at most {MAX_LABEL_CHARS} characters")
        ids = tuple(self.generation_ids) if not isinstance(self.generation_ids, str) else ()
        if not ids or not all(isinstance(g, str) and g for g in ids):
            raise CorrectionError("generation_ids must be a non-empty sequence of ids")
        object.__setattr__(self, "generation_ids", ids)
        if not isinstance(self.created_at, datetime) or self.created_at.tzinfo is None:
            raise CorrectionError(
                f"created_at must be a timezone-aware datetime: {self.created_at!r}"
            )
        object.__setattr__(self, "created_at", self.created_at.astimezone(UTC))
        for name in ("correction_id", "supersedes"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, str) and _ID.match(value)):
                raise CorrectionError(f"{name} must be 32 lowercase hex digits, got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored on disk and exported."""
        data = asdict(self)
        data["generation_ids"] = list(self.generation_ids)
        data["created_at"] = self.created_at.isoformat()
        return data

    @classmethod
    def from_dict(cls, data: Any) -> Correction:
        """Parse and validate the JSON form; unknown or missing keys are errors, never dropped."""
        if not isinstance(data, dict):
            raise CorrectionError(f"a correction is a JSON object, got {type(data).__name__}")
        known = set(cls.__dataclass_fields__)
        if unknown := set(data) - known:
            raise CorrectionError(f"unknown correction fields: {sorted(unknown)}")
        if missing := known - set(data):
            raise CorrectionError(f"missing correction fields: {sorted(missing)}")
        try:
            created_at = datetime.fromisoformat(data["created_at"])
        except (TypeError, ValueError) as exc:
            raise CorrectionError(f"bad created_at {data['created_at']!r}") from exc
        ids = data["generation_ids"]
        if not isinstance(ids, list):
            raise CorrectionError("generation_ids must be a list")
        return cls(**{**data, "created_at": created_at, "generation_ids": tuple(ids)})

    def canonical(self) -> str:
        """One line of JSON with sorted keys: what the store writes and what versions hash."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class Removal:
    """A tombstone: the correction ``removes`` no longer counts, wherever it sits in the file.

    Stored as its own line (``{"removes": id, ...}``) so removal is one durable append, like
    ``add``; the removed correction's line stays, which keeps the history readable.
    """

    removes: str
    author: str
    removed_at: datetime = field(default_factory=_utc_now)

    def __post_init__(self) -> None:
        if not (isinstance(self.removes, str) and _ID.match(self.removes)):
            raise CorrectionError(f"removes must be 32 lowercase hex digits, got {self.removes!r}")
        if not isinstance(self.author, str) or not self.author.strip():
            raise CorrectionError(f"removal author must be a non-empty string: {self.author!r}")
        if not isinstance(self.removed_at, datetime) or self.removed_at.tzinfo is None:
            raise CorrectionError(f"removed_at must be timezone-aware: {self.removed_at!r}")
        object.__setattr__(self, "removed_at", self.removed_at.astimezone(UTC))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Removal:
        """Parse and validate a tombstone line; unknown or missing keys are errors."""
        known = set(cls.__dataclass_fields__)
        if set(data) != known:
            raise CorrectionError(f"a removal has exactly the fields {sorted(known)}")
        try:
            removed_at = datetime.fromisoformat(data["removed_at"])
        except (TypeError, ValueError) as exc:
            raise CorrectionError(f"bad removed_at {data['removed_at']!r}") from exc
        return cls(removes=data["removes"], author=data["author"], removed_at=removed_at)

    def canonical(self) -> str:
        """One line of JSON with sorted keys, as the store writes it."""
        data = asdict(self) | {"removed_at": self.removed_at.isoformat()}
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _parse_line(line: bytes) -> Correction | Removal:
    data = json.loads(line)
    if isinstance(data, dict) and "removes" in data:
        return Removal.from_dict(data)
    return Correction.from_dict(data)


def correction_for(
    members: pl.DataFrame,
    session_id: str,
    intent: str,
    *,
    author: str,
    artist: str | None = None,
    phase_no: int | None = None,
    label: str | None = None,
    supersedes: str | None = None,
) -> Correction:
    """Build a correction from the current ``members`` (generation_id, session_id, phase_no).

    The CLI's entry point (``members`` may also carry ``artist``). It records the generations the
    artist is looking at, in session order: that is what lets the correction survive later
    changes of session and phase boundaries.
    """
    import polars as pl  # here, so that listing corrections starts without polars

    rows = members.filter(pl.col("session_id") == session_id)
    if rows.is_empty():
        raise CorrectionError(f"no session {session_id!r} in the current sessions")
    if phase_no is not None:
        rows = rows.filter(pl.col("phase_no") == phase_no)
        if rows.is_empty():
            raise CorrectionError(f"session {session_id!r} has no phase {phase_no}")
    if artist is None:
        if "artist" not in rows.columns:
            raise CorrectionError("artist not given and members carry no artist column")
        artist = rows["artist"][0]
    return Correction(
        artist=artist,
        session_id=session_id,
        intent=intent,
        generation_ids=tuple(rows["generation_id"].to_list()),
        author=author,
        phase_no=phase_no,
        label=label,
        supersedes=supersedes,
    )


@dataclass(frozen=True, slots=True)
class CorruptLine:
    """A line of the store that could not be read as a correction (reported, never deleted)."""

    line_no: int
    reason: str


@dataclass(frozen=True, slots=True)
class StoreContents:
    """What :meth:`CorrectionStore.read` found: the corrections and any damage, for reporting.

    ``corrections`` are the live ones; ``removed`` are those a tombstone in ``removals`` undid.
    """

    corrections: list[Correction]
    corrupt: list[CorruptLine]
    torn_tail: bool
    removed: list[Correction] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)

    @property
    def removed_ids(self) -> set[str]:
        """Every id a tombstone names, whether or not its correction's line is readable."""
        return {r.removes for r in self.removals}


@dataclass(frozen=True, slots=True)
class ImportResult:
    """Counts from :meth:`CorrectionStore.import_`."""

    added: int
    already_present: int
    kept_removed: int = 0  # in the document, but removed here: removal wins


class CorrectionStore:
    """Append-only JSON lines; one ``add`` or ``remove`` is one durable ``write`` + ``fsync``.

    Writers serialise on a lock file beside the store (``flock``), so two CLI calls at once both
    land; readers need no lock because a half-written last line is recognised and skipped.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_dir(cls, corrections_dir: Path) -> CorrectionStore:
        """The store at its standard name inside ``DataPaths.corrections_dir``."""
        return cls(Path(corrections_dir) / STORE_FILENAME)

    def _locked(self) -> contextlib.AbstractContextManager[None]:
        return locked(self.path)

    def add(self, correction: Correction) -> bool:
        """Durably append one correction; False, writing nothing, if its id is already stored.

        A removed id counts as stored: ids are never reused, so it stays removed (correcting the
        session again makes a new correction with a new id).
        """
        with self._locked():
            if self._contains(correction.correction_id):
                return False
            self._append([correction])
        return True

    def remove(self, correction_id: str, *, author: str) -> Correction:
        """Undo the correction with this id (or unique id prefix) by appending a tombstone.

        Nothing is rewritten, so no other correction can be lost, and a crash before the
        tombstone's ``fsync`` leaves the correction in force. Raises :class:`CorrectionError`
        for an unknown, ambiguous or already removed id.
        """
        if not _ID_PREFIX.match(correction_id):
            raise CorrectionError(
                f"{correction_id!r} is not a correction id (hex digits, as `corrections list` "
                "shows them)"
            )
        with self._locked():
            contents = self.read()
            live = [c for c in contents.corrections if c.correction_id.startswith(correction_id)]
            if len(live) > 1:
                raise CorrectionError(
                    f"{correction_id!r} matches {len(live)} corrections; give more of the id"
                )
            if not live:
                if any(i.startswith(correction_id) for i in contents.removed_ids):
                    raise CorrectionError(f"correction {correction_id!r} is already removed")
                raise CorrectionError(
                    f"no correction {correction_id!r}; see `creative-sessions corrections list`"
                )
            self._append([Removal(removes=live[0].correction_id, author=author)])
        return live[0]

    def _contains(self, correction_id: str) -> bool:
        # Byte search first (lines are canonical JSON), then a parse to confirm: keeps ``add``
        # cheap on a large store without trusting a torn fragment that happens to hold the id.
        if not self.path.exists():
            return False
        if correction_id.encode() not in self.path.read_bytes():
            return False
        contents = self.read()
        stored = {c.correction_id for c in (*contents.corrections, *contents.removed)}
        return correction_id in stored | contents.removed_ids

    def _append(self, records: Sequence[Correction | Removal]) -> None:
        append_lines(self.path, "".join(r.canonical() + "\n" for r in records).encode())

    def read(self) -> StoreContents:
        """Every readable correction (first copy of an id wins) plus what was damaged.

        A tombstone removes its id wherever either line sits, so order never matters.
        """
        if not self.path.exists():
            return StoreContents([], [], torn_tail=False)
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        torn = lines[-1] != b""
        corrections: dict[str, Correction] = {}
        removals: list[Removal] = []
        corrupt: list[CorruptLine] = []
        for line_no, line in enumerate(lines[:-1], start=1):
            if not line.strip():
                continue
            try:
                record = _parse_line(line)
            except (UnicodeDecodeError, json.JSONDecodeError, CorrectionError) as exc:
                corrupt.append(CorruptLine(line_no, str(exc)))
                continue
            if isinstance(record, Removal):
                removals.append(record)
            else:
                corrections.setdefault(record.correction_id, record)
        gone = {r.removes for r in removals}
        return StoreContents(
            corrections=[c for i, c in corrections.items() if i not in gone],
            corrupt=corrupt,
            torn_tail=torn,
            removed=[c for i, c in corrections.items() if i in gone],
            removals=removals,
        )

    def all(self) -> list[Correction]:
        """Every live correction, in the order added; damage is logged, never fatal."""
        contents = self.read()
        if contents.torn_tail:
            log.warning(
                "%s: ignoring an incomplete last line (an append interrupted by a crash before it "
                "was acknowledged)",
                self.path,
            )
        for bad in contents.corrupt:
            log.warning(
                "%s: line %d is not a valid correction: %s", self.path, bad.line_no, bad.reason
            )
        return contents.corrections

    def version(self, artist: str | None = None) -> str:
        """A stable hash of the (artist's) live corrections: changes when one is added or removed.

        Removing the last correction added returns the version it had before: labels depend on
        the live corrections only, not on how the store got there.
        """
        digest = hashlib.sha256(b"corrections-v1\n")
        chosen = [c for c in self.all() if artist is None or c.artist == artist]
        for correction in sorted(chosen, key=lambda c: c.correction_id):
            digest.update(correction.canonical().encode() + b"\n")
        return digest.hexdigest()[:16]

    def export(self, path: Path, artist: str | None = None) -> int:
        """Write the live corrections as one JSON document, atomically; returns how many.

        Removed corrections and tombstones are left out: an export is the state to restore,
        not the history, and the format stays version 1.
        """
        chosen = [c for c in self.all() if artist is None or c.artist == artist]
        document = {
            "format": EXPORT_FORMAT,
            "version": EXPORT_VERSION,
            "exported_at": _utc_now().isoformat(),
            "corrections": [c.to_dict() for c in chosen],
        }
        atomic_write(Path(path), json.dumps(document, indent=2, ensure_ascii=False).encode())
        return len(chosen)

    def import_(self, path: Path) -> ImportResult:
        """Merge an export by correction id: idempotent, and all-or-nothing.

        Every entry is validated before anything is written, and the merged file replaces the old
        one in a single rename, so a bad document or a crash leaves the store as it was. An entry
        whose id was removed here stays removed (counted in ``kept_removed``): an old backup must
        not quietly undo an artist's removal, and re-correcting makes a new id anyway. Exports
        carry no tombstones, so a removal does not travel to another store.
        """
        incoming = _parse_export(Path(path))
        with self._locked():
            contents = self.read()
            existing = {c.correction_id: c for c in (*contents.corrections, *contents.removed)}
            removed = contents.removed_ids
            added: list[Correction] = []
            already = kept_removed = 0
            for correction in incoming:
                known = existing.get(correction.correction_id)
                if known is not None and known != correction:
                    raise CorrectionError(
                        f"correction {correction.correction_id} differs from the stored one with "
                        "the same id; corrections are immutable, nothing was imported"
                    )
                if correction.correction_id in removed:
                    kept_removed += 1
                elif known is None:
                    existing[correction.correction_id] = correction
                    added.append(correction)
                else:
                    already += 1
            if added:
                current = self.path.read_bytes() if self.path.exists() else b""
                if current and not current.endswith(b"\n"):
                    current += b"\n"
                lines = "".join(c.canonical() + "\n" for c in added).encode()
                atomic_write(self.path, current + lines)
        return ImportResult(added=len(added), already_present=already, kept_removed=kept_removed)


def _parse_export(path: Path) -> list[Correction]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorrectionError(f"{path} is not a JSON corrections export: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != EXPORT_FORMAT:
        raise CorrectionError(f"{path} is not a {EXPORT_FORMAT} document")
    if document.get("version") != EXPORT_VERSION:
        raise CorrectionError(f"{path}: unsupported export version {document.get('version')!r}")
    entries = document.get("corrections")
    if not isinstance(entries, list):
        raise CorrectionError(f"{path}: 'corrections' must be a list")
    parsed: list[Correction] = []
    for index, entry in enumerate(entries):
        try:
            parsed.append(Correction.from_dict(entry))
        except CorrectionError as exc:
            raise CorrectionError(f"{path}: correction #{index}: {exc}; nothing imported") from exc
    return parsed


class Override(NamedTuple):
    """What the asset shows instead of the inferred intent and label."""

    intent: str
    label: str | None
    correction: Correction


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a correction sits in the current segmentation, and how much of it is still there."""

    correction: Correction
    session_id: str
    phase_no: int | None
    overlap: int  # of the correction's generations, how many are in this session or phase

    @property
    def coverage(self) -> float:
        """Share of the correction's generations found in its target."""
        return self.overlap / len(self.correction.generation_ids)

    @property
    def moved(self) -> bool:
        """True when re-segmentation put the correction on a different session id."""
        return self.session_id != self.correction.session_id


@dataclass(frozen=True, slots=True)
class ResolvedCorrections:
    """Corrections mapped onto the current sessions and phases; the latest per target wins."""

    effective: list[Placement]
    overridden: list[Placement]  # placed, but a later or superseding correction took the target
    orphaned: list[Correction]  # all generations gone; kept in the store, reported here
    unplaced: list[Correction]  # phase corrections whose generations have no phase yet

    @property
    def session_overrides(self) -> dict[str, Override]:
        """{session_id: (intent, label, correction)} for session-level corrections."""
        return {
            p.session_id: Override(p.correction.intent, p.correction.label, p.correction)
            for p in self.effective
            if p.phase_no is None
        }

    @property
    def phase_overrides(self) -> dict[tuple[str, int], Override]:
        """{(session_id, phase_no): (intent, label, correction)} for phase-level corrections."""
        return {
            (p.session_id, p.phase_no): Override(
                p.correction.intent, p.correction.label, p.correction
            )
            for p in self.effective
            if p.phase_no is not None
        }

    def by_artist(self) -> dict[str, list[Placement]]:
        """Effective placements per artist: the labelled examples calibration learns from."""
        out: dict[str, list[Placement]] = {}
        for placement in self.effective:
            out.setdefault(placement.correction.artist, []).append(placement)
        return out


def resolve(corrections: Iterable[Correction], members: pl.DataFrame) -> ResolvedCorrections:
    """Map corrections onto ``members`` (generation_id, session_id, phase_no).

    A session correction goes to the session holding most of its generations, a phase correction
    to the (session, phase) holding most; ties go to the target holding the correction's earliest
    generation (ids are recorded in session order). Per target, a correction named by another's
    ``supersedes`` loses, then the latest ``created_at`` (then the later-added) wins.
    """
    import polars as pl

    corrections = list(corrections)
    links = pl.DataFrame(
        [
            (index, generation_id, order)
            for index, c in enumerate(corrections)
            for order, generation_id in enumerate(c.generation_ids)
        ],
        schema={"index": pl.Int64, "generation_id": pl.String, "order": pl.Int64},
        orient="row",
    )
    current = members.select(
        pl.col("generation_id").cast(pl.String),
        pl.col("session_id").cast(pl.String),
        pl.col("phase_no").cast(pl.Int64),
    ).unique("generation_id", keep="first")
    hits = links.join(current, on="generation_id", how="inner")
    session_best = _best(hits, ["session_id"])
    phase_best = _best(hits.filter(pl.col("phase_no").is_not_null()), ["session_id", "phase_no"])

    placed: list[tuple[int, Placement]] = []
    orphaned: list[Correction] = []
    unplaced: list[Correction] = []
    for index, correction in enumerate(corrections):
        if index not in session_best:
            orphaned.append(correction)
            continue
        if correction.phase_no is None:
            (session_id,), overlap = session_best[index]
            placed.append((index, Placement(correction, session_id, None, overlap)))
        elif index in phase_best:
            (session_id, phase_no), overlap = phase_best[index]
            placed.append((index, Placement(correction, session_id, phase_no, overlap)))
        else:
            unplaced.append(correction)

    superseded = {c.supersedes for c in corrections if c.supersedes}
    winners: dict[tuple[str, int | None], tuple[tuple[bool, datetime, int], Placement]] = {}
    for index, placement in placed:
        rank = (
            placement.correction.correction_id not in superseded,
            placement.correction.created_at,
            index,
        )
        target = (placement.session_id, placement.phase_no)
        if target not in winners or rank > winners[target][0]:
            winners[target] = (rank, placement)
    effective_ids = {id(p) for _, p in winners.values()}
    effective = [p for _, p in placed if id(p) in effective_ids]
    overridden = [p for _, p in placed if id(p) not in effective_ids]
    return ResolvedCorrections(effective, overridden, orphaned, unplaced)


def _best(hits: pl.DataFrame, keys: list[str]) -> dict[int, tuple[tuple[Any, ...], int]]:
    """Per correction index: the target (by ``keys``) with the most hits, ties to the earliest."""
    import polars as pl

    if hits.is_empty():
        return {}
    ranked = (
        hits.group_by(["index", *keys])
        .agg(pl.len().alias("overlap"), pl.col("order").min().alias("first"))
        .sort(["index", "overlap", "first"], descending=[False, True, False])
        .unique("index", keep="first", maintain_order=True)
    )
    return {
        row["index"]: (tuple(row[k] for k in keys), row["overlap"])
        for row in ranked.iter_rows(named=True)
    }
