"""Generation logs (DiffusionDB-style CSV, Parquet or JSON lines): one generation per row."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.ingest.archives import special_file_problem
from orchestration.ingest.tools import _coerce as co

# Our column name -> the names logs use for it, first match wins (DiffusionDB's come first).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "prompt": ("prompt",),
    "negative_prompt": ("negative_prompt", "negative"),
    "seed": ("seed",),
    "steps": ("step", "steps"),
    "cfg_scale": ("cfg", "cfg_scale", "guidance_scale"),
    "sampler": ("sampler", "sampler_name"),
    "scheduler": ("scheduler",),
    "model": ("model", "model_name"),
    "width": ("width",),
    "height": ("height",),
    "artist": ("user_name", "user", "artist"),
    "created_at": ("timestamp", "created_at", "time"),
    "tool": ("tool",),
}
REQUIRED = ("prompt", "created_at")


@dataclass(slots=True)
class LogRow:
    """One log row: a generation record, or the reason it was quarantined."""

    order: int
    record: dict[str, Any] | None
    reason: str | None = None


class UnreadableLog(Exception):
    """The log as a whole cannot be read (format, missing columns)."""


# A row as read: column -> value, or the reason the row could not be read at all.
RawRow = dict[str, Any] | str


def read_log_frame(path: Path) -> pl.DataFrame:
    """Read a CSV or Parquet log with every flat column as text, so that coercion is ours.

    List and struct columns are left as they are: casting them to text raises, and a log may
    carry them beside the columns we read (``resolve_columns`` refuses them only where needed).
    """
    _refuse_special_file(path)
    try:
        if path.name.lower().endswith(".csv"):
            return pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
        frame = pl.read_parquet(path)
    except Exception as exc:  # polars raises many error types for malformed files
        raise UnreadableLog(f"unreadable log: {type(exc).__name__}: {exc}") from exc
    flat = [name for name, dtype in frame.schema.items() if not dtype.is_nested()]
    return frame.with_columns(pl.col(flat).cast(pl.String, strict=False))


def read_jsonl(path: Path) -> tuple[list[str], list[RawRow]]:
    """The columns and rows of a JSON-lines log, one row per non-blank line.

    Each line is parsed on its own, so that one broken line costs that line, not the log.
    """
    _refuse_special_file(path)
    columns: dict[str, None] = {}
    rows: list[RawRow] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line.removeprefix(b"\xef\xbb\xbf") if number == 1 else line)
            except (ValueError, RecursionError) as exc:  # also bad UTF-8, nesting 100k deep
                rows.append(f"line {number}: invalid JSON ({exc})")
                continue
            if not isinstance(row, dict):
                rows.append(f"line {number}: not a JSON object ({type(row).__name__})")
                continue
            columns.update(dict.fromkeys(row))
            rows.append(row)
    if not rows:
        raise UnreadableLog("log has no rows")
    if not columns:
        raise UnreadableLog(f"no line of the log is a JSON object; {rows[0]}")
    return list(columns), rows


def _refuse_special_file(path: Path) -> None:
    problem = special_file_problem(path)
    if problem is not None:
        raise UnreadableLog(problem)


def resolve_columns(columns: list[str]) -> dict[str, str]:
    """Map our field names to the log's columns; raise when a required one is missing."""
    lower = {c.lower(): c for c in columns}
    mapping = {
        ours: lower[alias]
        for ours, aliases in COLUMN_ALIASES.items()
        for alias in aliases[::-1]
        if alias in lower
    }
    missing = [c for c in REQUIRED if c not in mapping]
    if missing:
        wanted = ", ".join(f"{m} (one of {'/'.join(COLUMN_ALIASES[m])})" for m in missing)
        raise UnreadableLog(f"log lacks required columns: {wanted}; found {sorted(columns)}")
    return mapping


