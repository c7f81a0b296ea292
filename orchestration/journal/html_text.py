"""User text in HTML: markup escaped, and characters that would hide or reorder it shown."""

from __future__ import annotations

from html import escape as escape_markup

from orchestration.safe_text import visible


def escape(text: object) -> str:
    r"""``text`` for an HTML element or attribute: markup escaped, controls shown as escapes.

    Prompts and names keep NULs, escape codes and right-to-left overrides in storage; raw on a
    page they are invalid HTML or reorder what a reader sees (U+202E), so they appear as
    ``\x00`` and ``\u202e``. Line breaks stay: HTML lays them out as spaces.
    """
    return escape_markup(visible(text))
