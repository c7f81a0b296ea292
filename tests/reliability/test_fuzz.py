"""A short fuzz of every ingest reader (the long one is `benchmarks/fuzz.py --seconds 60`).

Each reader gets a few hundred inputs made from valid files with bytes cut, flipped and
spliced, random JSON in the tool fields, and random bytes; any exception other than the
reader's documented refusal (e.g. ``UnreadableFile``, ``UnreadableArchive``) fails the test.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import Reader, crash_of, readers

READERS = readers()
# Readers that write a temp archive and a lake partition per input are slower: fewer examples.
EXAMPLES = {"ingest": 30, "archive": 60, "log": 60}


@pytest.mark.parametrize("reader", READERS, ids=[r.name for r in READERS])
def test_reader_raises_only_its_documented_refusals(reader: Reader) -> None:
    strategy = reader.strategy()

    @settings(
        max_examples=EXAMPLES.get(reader.name.split(":")[0], 200),
        deadline=None,
        database=None,
        derandomize=True,  # the same inputs on every run: a failure here is reproducible
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        value = data.draw(strategy)
        exc = crash_of(reader, value)
        if exc is not None:
            raise exc

    check()


def test_every_reader_module_is_fuzzed() -> None:
    from orchestration.ingest.image_metadata import PARSERS

    names = {r.name for r in READERS}
    assert {f"tool:{name}" for name, _ in PARSERS} <= names
    assert {"container:png", "container:jpeg", "container:webp", "format:exif"} <= names
    assert {"log:csv", "log:jsonl", "archive:zip", "archive:tar", "ingest:zip"} <= names
