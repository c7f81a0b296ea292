"""Intent inference on small hand-built sessions: each intent, segmentation, labels, sparse data."""

from __future__ import annotations

import time

import polars as pl
import pytest

from orchestration.intent.infer import (
    SPARSE_SIGNAL,
    build_artist_context,
    infer_session,
    needs_visual,
)
from tests.intent.signal_frames import (
    SUBJECTS,
    explore,
    gen,
    refine,
    session_frame,
    sweep_cfg,
)


def _infer(gens: list[dict]):
    frame = session_frame(gens)
    return infer_session(frame, build_artist_context(frame))


def _intents(result) -> list[str]:
    by_no = {p.phase_no: p.intent for p in result.phases}
    return [by_no[n] for n in result.phase_of_position]


def test_exploration_names_the_concepts():
    result = _infer(explore(6))
    assert result.intent == "exploration"
    assert [p.intent for p in result.phases] == ["exploration"]
    label = result.label
    assert label.startswith("Explored: ")
    assert "mountain landscape" in label and "neon rain" in label
    assert "oil painting" not in label  # shared by every prompt: not what tells them apart
    assert "prompt_similarity" in result.signals or "prompt_jaccard" in result.signals


def test_refinement_counts_seed_variations_and_candidates():
    gens = refine(9, subject=1)
    # The artist re-renders two of the seeds at a higher resolution: session_keepers names the
    # two renders carried into that second pass, and the label counts those keepers.
    for kept in (3, 6):
        gens[kept] = gens[kept] | {"keeper_reasons": "second_pass"}
    gens += [gen(prompt=gens[0]["prompt"], seed=gens[3]["seed"], width=1024, height=1536, gap=30)]
    gens += [gen(prompt=gens[0]["prompt"], seed=gens[6]["seed"], width=1024, height=1536, gap=30)]
    result = _infer(gens)
    # Re-rendering at twice the size with the prompt kept reads as a size move, as the real
    # labels read one (the guideline's optimization); the renders before it are the refinement.
    assert _intents(result)[:8] == ["refinement"] * 8
    refinement = result.phases[0]
    assert refinement.intent == "refinement"
    assert refinement.n_candidates == 2
    assert refinement.concepts == ["mountain landscape at dawn"]
    assert refinement.label.startswith("Refined: mountain landscape at dawn — ")
    assert "converged on 2 candidates" in refinement.label
    assert "seed variation" not in refinement.label


def test_optimization_label_states_parameter_range_and_counts():
    result = _infer(sweep_cfg([5, 6, 7, 8, 9, 10, 11, 12], subject=1))
    assert result.intent == "optimization"
    (phase,) = result.phases
    assert (phase.parameter, phase.first_value, phase.last_value) == ("cfg_scale", "5", "12")
    assert phase.label.startswith("Optimized: CFG scale 5→12 for ")
    assert "8 values" in phase.label and "8 renders" in phase.label
    assert "parameter_changes" in phase.signals


def test_convergent_selection():
    gens = explore(5, start=2) + refine(8, subject=3)  # SUBJECTS[3] was the second explored
    result = _infer(gens)
    assert _intents(result) == ["exploration"] * 5 + ["refinement"] * 8
    assert result.intent == "convergent_selection"
    assert result.arc == "explore → refine"
    assert result.label.startswith("Selected: explored 5 subjects, then refined ")
    assert result.label.endswith("abstract wave pattern of flowing ribbons")


def test_mixed_session_is_segmented_at_the_strategy_changes():
    gens = (
        explore(6)
        + refine(8, subject=2)
        + sweep_cfg([4, 6, 8, 10, 12], subject=2, seed=49)
        + explore(5, start=5, seed=90000)
    )
    result = _infer(gens)
    intents = _intents(result)
    # Position 14 is the render the CFG sweep starts from (seed 49, CFG 7): either side is right.
    assert intents[:13] == ["exploration"] * 6 + ["refinement"] * 7
    assert intents[14:] == ["optimization"] * 5 + ["exploration"] * 5
    assert [p.intent for p in result.phases] == [
        "exploration",
        "refinement",
        "optimization",
        "exploration",
    ]
    assert [p.first_position for p in result.phases][::3] == [1, 20]
    assert result.intent == "mixed"
    assert result.arc == "explore → refine → optimize → pivot → explore"
    assert all(0.0 < p.confidence <= 1.0 for p in result.phases)


