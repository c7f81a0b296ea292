"""The generated sample through the whole pipeline, built once for every test here.

Archives → lake → dbt → views (every generation once, fields and sessions against the ground
truth, idempotent reruns), then intents (labels against the truth, skipping unchanged sessions,
budgets that resume, corrections that override and survive a rebuild from scratch). One build
serves both halves; the tests run in file order, the read-only checks before those that move the
data on.
"""

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
import yaml

from orchestration.cli.session_journal import load_journal, render_journal
from orchestration.definitions import build_definitions
from orchestration.defs.assets.intents import intents_dir
from orchestration.defs.runner import label_stale, run_stale
from orchestration.intent.contract import INTENTS_SCHEMA, PHASES_SCHEMA, SESSION_INTENTS
from orchestration.intent.corrections import CorrectionStore, correction_for
from orchestration.intent.synthetic_eval import score_warehouse
from orchestration.sample import build_sample_archive

# Second in line, before the recovery tests: it builds its own sample, so the second xdist worker
# starts on it while the first builds the shared `ingested` directory that both of theirs need.
pytestmark = pytest.mark.slow(seconds=570)  # pipelines, dbt, servers: started first

VIEW_COLUMNS = {
    "generations": [
        "generation_id",
        "artist",
        "tool",
        "prompt",
        "negative_prompt",
        "seed",
        "steps",
        "cfg_scale",
        "sampler",
        "scheduler",
        "model",
        "width",
        "height",
        "created_at",
        "created_at_source",
        "source_archive",
        "source_path",
        "content_hash",
    ],
    "sessions": ["session_id", "artist", "started_at", "ended_at", "n_generations"],
    "session_members": ["generation_id", "session_id", "position"],
    "quarantine": ["source_archive", "source_path", "reason"],
}


# Columns whose value legitimately differs between two runs over the same inputs.
_RUN_STAMPED = {"labelled_at"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory):
    """The sample registered and run once: (defs, instance, report, manifest, keys, paths)."""
    data = tmp_path_factory.mktemp("data")
    manifest = build_sample_archive(data / "sample")
    defs = build_definitions(str(data))
    paths = defs.resources["paths"]
    keys = {}
    for entry in manifest.archives:
        keys[entry.path.name] = paths.registry.register(entry.path, entry.artist).key
    instance = dg.DagsterInstance.ephemeral()
    report = run_stale(instance, defs)
    return defs, instance, report, manifest, keys, paths


@pytest.fixture(scope="module")
def pipeline(sample):
    defs, instance, report, manifest, keys, paths = sample
    truth = pl.read_parquet(manifest.ground_truth_path)
    return defs, instance, report, truth, keys, paths


@pytest.fixture(scope="module")
def labelled(sample):
    defs, instance, report, manifest, _, paths = sample
    return defs, instance, report, manifest, paths


def _query(paths, sql: str) -> list[tuple]:
    con = duckdb.connect(str(paths.warehouse_path), read_only=True)
    try:
        return con.sql(sql).fetchall()
    finally:
        con.close()


def test_views_have_the_documented_columns(pipeline) -> None:
    *_, paths = pipeline
    for view, columns in VIEW_COLUMNS.items():
        got = [r[0] for r in _query(paths, f"describe {view}")]
        assert set(columns) <= set(got), (view, set(columns) - set(got))
    kinds = dict(_query(paths, "select table_name, table_type from information_schema.tables"))
    assert all(kinds[v] == "VIEW" for v in VIEW_COLUMNS)


USER_FACING = Path(__file__).resolve().parents[1] / "dbt_project" / "models"


def _documented_columns() -> dict[str, dict[str, str]]:
    """model → column → description, from the marts' and intents' yml files."""
    out: dict[str, dict[str, str]] = {}
    for folder in ("marts", "intents"):
        for yml in (USER_FACING / folder).glob("_*__models.yml"):
            for model in yaml.safe_load(yml.read_text())["models"]:
                out[model["name"]] = {
                    c["name"]: str(c.get("description") or "").strip()
                    for c in model.get("columns", [])
                }
    return out


