import csv
import itertools
import random
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from orchestration.ingest.image_metadata import read_image_metadata
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import FileRejected, NoGenerationMetadata, UnreadableFile
from orchestration.sample import (
    PHASE_INTENTS,
    SAMPLE_PROFILES,
    SESSION_INTENTS,
    SampleManifest,
    build_sample_archive,
    generate_artist,
    generate_artists,
    random_profile,
)

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    return build_sample_archive(tmp_path_factory.mktemp("sample") / "inbox")


@pytest.fixture(scope="module")
def truth(sample: SampleManifest) -> list[dict]:
    return pq.read_table(sample.ground_truth_path).to_pylist()


def _generations(truth: list[dict]) -> list[dict]:
    return [r for r in truth if r["expected_status"] == "ok"]


def _tree(root: Path) -> dict[str, tuple[bytes, int | None]]:
    """Every file's bytes, and its mtime where the sample sets one (inside a folder archive)."""
    return {
        p.relative_to(root).as_posix(): (
            p.read_bytes(),
            p.stat().st_mtime_ns if p.parent != root else None,
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_builds_byte_identical_files(sample: SampleManifest, tmp_path: Path) -> None:
    again = build_sample_archive(tmp_path / "inbox")
    assert _tree(tmp_path / "inbox") == _tree(sample.root)
    assert [e.kind for e in again.archives] == [e.kind for e in sample.archives]
    stray = tmp_path / "inbox" / "mira-a1111" / "stray.png"
    stray.write_bytes(b"left over")
    build_sample_archive(tmp_path / "inbox")  # a rebuild in place replaces, never accumulates
    assert _tree(tmp_path / "inbox") == _tree(sample.root)


def test_another_seed_draws_other_sessions() -> None:
    def prompts(seed: int) -> list[str | None]:
        artists = generate_artists(random.Random(seed), SAMPLE_PROFILES)
        return [g.meta.prompt for a in artists for g in a.generations]

    assert prompts(7) == prompts(7)
    assert prompts(7) != prompts(8)


def test_manifest_round_trips(sample: SampleManifest) -> None:
    assert SampleManifest.load(sample.root / "manifest.json") == sample
    assert {e.kind for e in sample.archives} == {"folder", "zip", "tar", "log"}
    assert all(e.path.exists() for e in sample.archives)


def test_every_intent_is_in_the_ground_truth(truth: list[dict]) -> None:
    gens = _generations(truth)
    assert {r["phase_intent"] for r in gens} == set(PHASE_INTENTS)
    assert {r["session_intent"] for r in gens} == set(SESSION_INTENTS)
    assert any(r["phase_no"] >= 3 for r in gens), "no arc of three or more phases"
    sessions = {(r["artist"], r["session_key"]): r["session_intent"] for r in gens}
    habits = {
        artist: Counter(i for (a, _), i in sessions.items() if a == artist).most_common(1)
        for artist in {a for a, _ in sessions}
    }
    assert len({h[0][0] for h in habits.values()}) >= 4, habits  # artists lean different ways


def test_sample_size(truth: list[dict]) -> None:
    files = [r for r in truth if r["source_row"] is None]
    rows = [r for r in truth if r["source_row"] is not None]
    assert 250 <= len(files) <= 400
    assert 120 <= len(rows) <= 200
    assert len({r["artist"] for r in rows}) >= 2


def test_broken_files_are_present(truth: list[dict]) -> None:
    broken = {r["expected_status"] for r in truth if r["expected_status"] != "ok"}
    assert broken == {"unreadable", "no_metadata", "unsupported", "duplicate"}
    assert any(r["content_hash"] == EMPTY_SHA256 for r in truth)
    duplicate = next(r for r in truth if r["expected_status"] == "duplicate")
    original = next(
        r for r in truth if f"{r['archive']}/{r['source_path']}" == duplicate["duplicate_of"]
    )
    assert original["content_hash"] == duplicate["content_hash"]
    assert original["archive"] != duplicate["archive"]


def test_sessions_are_hours_apart_and_gaps_inside_are_short(truth: list[dict]) -> None:
    by_artist: dict[str, list[dict]] = {}
    for r in _generations(truth):
        by_artist.setdefault(r["artist"], []).append(r)
    for rows in by_artist.values():
        rows.sort(key=lambda r: (r["created_at"], r["source_order"]))
        for before, after in itertools.pairwise(rows):
            gap = after["created_at"] - before["created_at"]
            if before["session_key"] != after["session_key"]:
                assert gap >= timedelta(hours=2) - timedelta(minutes=1)  # logs keep minutes
            else:
                assert gap <= timedelta(minutes=6)


def _archive_members(sample: SampleManifest) -> Iterator[tuple[str, str, bytes, float]]:
    """(archive, path, bytes, entry time as epoch seconds) for every image archive member."""
    for entry in sample.archives:
        name = entry.path.name
        if entry.kind == "folder":
            for p in sorted(entry.path.rglob("*")):
                if p.is_file():
                    rel = p.relative_to(entry.path).as_posix()
                    yield name, rel, p.read_bytes(), p.stat().st_mtime
        elif entry.kind == "zip":
            with zipfile.ZipFile(entry.path) as zf:
                for info in zf.infolist():
                    at = datetime(*info.date_time, tzinfo=UTC).timestamp()
                    yield name, info.filename, zf.read(info), at
        elif entry.kind == "tar":
            with tarfile.open(entry.path) as tf:
                for member in tf.getmembers():
                    fh = tf.extractfile(member)
                    assert fh is not None
                    yield name, member.name, fh.read(), float(member.mtime)


def test_entry_times_are_generation_times(sample: SampleManifest, truth: list[dict]) -> None:
    by_path = {(r["archive"], r["source_path"]): r for r in truth}
    checked = 0
    for archive, path, _data, at in _archive_members(sample):
        row = by_path[(archive, path)]
        if row["expected_status"] == "ok":
            assert at == row["created_at"].timestamp(), (archive, path)
            checked += 1
    assert checked == sum(1 for r in _generations(truth) if r["source_row"] is None)


def test_log_is_diffusiondb_shaped(sample: SampleManifest, truth: list[dict]) -> None:
    log = next(e for e in sample.archives if e.kind == "log")
    with log.path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "prompt",
        "seed",
        "step",
        "cfg",
        "sampler",
        "width",
        "height",
        "user_name",
        "timestamp",
        "image_nsfw",
        "prompt_nsfw",
    ]
    assert all(r["timestamp"].endswith(":00+00:00") for r in rows)
    users = [r["user_name"] for r in rows]
    switches = sum(a != b for a, b in itertools.pairwise(users))
    assert len(set(users)) >= 2 and switches > 3 * len(set(users))  # users interleave
    truth_rows = sorted(
        (r for r in truth if r["source_row"] is not None), key=lambda r: r["source_row"]
    )
    assert [(r["prompt"], r["artist"]) for r in truth_rows] == [
        (r["prompt"], r["user_name"]) for r in rows
    ]
    assert [r["source_path"] for r in truth_rows[:2]] == ["row 1", "row 2"]


def test_images_round_trip_through_the_readers(sample: SampleManifest, truth: list[dict]) -> None:
    by_path = {(r["archive"], r["source_path"]): r for r in truth}
    by_name = {f"{r['archive']}/{r['source_path']}": r for r in truth}
    expected_error = {"unreadable": UnreadableFile, "no_metadata": NoGenerationMetadata}
    failures = []
    for archive, path, data, _ in _archive_members(sample):
        row = by_path[(archive, path)]
        status = row["expected_status"]
        if status == "unsupported":
            continue  # the ingest skips it by its name before reading
        if status == "duplicate":
            row = by_name[row["duplicate_of"]]  # the same bytes read the same
        try:
            meta, _container = read_image_metadata(data)
        except FileRejected as exc:
            if status not in expected_error or not isinstance(exc, expected_error[status]):
                failures.append(f"{archive}/{path}: {status} but rejected: {exc!r}")
            continue
        if status in expected_error:
            failures.append(f"{archive}/{path}: {status} but read as {meta.tool}")
        elif (meta.tool, meta.prompt, meta.seed) != (row["tool"], row["prompt"], row["seed"]):
            failures.append(
                f"{archive}/{path}: read {meta.tool}/{meta.prompt!r}/{meta.seed}, "
                f"wrote {row['tool']}/{row['prompt']!r}/{row['seed']}"
            )
    assert not failures, "\n".join(failures[:20])


def test_ingest_recovers_the_ground_truth(
    sample: SampleManifest, truth: list[dict], tmp_path: Path
) -> None:
    for entry in sample.archives:
        ingest_archive(entry.path, entry.artist, entry.path.name, tmp_path)
    gens = ds.dataset(tmp_path / "generations", partitioning="hive").to_table().to_pylist()
    quarantine = ds.dataset(tmp_path / "quarantine", partitioning="hive").to_table().to_pylist()
    by_path = {(r["archive"], r["source_path"]): r for r in truth}
    read = {(g["source_archive"], g["source_path"]): g for g in gens}
    expected = {k for k, r in by_path.items() if r["expected_status"] in ("ok", "duplicate")}
    assert set(read) == expected
    fields = ("artist", "tool", "prompt", "seed", "created_at")
    mismatched = [
        (k, [f for f in fields if read[k][f] != by_path[k][f]])
        for k in read
        if by_path[k]["expected_status"] == "ok"
        and any(read[k][f] != by_path[k][f] for f in fields)
    ]
    assert not mismatched, mismatched[:10]
    refused = {(q["source_archive"], q["source_path"]) for q in quarantine}
    assert refused == {
        k
        for k, r in by_path.items()
        if r["expected_status"] in ("unreadable", "no_metadata", "unsupported")
    }


def test_random_profiles_reach_every_intent() -> None:
    rng = random.Random(3)
    profile = random_profile(rng, "eval", ("comfyui", "midjourney"), 40)
    artist = generate_artist(rng, profile, days=60)
    assert {s.intent for s in artist.sessions} == set(SESSION_INTENTS)
    assert all(len({g.session_key for g in s.generations}) == 1 for s in artist.sessions)


def test_pixels_follow_concepts() -> None:
    from PIL import Image, ImageChops, ImageStat

    from orchestration.sample.pixels import render

    def distance(a: Image.Image, b: Image.Image) -> float:
        diff = ImageChops.difference(a.resize((16, 16)), b.resize((16, 16)))
        return sum(ImageStat.Stat(diff).mean) / 3

    same = [
        distance(
            render("koi_pond", 1, width=512, height=512),
            render("koi_pond", seed, width=512, height=512),
        )
        for seed in range(2, 6)
    ]
    other = [
        distance(
            render("koi_pond", 1, width=512, height=512), render(concept, 1, width=512, height=512)
        )
        for concept in ("scifi_corridor", "neon_portrait", "desert_caravan")
    ]
    assert max(same) < min(other)
    assert render("koi_pond", 1, width=512, height=768).size == (64, 96)
