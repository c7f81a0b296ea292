"""Small DiffusionDB-style logs: archives that ingest in well under a second, with no images."""

from pathlib import Path

import polars as pl


def write_log(path: Path, *, user: str = "ada", rows: int = 6, hour: int = 20) -> Path:
    """A CSV log of `rows` generations by `user`, one a minute from `hour`:00 UTC."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(
        [
            {
                "prompt": f"castle {i // 3}",
                "seed": str(i),
                "step": "30",
                "cfg": str(5 + i),
                "sampler": "k_lms",
                "width": "512",
                "height": "512",
                "user_name": user,
                "timestamp": f"2022-08-13 {hour:02d}:{i:02d}:00+00:00",
            }
            for i in range(rows)
        ]
    ).write_csv(path)
    return path
