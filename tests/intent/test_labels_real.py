"""Labels a person would write: subjects named from prompt structure, honest counts, short lines.

The prompts here are written for these tests in the shapes real DiffusionDB prompts take (frames,
style tails, "by" artists, the tokeniser's "3 d" and "8 k"); the last test runs the labellers on
the real development sessions when ../shared/realdata is present.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest

from orchestration.intent.arcs import PhaseView, session_label
from orchestration.intent.concepts import ArtistContext, subject_name
from orchestration.intent.features import SessionRows, Step, session_rows, steps
from orchestration.intent.infer import build_artist_context, infer_session
from orchestration.intent.labels import (
    LABELLERS,
    MAX_LABEL,
    PhaseFacts,
    explored,
    refined,
    single_render_label,
)
from orchestration.intent.templates import explored_items
from tests.intent.signal_frames import explore, gen, refine, session_frame, sweep_cfg

REALDATA = Path(__file__).resolve().parents[2].parent / "shared" / "realdata"
DIFFUSIONDB = REALDATA / "diffusiondb-first1k"
CONTEXT = ArtistContext("ada")
SPACED_TOKENS = re.compile(r"\b\d (?:\d|[a-z])\b")  # "3 d", "7 6": the tokeniser's spacing
FRAGMENT = re.compile(r"(?:^|, |\{)[b-z] ")  # a name opening on a lone letter ("d toy")


def _rows(prompts: list[str], seeds: list[int] | None = None) -> tuple[SessionRows, list[Step]]:
    seeds = seeds or [1_000_003 * (i + 1) % 4_294_967_291 for i in range(len(prompts))]
    gens = [gen(prompt=p, seed=s, gap=40) for p, s in zip(prompts, seeds, strict=True)]
    rows = session_rows(session_frame(gens))
    return rows, steps(rows)


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        (
            "3 d toy kraken as funco toy, octane 8 k render, studio lighting",
            "3d toy kraken as funco toy",
        ),
        (
            "a shelf full of old clocks. dust, intricate, highly detailed",
            "shelf full of old clocks",
        ),
        (
            "a dreamy portrait of a medieval queen, soft dreamy light, by jan vermeer",
            "medieval queen",
        ),
        ("an accurate close - up portrait of ada lovelace painted by vermeer, 4 k", "ada lovelace"),
        (
            "paper lanterns over a canal in the style of hiroshige, ukiyo - e",
            "paper lanterns over a canal",
        ),
        (
            "an old fisherman mending nets on a pier at dawn, film grain",
            "old fisherman mending nets",
        ),
        ("mecha pilot 4 2 in a hangar", "mecha pilot 42 in a hangar"),
        ("still of blade runner ( 1 9 8 2 ), anamorphic", "blade runner 1982"),
        ("by greg rutkowski, artgerm, 8 k", ""),
    ],
)
def test_subjects_are_named_as_written(prompt: str, expected: str):
    assert subject_name(prompt) == expected


def test_names_never_take_the_style_tail_or_the_artist():
    tail = ", soft dreamy light, oil on canvas, renaissance, by jan vermeer and hans holbein"
    prompts = [f"{who}{tail}" for who in ("portrait of a merchant", "a merchant's wife")]
    prompts += [f"portrait of a merchant counting coins{tail}"] * 3
    rows, st = _rows(prompts)
    facts = refined(rows, st, CONTEXT)
    assert facts.concepts == ["merchant counting coins"]  # the subject most rendered
    assert facts.label == "Refined: merchant counting coins — 5 renders"
    assert not re.search(r"dreamy|vermeer|holbein|\bby\b", facts.label)


def test_a_subject_keeps_its_noun_phrase_and_its_number():
    prompts = ["a desk full of maps and compasses, candle light", "3 d toy yeti as funco toy, 8 k"]
    assert [subject_name(p) for p in prompts] == [
        "desk full of maps and compasses",
        "3d toy yeti as funco toy",
    ]
    assert not any(FRAGMENT.search(subject_name(p)) for p in prompts)


def test_template_exploration_names_the_slot_values():
    frame = "sticker icon flat minimal {}, by some studio, behance hd"
    rows, st = _rows([frame.format(s) for s in ("otter", "lighthouse keeper", "pangolin")])
    facts = explored(rows, st, CONTEXT)
    assert facts.label == "Explored: sticker icon flat minimal {otter, lighthouse keeper, pangolin}"
    assert facts.concepts == ["otter", "lighthouse keeper", "pangolin"]


def test_template_around_a_portrait_frame_drops_the_painter():
    people = ("ada lovelace", "grace hopper", "hedy lamarr")
    prompts = [
        f"a close - up portrait of {p} painted by vermeer, oil painting, 4 k" for p in people
    ]
    label = explored(*_rows(prompts), CONTEXT).label
    assert all(p in label for p in people)
    assert "vermeer" not in label and "by" not in label.split()


def test_different_scenes_sharing_a_name_are_listed_not_templated():
    items = explored_items(
        [
            "the red baron flies over the trenches at dusk, oil painting",
            "a cat sleeps in the red baron's cockpit as it lands in a field, watercolor",
        ]
    )
    assert all(isinstance(i, str) for i in items) and len(items) == 2


def test_exploration_dedupes_near_identical_subjects():
    prompts = ["walrus at the harbour, 4 k", "walrus at the old harbour, 4 k", "moth on a lamp"]
    assert explored(*_rows(prompts), CONTEXT).concepts == [
        "walrus at the harbour",
        "moth on a lamp",
    ]


def test_random_seeds_are_renders_not_seed_variations():
    prompts = ["glass whale in a desert, 8 k"] * 6
    label = refined(*_rows(prompts), CONTEXT).label
    assert label == "Refined: glass whale in a desert — 6 renders"


def test_kept_or_stepped_seeds_are_counted():
    prompts = ["glass whale in a desert, 8 k"] * 6
    stepped = refined(*_rows(prompts, [100, 101, 102, 103, 104, 105]), CONTEXT).label
    kept = refined(*_rows(prompts, [7] * 6), CONTEXT).label
    reused = refined(*_rows(prompts, [9, 51_234, 9, 77_777, 5, 9]), CONTEXT).label
    assert stepped.endswith("6 renders across 6 seeds")
    assert kept.endswith("6 renders on one seed")
    assert "6 renders across 4 seeds" in reused


def test_long_sessions_have_short_labels():
    gens = []
    for i in range(8):  # refine → explore, eight times over, every subject different
        gens += refine(4, subject=i % 8, base_seed=1000 * i) + explore(3, start=i, seed=50_000 * i)
    frame = session_frame(gens)
    result = infer_session(frame, build_artist_context(frame))
    assert len(result.phases) >= 6
    assert len(result.label) <= MAX_LABEL
    assert all(len(p.label) <= MAX_LABEL for p in result.phases)


def test_session_label_summarises_the_arc_within_the_limit():
    def view(intent: str, label: str, concepts: list[str]) -> PhaseView:
        return PhaseView(intent, [], label, concepts, 4)

    many = [
        "golden eagle over granite peaks",
        "red kite above wheat fields",
        "hoopoe with an open crest",
        "eurasian jay in a pinewood",
        "firecrest on a juniper branch",
        "magpie across four seasons",
        "wagtail at the river edge",
        "flock of swallows at dawn",
        "wooden hiking stick",
    ]
    phases = [view("refinement", f"Refined: {c} — 4 renders", [c]) for c in many]
    label = session_label("refinement", phases)
    assert label.startswith("Refined 9 subjects: golden eagle over granite peaks, red kite")
    assert label.endswith(" more") and len(label) <= MAX_LABEL

    mixed = [
        view("exploration", "Explored: …", ["castle", "robot", "forest", "desert city"]),
        view("refinement", "Refined: girl at a rainy train window — 5 renders", ["girl at window"]),
        view("optimization", "Optimized: CFG scale 5→12 for girl at window — 8 values", ["girl"]),
        view("exploration", "Explored: …", ["pho", "night street", "train station"]),
    ]
    assert session_label("mixed", mixed) == (
        "Explored castle, robot and 2 more, refined girl at window, optimized CFG scale, "
        "explored pho, night street and 1 more"
    )


def test_optimization_names_its_subject():
    rows = session_rows(session_frame(sweep_cfg([4, 6, 8, 10], subject=4)))
    facts = LABELLERS["optimization"](rows, steps(rows), CONTEXT)
    assert facts.label == (
        "Optimized: CFG scale 4→10 for lighthouse on a cliff — 4 values, 4 renders"
    )


def test_single_render_label():
    assert single_render_label("a heron in a misty marsh, 4 k, artstation") == (
        "Single render: heron in a misty marsh"
    )
    assert single_render_label("robot 7 6, by wlop") == "Single render: robot 76"
    assert single_render_label(None) == "Single render"
    assert single_render_label("", 4) == "Single render (4 images)"
    assert single_render_label("koi pond --ar 2:3", 4) == "Single render: koi pond (4 images)"


def _dev_phases() -> dict[str, list[tuple[str, pl.DataFrame]]]:
    """The development sessions' rows, grouped by their true phases (users 0–7 only)."""
    sample = pl.read_csv(DIFFUSIONDB / "diffusiondb_sample.csv", infer_schema_length=None)
    truth = pl.read_csv(DIFFUSIONDB / "labels" / "dev_phases.csv")
    rows = (
        sample.with_row_index("row_id", offset=1)
        .join(truth, on="row_id")
        .with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC"))
        .sort("session", "timestamp", "row_id")
    )
    assert rows["user_name"].str.slice(0, 1).is_in(list("01234567")).all()
    return {
        session: [(p["phase_intent"][0], p) for _, p in s.group_by("phase_no", maintain_order=True)]
        for (session,), s in rows.group_by("session", maintain_order=True)
    }


