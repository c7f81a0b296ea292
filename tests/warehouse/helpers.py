"""What the warehouse tests share: dbt run through its CLI over a hand-built lake, and `find`
invoked with a two-dimensional stand-in for the text model."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def dbt(
    args: list[str], lake: Path, warehouse: Path, tmp: Path, corrections: Path | None = None
) -> None:
    """``dbt <args>`` over ``lake`` into ``warehouse``, its target and logs under ``tmp``;
    ``corrections`` is the corrections folder (the project's default when None)."""
    vars_ = {"lake_dir": lake.as_posix(), "warehouse_path": warehouse.as_posix()}
    if corrections is not None:
        vars_["corrections_dir"] = corrections.as_posix()
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dbt"),
            *args,
            "--profiles-dir",
            ".",
            "--vars",
            json.dumps(vars_),
            "--target-path",
            str(tmp / "target"),
            "--log-path",
            str(tmp / "logs"),
        ],
        cwd=DBT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def build_without_intents(lake: Path, warehouse: Path, corrections: Path, tmp: Path) -> None:
    """Everything but the intent views: what a warehouse holds before labelling."""
    dbt(["build", "--exclude", "tag:intents"], lake, warehouse, tmp, corrections)


class FakeEncoder:
    """Two-dimensional 'meanings': castles point up, everything else to the right."""

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.array([[0.0, 1.0] if "castle" in t else [1.0, 0.0] for t in texts], np.float32)


def run_find(monkeypatch: pytest.MonkeyPatch, data_dir: Path, *args: str) -> Result:
    """`creative-sessions find <args>` over ``data_dir``, the query embedded by FakeEncoder."""
    from orchestration.cli import find as cli_find
    from orchestration.cli import main

    monkeypatch.setattr(cli_find, "_encoder", lambda model_id, text_model: FakeEncoder())
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), "find", *args])
