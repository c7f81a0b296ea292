"""The layers stay layers: cli → defs → domain → embeddings, and never the other way.

- `orchestration/cli/`: the commands and the text they print; may import anything below.
- `orchestration/defs/` (+ `definitions.py`): everything Dagster; never imports the CLI.
- domain (`ingest`, `intent`, `journal`, `embedding`, `sample`, `store` packages and `safe_text`):
  plain Python that tests and benchmarks call directly; never imports Dagster, `defs`,
  `definitions` or the CLI.
- `embeddings/`: the model code; imports nothing of `orchestration`.

The quick modules the interactive commands load must also start without Dagster. A static scan
of every import, so a violation fails here rather than as a slow command later.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLI = ["orchestration/cli"]
DEFS = ["orchestration/defs", "orchestration/definitions.py"]
DOMAIN = [
    "orchestration/ingest",
    "orchestration/intent",
    "orchestration/journal",
    "orchestration/embedding",
    "orchestration/sample",
    "orchestration/store",
    "orchestration/safe_text.py",
]
MODEL = ["embeddings"]
QUICK = [
    "orchestration/safe_text.py",
    "orchestration/cli/warehouse.py",
    "orchestration/cli/relabel.py",
    "orchestration/cli/sql.py",
    "orchestration/cli/sql_output.py",
]
DAGSTER = ("dagster", "dagster_dbt")
# What each layer must never import (a name or any module below it).
FORBIDDEN = {
    "defs": ("orchestration.cli",),
    "domain": (*DAGSTER, "orchestration.cli", "orchestration.defs", "orchestration.definitions"),
    "model": ("orchestration", *DAGSTER),
    "quick": (
        *DAGSTER,
        "orchestration.cli.app",
        "orchestration.defs",
        "orchestration.definitions",
    ),
}
LAYERS = {"defs": DEFS, "domain": DOMAIN, "model": MODEL, "quick": QUICK}


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


def _reaching_up(path: Path, forbidden: tuple[str, ...]) -> list[str]:
    return [
        name
        for name in _imports(path)
        if any(name == top or name.startswith(top + ".") for top in forbidden)
    ]


CASES = [(layer, path) for layer, entries in LAYERS.items() for path in _modules(entries)]


@pytest.mark.parametrize(
    ("layer", "path"), CASES, ids=[f"{layer}:{p.relative_to(ROOT)}" for layer, p in CASES]
)
def test_module_imports_only_its_own_layer_and_below(layer: str, path: Path) -> None:
    assert _reaching_up(path, FORBIDDEN[layer]) == []


def test_every_module_belongs_to_a_layer() -> None:
    """A new top-level module or package has to be placed in a layer, not slip past the scan."""
    placed = {p for entries in (CLI, DEFS, DOMAIN, MODEL) for p in _modules(entries)}
    everything = set((ROOT / "orchestration").rglob("*.py")) | set(
        (ROOT / "embeddings").rglob("*.py")
    )
    assert sorted(str(p.relative_to(ROOT)) for p in everything - placed) == [
        "orchestration/__init__.py"
    ]


def test_the_scan_sees_the_code() -> None:
    assert len(_modules(DOMAIN)) > 40
    assert _reaching_up(ROOT / "orchestration" / "definitions.py", DAGSTER), (
        "the scan finds imports"
    )
    assert _reaching_up(ROOT / "orchestration" / "cli" / "app.py", ("orchestration.defs",))
