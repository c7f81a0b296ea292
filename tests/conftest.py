from pathlib import Path

import pytest

REALDATA = Path(__file__).resolve().parents[1].parent / "shared" / "realdata"


@pytest.fixture
def realdata() -> Path:
    """The shared real-data folder; tests that need it skip cleanly when it is absent."""
    if not REALDATA.is_dir():
        pytest.skip(f"real data folder absent: {REALDATA}")
    return REALDATA
