"""The honesty measure: two-sample KS on consecutive-pair signals, and the real log's distance."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from orchestration.sample import build_realistic_archive
from orchestration.sample.honesty import (
    ks_statistic,
    log_signals,
    pair_distance,
    pair_values,
    token_jaccard,
)


def _frame(session: str, prompts: list[str], jaccard=None, similarity=None) -> pl.DataFrame:
    columns = {
        "session_id": [session] * len(prompts),
        "position": list(range(1, len(prompts) + 1)),
        "prompt": prompts,
    }
    if jaccard is not None:
        columns["prompt_jaccard"] = [None, *jaccard]
    if similarity is not None:
        columns["prompt_similarity"] = [None, *similarity]
    return pl.DataFrame(columns, schema_overrides={"prompt_similarity": pl.Float64})


def test_ks_is_zero_for_the_same_sample_and_one_for_disjoint_ones() -> None:
    a = np.array([0.1, 0.5, 0.5, 0.9])
    assert ks_statistic(a, a.copy()) == 0.0
    assert ks_statistic(a, a + 2.0) == 1.0
    assert ks_statistic(np.array([0.0, 1.0]), np.array([0.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        ks_statistic(np.array([]), a)


def test_pair_distance_on_hand_made_frames() -> None:
    real = _frame("r", ["a", "b", "c", "d"], jaccard=[0.1, 0.2, 0.3], similarity=[0.5, 0.6, 0.7])
    same = _frame("s", ["w", "x", "y", "z"], jaccard=[0.3, 0.1, 0.2], similarity=[0.7, 0.5, 0.6])
    assert pair_distance(real, same) == {"prompt_jaccard": 0.0, "prompt_similarity": 0.0}
    far = _frame("s", ["w", "x", "y"], jaccard=[0.9, 1.0], similarity=[0.95, 0.99])
    assert pair_distance(real, far) == {"prompt_jaccard": 1.0, "prompt_similarity": 1.0}
    no_embeddings = _frame("s", ["w", "x", "y"], jaccard=[0.9, 1.0])
    assert pair_distance(real, no_embeddings) == {"prompt_jaccard": 1.0}


def test_jaccard_comes_from_prompts_when_the_frame_lacks_it() -> None:
    frame = pl.concat(
        [_frame("a", ["red fox, 8 k", "red fox, 4 k"]), _frame("b", ["owl", "owl", "cat"])]
    )
    assert sorted(pair_values(frame, "prompt_jaccard")) == [
        0.0,
        0.6,
        1.0,
    ]  # {red fox 8 k} vs {red fox 4 k}: 3 of 5
    assert token_jaccard("Owl_at night!", "owl at NIGHT") == 1.0
    assert token_jaccard(None, "owl") is None


def test_log_signals_splits_users_and_thirty_minute_gaps(tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text(
        "prompt,user_name,timestamp\n"
        "b1,bob,2022-08-14 10:00:00+00:00\n"
        "a1,ann,2022-08-14 10:00:00+00:00\n"
        "a2,ann,2022-08-14 10:00:00+00:00\n"
        "a3,ann,2022-08-14 10:31:00+00:00\n"
        "b2,bob,2022-08-14 10:30:00+00:00\n",
        encoding="utf-8",
    )
    sessions = log_signals(log).group_by("session_id", maintain_order=True).agg("prompt")
    assert sessions["prompt"].to_list() == [["a1", "a2"], ["a3"], ["b1", "b2"]]


def test_realistic_pairs_are_close_to_real_people(realdata: Path, tmp_path: Path) -> None:
    real = log_signals(realdata / "diffusiondb-first1k" / "diffusiondb_sample.csv")
    manifest = build_realistic_archive(tmp_path, 23, 60, 4)
    distance = pair_distance(real, log_signals(manifest.archives[0].path))
    assert distance["prompt_jaccard"] < 0.15, distance
