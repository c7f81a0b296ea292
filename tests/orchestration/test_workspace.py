"""`dagster dev` from the root loads the same graph: validate workspace.yaml as the UI would."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_workspace_yaml_loads(tmp_path: Path) -> None:
    dagster = Path(sys.executable).parent / "dagster"
    env = {
        **os.environ,
        "DAGSTER_HOME": str(tmp_path),
        "CREATIVE_SESSIONS_DATA": str(tmp_path / "data"),
        "PATH": f"{dagster.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
