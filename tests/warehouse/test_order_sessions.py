"""Sessions of files known only by order: through the real ingest and a dbt build.

A1111 writes no time into its PNGs; copied, the files keep only their day folder and counter,
so the ingest places them by order (``date folder order``) and the warehouse cuts sessions
where the subject changes inside such a run. Three artists, A1111 files made by the project's
writer: ana's copied day whose counter runs from one subject straight into another; bo's copied
day refining one subject with rewording; cy's day with two subjects whose real file times leave
no gap. ana's second subject arrives in a second ingest, so the build is incremental and must
equal a full refresh; so must one where a departure takes away the evidence of a split.
"""

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from orchestration.cli.summary import render_summary
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import GenerationMeta
from orchestration.sample.writers.a1111 import a1111_parameters
from orchestration.sample.writers.containers import png_bytes
from tests.warehouse.lake_fixture import generation, write_archive
from tests.warehouse.test_session_signals import dbt, tables

pytestmark = pytest.mark.slow(seconds=90)  # pipelines, dbt, servers: started first

DAY = "2024-03-05"
LIGHTHOUSE = "lighthouse on a cliff in a thunderstorm, crashing waves, oil painting"
FISHERMAN = "portrait of an old fisherman, charcoal sketch, wrinkled face, pipe"
REWORDED = [
    "red fox sleeping in deep snow, watercolor",
    "red fox sleeping in deep snow, watercolor, soft light",
    "red fox curled up asleep in deep snow, watercolor, soft light",
    "red fox curled up asleep in deep snow, watercolor, soft morning light",
    "red fox curled up asleep in snow, loose watercolor, soft morning light",
    "sleeping red fox curled up in snow, loose watercolor, soft morning light",
]
SELECT = ["--select", "+sessions", "+generations", "+quarantine"]


def _write_day(folder: Path, prompts: list[str], mtimes: list[float]) -> None:
    """An A1111 day folder: ``NNNNN-SEED.png`` per prompt, counters from 1, these mtimes.

    Seeds differ per folder: the same bytes in two folders would be one generation.
    """
    day = folder / "txt2img-images" / DAY
    day.mkdir(parents=True, exist_ok=True)
    for n, (prompt, at) in enumerate(zip(prompts, mtimes, strict=True), start=1):
        seed = 1000 * len(folder.name) + ord(folder.name[0]) + 7 * n
        meta = GenerationMeta(
            tool="a1111", prompt=prompt, seed=seed, steps=20, cfg_scale=7.0, sampler="Euler a"
        )
        path = day / f"{n:05d}-{seed}.png"
        pixels = Image.new("RGB", (8, 8), (n * 20 % 255, len(prompt) % 255, 0))
        path.write_bytes(png_bytes(pixels, {"parameters": a1111_parameters(meta)}))
        os.utime(path, (at, at))


def _copied(n: int) -> list[float]:
    """File times a copy writes: now, milliseconds apart, days after the date folder."""
    now = datetime.now(UTC).timestamp() - 60
    return [now + i / 1000 for i in range(n)]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("order")
    lake, incremental, full = tmp / "lake", tmp / "incremental.duckdb", tmp / "full.duckdb"
    ana_prompts = [LIGHTHOUSE] * 5 + [FISHERMAN] * 5
    _write_day(tmp / "ana", ana_prompts[:6], _copied(6))
    _write_day(tmp / "bo", REWORDED, _copied(len(REWORDED)))
    noon = datetime(2024, 3, 5, 12, tzinfo=UTC).timestamp()
    _write_day(tmp / "cy", ana_prompts, [noon + 60 * i for i in range(10)])
    for artist in ("ana", "bo", "cy"):
        ingest_archive(tmp / artist, artist, artist, lake)
    dbt(["run", *SELECT], lake, incremental, tmp)
    _write_day(tmp / "ana", ana_prompts, _copied(10))  # the rest of ana's day arrives
    ingest_archive(tmp / "ana", "ana", "ana", lake)
    dbt(["run", *SELECT], lake, incremental, tmp)
    dbt(["run", "--full-refresh", *SELECT], lake, full, tmp)
    return {"incremental": incremental, "full": full}


