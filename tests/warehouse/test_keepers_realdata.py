"""session_keepers on real files: Civitai's original render, its hires pass and its upscale.

The three files in ../shared/realdata/sd-metadata-samples/jpg share seed 1311178179 and prompt.
The original carries its own time; the two passes carry none, so their file times place them
minutes later, as they would sit in the artist's download folder. The original is a keeper
because its metadata-recorded hires (img2img) pass carried its seed; the passes are keepers by
their file names. Skipped when the real data is absent.
"""

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.pipeline import ingest_archive
from tests.warehouse.helpers import build_without_intents

REAL = Path(__file__).resolve().parents[3] / "shared" / "realdata" / "sd-metadata-samples" / "jpg"
FILES = {"civitai.jpeg": None, "civitai-hires.jpg": 3, "civitai-upscale.jpg": 4}

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/realdata is absent")


def test_the_civitai_original_is_kept_for_its_hires_pass(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    for name, minutes in FILES.items():
        shutil.copyfile(REAL / name, folder / name)
        if minutes is not None:
            moment = datetime(2026, 1, 4, 1, 27 + minutes, tzinfo=UTC).timestamp()
            os.utime(folder / name, (moment, moment))
    lake = tmp_path / "lake"
    stats = ingest_archive(folder, "civitai-user", "downloads", lake)
    assert stats.generations == 3
    build_without_intents(lake, tmp_path / "warehouse.duckdb", tmp_path / "corrections", tmp_path)
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        passes = con.execute(
            "select source_path, upscale_factor, upscaler is not null, denoising_strength "
            "from generations order by created_at"
        ).fetchall()
        keepers = con.execute(
            "select g.source_path, k.reason, k.evidence from session_keepers as k "
            "join generations as g using (generation_id) order by k.rank"
        ).fetchall()
    assert passes == [
        ("civitai.jpeg", None, False, None),
        ("civitai-hires.jpg", None, True, 0.3),
        ("civitai-upscale.jpg", 1.5, True, None),
    ]
    by_file = {path: (reason, evidence) for path, reason, evidence in keepers}
    reason, evidence = by_file["civitai.jpeg"]
    assert reason == "second_pass"
    assert evidence.startswith("seed 1311178179 carried into a hires/upscale pass at #2 (")
    assert evidence.endswith("denoising 0.3)")
    # The two passes are kept for their file names ("-hires.", "-upscale."), as before.
    assert {by_file[f][0] for f in ("civitai-hires.jpg", "civitai-upscale.jpg")} == {"second_pass"}
