"""Text from the data, made safe to print to a terminal and to paste back into a shell.

Artist names come from a log's user column, prompts and labels from the artist's own text, paths
from whatever was registered: any of them may hold an escape sequence that repaints the terminal,
a bidirectional control that shows text in another order than it runs (U+202E), or ``$(…)``.
"""

from __future__ import annotations

import shlex

# Reordering marks: embeddings (U+202A–U+202E), isolates (U+2066–U+2069), LRM, RLM, ALM.
_BIDI = (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)
# Line and paragraph separators break a line in some terminals, like \n.
_SEPARATORS = (0x2028, 0x2029)
# Invisible characters that only hide or join text ("mi\u200bra" looks like "mira"). The
# joiners U+200C/U+200D stay: emoji sequences and Indic and Persian scripts need them.
_INVISIBLE = (0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E)
_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
_ESCAPES: dict[int, str] = {
    **{code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))},
    **{code: f"\\u{code:04x}" for code in (*_BIDI, *_SEPARATORS, *_INVISIBLE)},
    **_NAMED,
}
# Where a line break is layout, not a new record (an HTML page): tabs and breaks stay as they are.
_LAYOUT_ESCAPES = {code: text for code, text in _ESCAPES.items() if code not in _NAMED}
# In $'…' a \xHH is one byte, so C1 controls (two bytes in UTF-8) are written as \u00HH there.
_SHELL_ESCAPES = {**_ESCAPES, **{code: f"\\u{code:04x}" for code in range(0x80, 0xA0)}}
# Characters that keep their meaning inside double quotes (or start history expansion).
_DOUBLE_QUOTE_ACTIVE = frozenset('"$`\\!')


def printable(text: object) -> str:
    r"""``text`` with control, bidirectional and invisible characters as escapes (``\u202e``).

    Meant for one field at a time: a newline inside a name becomes ``\n``, so a name can never
    start a line of its own.
    """
    text = str(text)
    if text.isascii() and text.isprintable():  # nothing to escape: the common case, in C
        return text
    return text.translate(_ESCAPES)


def visible(text: object) -> str:
    r"""``text`` with controls, bidirectional and invisible characters escaped, as `printable`.

    Tabs and line breaks are kept: for text whose layout ignores or wants them (an HTML page).
    """
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return text.translate(_LAYOUT_ESCAPES)


def printable_lines(text: str) -> str:
    """Multi-line text (a rendered table, a plan) with each line made `printable`."""
    return "\n".join(printable(line) for line in text.splitlines())


def shell_arg(text: str) -> str:
    r"""``text`` as one shell word that a person can paste: it runs nothing and prints nothing odd.

    Plain text is quoted as `shlex.quote` does (or in double quotes when its only special character
    is a single quote, which reads better in SQL); text with control or bidirectional characters
    is written with bash/zsh ANSI-C quoting (``$'…\x1b…'``): the terminal shows escapes, never
    the characters themselves.
    """
    if printable(text) != text:
        body = text.replace("\\", "\\\\").replace("'", "\\'").translate(_SHELL_ESCAPES)
        return f"$'{body}'"
    if "'" in text and not _DOUBLE_QUOTE_ACTIVE.intersection(text):
        return f'"{text}"'
    return shlex.quote(text)
