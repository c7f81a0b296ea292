"""The layers stay layers: domain code never reaches up into Dagster, the jobs or the CLI.

Domain packages (ingest, intent, journal, embedding, sample) and the model code in `embeddings/`
are plain Python that tests and benchmarks call directly; the quick modules the interactive
commands load (paths, locks, health check, terminal text) must start without Dagster. A static
scan of every import, so a violation fails here rather than as a slow command later.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    "orchestration/ingest",
    "orchestration/intent",
    "orchestration/journal",
    "orchestration/embedding",
    "orchestration/sample",
    "embeddings",
]
QUICK = [
    "orchestration/data_dir.py",
    "orchestration/warehouse_lock.py",
    "orchestration/warehouse_health.py",
    "orchestration/terminal_text.py",
    "orchestration/cli_warehouse.py",
    "orchestration/labels_store.py",
    "orchestration/relabel.py",
]
UPWARD = (
    "dagster",
    "dagster_dbt",
    "orchestration.cli",
    "orchestration.assets",
    "orchestration.definitions",
    "orchestration.jobs",
    "orchestration.runner",
    "orchestration.launcher",
    "orchestration.embedding_runs",
    "orchestration.schedules",
    "orchestration.sensors",
    "orchestration.automation",
    "orchestration.resources",
    "orchestration.checks",
    "orchestration.backfills",
)


def _modules(entries: list[str]) -> list[Path]:
    files = []
    for entry in entries:
        path = ROOT / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return names


def _reaching_up(path: Path) -> list[str]:
    return [
        name
        for name in _imports(path)
        if any(name == top or name.startswith(top + ".") for top in UPWARD)
    ]


@pytest.mark.parametrize("path", _modules(DOMAIN + QUICK), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_never_imports_dagster_the_jobs_or_the_cli(path: Path) -> None:
    assert _reaching_up(path) == []


def test_the_scan_sees_the_code() -> None:
    assert len(_modules(DOMAIN)) > 40
    assert _reaching_up(ROOT / "orchestration" / "definitions.py"), "the scan finds imports"