def _read_rows(path: Path) -> tuple[dict[str, str], Iterable[RawRow]]:
    """The column mapping and the rows of a log of any supported format."""
    if path.name.lower().endswith(".jsonl"):
        columns, rows = read_jsonl(path)
        return resolve_columns(columns), rows
    frame = read_log_frame(path)
    mapping = resolve_columns(frame.columns)
    for column in dict.fromkeys(mapping.values()):
        dtype = frame.schema[column]
        if dtype.is_nested():
            raise UnreadableLog(f"log column {column!r} holds {dtype} values, not text or numbers")
    if frame.height == 0:  # a header and nothing else must leave a trace, not an empty partition
        raise UnreadableLog("log has a header and no rows")
    return mapping, frame.select(list(dict.fromkeys(mapping.values()))).iter_rows(named=True)


def iter_log_rows(path: Path, default_artist: str, archive_key: str) -> Iterator[LogRow]:
    """Rows of a log as generation records keyed by their content and occurrence."""
    mapping, rows = _read_rows(path)
    seen: Counter[str] = Counter()
    for order, raw in enumerate(rows):
        if isinstance(raw, str):
            yield LogRow(order=order, record=None, reason=raw)
            continue
        try:
            values = {ours: _value(raw.get(col), col) for ours, col in mapping.items()}
            record = _record(values, default_artist)
        except ValueError as exc:
            yield LogRow(order=order, record=None, reason=f"row {order + 1}: {exc}")
            continue
        row_key = "\x1f".join(str(values.get(k)) for k in sorted(COLUMN_ALIASES))
        seen[row_key] += 1
        # Identical rows repeated in one log are distinct generations; overlapping logs agree.
        occurrence = seen[row_key]
        key_bytes = f"log\x1f{row_key}\x1f{occurrence}".encode(errors="surrogatepass")
        record["generation_id"] = hashlib.sha256(key_bytes).hexdigest()[:32]
        record["source_archive"] = archive_key
        record["source_path"] = f"row {order + 1}"
        record["source_order"] = order
        yield LogRow(order=order, record=record)


def _value(value: Any, column: str) -> Any:
    """A JSON-lines value as a flat one; an object or array where text belongs is refused."""
    if isinstance(value, dict | list):
        kind = "object" if isinstance(value, dict) else "array"
        raise ValueError(f"column {column!r} holds a JSON {kind}, not text or a number")
    return _blank_to_none(value)


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _record(values: dict[str, Any], default_artist: str) -> dict[str, Any]:
    created_at = parse_timestamp(values["created_at"])
    if created_at is None:
        raise ValueError(f"unparseable timestamp {values['created_at']!r}")
    if values.get("prompt") is None:
        raise ValueError("empty prompt")
    return {
        "artist": values.get("artist") or default_artist,
        "tool": values.get("tool") or "diffusiondb",
        "prompt": values["prompt"],
        "negative_prompt": values.get("negative_prompt"),
        # The same plausibility bounds as image metadata: NaN, negative steps or a cfg of 1e9
        # become null (the row is kept), and nothing overflows the lake's int32 columns.
        "seed": co.to_seed(values.get("seed")),
        "steps": co.to_steps(values.get("steps")),
        "cfg_scale": co.to_cfg(values.get("cfg_scale")),
        "sampler": values.get("sampler"),
        "scheduler": values.get("scheduler"),
        "model": values.get("model"),
        "width": co.to_dimension(values.get("width")),
        "height": co.to_dimension(values.get("height")),
        "created_at": created_at,
        "created_at_source": "log column",
        "content_hash": None,
        "job_id": None,
    }


def parse_timestamp(value: Any) -> datetime | None:
    """ISO-like timestamp or epoch seconds as aware UTC; a zoneless time is read as UTC."""
    if value is None:
        return None
    text = str(value).strip()
    try:
        moment = datetime.fromtimestamp(float(text), UTC)
    except (ValueError, OverflowError, OSError):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_int(value: Any) -> int | None:
    """An integer, or None when the text is not a finite whole number within int64."""
    if value is None:
        return None
    try:
        exact = int(str(value).strip())
    except ValueError:
        pass
    else:
        return exact if abs(exact) < 2**63 else None
    number = to_float(value)
    if number is None or number != int(number) or abs(number) >= 2**63:
        return None
    return int(number)


def to_float(value: Any) -> float | None:
    """A finite float, or None."""
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
