"""session_keepers and find_sessions over a hand-built lake: one session per keeper reason.

ann/1  a seed rendered again at twice the size (hires fix): the first render is kept; the
       artist also marked render #2 (`keep`), which ranks first
ann/2  an image saved in A1111's img2img folder
bob    a Midjourney grid, then one image of the same prompt (U button)
cat    image similarity to the previous render rising 3 times to 0.996: #5 converged
dan    the same image in a second archive (copied)
eve    three renders, nothing shows a choice: no rows
fay    seed 7 rendered plain, then the same seed and prompt with an A1111 hires fix recorded in
       the metadata (same first-pass size): the plain render is kept
hal    image similarity: every render after #2 is closest to #2 (angles 15, -15, -5, 5 degrees
       around it), with no rising run: #2 is the one later renders stay closest to
gus    a ComfyUI img2img whose init image is the session's first render; a lone hires render
       whose seed matches no earlier render is no evidence
"""

import math
from pathlib import Path

import duckdb
import pytest

from orchestration.intent.keeper_marks import KeeperMark, KeeperMarks
from tests.warehouse.helpers import build_without_intents, run_find
from tests.warehouse.lake_fixture import content_hash, generation, write_archive, write_vectors

pytestmark = pytest.mark.slow(seconds=30)  # pipelines, dbt, servers: started first

P = "castle on a hill at dusk"


def _angle(degrees: float) -> list[float]:
    return [math.cos(math.radians(degrees)), math.sin(math.radians(degrees))]


def _lake_rows() -> tuple[list[dict], list[dict]]:
    size = {"width": 512, "height": 512}
    main = [
        generation("a1", "ann", 0, P, seed=5, **size),
        generation("a2", "ann", 2, P, seed=6, **size),
        generation("a3", "ann", 4, P, seed=5, width=1024, height=1024),
        generation("a4", "ann", 300, "a red fox", seed=9)
        | {"source_path": "outputs/img2img-images/1.png"},
        *[
            generation(f"b{i}", "bob", i, "neon koi", tool="midjourney", job_id="job-grid")
            for i in range(4)
        ],
        generation("b4", "bob", 5, "neon koi", tool="midjourney", job_id="job-upscale"),
        *[generation(f"c{i}", "cat", i, f"ocean study {i}", seed=i) for i in range(1, 7)],
        generation("d1", "dan", 0, "paper lantern", seed=1),
        generation("d2", "dan", 1, "paper lantern, warm", seed=2),
        *[generation(f"e{i}", "eve", i, f"forest path {i}", seed=10 + i) for i in range(3)],
        generation("f1", "fay", 0, "glass city", seed=7, **size),
        generation("f2", "fay", 1, "glass city", seed=8, **size),
        generation(
            "f3",
            "fay",
            2,
            "glass city",
            seed=7,
            **size,
            upscale_factor=2.0,
            upscaler="R-ESRGAN 4x+",
            denoising_strength=0.35,
        ),
        generation("g1", "gus", 0, "tin robot", seed=3, tool="comfyui")
        | {"source_path": "output/ComfyUI_00001_.png"},
        generation(
            "g2",
            "gus",
            1,
            "tin robot, rusty",
            seed=4,
            tool="comfyui",
            denoising_strength=0.6,
            init_image="ComfyUI_00001_.png",
        ),
        generation("g3", "gus", 2, "tin robot", seed=99, tool="comfyui", upscaler="LatentUpscale"),
        *[generation(f"h{i}", "hal", i, "harbour at night", seed=20 + i) for i in range(1, 7)],
    ]
    copy = [
        generation("d1", "dan", 0, "paper lantern", seed=1) | {"source_path": "favourites/d1.png"}
    ]
    return main, copy


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("keepers")
    lake, corrections, warehouse = tmp / "lake", tmp / "corrections", tmp / "warehouse.duckdb"
    main, copy = _lake_rows()
    write_archive(lake, "main", main)
    write_archive(lake, "copies", copy)
    # cat: angles 0, 100, 160, 180, 185, 275 → consecutive cosines -0.17, 0.5, 0.94, 0.996, 0.
    angles = [0, 100, 160, 180, 185, 275]
    write_vectors(
        lake,
        "image_embeddings",
        "img-2d",
        "main",
        {content_hash(f"c{i}"): _angle(a) for i, a in enumerate(angles, 1)}
        | {content_hash(f"h{i}"): _angle(a) for i, a in enumerate([90, 0, 15, -15, -5, 5], 1)},
    )
    prompts = {row["prompt"] for row in main}
    write_vectors(
        lake,
        "prompt_embeddings",
        "txt-2d",
        "p0",
        {p: _angle(90 if "castle" in p else 0) for p in prompts},
    )
    KeeperMarks.in_dir(corrections).mark(KeeperMark("a2", "ignored", "ann", "ann", "the one"))
    build_without_intents(lake, warehouse, corrections, tmp)
    return warehouse


def _keepers(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select g.artist, k.generation_id, k.reason, k.evidence, k.rank "
            "from session_keepers as k join generations as g using (generation_id) "
            "order by g.artist, k.rank, k.reason"
        ).fetchall()
    found: dict[str, list[tuple]] = {}
    for artist, *rest in rows:
        found.setdefault(artist, []).append(tuple(rest))
    return found


