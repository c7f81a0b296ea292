"""Small inline SVG plots: no JavaScript and no plotting library, so a page opens from disk.

Two kinds: a session's similarity series (prompt and image similarity to the predecessor over
position, candidate pivots marked) and an optimization phase's parameter trajectory (numeric
values on a scaled axis, anything else as ordered levels). Every text is escaped here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from orchestration.journal.html_text import escape
from orchestration.journal.model import SimilarityPoint, TrajectoryPoint

WIDTH, HEIGHT = 420, 96
LEFT, RIGHT, TOP, BOTTOM = 34, 112, 8, 18  # axis labels left and below, the legend right
SIZE = re.compile(r"(\d+)x(\d+)")
PROMPT_COLOUR, IMAGE_COLOUR, PIVOT_COLOUR, LINE_COLOUR = "#2b6cb0", "#c05621", "#a0aec0", "#2f855a"


CHAR_WIDTH = 6  # px per character of a 10 px label, generous for digits and "x"
AXIS_LABEL_CHARS = 14  # longer value labels are cut; the legend and the title say them whole


def _x(position: float, lo: float, hi: float, left: float = LEFT) -> float:
    span = hi - lo or 1.0
    return left + (position - lo) / span * (WIDTH - left - RIGHT)


def _left_for(*labels: str) -> int:
    """A left margin wide enough for the y-axis labels (``1536x1536`` is not clipped)."""
    return max(LEFT, CHAR_WIDTH * max(map(len, labels)) + 6)


def _y(value: float, lo: float, hi: float) -> float:
    span = hi - lo or 1.0
    return TOP + (1 - (value - lo) / span) * (HEIGHT - TOP - BOTTOM)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _frame(label: str, body: list[str]) -> str:
    return (
        f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", colour: str = "#4a5568") -> str:
    return (
        f'<text x="{_fmt(x)}" y="{_fmt(y)}" font-size="10" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(text)}</text>'
    )


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Runs of consecutive measured points; an unmeasured one breaks the line."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, y))
    return [run for run in runs if run]


def _polyline(run: list[tuple[float, float]], colour: str, css: str) -> str:
    if len(run) == 1:
        ((x, y),) = run
        return f'<circle class="{css}" cx="{_fmt(x)}" cy="{_fmt(y)}" r="2" fill="{colour}"/>'
    coords = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)
    return (
        f'<polyline class="{css}" points="{coords}" fill="none" stroke="{colour}" '
        f'stroke-width="1.5" stroke-linejoin="round"/>'
    )


def _axes(x_lo: int, x_hi: int, y_lo_text: str, y_hi_text: str, left: int = LEFT) -> list[str]:
    bottom = HEIGHT - BOTTOM
    return [
        f'<line x1="{left}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}" stroke="#cbd5e0"/>',
        f'<line x1="{left}" y1="{TOP}" x2="{left}" y2="{bottom}" stroke="#cbd5e0"/>',
        _text(left - 3, TOP + 8, y_hi_text, "end"),
        _text(left - 3, bottom, y_lo_text, "end"),
        _text(left, HEIGHT - 4, f"#{x_lo}"),
        _text(WIDTH - RIGHT, HEIGHT - 4, f"#{x_hi}", "end"),
    ]


def similarity_svg(points: Sequence[SimilarityPoint], prompt_name: str = "prompt") -> str | None:
    """Prompt and image similarity over position; None when nothing was measured."""
    measured = [p for p in points if p.prompt is not None or p.image is not None]
    if not measured:
        return None
    x_lo, x_hi = min(p.position for p in points) - 1, max(p.position for p in points)
    values = [v for p in measured for v in (p.prompt, p.image) if v is not None]
    # Cosines run −1..1 but rarely fall below 0; the axis goes down to a tenth below the lowest.
    y_lo, y_hi = math.floor(min(0.0, *values) * 10) / 10, max(1.0, *values)
    body = _axes(x_lo, x_hi, f"{y_lo:g}", "1")
    for p in points:
        if p.is_pivot:
            x = _fmt(_x(p.position, x_lo, x_hi))
            body.append(
                f'<line class="pivot" x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" '
                f'stroke="{PIVOT_COLOUR}" stroke-dasharray="3 2"/>'
            )
    for name, colour, css in (
        ("prompt", PROMPT_COLOUR, "series-prompt"),
        ("image", IMAGE_COLOUR, "series-image"),
    ):
        scaled = [
            (
                _x(p.position, x_lo, x_hi),
                None if getattr(p, name) is None else _y(getattr(p, name), y_lo, y_hi),
            )
            for p in points
        ]
        body += [_polyline(run, colour, css) for run in _segments(scaled)]
    legend_x = WIDTH - RIGHT + 8
    body.append(_text(legend_x, TOP + 8, f"{prompt_name} similarity", colour=PROMPT_COLOUR))
    body.append(_text(legend_x, TOP + 20, "image similarity", colour=IMAGE_COLOUR))
    label = (
        f"{prompt_name} and image similarity to the previous generation, positions {x_lo}–{x_hi}"
    )
    return _frame(label, body)


def _number(value: str) -> float | None:
    """A value as a number; a size (``512x768``) as its pixel count; None for a name."""
    if size := SIZE.fullmatch(value):
        return float(size[1]) * float(size[2])
    try:
        return float(value)
    except ValueError:
        return None


def trajectory_svg(parameter: str, points: Sequence[TrajectoryPoint]) -> str | None:
    """The swept parameter's value over the phase, as steps; None with fewer than two values."""
    if len(points) < 2:
        return None
    numbers = [_number(p.value) for p in points]
    if all(n is not None for n in numbers):
        ys: list[float] = [n for n in numbers if n is not None]
        low_text = min(points, key=lambda p: _number(p.value) or 0.0).value
        high_text = max(points, key=lambda p: _number(p.value) or 0.0).value
    else:  # sampler, model, ...: levels in the order the artist tried them
        levels = list(dict.fromkeys(p.value for p in points))
        ys = [float(levels.index(p.value)) for p in points]
        low_text, high_text = levels[0], levels[-1]
    x_lo, x_hi = points[0].position, points[-1].position
    y_lo, y_hi = min(ys), max(ys)
    if y_lo == y_hi:
        y_lo, y_hi = y_lo - 1, y_hi + 1
    low, high = _short(low_text, AXIS_LABEL_CHARS), _short(high_text, AXIS_LABEL_CHARS)
    left = _left_for(low, high)
    coords: list[tuple[float, float]] = []
    for point, value in zip(points, ys, strict=True):
        x, y = _x(point.position, x_lo, x_hi, left), _y(value, y_lo, y_hi)
        if coords:
            coords.append((x, coords[-1][1]))  # hold the previous value until it changes
        coords.append((x, y))
    body = _axes(x_lo, x_hi, low, high, left)
    body.append(_polyline(coords, LINE_COLOUR, "trajectory"))
    body += [
        f'<circle cx="{_fmt(_x(p.position, x_lo, x_hi, left))}" cy="{_fmt(_y(v, y_lo, y_hi))}" '
        f'r="2" fill="{LINE_COLOUR}"/>'
        for p, v in zip(points, ys, strict=True)
    ]
    body.append(_text(WIDTH - RIGHT + 8, TOP + 8, parameter, colour=LINE_COLOUR))
    # From and to on two lines: "1536x1536 →" and "1024x1024" fit the legend's width whole.
    body.append(_text(WIDTH - RIGHT + 8, TOP + 20, f"{_short(points[0].value, 15)} →"))
    body.append(_text(WIDTH - RIGHT + 8, TOP + 32, _short(points[-1].value, 16)))
    label = f"{parameter} from {points[0].value} to {points[-1].value} over positions {x_lo}–{x_hi}"
    return _frame(label, body)


def _short(text: str, size: int = 7) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"