def test_every_column_of_every_user_facing_relation_is_documented(pipeline) -> None:
    *_, paths = pipeline
    documented = _documented_columns()
    models = {p.stem for f in ("marts", "intents") for p in (USER_FACING / f).glob("*.sql")}
    assert models <= set(documented), models - set(documented)
    for model in sorted(models):
        got = [r[0] for r in _query(paths, f"describe {model}")]
        missing = [c for c in got if not documented[model].get(c)]
        assert not missing, f"{model}: undocumented columns {missing}"


def test_every_generation_ingested_once_and_broken_files_quarantined(pipeline) -> None:
    _, _, report, truth, keys, paths = pipeline
    assert len(report.ingested) == len(keys)
    ok = truth.filter(pl.col("expected_status") == "ok")
    assert _query(paths, "select count(*) from generations")[0][0] == ok.height
    # The image copied into a second archive is one generation, not two.
    assert (
        _query(
            paths,
            "select count(*) - count(distinct content_hash) from generations "
            "where content_hash is not null",
        )[0][0]
        == 0
    )
    quarantined = {
        (a, p) for a, p in _query(paths, "select source_archive, source_path from quarantine")
    }
    for row in truth.filter(
        pl.col("expected_status").is_in(["unreadable", "no_metadata", "unsupported"])
    ).iter_rows(named=True):
        assert (keys[row["archive"]], row["source_path"]) in quarantined, row
    reasons = [r for (r,) in _query(paths, "select reason from quarantine")]
    assert all(len(r) > 5 for r in reasons)


def test_fields_and_provenance_match_ground_truth(pipeline) -> None:
    _, _, _, truth, keys, paths = pipeline
    ok = truth.filter(pl.col("expected_status") == "ok")
    got = {
        (a, p): (artist, prompt, seed)
        for a, p, artist, prompt, seed in _query(
            paths, "select source_archive, source_path, artist, prompt, seed from generations"
        )
    }
    for row in ok.iter_rows(named=True):
        key = (keys[row["archive"]], row["source_path"])
        assert key in got, key
        artist, prompt, seed = got[key]
        assert artist == row["artist"] and seed == row["seed"]
        assert prompt == row["prompt"]
    sources = {s for (s,) in _query(paths, "select distinct created_at_source from generations")}
    assert {"log column", "archive entry time", "file mtime"} <= sources


def test_sessions_match_ground_truth(pipeline) -> None:
    _, _, _, truth, _, paths = pipeline
    ok = truth.filter(pl.col("expected_status") == "ok")
    expected = ok.group_by("artist").agg(pl.col("session_key").n_unique()).rows()
    got = _query(paths, "select artist, count(*) from sessions group by artist")
    assert sorted(got) == sorted(expected)
    # Each ground-truth session maps to exactly one warehouse session.
    mapping = _query(
        paths,
        "select count(distinct m.session_id) from generations g "
        "join session_members m using (generation_id)",
    )[0][0]
    assert mapping == ok["session_key"].n_unique()


def test_rerun_changes_nothing_and_ids_are_stable(pipeline) -> None:
    defs, instance, _, _, _, paths = pipeline
    before = _query(
        paths, "select generation_id, session_id, position from session_members order by all"
    )
    report = run_stale(instance, defs)
    assert report.ingested == [] and not report.warehouse_built
    dbt_log = paths.root / "logs" / "dbt.log"
    seen = dbt_log.stat().st_size
    report = run_stale(instance, defs, force_warehouse=True)
    assert report.warehouse_built
    with open(dbt_log, encoding="utf-8") as log:  # dbt's target stays put between calls
        log.seek(seen)
        assert "Unable to do partial parsing" not in log.read()
    assert (
        _query(
            paths, "select generation_id, session_id, position from session_members order by all"
        )
        == before
    )


