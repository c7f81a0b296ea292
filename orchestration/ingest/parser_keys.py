"""Which tool parsers cannot read a file, decided from its metadata keys alone.

Most parsers start with "is one of my keys here?" and return None when none is. Calling all nine
on every file cost more than those checks themselves (A1111 PNG: ~54 → ~50 µs per file, CPU,
issue 15), so the dispatcher skips a parser whose keys are absent. Each rule below is the
parser's own first check, stated as keys (the parsers' constants where they have them): a parser
is skipped only where it would have returned None, so every result stays the same. Parsers
without a rule (ComfyUI looks inside every value) and parsers added by tests are always called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache

from orchestration.ingest.tools import (
    a1111,
    fooocus,
    invokeai,
    midjourney,
    novelai,
    stability_matrix,
    swarmui,
    tensorart,
)

# parse function -> (keys matched exactly, keys matched case-folded): it may read a file only
# when one of them is present.
RULES: dict[Callable[..., object], tuple[frozenset[str], frozenset[str]]] = {
    swarmui.parse: (frozenset(swarmui._SOURCES), frozenset()),  # _document: text.get(key)
    stability_matrix.parse: (frozenset(), stability_matrix._KEYS),  # has_key_ci
    tensorart.parse: (frozenset(), tensorart._KEYS),  # has_key_ci
    invokeai.parse: (frozenset(), invokeai._FOLDED_KEYS),  # has_key_ci
    # _may_be_novelai: the UserComment that may pack its fields, or a Software/Source key
    novelai.parse: (frozenset({"exif:UserComment"}), novelai._MARK_KEYS),
    # get_ci(text, "parameters"), has_key_ci(text, {"fooocus_scheme"})
    fooocus.parse: (frozenset(), frozenset({"parameters", "fooocus_scheme"})),
    # text.get("Description") or text.get("exif:ImageDescription")
    midjourney.parse: (frozenset({"Description", "exif:ImageDescription"}), frozenset()),
    a1111.parse: (frozenset(a1111.SOURCES), frozenset()),  # text.get(key) for each source
}
_MAX_CACHED_KEYS = 32  # more keys than any generator writes: decided without the cache


def skipped(text: Mapping[str, str]) -> frozenset[Callable[..., object]]:
    """The parse functions whose keys are all absent from ``text``."""
    keys = tuple(text)
    if len(keys) > _MAX_CACHED_KEYS:
        return _skipped(keys)
    return _cached(keys)


def _skipped(keys: tuple[str, ...]) -> frozenset[Callable[..., object]]:
    present = frozenset(keys)
    folded = frozenset(key.casefold() for key in keys)
    return frozenset(
        parse
        for parse, (exact, folded_keys) in RULES.items()
        if present.isdisjoint(exact) and folded.isdisjoint(folded_keys)
    )


_cached = lru_cache(maxsize=256)(_skipped)  # an archive holds a handful of key layouts
