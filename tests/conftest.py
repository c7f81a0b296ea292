from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.shared import Ingested, built_once

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


def pytest_configure(config: pytest.Config) -> None:
    """Under xdist, parse the dbt project once before the workers start, not in each at once.

    Importing the dbt assets parses the project when its manifest is missing or stale (a fresh
    clone); two workers doing so together would write one target folder at the same time.
    """
    if config.getoption("numprocesses", None) and not hasattr(config, "workerinput"):
        from orchestration.defs.assets.warehouse import ensure_manifest

        ensure_manifest()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules marked `slow` first, longest first, so the xdist workers finish together.

    The sort is stable and moves whole modules, so each module's tests keep their order.
    """
    seconds: dict[object, float] = {}
    for item in items:
        marker = item.get_closest_marker("slow")
        if marker is not None:
            seconds[item.module] = max(seconds.get(item.module, 0), marker.kwargs.get("seconds", 1))
    items.sort(key=lambda item: -seconds.get(item.module, 0))


@pytest.fixture
def realdata() -> Path:
    """The shared real-data folder; tests that need it skip cleanly when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder absent: {REALDATA}")
    return REALDATA


@pytest.fixture(scope="session")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    """`write_sources` after one CLI `ingest` (the whole pipeline), built once for the run."""
    from tests.reliability.runs import start, write_sources

    def build(root: Path) -> None:
        sources = write_sources(root / "sources")
        (root / "sources.json").write_text(json.dumps([str(s) for s in sources]))
        start(root / "data", "ingest", *map(str, sources), "--artist", "ada").finish()

    root = built_once(tmp_path_factory, "ingested", build)
    sources = [Path(s) for s in json.loads((root / "sources.json").read_text())]
    return Ingested(sources, root / "data")