def _frame(paths, sql: str, params: dict | None = None) -> pl.DataFrame:
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
        columns = _frame(paths, f"describe {view}")["column_name"].to_list()
        assert set(schema.names) <= set(columns), set(schema.names) - set(columns)
    unlabelled = _frame(
        paths, "select count(*) as n from sessions anti join session_intents using (session_id)"
    )
    assert unlabelled["n"][0] == 0
    members = _frame(
        paths, "select count(*) as n, count(phase_no) as with_phase from session_members"
    )
    assert members["n"][0] == members["with_phase"][0] == 458
    intents = set(_frame(paths, "select distinct intent from session_intents")["intent"])
    assert intents == {"exploration", "refinement", "optimization", "convergent_selection", "mixed"}


def test_labels_agree_with_the_ground_truth(labelled) -> None:
    *_, manifest, paths = labelled
    report = score_warehouse(paths.warehouse_path, manifest.ground_truth_path)
    assert report.n_generations == 458
    assert report.macro_f1 >= 0.90, report.summary()
    assert report.session_accuracy >= 0.85, report.summary()


def test_labels_carry_parameters_ranges_and_counts(labelled) -> None:
    *_, paths = labelled
    optimizations = _frame(
        paths,
        "select label, parameter, first_value, last_value from session_phases "
        "where intent = 'optimization' and parameter = 'cfg_scale'",
    )
    assert optimizations.height >= 1
    for label, _, first, last in optimizations.iter_rows():
        assert label.startswith("Optimized: CFG scale")
        assert f"{first}→{last}" in label
    refined = _frame(paths, "select label from session_phases where intent = 'refinement'")
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

    from orchestration.cli.app import main

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

    session_id = _frame(
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
    phase = _frame(
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
    embedded = _frame(
        paths,
        "select s.tool, count(distinct s.content_hash) as n from intent_signals s "
        "where s.has_image_embedding group by all",
    )
    # Only the Midjourney sessions (prompt only, no seed or settings) lean on pictures.
    assert embedded["tool"].to_list() == ["midjourney"]
    assert 0 < embedded["n"][0] <= 60

    run_stale(instance, defs)
    left = _frame(
        paths,
        "select count(*) filter (where content_hash is not null and not has_image_embedding) "
        "as stale, count(distinct session_id) as sessions from intent_signals",
    ).row(0)
    assert left == (0, 38)
    assert _frame(paths, "select count(*) as n from session_intents")["n"][0] == 38


def test_a_correction_overrides_and_survives_a_rebuild_from_scratch(labelled) -> None:
    defs, instance, *_, paths = labelled
    target = _frame(
        paths,
        "select session_id, intent, label from session_intents "
        "where artist = 'sol' and intent = 'exploration' order by started_at limit 1",
    ).row(0, named=True)
    members = _frame(
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
    shown = _frame(
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
    rebuilt = _frame(
        paths,
        "select intent, label, corrected from session_intents where session_id = $s",
        {"s": target["session_id"]},
    ).row(0)
    assert rebuilt == ("refinement", "Refined: one storm, many skies", True)
    assert len(store.all()) == 2  # this one and the CLI's phase correction
    phases_corrected = _frame(paths, "select count(*) as n from session_phases where corrected")
    assert phases_corrected["n"][0] == 1


def test_overlapping_archive_does_not_duplicate(pipeline, tmp_path: Path) -> None:
    """Last: the copy may win the tie for some rows, which moves their `source_archive`."""
    defs, instance, _, _, _, paths = pipeline
    original = next(a for a in paths.registry.all() if a.kind == "zip")
    copy = tmp_path / "copy-of-archive.zip"
    copy.write_bytes(Path(original.path).read_bytes())
    before = _query(paths, "select count(*), count(distinct session_id) from session_members")
    paths.registry.register(copy, original.artist)
    report = run_stale(instance, defs)
    assert [a.key for a, _ in report.ingested] == [paths.registry.all()[-1].key]
    assert (
        _query(paths, "select count(*), count(distinct session_id) from session_members") == before
    )
