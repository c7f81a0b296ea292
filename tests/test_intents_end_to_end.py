"""Intent labels through the real pipeline on the sample: views, accuracy, skipping, budgets,
corrections that override and survive a rebuild from scratch."""

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.assets.intents import intents_dir
from orchestration.definitions import build_definitions
from orchestration.intent.contract import INTENTS_SCHEMA, PHASES_SCHEMA, SESSION_INTENTS
from orchestration.intent.corrections import CorrectionStore, correction_for
from orchestration.intent_eval import score_warehouse
from orchestration.runner import label_stale, run_stale
from orchestration.sample import build_sample_archive
from orchestration.session_journal import load_journal, render_journal

pytestmark = pytest.mark.slow(seconds=380)  # pipelines, dbt, servers: started first

# Columns whose value legitimately differs between two runs over the same inputs.
_RUN_STAMPED = {"labelled_at"}


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("data")
    manifest = build_sample_archive(data / "sample")
    defs = build_definitions(str(data))
    paths = defs.resources["paths"]
    for entry in manifest.archives:
        paths.registry.register(entry.path, entry.artist)
    instance = dg.DagsterInstance.ephemeral()
    report = run_stale(instance, defs)
    return defs, instance, report, manifest, paths


def _query(paths, sql: str, params: dict | None = None) -> pl.DataFrame:
    with duckdb.connect(str(paths.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or {}).pl()


def _tables(paths) -> dict[str, pl.DataFrame]:
    out = {}
    for name in ("session_phases", "session_intents", "member_phases"):
        table = pl.read_parquet(intents_dir(paths) / f"{name}.parquet")
        keys = ["session_id", "phase_no" if name == "session_phases" else "session_id"]
        if name == "member_phases":
            keys = ["generation_id"]
        out[name] = table.drop([c for c in _RUN_STAMPED if c in table.columns]).sort(keys)
    return out


def test_every_session_labelled_with_views_in_the_contract(labelled) -> None:
    _, _, report, _, paths = labelled
    assert report.labelling["sessions_labelled"] == 38
    assert report.labelling["sessions_remaining"] == 0
    for view, schema in (("session_intents", INTENTS_SCHEMA), ("session_phases", PHASES_SCHEMA)):
        columns = _query(paths, f"describe {view}")["column_name"].to_list()
        assert set(schema.names) <= set(columns), set(schema.names) - set(columns)
    unlabelled = _query(
        paths, "select count(*) as n from sessions anti join session_intents using (session_id)"
    )
    assert unlabelled["n"][0] == 0
    members = _query(
        paths, "select count(*) as n, count(phase_no) as with_phase from session_members"
    )
    assert members["n"][0] == members["with_phase"][0] == 458
    intents = set(_query(paths, "select distinct intent from session_intents")["intent"])
    assert intents == {"exploration", "refinement", "optimization", "convergent_selection", "mixed"}


def test_labels_agree_with_the_ground_truth(labelled) -> None:
    *_, manifest, paths = labelled
    report = score_warehouse(paths.warehouse_path, manifest.ground_truth_path)
    assert report.n_generations == 458
    assert report.macro_f1 >= 0.90, report.summary()
    assert report.session_accuracy >= 0.85, report.summary()


def test_labels_carry_parameters_ranges_and_counts(labelled) -> None:
    *_, paths = labelled
    optimizations = _query(
        paths,
        "select label, parameter, first_value, last_value from session_phases "
        "where intent = 'optimization' and parameter = 'cfg_scale'",
    )
    assert optimizations.height >= 1
    for label, _, first, last in optimizations.iter_rows():
        assert label.startswith("Optimized: CFG scale")
        assert f"{first}→{last}" in label
    refined = _query(paths, "select label from session_phases where intent = 'refinement'")
    assert all(" renders" in lbl or " images from " in lbl for lbl in refined["label"])
    assert not any("seed variation" in lbl for lbl in refined["label"])


def test_journal_prints_labels_and_phases(labelled) -> None:
    *_, paths = labelled
    text = render_journal(load_journal(paths.warehouse_path, artist="kai"))
    assert "Selected: explored" in text
    assert "arc: explore → refine" in text
    assert "    1. Explored:" in text
    assert "mira" not in text


def test_an_unchanged_archive_is_not_relabelled(labelled) -> None:
    defs, instance, *_, paths = labelled
    files = [*intents_dir(paths).glob("*.parquet"), *paths.journal_dir.glob("*.html")]
    written = {f: f.stat().st_mtime_ns for f in files}
    runs = len(instance.get_run_records())
    again = label_stale(instance, defs)
    assert again["sessions_labelled"] == 0
    assert again["sessions_skipped_unchanged"] == 38
    # A no-op plans in SQL and stops: no Dagster run, no table or page rewritten.
    assert len(instance.get_run_records()) == runs
    assert {f: f.stat().st_mtime_ns for f in files} == written


def test_budgeted_runs_resume_to_the_unbudgeted_result(labelled) -> None:
    defs, instance, *_, paths = labelled
    whole = _tables(paths)
    shutil.rmtree(intents_dir(paths))
    runs = []
    while True:
        step = label_stale(instance, defs, budget="sessions=10")
        runs.append((step["sessions_labelled"], step["sessions_remaining"]))
        if step["sessions_remaining"] == 0:
            break
        assert len(runs) < 10
    assert runs == [(10, 28), (10, 18), (10, 8), (8, 0)]
    resumed = _tables(paths)
    for name, table in whole.items():
        assert resumed[name].equals(table), name


def test_cli_journal_preview_and_corrections_round_trip(labelled, tmp_path) -> None:
    from click.testing import CliRunner

    from orchestration.cli import main

    *_, paths = labelled
    runner = CliRunner()
    base = ["--data-dir", str(paths.root)]
    shown = runner.invoke(main, [*base, "sessions", "--artist", "jonas"])
    assert shown.exit_code == 0, shown.output
    assert "Optimized: CFG scale 5→12" in shown.output
    preview = runner.invoke(main, [*base, "label", "--preview", "--budget", "sessions=5"])
    assert preview.exit_code == 0, preview.output
    assert "budget: sessions=5" in preview.output
    assert "unchanged (skipped): 38 sessions" in preview.output
    bad = runner.invoke(main, [*base, "label", "--budget", "sessions=-1"])
    assert bad.exit_code != 0 and "sessions" in bad.output

    session_id = _query(
        paths,
        "select session_id from session_phases where artist = 'jonas' and phase_no = 2 "
        "order by session_id limit 1",
    )["session_id"][0]
    ambiguous = runner.invoke(main, [*base, "correct", "", "--intent", "refinement"])
    assert ambiguous.exit_code != 0 and "matches" in ambiguous.output
    corrected = runner.invoke(
        main, [*base, "correct", session_id[:10], "--intent", "refinement", "--phase", "2"]
    )
    assert corrected.exit_code == 0, corrected.output
    assert "1 sessions labelled" in corrected.output or "sessions labelled" in corrected.output
    phase = _query(
        paths,
        "select intent, corrected from session_phases where session_id = $s and phase_no = 2",
        {"s": session_id},
    ).row(0)
    assert phase == ("refinement", True)

    exported = tmp_path / "corrections.json"
    done = runner.invoke(main, [*base, "corrections", "export", str(exported)])
    assert done.exit_code == 0 and exported.exists()
    other = tmp_path / "other"
    for _ in range(2):  # importing twice adds nothing the second time
        imported = runner.invoke(
            main, ["--data-dir", str(other), "corrections", "import", str(exported)]
        )
        assert imported.exit_code == 0, imported.output
    assert "imported 0 corrections" in imported.output
    assert (
        CorrectionStore.in_dir(other / "corrections").all()
        == CorrectionStore.in_dir(paths.corrections_dir).all()
    )


def test_a_tight_image_budget_embeds_only_sessions_that_need_pictures(labelled, tmp_path) -> None:
    *_, manifest, _ = labelled
    defs = build_definitions(str(tmp_path / "data"))
    paths = defs.resources["paths"]
    for entry in manifest.archives:
        paths.registry.register(entry.path, entry.artist)
    instance = dg.DagsterInstance.ephemeral()
    report = run_stale(instance, defs, budget="images=60,sessions=20")
    assert report.labelling["sessions_labelled"] == 20
    assert report.labelling["sessions_remaining"] == 18
    embedded = _query(
        paths,
        "select s.tool, count(distinct s.content_hash) as n from intent_signals s "
        "where s.has_image_embedding group by all",
    )
    # Only the Midjourney sessions (prompt only, no seed or settings) lean on pictures.
    assert embedded["tool"].to_list() == ["midjourney"]
    assert 0 < embedded["n"][0] <= 60

    run_stale(instance, defs)
    left = _query(
        paths,
        "select count(*) filter (where content_hash is not null and not has_image_embedding) "
        "as stale, count(distinct session_id) as sessions from intent_signals",
    ).row(0)
    assert left == (0, 38)
    assert _query(paths, "select count(*) as n from session_intents")["n"][0] == 38


def test_a_correction_overrides_and_survives_a_rebuild_from_scratch(labelled) -> None:
    defs, instance, *_, paths = labelled
    target = _query(
        paths,
        "select session_id, intent, label from session_intents "
        "where artist = 'sol' and intent = 'exploration' order by started_at limit 1",
    ).row(0, named=True)
    members = _query(
        paths,
        "select m.generation_id, m.session_id, m.phase_no, s.artist "
        "from session_members m join sessions s using (session_id) order by position",
    )
    store = CorrectionStore.in_dir(paths.corrections_dir)
    store.add(
        correction_for(
            members,
            target["session_id"],
            "refinement",
            author="test",
            label="Refined: one storm, many skies",
        )
    )
    label_stale(instance, defs)
    shown = _query(
        paths,
        "select intent, label, corrected, inferred_intent from session_intents "
        "where session_id = $s",
        {"s": target["session_id"]},
    ).row(0)
    assert shown[:3] == ("refinement", "Refined: one storm, many skies", True)
    # The inferred intent stays beside the correction (it may move: the artist's calibration
    # learned from this very correction).
    assert shown[3] in SESSION_INTENTS

    # Lake, warehouse and Dagster instance gone: only the archives and corrections remain.
    for built in (paths.lake_dir, paths.root / "dagster", paths.root / "intents"):
        shutil.rmtree(built, ignore_errors=True)
    paths.warehouse_path.unlink()
    run_stale(dg.DagsterInstance.ephemeral(), defs)
    rebuilt = _query(
        paths,
        "select intent, label, corrected from session_intents where session_id = $s",
        {"s": target["session_id"]},
    ).row(0)
    assert rebuilt == ("refinement", "Refined: one storm, many skies", True)
    assert len(store.all()) == 2  # this one and the CLI's phase correction
    phases_corrected = _query(paths, "select count(*) as n from session_phases where corrected")
    assert phases_corrected["n"][0] == 1
