"""A query's result as `creative-sessions sql` prints it: a whole-value table, CSV or JSON lines.

DuckDB's own ``show()`` cuts long text mid-word to fit a width; a person reading a prompt, or a
program reading the output, needs every value whole. No Dagster here (the command must start fast).
"""

from __future__ import annotations

import csv
import json
import math
import unicodedata
from base64 import b64encode
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TextIO

from orchestration.safe_text import printable

NULL = "NULL"


def _cell(value: Any) -> str:
    """One value as table text: whole, on one line, control and bidi characters escaped."""
    return NULL if value is None else printable(value)


def _width(text: str) -> int:
    """Columns the text takes in a terminal: wide (CJK) characters take two, combining ones none."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _pad(text: str, width: int, *, right: bool) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def render_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, more: bool) -> str:
    """A plain table; numbers right-aligned; a last line that says when rows were left out."""
    header = [printable(name) for name in columns]
    body = [[_cell(value) for value in row] for row in rows]
    widths = [max(_width(text) for text in col) for col in zip(header, *body, strict=True)]
    numeric = [
        any(isinstance(row[i], int | float | Decimal) for row in rows)
        and all(row[i] is None or isinstance(row[i], int | float | Decimal) for row in rows)
        for i in range(len(columns))
    ]
    lines = [
        "  ".join(
            _pad(h, w, right=n) for h, w, n in zip(header, widths, numeric, strict=True)
        ).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    for cells in body:
        line = "  ".join(
            _pad(c, w, right=n) for c, w, n in zip(cells, widths, numeric, strict=True)
        )
        lines.append(line.rstrip())
    count = f"{len(rows)} row{'' if len(rows) == 1 else 's'}"
    lines.append(f"({count} shown; more left out, see --max-rows)" if more else f"({count})")
    return "\n".join(lines)


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """RFC 4180 CSV with a header row and newline line ends; NULL is an empty field."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def _json_value(value: Any) -> Any:
    """A value JSON can carry: times as ISO 8601, decimals as numbers, NaN/inf as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # UUID, intervals and the like


def write_json_lines(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """One JSON object per row and line (ASCII-escaped, so nothing in it acts on a terminal)."""
    for row in rows:
        record = {name: _json_value(value) for name, value in zip(columns, row, strict=True)}
        out.write(json.dumps(record, allow_nan=False) + "\n")
