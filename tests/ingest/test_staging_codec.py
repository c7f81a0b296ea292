"""The time staging file gives back exactly what the readers staged, without pickle."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime

from orchestration.ingest import staging_codec


def test_values_json_cannot_hold_come_back_as_they_went_in() -> None:
    record = {
        "created_at": datetime(2024, 3, 5, 21, 4, 7, 123456, tzinfo=UTC),
        "naive": datetime(2024, 3, 5, 21, 4, 7),
        "day": date(2024, 3, 5),
        "blob": b"\x00\xff\x89PNG",
        "prompt": "lone surrogate \udc80 and a newline\nin it",
        "cfg_scale": math.inf,
        "seed": 2**70,
        "pair": (1, "a"),
        "nested": {"k": [datetime(2020, 1, 1, tzinfo=UTC), None]},
        "missing": None,
    }
    line = staging_codec.dumps(record)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line per record
    back = staging_codec.loads(line)
    assert back == record
    assert back["naive"].tzinfo is None and back["created_at"].tzinfo is UTC


def test_nan_survives_and_unknown_types_reach_the_guard_as_text() -> None:
    back = staging_codec.loads(staging_codec.dumps({"x": math.nan, "y": complex(1, 2)}))
    assert math.isnan(back["x"])
    assert back["y"] == "(1+2j)"