def test_a_stray_generation_does_not_make_a_phase():
    gens = refine(12, subject=0)
    gens[5] = gen(prompt=f"{SUBJECTS[6]}, watercolor", seed=777777, gap=30)
    result = _infer(gens)
    assert [p.intent for p in result.phases] == ["refinement"]
    assert result.arc == "refine"
    assert result.intent == "refinement"


def test_two_refinements_of_different_concepts_are_two_phases():
    result = _infer(refine(8, subject=0) + refine(8, subject=4, base_seed=900))
    assert result.intent == "refinement"
    assert result.arc == "refine → pivot → refine"
    assert [p.first_position for p in result.phases] == [1, 9]


def test_prompt_only_midjourney_leans_on_prompts_and_images():
    def job(job_id: str, prompt: str, sims: list[float]) -> list[dict]:
        base = dict.fromkeys(("seed", "steps", "cfg_scale", "sampler", "scheduler", "model"))
        return [
            gen(**base, prompt=prompt, job_id=job_id, image_similarity=s, gap=0 if i else 90)
            for i, s in enumerate(sims)
        ]

    gens = []
    for j in range(4):  # four jobs of different subjects
        gens += job(f"e{j}", f"{SUBJECTS[j]} --ar 2:3", [0.3, 0.85, 0.85, 0.85])
    for j in range(4):  # then the same prompt again and again
        gens += job(f"r{j}", f"{SUBJECTS[5]} --ar 2:3", [0.95, 0.9, 0.9, 0.9])
    frame = session_frame(gens)
    assert needs_visual(frame)
    result = infer_session(frame, build_artist_context(frame))
    assert _intents(result) == ["exploration"] * 16 + ["refinement"] * 16
    assert "16 images from 4 jobs" in result.phases[1].label
    assert result.signals[0] == "image_similarity" and SPARSE_SIGNAL in result.signals


def test_images_only_session_says_it_rests_on_visual_similarity():
    bare = dict.fromkeys(("prompt", "seed", "steps", "cfg_scale", "sampler", "scheduler", "model"))
    sims = [0.2, 0.3, 0.25, 0.1, 0.2, 0.97, 0.96, 0.98, 0.95, 0.97, 0.96]
    gens = [gen(**bare, image_similarity=None if i == 0 else sims[i - 1]) for i in range(12)]
    frame = session_frame(gens)
    assert needs_visual(frame)
    result = infer_session(frame, build_artist_context(frame))
    assert [p.intent for p in result.phases] == ["exploration", "refinement"]
    # The sixth image starts the run of near-twins, so it opens the refinement.
    assert [(p.first_position, p.last_position) for p in result.phases] == [(1, 5), (6, 12)]
    for phase in result.phases:
        assert phase.signals[0] == "image_similarity"
        assert SPARSE_SIGNAL in phase.signals
    assert result.phases[0].label == "Explored: 5 visually distinct directions"


def test_needs_visual_is_false_with_settings():
    assert not needs_visual(session_frame(refine(4)))


def test_inference_sorts_rows_and_is_fast():
    gens = (explore(40) + refine(60) + sweep_cfg([float(v) for v in range(3, 23)])) * 3
    frame = session_frame(gens).sample(fraction=1.0, shuffle=True, seed=1)
    context = build_artist_context(frame)
    started = time.perf_counter()
    result = infer_session(frame, context)
    elapsed = time.perf_counter() - started
    assert result.n_generations == 360
    assert len(result.phase_of_position) == 360
    assert result.phases[0].first_position == 1 and result.phases[0].intent == "exploration"
    assert elapsed < 0.5  # a few ms on an idle core; generous for a shared machine


def test_one_session_at_a_time():
    frame = pl.concat([session_frame(refine(3)), session_frame(refine(3), session_id="s2")])
    with pytest.raises(ValueError, match="one session"):
        infer_session(frame, build_artist_context(frame))


def test_a_setting_tried_and_reverted_is_not_an_optimization():
    gens = refine(8, subject=2)
    gens[4] = gens[4] | {"cfg_scale": 15.0, "seed": gens[3]["seed"]}
    gens[5] = gens[5] | {"seed": gens[3]["seed"]}
    result = _infer(gens)
    assert [p.intent for p in result.phases] == ["refinement"]
    assert result.phases[0].parameter is None


def test_a_seed_locked_all_session_is_not_a_candidate():
    gens = [g | {"seed": 7} for g in refine(6, subject=1)]
    gens = [g | {"prompt": f"{g['prompt']}, variant {i}"} for i, g in enumerate(gens)]
    result = _infer(gens)
    assert result.phases[0].intent == "refinement"
    assert result.phases[0].n_candidates == 0  # no keeper: 0, never NULL
    assert "candidate" not in result.label
