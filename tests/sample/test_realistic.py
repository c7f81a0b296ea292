"""The realistic DiffusionDB-style generator: a log with truth on every row, labelled by the
guideline's rules, with people's edits, pivots, frames, random seeds and minute timestamps."""

import csv
import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path

import polars as pl
import pytest

from orchestration.sample import SampleManifest, build_eval_archive, build_realistic_archive
from orchestration.sample.honesty import log_signals
from orchestration.sample.people_plans import (
    PhaseTruth,
    draw_arc,
    draw_length,
    guideline_session_intent,
)
from orchestration.sample.people_vocab import FRAMES

REAL_COLUMNS = "prompt,seed,step,cfg,sampler,width,height,user_name,timestamp"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    return build_realistic_archive(tmp_path_factory.mktemp("real") / "archive", 5, 60, 5)


@pytest.fixture(scope="module")
def truth(built: SampleManifest) -> pl.DataFrame:
    return pl.read_parquet(built.ground_truth_path).sort("source_order")


@pytest.fixture(scope="module")
def log_rows(built: SampleManifest) -> list[dict[str, str]]:
    with built.archives[0].path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _sessions(truth: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for row in truth.iter_rows(named=True):
        out[row["session_key"]].append(row)
    return out


def _phases(rows: list[dict]) -> list[list[dict]]:
    phases: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        phases[row["phase_no"]].append(row)
    return [phases[n] for n in sorted(phases)]


def test_same_seed_same_bytes_other_seed_other_log(built: SampleManifest, tmp_path: Path) -> None:
    again = build_realistic_archive(tmp_path / "a", 5, 60, 5)
    log = again.archives[0].path
    assert log.read_bytes() == built.archives[0].path.read_bytes()
    assert again.ground_truth_path.read_bytes() == built.ground_truth_path.read_bytes()
    other = build_realistic_archive(tmp_path / "b", 6, 60, 5)
    assert other.archives[0].path.read_bytes() != log.read_bytes()


def test_log_has_diffusiondb_columns_and_truth_on_every_row(
    built: SampleManifest, truth: pl.DataFrame, log_rows: list[dict[str, str]]
) -> None:
    header = built.archives[0].path.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith(REAL_COLUMNS)
    assert [e.kind for e in built.archives] == ["log"]
    assert truth.height == len(log_rows)
    assert truth["source_path"].to_list() == [f"row {i}" for i in range(1, len(log_rows) + 1)]
    assert truth["prompt"].to_list() == [r["prompt"] for r in log_rows]
    assert truth["artist"].to_list() == [r["user_name"] for r in log_rows]
    assert truth["seed"].to_list() == [int(r["seed"]) for r in log_rows]
    assert truth.filter(
        pl.col("phase_intent").is_null() | pl.col("session_intent").is_null()
    ).is_empty()
    assert set(truth["expected_status"]) == {"ok"}


def test_sessions_follow_the_guideline_rule(truth: pl.DataFrame) -> None:
    seen: Counter[str] = Counter()
    for rows in _sessions(truth).values():
        phases = _phases(rows)
        assert [p[0]["phase_no"] for p in phases] == list(range(1, len(phases) + 1))
        assert len(phases) == 1 or all(len(p) >= 2 for p in phases)  # no one-render phase
        as_read = [
            PhaseTruth(p[0]["phase_intent"], tuple(dict.fromkeys(r["concept"] for r in p)), len(p))
            for p in phases
        ]
        intent = rows[0]["session_intent"]
        assert {r["session_intent"] for r in rows} == {intent}
        assert intent == guideline_session_intent(as_read)
        if len(phases) == 1:
            assert intent == phases[0][0]["phase_intent"]
        if intent == "convergent_selection":
            assert [p.intent for p in as_read][:1] == ["exploration"] and len(as_read) == 2
        seen[intent] += 1
    assert set(seen) == {
        "exploration",
        "refinement",
        "optimization",
        "convergent_selection",
        "mixed",
    }


EXP, REF, OPT = "exploration", "refinement", "optimization"


@pytest.mark.parametrize(
    ("phases", "expected"),
    [
        ([(REF, ("fox",), 6)], REF),
        ([(EXP, ("fox", "owl", "cat"), 3), (REF, ("owl",), 5)], "convergent_selection"),
        ([(EXP, ("fox", "owl"), 2), (OPT, ("fox",), 3)], "convergent_selection"),
        ([(EXP, ("fox", "owl"), 2), (REF, ("jay",), 5)], REF),
        ([(REF, ("jay",), 5), (REF, ("wren",), 3)], REF),
        ([(REF, ("jay",), 5), (EXP, ("a", "b", "c"), 3)], REF),
        ([(REF, ("jay",), 4), (OPT, ("jay",), 2), (REF, ("jay",), 4)], REF),
        ([(REF, ("jay",), 4), (EXP, ("a", "b"), 2), (REF, ("jay",), 4)], REF),
        ([(REF, ("jay",), 4), (REF, ("wren",), 4), (REF, ("oriole",), 4)], "mixed"),
        ([(EXP, ("a", "b"), 2), (REF, ("c",), 4), (EXP, ("d", "e"), 2)], "mixed"),
        ([(REF, ("jay",), 4), (OPT, ("jay",), 2), (EXP, ("d", "e"), 2)], "mixed"),
    ],
)
def test_guideline_session_intent(phases: list[tuple], expected: str) -> None:
    assert guideline_session_intent([PhaseTruth(*p) for p in phases]) == expected


def _frame_of(prompt: str) -> tuple[str, str] | None:
    """The frame a prompt is written in and (the start of) its slot's filler, if any."""
    for frame, _ in FRAMES:
        before, after = frame.split("{}")
        match = re.match(re.escape(before) + r"(.+?)" + re.escape(after) + r"(,| |$)", prompt)
        if match:
            return frame, match.group(1)
    return None


def test_template_substitution_is_exploration(truth: pl.DataFrame) -> None:
    substitutions = 0
    for rows in _sessions(truth).values():
        for a, b in itertools.pairwise(rows):
            fa, fb = _frame_of(a["prompt"]), _frame_of(b["prompt"])
            same_frame = fa is not None and fb is not None and fa[0] == fb[0]
            if same_frame and a["phase_no"] == b["phase_no"] and a["concept"] != b["concept"]:
                assert a["phase_intent"] == "exploration", (a["prompt"], b["prompt"])
                substitutions += 1
    assert substitutions >= 10


def test_refined_subjects_pivot_into_new_refinements(truth: pl.DataFrame) -> None:
    pivots, framed_pivots, mixed_chains = 0, 0, 0
    for rows in _sessions(truth).values():
        phases = _phases(rows)
        for p, q in itertools.pairwise(phases):
            if p[0]["phase_intent"] == q[0]["phase_intent"] == "refinement":
                assert p[-1]["concept"] != q[0]["concept"]  # a refinement after one is a pivot
                pivots += 1
                fp, fq = _frame_of(p[-1]["prompt"]), _frame_of(q[0]["prompt"])
                framed_pivots += bool(fp and fq and fp[0] == fq[0])
        intents = [p[0]["phase_intent"] for p in phases]
        if len(intents) >= 3 and set(intents) == {"refinement"}:
            assert rows[0]["session_intent"] == "mixed"
            mixed_chains += 1
    assert pivots >= 5 and framed_pivots >= 1 and mixed_chains >= 1


def test_refinements_reword_instead_of_repeating(truth: pl.DataFrame) -> None:
    kept = changed = 0
    for rows in _sessions(truth).values():
        for a, b in itertools.pairwise(rows):
            if a["phase_no"] == b["phase_no"] and a["phase_intent"] == "refinement":
                kept += a["prompt"] == b["prompt"]
                changed += a["prompt"] != b["prompt"]
    assert 0.05 < kept / (kept + changed) < 0.3  # reruns happen, but most renders edit


def test_seeds_are_random_and_timestamps_are_minutes_with_ties(
    truth: pl.DataFrame, log_rows: list[dict[str, str]]
) -> None:
    seeds = [int(r["seed"]) for r in log_rows]
    assert len(set(seeds)) > 0.9 * len(seeds)
    assert all(r["timestamp"].endswith(":00+00:00") for r in log_rows)
    ties = 0
    for rows in _sessions(truth).values():
        times = [r["created_at"] for r in rows]
        assert times == sorted(times)
        ties += sum(a == b for a, b in itertools.pairwise(times))
    assert ties >= 3


def test_thirty_minute_sessions_of_the_log_are_the_true_sessions(
    built: SampleManifest, truth: pl.DataFrame
) -> None:
    read = log_signals(built.archives[0].path)
    sizes = sorted(read.group_by("session_id").len()["len"].to_list())
    assert sizes == sorted(truth.group_by("session_key").len()["len"].to_list())


def test_session_lengths_have_the_real_heavy_tail() -> None:
    import random

    rng = random.Random(3)
    lengths = [draw_length(rng, 2) for _ in range(4000)]
    assert min(lengths) == 2 and max(lengths) <= 72
    share = Counter(
        "2-4" if n < 5 else "5-10" if n <= 10 else "11-19" if n < 20 else "20+" for n in lengths
    )
    assert share["2-4"] > share["5-10"] > share["11-19"] > share["20+"] > 0.03 * len(lengths)
    for n in (1, 2, 5, 7, 20, 72):
        arc = draw_arc(rng, n)
        assert sum(p.size for p in arc) == n


def test_eval_archive_hook_draws_the_realistic_log(tmp_path: Path) -> None:
    manifest = build_eval_archive(
        tmp_path, seed=2, n_artists=3, sessions_per_artist=2, realistic=True
    )
    assert [e.kind for e in manifest.archives] == ["log"]
    assert pl.read_parquet(manifest.ground_truth_path)["tool"].unique().to_list() == ["diffusiondb"]