def test_each_reason_names_its_render_and_evidence(warehouse: Path) -> None:
    keepers = _keepers(warehouse)
    ann = {(gid, reason): (evidence, rank) for gid, reason, evidence, rank in keepers["ann"]}
    evidence, rank = ann[("a2", "marked")]
    assert evidence.startswith("marked by ann on ") and evidence.endswith(": the one")
    assert rank == 1
    evidence, rank = ann[("a1", "second_pass")]
    assert "seed 5 rendered again at 1024×1024 (from 512×512) at #3" == evidence
    assert rank == 2  # a marked keeper outranks evidence the pipeline found
    assert "img2img-images" in ann[("a4", "second_pass")][0]
    assert [(g, r) for g, r, _, _ in keepers["bob"]] == [("b4", "second_pass")]
    assert "Midjourney upscale" in keepers["bob"][0][2]
    ((gid, reason, evidence, _),) = keepers["cat"]
    assert (gid, reason) == ("c5", "converged")
    assert evidence.startswith("image similarity to the previous render rose ")
    ((gid, reason, evidence, _),) = keepers["dan"]
    assert (gid, reason) == ("d1", "copied")
    # The evidence names the copy other than the one `generations` keeps.
    assert evidence in ("also kept at main:d1.png", "also kept at copies:favourites/d1.png")


def test_second_passes_read_from_metadata(warehouse: Path) -> None:
    keepers = _keepers(warehouse)
    ((gid, reason, evidence, _),) = keepers["fay"]
    assert (gid, reason) == ("f1", "second_pass")
    assert evidence == (
        "seed 7 carried into a hires/upscale pass at #3 (×2.0, R-ESRGAN 4x+, denoising 0.35)"
    )
    ((gid, reason, evidence, _),) = keepers["gus"]
    assert (gid, reason) == ("g1", "second_pass")
    assert evidence == "used as the init image of #2 (denoising 0.6)"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select generation_id, upscale_factor, upscaler, denoising_strength, init_image "
            "from generations where artist in ('fay', 'gus') order by 1"
        ).fetchall()
    assert rows[2] == ("f3", 2.0, "R-ESRGAN 4x+", 0.35, None)
    assert rows[4] == ("g2", None, None, 0.6, "ComfyUI_00001_.png")


def test_the_render_later_renders_stay_closest_to(warehouse: Path) -> None:
    ((gid, reason, evidence, rank),) = _keepers(warehouse)["hal"]
    assert (gid, reason, rank) == ("h2", "converged", 1)
    assert (
        evidence
        == "4 of the 4 renders after it (#3–#6) stay closest to it, mean image similarity 0.98"
    )


def test_a_session_without_evidence_has_no_keepers(warehouse: Path) -> None:
    assert "eve" not in _keepers(warehouse)


def test_intent_signals_carry_keeper_reasons(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = dict(
            con.execute(
                "select generation_id, keeper_reasons from intent_signals where artist = 'ann'"
            ).fetchall()
        )
    assert rows == {"a1": "second_pass", "a2": "marked", "a3": None, "a4": "second_pass"}


def test_find_sessions_ranks_by_the_closest_prompt(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        ranked = con.execute(
            "select artist, round(similarity, 3), best_prompt, best_position "
            "from find_sessions([0.0, 1.0]) order by similarity desc, session_id"
        ).fetchall()
    assert ranked[0] == ("ann", 1.0, P, 1)
    assert {row[0] for row in ranked[1:]} == {
        "ann",
        "bob",
        "cat",
        "dan",
        "eve",
        "fay",
        "gus",
        "hal",
    }
    assert all(row[1] == 0.0 for row in ranked[1:])


def test_find_prints_session_label_prompt_and_keepers(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = warehouse.parent
    result = run_find(monkeypatch, data_dir, "a castle", "--limit", "6")
    assert result.exit_code == 0, result.output
    first = result.output.split("\n2. ")[0]
    assert first.startswith("1. 1.00  ") and " ann (3 gen" in first
    assert f"best prompt (#1, 1.00): {P}" in first
    assert "keeper: main!a2.png (marked: marked by ann on " in first  # the mark ranks first
    assert "keeper: main!a1.png (second_pass: seed 5 rendered again" in first
    assert "keepers: none (no evidence of choice in the data)" in result.output  # eve

    only_bob = run_find(monkeypatch, data_dir, "a castle", "--artist", "b")
    assert only_bob.exit_code == 0, only_bob.output
    assert " bob (5 gen" in only_bob.output and " ann " not in only_bob.output
    later = run_find(monkeypatch, data_dir, "castle", "--since", "2030-01-01")
    assert later.exit_code == 1 and "no session matches" in later.output


def test_keep_marks_and_unmarks_a_render(warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from orchestration.cli import intents as cli_intents
    from orchestration.cli import main

    relabelled: list[Path] = []
    monkeypatch.setattr(cli_intents, "_relabel", relabelled.append)
    data_dir = warehouse.parent
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (eve,) = con.execute("select session_id from sessions where artist = 'eve'").fetchone()

    def eve_keepers() -> list[tuple]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select generation_id, reason from session_keepers where session_id = $s",
                {"s": eve},
            ).fetchall()

    runner = CliRunner()
    result = runner.invoke(main, ["--data-dir", str(data_dir), "keep", eve[:6], "2"])
    assert result.exit_code == 0, result.output
    assert f"render #2 of session {eve} is a keeper" in result.output
    assert eve_keepers() == [("e1", "marked")]  # the view reads the marks at query time
    assert relabelled == [data_dir]  # the label's count follows
    result = runner.invoke(main, ["--data-dir", str(data_dir), "keep", eve[:6], "2", "--remove"])
    assert result.exit_code == 0, result.output
    assert eve_keepers() == []
    missing = runner.invoke(main, ["--data-dir", str(data_dir), "keep", eve[:6], "9"])
    assert missing.exit_code == 1 and "no render #9" in missing.output