def _sessions(warehouse: Path, artist: str) -> list[tuple[list[str], bool, set[str]]]:
    """Each session's prompts in order, whether it was split by prompt, its time sources."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [
            (prompts, by_prompt, set(sources))
            for prompts, by_prompt, sources in con.execute(
                "select list(prompt order by position), bool_or(is_split_by_prompt), "
                "list(distinct created_at_source) from int_generations_sessionized "
                "where artist = ? group by session_id order by min(created_at)",
                [artist],
            ).fetchall()
        ]


def test_a_copied_day_whose_counter_runs_through_two_subjects_gives_two_sessions(
    built: dict[str, Path],
) -> None:
    assert _sessions(built["incremental"], "ana") == [
        ([LIGHTHOUSE] * 5, False, {"date folder order"}),
        ([FISHERMAN] * 5, True, {"date folder order"}),
    ]


def test_a_refinement_that_rewords_stays_one_session(built: dict[str, Path]) -> None:
    assert _sessions(built["incremental"], "bo") == [(REWORDED, False, {"date folder order"})]


def test_real_times_are_not_split_by_the_prompt(built: dict[str, Path]) -> None:
    assert _sessions(built["incremental"], "cy") == [
        ([LIGHTHOUSE] * 5 + [FISHERMAN] * 5, False, {"file mtime"})
    ]


def test_the_incremental_split_equals_a_full_refresh(built: dict[str, Path]) -> None:
    incremental, full = tables(built["incremental"]), tables(built["full"])
    assert incremental["int_generations_sessionized"] == full["int_generations_sessionized"]
    assert incremental["sessions"] == full["sessions"]


def test_the_summary_says_which_sessions_the_prompt_split(built: dict[str, Path]) -> None:
    text = render_summary(built["incremental"])
    assert "1 session split where the subject changed, times known only by order (ana 1)" in text
    assert f"{DAY}, time of day unknown (ordered by file counter), began where" in text


def test_a_departure_that_takes_a_splits_evidence_merges_like_a_full_refresh(
    tmp_path: Path,
) -> None:
    """Harbour, lighthouse ×2 | fisherman ×2: split. The second lighthouse leaves, and the
    two before the fisherman are no longer alike: one session, though no time moved."""

    def rows(ids: list[str]) -> list[dict]:
        prompts = {"x": "quiet harbour at dawn, fishing boats", "l1": LIGHTHOUSE, "l2": LIGHTHOUSE}
        out = []
        for minute, gid in enumerate(["x", "l1", "l2", "f1", "f2"]):
            if gid in ids:
                row = generation(gid, "dee", minute, prompts.get(gid, FISHERMAN))
                row["created_at_source"] = "date folder order"
                out.append(row)
        return out

    lake, incremental, full = tmp_path / "lake", tmp_path / "inc.duckdb", tmp_path / "full.duckdb"
    select = ["--select", "+int_generations_sessionized"]
    write_archive(lake, "dee", rows(["x", "l1", "l2", "f1", "f2"]))
    dbt(["run", *select], lake, incremental, tmp_path)
    assert [n for n, _ in _sizes(incremental)] == [3, 2]
    write_archive(lake, "dee", rows(["x", "l1", "f1", "f2"]))
    dbt(["run", *select], lake, incremental, tmp_path)
    dbt(["run", "--full-refresh", *select], lake, full, tmp_path)
    assert _sizes(incremental) == _sizes(full) == [(4, False)]
    assert tables(incremental) == tables(full)


def _sizes(warehouse: Path) -> list[tuple[int, bool]]:
    """Each session's size and whether the prompt split it, in time order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select count(*), bool_or(is_split_by_prompt) from int_generations_sessionized "
            "group by session_id order by min(created_at)"
        ).fetchall()
