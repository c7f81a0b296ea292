"""Split A1111 "infotext" (the ``parameters`` text) into prompt, negative prompt and settings.

The format: the prompt, an optional ``Negative prompt:`` block, then one line of ``Key: value``
pairs separated by commas. A1111 quotes a value holding a comma, colon or newline as a JSON
string, but other writers do not: Civitai puts raw JSON (``Civitai resources: [{...}]``) and
ComfyUI savers ``Hashes: {...}`` in the line unquoted, so brackets are matched, not split on.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

NEGATIVE_MARKER = "Negative prompt:"
_KEY = re.compile(r"\s*([A-Za-z][\w \-/+.()']{0,63}?)\s*:\s*")
# One comma-separated segment that starts with a key, as ``_KEY`` matches it at a segment start.
# The key is greedy here: the same matches, the key only gaining the spaces before its colon
# (stripped), and faster than the lazy key.
_PLAIN_PAIR = re.compile(r"(?:^|,)\s*([A-Za-z][\w \-/+.()']{0,63})\s*:\s*([^,]*)")
_CORE_KEYS = frozenset({"steps", "sampler", "cfg scale", "seed", "size", "model", "model hash"})
_CLOSERS = {"[": "]", "{": "}"}


@dataclass(slots=True)
class Infotext:
    """The three parts of an infotext; ``params`` keeps the writer's key spelling and order."""

    prompt: str | None
    negative_prompt: str | None
    params: dict[str, str] = field(default_factory=dict)
    folded: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.folded = {k.casefold(): v for k, v in reversed(self.params.items())}

    def get(self, *keys: str) -> str | None:
        """A parameter by any of ``keys``, ignoring case ("CFG scale" vs "CFG Scale")."""
        for key in keys:
            value = self.folded.get(key.casefold())
            if value is not None:
                return value
        return None


def split_infotext(text: str) -> Infotext | None:
    """Parse infotext, or None when ``text`` is not in that format (JSON, a bare prompt...)."""
    body = text.strip().strip("\x00").strip()
    if not body or body[0] in "{[":
        return None
    lines = body.splitlines()
    for back in range(1, min(len(lines), 3) + 1):  # the settings line is last, or nearly
        params = split_params(lines[-back])
        if looks_like_params(params):
            prompt, negative = _split_prompt(lines[: len(lines) - back])
            return Infotext(prompt, negative, params)
    return None


def looks_like_params(params: dict[str, str]) -> bool:
    """A settings line has Steps, or at least three of the keys every A1111-style writer uses."""
    if "Steps" in params:  # as A1111 and most others spell it
        return True
    keys = {k.casefold() for k in params}
    return "steps" in keys or len(keys & _CORE_KEYS) >= 3


def _split_prompt(lines: list[str]) -> tuple[str | None, str | None]:
    for index, line in enumerate(lines):
        if line.lstrip().startswith(NEGATIVE_MARKER):
            first = line.lstrip()[len(NEGATIVE_MARKER) :]
            negative = "\n".join([first, *lines[index + 1 :]]).strip()
            prompt = "\n".join(lines[:index]).strip()
            return prompt or None, negative or None
    return "\n".join(lines).strip() or None, None


def split_params(line: str) -> dict[str, str]:
    """``Key: value, Key: "quoted, value", Key: [json, ...]`` into an ordered dict."""
    if '"' not in line and "[" not in line and "{" not in line:
        return _split_plain(line)
    out: dict[str, str] = {}
    pos, n = 0, len(line)
    while pos < n:
        match = _KEY.match(line, pos)
        if match is None:
            comma = line.find(",", pos)
            if comma < 0:
                break
            pos = comma + 1
            continue
        key = match.group(1).strip()
        value, pos = _value(line, match.end())
        out.setdefault(key, value)
        comma = line.find(",", pos)
        pos = n if comma < 0 else comma + 1
    return out


def _split_plain(line: str) -> dict[str, str]:
    """``split_params`` for a line without quotes or brackets (most of them), in one regex pass.

    With no quoted or bracketed value, no value spans a comma and a key cannot either, so the
    line is its comma-separated segments, each a ``Key: value`` or skipped.
    """
    out: dict[str, str] = {}
    for key, value in _PLAIN_PAIR.findall(line):
        key = key.strip()
        if key not in out:
            out[key] = value.strip()
    return out


def _value(line: str, pos: int) -> tuple[str, int]:
    """One value starting at ``pos`` and the offset just after it."""
    opener = line[pos : pos + 1]
    if opener == '"':
        end = _string_end(line, pos)
        if end > 0:
            return _unquote(line[pos : end + 1]), end + 1
    elif opener in _CLOSERS:
        end = _bracket_end(line, pos)
        if end > 0:
            return line[pos : end + 1], end + 1
    comma = line.find(",", pos)
    end = len(line) if comma < 0 else comma
    return line[pos:end].strip(), end


def _unquote(raw: str) -> str:
    """A JSON-quoted value decoded; a malformed one loses only its quotes."""
    try:
        return str(json.loads(raw))
    except ValueError:
        return raw[1:-1]


def _string_end(line: str, pos: int) -> int:
    """Index of the quote closing the JSON string that opens at ``pos``, or -1."""
    i = pos + 1
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            i += 2
            continue
        if ch == '"':
            return i
        i += 1
    return -1


def _bracket_end(line: str, pos: int) -> int:
    """Index of the bracket closing the one at ``pos`` (strings respected), or -1."""
    stack = [_CLOSERS[line[pos]]]
    i = pos + 1
    while i < len(line):
        ch = line[i]
        if ch == '"':
            i = _string_end(line, i)
            if i < 0:
                return -1
        elif ch in _CLOSERS:
            stack.append(_CLOSERS[ch])
        elif ch in "]}":
            if ch != stack.pop():
                return -1
            if not stack:
                return i
        i += 1
    return -1
