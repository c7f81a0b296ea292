"""dbt's DuckDB connection is bounded in memory, with a limit DuckDB accepts."""

import os
from pathlib import Path

import duckdb
import yaml
from dbt.clients.jinja import get_rendered

PROFILES = Path(__file__).resolve().parents[2] / "dbt_project" / "profiles.yml"
LIMIT_ENV = "CREATIVE_SESSIONS_DBT_MEMORY_LIMIT"


def _memory_limit(environ: dict[str, str]) -> str:
    """The profile's memory limit, rendered as dbt renders it under ``environ``."""
    setting = yaml.safe_load(PROFILES.read_text())["creative_sessions"]["outputs"]["local"]
    template = setting["settings"]["memory_limit"]

    def env_var(name: str, default: str | None = None) -> str:
        return environ.get(name, default)

    return get_rendered(template, {"env_var": env_var})


def test_the_build_is_bounded_by_default_and_the_bound_moves_by_environment() -> None:
    assert _memory_limit({}) == "3GB"
    assert _memory_limit({LIMIT_ENV: "1.5GB"}) == "1.5GB"
    with duckdb.connect(config={"memory_limit": _memory_limit(dict(os.environ))}) as con:
        assert con.sql("select current_setting('memory_limit')").fetchone()[0].endswith("GiB")
