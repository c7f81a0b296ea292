"""Intent labels through the real pipeline on the sample: views, accuracy, skipping, budgets,
corrections that override and survive a rebuild from scratch."""

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from orchestration.assets.intents import intents_dir
from orchestration.definitions import build_definitions
from orchestration.intent.contract import INTENTS_SCHEMA, PHASES_SCHEMA
from orchestration.intent.corrections import CorrectionStore, correction_for
from orchestration.intent_eval import score_warehouse
from orchestration.runner import label_stale, run_stale
from orchestration.sample import build_sample_archive
from orchestration.session_journal import load_journal, render_journal

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
    assert all(" seed variations" in lbl or " images from " in lbl for lbl in refined["label"])


def test_journal_prints_labels_and_phases(labelled) -> None:
    *_, paths = labelled
    text = render_journal(load_journal(paths.warehouse_path, artist="kai"))
    assert "Selected: started with" in text
    assert "arc: explore → refine" in text
    assert "    1. Explored:" in text
    assert "mira" not in text


def test_an_unchanged_archive_is_not_relabelled(labelled) -> None:
    defs, instance, *_ = labelled
    again = label_stale(instance, defs)
    assert again["sessions_labelled"] == 0
    assert again["sessions_skipped_unchanged"] == 38


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
    assert shown == ("refinement", "Refined: one storm, many skies", True, "exploration")

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
    assert len(store.all()) == 1