def _labels(phases: list[tuple[str, pl.DataFrame]], intent: str) -> tuple[list[PhaseFacts], str]:
    frame = pl.concat([p for _, p in phases])
    gaps = frame["timestamp"].diff().dt.total_seconds().fill_null(0).to_list()
    gens = [
        gen(
            prompt=r["prompt"],
            seed=r["seed"],
            steps=r["step"],
            cfg_scale=float(r["cfg"]),
            sampler=r["sampler"],
            scheduler=None,
            model=None,
            width=r["width"],
            height=r["height"],
            gap=gap,
        )
        for r, gap in zip(frame.iter_rows(named=True), gaps, strict=True)
    ]
    rows = session_rows(session_frame(gens))
    session_steps = steps(rows)
    facts, views, start = [], [], 0
    for intent, p in phases:
        phase_steps = [s for s in session_steps if start <= s.first_row < start + p.height]
        fact = LABELLERS[intent](rows, phase_steps, CONTEXT)
        facts.append(fact)
        views.append(PhaseView(intent, phase_steps, fact.label, fact.concepts, p.height))
        start += p.height
    return facts, session_label(intent, views)


@pytest.mark.skipif(not DIFFUSIONDB.is_dir(), reason=f"real data folder absent: {REALDATA}")
def test_dev_session_labels_have_no_bad_fragments():
    sessions = _dev_phases()
    intents = dict(
        pl.read_csv(DIFFUSIONDB / "labels" / "dev_sessions.csv")
        .select("session", "session_intent")
        .iter_rows()
    )
    assert len(sessions) >= 20
    for session, phases in sessions.items():
        facts, label = _labels(phases, intents[session])
        for text in [label, *(f.label for f in facts)]:
            assert len(text) <= MAX_LABEL, (session, text)
            assert "seed variation" not in text, (session, text)
            assert not SPACED_TOKENS.search(text), (session, text)
            assert not re.search(r"\bby\b", text), (session, text)
        for name in (c for f in facts for c in f.concepts):
            assert name and not FRAGMENT.search(name), (session, name)
