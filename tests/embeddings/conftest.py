from pathlib import Path

import pytest

from tests.embeddings.helpers import write_tiny_clip


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny open_clip checkpoint written by the test itself (no download)."""
    return write_tiny_clip(tmp_path_factory.mktemp("tiny_clip"))
