from pathlib import Path

import dagster as dg

from orchestration.definitions import build_definitions
from orchestration.defs.assets.warehouse import dbt_vars
from orchestration.defs.resources import DataPaths, SessionRules
from orchestration.defs.warehouse_state import FORCED, MODEL_CHANGED, warehouse_config

EXPECTED_ASSET_KEYS = {
    "archives",
    "lake/generations",
    "lake/quarantine",
    "lake/image_embeddings",
    "lake/prompt_embeddings",
    "stg_lake__generations",
    "stg_lake__quarantine",
    "stg_lake__image_embedding_rows",
    "stg_lake__prompt_embedding_rows",
    "stg_lake__image_embeddings",
    "stg_lake__prompt_embeddings",
    "int_generations_sessionized",
    "int_sessions_aggregated",
    "int_embedding_models_selected",
    "int_generation_pairs_compared",
    "int_similarity_series_smoothed",
    "int_parameter_trajectories_traced",
    "int_session_features_derived",
    "generations",
    "sessions",
    "session_members",
    "quarantine",
    "generation_pairs",
    "similarity_series",
    "parameter_trajectories",
    "session_features",
    "intent_signals",
    "prompt_vectors",
    "session_prompts",
    "corrections/keeper_marks",
    "stg_corrections__keeper_marks",
    "stg_lake__generation_copies",
    "stg_lake__generation_passes",
    "int_generation_passes_recorded",
    "int_session_anchors_found",
    "int_session_keepers_evidenced",
    "int_session_plan_inputs",
    "session_keeper_digests",
    "session_keepers",
    "intents/session_phases",
    "intents/session_intents",
    "intents/member_phases",
    "session_phases",
    "session_intents",
    "journal",
}


def test_dbt_vars_come_from_resources(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "d"))
    got = dbt_vars(paths, SessionRules(gap_minutes=45))
    assert got == {
        "lake_dir": (tmp_path / "d" / "lake").resolve().as_posix(),
        "corrections_dir": (tmp_path / "d" / "corrections").resolve().as_posix(),
        "warehouse_path": (tmp_path / "d" / "warehouse.duckdb").resolve().as_posix(),
        "session_gap_minutes": 45,
    }


def test_nightly_increments_skip_unit_tests_and_whole_rebuilds() -> None:
    """A lake increment runs the models and data tests; code or scope changes run all."""
    nightly = warehouse_config("lake changed since the last build")
    assert nightly == {"full_refresh": False, "unit_tests": False}
    assert warehouse_config("new prompt vectors")["unit_tests"] is False
    assert warehouse_config("never built") == {"full_refresh": False, "unit_tests": True}
    assert warehouse_config(FORCED) == {"full_refresh": True, "unit_tests": True}
    assert warehouse_config(f"model sessions {MODEL_CHANGED}")["full_refresh"] is True


def test_definitions_load_with_expected_graph(tmp_path: Path) -> None:
    defs = build_definitions(str(tmp_path))
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert keys == EXPECTED_ASSET_KEYS  # snapshot: a change to the graph must be deliberate
    # Lineage: archive → lake → staging → intermediate → marts.
    assert dg.AssetKey("archives") in graph.get(dg.AssetKey(["lake", "generations"])).parent_keys
    assert (
        dg.AssetKey(["lake", "generations"])
        in graph.get(dg.AssetKey("stg_lake__generations")).parent_keys
    )
    assert dg.AssetKey("int_sessions_aggregated") in graph.get(dg.AssetKey("sessions")).parent_keys
    groups = {k.to_user_string(): graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups["sessions"] == "warehouse_marts"
    assert groups["stg_lake__generations"] == "warehouse_staging"
    assert groups["lake/generations"] == "lake"
    # The journal reads the labelled views, which follow the intent asset.
    assert groups["journal"] == "journal"
    journal_inputs = graph.get(dg.AssetKey("journal")).parent_keys
    assert {dg.AssetKey("session_intents"), dg.AssetKey("session_phases")} <= journal_inputs


def test_dbt_tests_are_asset_checks(tmp_path: Path) -> None:
    defs = build_definitions(str(tmp_path))
    checks = {
        (c.asset_key.to_user_string(), c.name) for c in defs.resolve_asset_graph().asset_check_keys
    }
    assert ("session_members", "unique_session_members_generation_id") in checks
    assert ("sessions", "columns_valid_sessions") in checks


def test_operations_snapshot(tmp_path: Path) -> None:
    """Schedules and sensors a deployment runs; a change must be deliberate."""
    defs = build_definitions(str(tmp_path))
    repo = defs.get_repository_def()
    assert {s.name for s in repo.schedule_defs} == {"nightly_ingest", "nightly_embeddings"}
    assert {s.name for s in repo.sensor_defs} == {
        "inbox_sensor",
        "image_shard_sensor",
        "automation_sensor",
    }
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("sessions")).pools == {"warehouse"}
    assert graph.get(dg.AssetKey(["lake", "image_embeddings"])).pools == {"gpu"}
