import json
import logging
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from orchestration.defs.resources import DataPaths
from orchestration.intent import corrections as corrections_module
from orchestration.intent.corrections import (
    Correction,
    CorrectionError,
    CorrectionStore,
    correction_for,
    resolve,
)

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 5, 1, 20, 0, tzinfo=UTC)


def make(
    session_id: str = "s1",
    intent: str = "refinement",
    ids: tuple[str, ...] = ("g1", "g2", "g3"),
    *,
    phase_no: int | None = None,
    artist: str = "ana",
    minutes: int = 0,
    **extra,
) -> Correction:
    return Correction(
        artist=artist,
        session_id=session_id,
        intent=intent,
        generation_ids=ids,
        author="ana",
        phase_no=phase_no,
        **({"created_at": T0 + timedelta(minutes=minutes)} | extra),
    )


def members(
    assignments: dict[str, list[str]], phases: dict[str, int] | None = None
) -> pl.DataFrame:
    rows = [
        (g, session, (phases or {}).get(g)) for session, ids in assignments.items() for g in ids
    ]
    return pl.DataFrame(
        rows,
        schema={"generation_id": pl.String, "session_id": pl.String, "phase_no": pl.Int32},
        orient="row",
    )


def gens(first: int, last: int) -> list[str]:
    return [f"g{i}" for i in range(first, last + 1)]


@pytest.fixture
def store(tmp_path: Path) -> CorrectionStore:
    return CorrectionStore.in_dir(tmp_path / "data" / "corrections")


# --- the store -------------------------------------------------------------------------------


def test_round_trip_keeps_every_field(store: CorrectionStore) -> None:
    added = [
        make(label="Refined: neon portrait"),
        make("s2", "mixed", ("g9",), minutes=5),
        make("s2", "optimization", ("g9",), phase_no=2, minutes=6),
    ]
    added.append(make("s1", "exploration", minutes=9, supersedes=added[0].correction_id))
    for correction in added:
        assert store.add(correction) is True
    reread = CorrectionStore(store.path).all()
    assert reread == added
    assert reread[0].created_at.tzinfo is not None
    assert len(store.path.read_text().splitlines()) == 4


def test_adding_the_same_correction_twice_writes_it_once(store: CorrectionStore) -> None:
    correction = make()
    assert store.add(correction) is True
    assert store.add(correction) is False
    assert store.all() == [correction]
    assert len(store.path.read_bytes().splitlines()) == 1


def test_add_fsyncs_the_line_and_the_directory_that_gained_the_file(
    store: CorrectionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def recording_fsync(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", recording_fsync)
    store.add(make())
    assert synced.count("file") == 1
    assert synced.count("dir") >= 1  # the new file's directory entry (and the new directory's)
    synced.clear()
    store.add(make(minutes=1))
    assert synced == ["file"]  # an append to an existing file needs no directory sync


def test_append_uses_o_append(store: CorrectionStore, monkeypatch: pytest.MonkeyPatch) -> None:
    flags_seen: list[int] = []
    real_open = os.open

    def recording_open(path, flags, *args):
        if Path(path) == store.path:
            flags_seen.append(flags)
        return real_open(path, flags, *args)

    monkeypatch.setattr(os, "open", recording_open)
    store.add(make())
    assert flags_seen and all(f & os.O_APPEND for f in flags_seen)


def test_torn_last_line_is_ignored_with_a_warning_and_the_next_add_stays_whole(
    store: CorrectionStore, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make(), make(minutes=1)
    store.add(first)
    store.add(second)
    with open(store.path, "ab") as fh:  # a crash in the middle of a third append
        fh.write(make(minutes=2).canonical().encode()[:40])
    with caplog.at_level(logging.WARNING):
        assert store.all() == [first, second]
    assert "incomplete last line" in caplog.text
    third = make(minutes=3)
    store.add(third)
    contents = store.read()
    assert contents.corrections == [first, second, third]
    assert not contents.torn_tail
    assert [bad.line_no for bad in contents.corrupt] == [3]  # the fragment, kept and reported


def test_corrupt_middle_lines_are_reported_not_fatal(
    store: CorrectionStore, caplog: pytest.LogCaptureFixture
) -> None:
    good = [make(), make(minutes=1)]
    bad_intent = make().to_dict() | {"intent": "vibes"}
    store.path.parent.mkdir(parents=True)
    store.path.write_text(
        good[0].canonical()
        + "\n{not json\n"
        + json.dumps(bad_intent)
        + "\n"
        + good[1].canonical()
        + "\n"
    )
    with caplog.at_level(logging.WARNING):
        assert store.all() == good
    assert "line 2" in caplog.text
    assert "line 3" in caplog.text and "vibes" in caplog.text
    assert [bad.line_no for bad in store.read().corrupt] == [2, 3]


def test_missing_store_reads_as_empty(store: CorrectionStore) -> None:
    assert store.all() == []
    assert store.version() == CorrectionStore(store.path.with_name("other.jsonl")).version()


def test_export_then_import_merges_by_id_and_is_idempotent(tmp_path: Path) -> None:
    source = CorrectionStore(tmp_path / "a" / "corrections.jsonl")
    target = CorrectionStore(tmp_path / "b" / "corrections.jsonl")
    shared = make()
    for correction in (shared, make("s2", "mixed", minutes=1), make("s3", minutes=2)):
        source.add(correction)
    target.add(shared)
    target.add(make("s9", "exploration", minutes=3))
    exported = tmp_path / "export.json"
    assert source.export(exported) == 3
    document = json.loads(exported.read_text())
    assert document["format"] == "creative-sessions/corrections"
    assert len(document["corrections"]) == 3

    first = target.import_(exported)
    assert (first.added, first.already_present) == (2, 1)
    again = target.import_(exported)
    assert (again.added, again.already_present) == (0, 3)
    assert {c.correction_id for c in target.all()} >= {c.correction_id for c in source.all()}
    assert len(target.all()) == 4

    # Importing into an empty store reproduces the source exactly, version included.
    fresh = CorrectionStore(tmp_path / "c" / "corrections.jsonl")
    fresh.import_(exported)
    assert fresh.all() == source.all()
    assert fresh.version() == source.version()


def test_export_by_artist(store: CorrectionStore, tmp_path: Path) -> None:
    store.add(make(artist="ana"))
    store.add(make(artist="ben", minutes=1))
    assert store.export(tmp_path / "ben.json", artist="ben") == 1
    assert json.loads((tmp_path / "ben.json").read_text())["corrections"][0]["artist"] == "ben"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda doc: doc["corrections"][1].update(intent="vibes"),
        lambda doc: doc["corrections"][1].update(generation_ids=[]),
        lambda doc: doc["corrections"][1].pop("author"),
        lambda doc: doc.update(format="something-else"),
    ],
    ids=["bad-intent", "no-generations", "missing-field", "not-an-export"],
)
def test_failed_import_adds_nothing(store: CorrectionStore, tmp_path: Path, mutate) -> None:
    store.add(make())
    before = store.path.read_bytes()
    doc = {
        "format": "creative-sessions/corrections",
        "version": 1,
        "corrections": [make("s7", minutes=1).to_dict(), make("s8", minutes=2).to_dict()],
    }
    mutate(doc)
    path = tmp_path / "import.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(CorrectionError):
        store.import_(path)
    assert store.path.read_bytes() == before


def test_import_refuses_a_changed_correction_under_a_known_id(
    store: CorrectionStore, tmp_path: Path
) -> None:
    original = make()
    store.add(original)
    before = store.path.read_bytes()
    tampered = original.to_dict() | {"intent": "exploration"}
    doc = {
        "format": "creative-sessions/corrections",
        "version": 1,
        "corrections": [make("s5", minutes=4).to_dict(), tampered],
    }
    (tmp_path / "x.json").write_text(json.dumps(doc))
    with pytest.raises(CorrectionError, match="immutable"):
        store.import_(tmp_path / "x.json")
    assert store.path.read_bytes() == before


def test_import_interrupted_before_the_rename_leaves_the_store_as_it_was(
    store: CorrectionStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.add(make())
    before = store.path.read_bytes()
    other = CorrectionStore(tmp_path / "other.jsonl")
    other.add(make("s2", minutes=1))
    other.export(tmp_path / "other.json")

    def crash(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        store.import_(tmp_path / "other.json")
    assert store.path.read_bytes() == before
    assert [p.name for p in store.path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_version_is_stable_and_per_artist(store: CorrectionStore) -> None:
    empty = store.version()
    store.add(make(artist="ana"))
    ana_1, all_1 = store.version("ana"), store.version()
    assert ana_1 != empty
    assert CorrectionStore(store.path).version("ana") == ana_1  # same on a fresh read
    store.add(make(artist="ben", minutes=1))
    assert store.version("ana") == ana_1  # ben's correction does not relabel ana's sessions
    assert store.version() != all_1
    assert store.version("ben") != store.version("nobody")


# --- removal ---------------------------------------------------------------------------------


def _id(prefix: str) -> str:
    return prefix + "0" * (32 - len(prefix))


def test_remove_appends_a_tombstone_and_keeps_every_other_correction(
    store: CorrectionStore,
) -> None:
    first, second, third = make(), make("s2", minutes=1), make("s3", minutes=2)
    for correction in (first, second, third):
        store.add(correction)
    before = store.path.read_bytes()
    assert store.remove(second.correction_id[:8], author="ben") == second
    assert store.path.read_bytes().startswith(before)  # appended, nothing rewritten
    tombstone = json.loads(store.path.read_bytes().splitlines()[-1])
    assert tombstone["removes"] == second.correction_id and tombstone["author"] == "ben"
    contents = CorrectionStore(store.path).read()
    assert contents.corrections == [first, third]
    assert contents.removed == [second]
    assert contents.removed_ids == {second.correction_id}
    assert contents.corrupt == [] and not contents.torn_tail


def test_remove_never_goes_through_a_rename(
    store: CorrectionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept, gone = make(), make("s2", minutes=1)
    store.add(kept)
    store.add(gone)

    def no_rename(*_args):
        raise AssertionError("remove must append, not rewrite")

    monkeypatch.setattr(os, "replace", no_rename)
    store.remove(gone.correction_id, author="ana")
    assert store.all() == [kept]


def test_removing_twice_is_refused_and_writes_nothing(store: CorrectionStore) -> None:
    correction = make()
    store.add(correction)
    store.remove(correction.correction_id, author="ana")
    before = store.path.read_bytes()
    with pytest.raises(CorrectionError, match="already removed"):
        store.remove(correction.correction_id[:6], author="ana")
    assert store.path.read_bytes() == before
    assert store.add(correction) is False  # a removed id stays removed
    assert store.all() == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("abc", "matches 2 corrections; give more of the id"),
        ("abc0", "no correction 'abc0'"),
        ("ffff", "no correction 'ffff'"),
        ("", "is not a correction id"),
        ("ABC", "is not a correction id"),
        (_id("abc1") + "0", "is not a correction id"),
    ],
)
def test_unknown_ambiguous_or_malformed_ids_are_refused(
    store: CorrectionStore, given: str, message: str
) -> None:
    store.add(make(correction_id=_id("abc1")))
    store.add(make("s2", correction_id=_id("abc2"), minutes=1))
    before = store.path.read_bytes()
    with pytest.raises(CorrectionError, match=message):
        store.remove(given, author="ana")
    assert store.path.read_bytes() == before


def test_remove_on_an_empty_store_is_an_unknown_id(store: CorrectionStore) -> None:
    with pytest.raises(CorrectionError, match="no correction"):
        store.remove("abc", author="ana")
    assert not store.path.exists()


def test_a_torn_line_after_a_tombstone_keeps_the_removal_and_the_next_one_stays_whole(
    store: CorrectionStore, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make(), make("s2", minutes=1)
    store.add(first)
    store.add(second)
    store.remove(first.correction_id, author="ana")
    with open(store.path, "ab") as fh:  # a crash in the middle of removing the second one
        fh.write(corrections_module.Removal(second.correction_id, "ana").canonical().encode()[:50])
    with caplog.at_level(logging.WARNING):
        assert store.all() == [second]  # unacknowledged removal: still in force
    assert "incomplete last line" in caplog.text
    store.remove(second.correction_id, author="ana")
    contents = store.read()
    assert contents.corrections == [] and contents.removed == [first, second]
    assert not contents.torn_tail
    assert [bad.line_no for bad in contents.corrupt] == [4]  # the fragment, kept and reported


def test_a_tombstone_counts_wherever_it_sits_and_a_bad_one_is_reported(
    store: CorrectionStore,
) -> None:
    correction, other = make(), make("s2", minutes=1)
    tombstone = corrections_module.Removal(correction.correction_id, "ana")
    bad = json.loads(tombstone.canonical()) | {"removes": "nope"}
    store.path.parent.mkdir(parents=True)
    lines = [tombstone.canonical(), correction.canonical(), json.dumps(bad), other.canonical()]
    store.path.write_text("\n".join(lines) + "\n")
    contents = store.read()
    assert contents.corrections == [other]
    assert contents.removed == [correction]
    assert [bad.line_no for bad in contents.corrupt] == [3]
    assert "removes" in contents.corrupt[0].reason


def test_export_leaves_removed_corrections_out_and_import_keeps_them_removed(
    store: CorrectionStore, tmp_path: Path
) -> None:
    kept, gone = make(), make("s2", minutes=1)
    store.add(kept)
    store.add(gone)
    backup = tmp_path / "backup.json"
    store.export(backup)  # taken before the removal: it still holds ``gone``
    store.remove(gone.correction_id, author="ana")
    exported = tmp_path / "export.json"
    assert store.export(exported) == 1
    assert [c["correction_id"] for c in json.loads(exported.read_text())["corrections"]] == [
        kept.correction_id
    ]

    before = store.path.read_bytes()
    result = store.import_(backup)
    assert (result.added, result.already_present, result.kept_removed) == (0, 1, 1)
    assert store.path.read_bytes() == before
    assert store.all() == [kept]

    elsewhere = CorrectionStore(tmp_path / "elsewhere" / "corrections.jsonl")
    assert elsewhere.import_(backup).added == 2  # removal is local: exports carry no tombstones


def test_import_still_refuses_a_changed_correction_under_a_removed_id(
    store: CorrectionStore, tmp_path: Path
) -> None:
    gone = make()
    store.add(gone)
    store.remove(gone.correction_id, author="ana")
    doc = {
        "format": "creative-sessions/corrections",
        "version": 1,
        "corrections": [gone.to_dict() | {"intent": "exploration"}],
    }
    (tmp_path / "x.json").write_text(json.dumps(doc))
    with pytest.raises(CorrectionError, match="immutable"):
        store.import_(tmp_path / "x.json")


def test_version_follows_the_live_corrections(store: CorrectionStore) -> None:
    kept = make(artist="ana")
    store.add(kept)
    ana_before, ben_before = store.version("ana"), store.version("ben")
    gone = make("s2", artist="ana", minutes=1)
    store.add(gone)
    assert store.version("ana") != ana_before
    store.remove(gone.correction_id, author="ana")
    assert store.version("ana") == ana_before  # labels depend on the live set only
    assert store.version("ben") == ben_before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"intent": "vibes"}, "unknown session intent 'vibes'; choose one of exploration"),
        ({"intent": "mixed", "phase_no": 1}, "a phase is one of exploration, refinement"),
        ({"intent": "refinement", "phase_no": 0}, "1-based"),
        ({"generation_ids": ()}, "generation_ids"),
        ({"artist": " "}, "artist"),
        ({"created_at": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"supersedes": "nope"}, "supersedes"),
        ({"label": "x" * 5000}, "at most"),
    ],
)
def test_invalid_corrections_are_refused_with_a_clear_message(fields: dict, message: str) -> None:
    base = {
        "artist": "ana",
        "session_id": "s1",
        "intent": "refinement",
        "generation_ids": ("g1",),
        "author": "ana",
    }
    with pytest.raises(CorrectionError, match=message.replace("(", r"\(")):
        Correction(**(base | fields))


def test_created_at_is_normalised_to_utc() -> None:
    paris = datetime(2024, 5, 1, 22, 0, tzinfo=ZoneInfo("Europe/Paris"))
    correction = make(created_at=paris)
    assert correction.created_at.tzinfo is UTC
    assert correction.created_at == paris
    assert Correction.from_dict(correction.to_dict()) == correction


def test_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(CorrectionError, match="unknown correction fields"):
        Correction.from_dict(make().to_dict() | {"mood": "happy"})


def test_correction_for_records_the_members_in_session_order() -> None:
    current = members({"s1": ["g3", "g1", "g2"], "s2": ["g4"]}, {"g3": 1, "g1": 1, "g2": 2})
    current = current.with_columns(artist=pl.lit("ana"))
    session = correction_for(current, "s1", "refinement", author="me", label="mine")
    assert session.generation_ids == ("g3", "g1", "g2")
    assert session.artist == "ana"
    phase = correction_for(current, "s1", "optimization", author="me", phase_no=2)
    assert phase.generation_ids == ("g2",)
    with pytest.raises(CorrectionError, match="no session 'nope'"):
        correction_for(current, "nope", "refinement", author="me")
    with pytest.raises(CorrectionError, match="has no phase 7"):
        correction_for(current, "s1", "refinement", author="me", phase_no=7)


# --- resolution onto the current segmentation ------------------------------------------------


def test_overrides_for_sessions_and_phases() -> None:
    current = members({"s1": gens(1, 6)}, {g: 1 if i < 3 else 2 for i, g in enumerate(gens(1, 6))})
    session = make("s1", "convergent_selection", tuple(gens(1, 6)), label="Selected: mine")
    phase = make("s1", "optimization", tuple(gens(4, 6)), phase_no=2, minutes=1)
    resolved = resolve([session, phase], current)
    assert resolved.session_overrides == {"s1": ("convergent_selection", "Selected: mine", session)}
    intent, label, correction = resolved.phase_overrides[("s1", 2)]
    assert (intent, label, correction) == ("optimization", None, phase)
    assert resolved.orphaned == [] and resolved.overridden == []


def test_correction_follows_its_generations_when_sessions_merge() -> None:
    earlier = make("s1", "exploration", tuple(gens(1, 4)))
    later = make("s2", "refinement", tuple(gens(5, 12)), minutes=10)
    merged = members({"m": gens(1, 12)})
    resolved = resolve([earlier, later], merged)
    assert resolved.session_overrides["m"].correction == later  # latest wins per session
    assert [p.correction for p in resolved.overridden] == [earlier]
    placement = resolved.effective[0]
    assert placement.moved and placement.session_id == "m" and placement.coverage == 1.0


def test_correction_follows_the_larger_part_when_a_session_splits() -> None:
    correction = make("s1", "refinement", tuple(gens(1, 10)))
    split = members({"a": gens(1, 3), "b": gens(4, 10)})
    resolved = resolve([correction], split)
    assert list(resolved.session_overrides) == ["b"]
    assert resolved.effective[0].overlap == 7


def test_an_even_split_goes_to_the_earliest_part() -> None:
    correction = make("s1", "refinement", tuple(gens(1, 10)))
    # Session ids sort the other way round, so only generation order can pick "late-id".
    split = members({"zz-first": gens(1, 5), "aa-second": gens(6, 10)})
    assert list(resolve([correction], split).session_overrides) == ["zz-first"]


def test_phase_correction_follows_a_moved_boundary_and_a_renumbering() -> None:
    correction = make("s1", "optimization", tuple(gens(4, 7)), phase_no=2)
    # The boundary between phases 1 and 2 moved one generation later.
    moved = members(
        {"s1": gens(1, 9)}, {**dict.fromkeys(gens(1, 4), 1), **dict.fromkeys(gens(5, 9), 2)}
    )
    assert list(resolve([correction], moved).phase_overrides) == [("s1", 2)]
    # A new phase appeared in front, so the corrected run is now phase 3.
    renumbered = members(
        {"s1": gens(1, 9)},
        {
            **dict.fromkeys(gens(1, 1), 1),
            **dict.fromkeys(gens(2, 3), 2),
            **dict.fromkeys(gens(4, 9), 3),
        },
    )
    assert list(resolve([correction], renumbered).phase_overrides) == [("s1", 3)]


def test_session_and_phase_corrections_of_one_session_do_not_compete() -> None:
    current = members({"s1": gens(1, 4)}, dict.fromkeys(gens(1, 4), 1))
    session = make("s1", "refinement", tuple(gens(1, 4)))
    phase = make("s1", "refinement", tuple(gens(1, 4)), phase_no=1, minutes=1)
    resolved = resolve([phase, session], current)
    assert set(resolved.session_overrides) == {"s1"}
    assert set(resolved.phase_overrides) == {("s1", 1)}


def test_supersedes_wins_over_a_later_timestamp() -> None:
    first = make("s1", "exploration", minutes=30)  # a clock ahead on another machine
    fix = make("s1", "refinement", minutes=1, supersedes=first.correction_id)
    resolved = resolve([first, fix], members({"s1": ["g1", "g2", "g3"]}))
    assert resolved.session_overrides["s1"].correction == fix


def test_orphans_are_reported_and_kept(store: CorrectionStore) -> None:
    gone = make("old", "refinement", ("x1", "x2"))
    kept = make("s1", "exploration", ("g1", "x3"), minutes=1)
    store.add(gone)
    store.add(kept)
    resolved = resolve(store.all(), members({"s1": ["g1", "g2"]}))
    assert resolved.orphaned == [gone]
    assert resolved.effective[0].coverage == 0.5
    assert store.all() == [gone, kept]  # resolution never deletes


def test_phase_correction_without_phases_yet_is_unplaced() -> None:
    correction = make("s1", "refinement", ("g1",), phase_no=1)
    resolved = resolve([correction], members({"s1": ["g1"]}))
    assert resolved.unplaced == [correction] and resolved.phase_overrides == {}


def test_by_artist_lists_effective_corrections_for_calibration() -> None:
    current = members({"s1": ["g1"], "s2": ["g2"], "s3": ["g3"]})
    a1 = make("s1", ids=("g1",), artist="ana")
    a2 = make("s2", ids=("g2",), artist="ana", minutes=1)
    b1 = make("s3", ids=("g3",), artist="ben", minutes=2)
    by_artist = resolve([a1, a2, b1], current).by_artist()
    assert {k: [p.correction for p in v] for k, v in by_artist.items()} == {
        "ana": [a1, a2],
        "ben": [b1],
    }


def test_corrections_survive_deleting_lake_and_warehouse(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    store = CorrectionStore.in_dir(paths.corrections_dir)
    correction = make()
    store.add(correction)
    paths.lake_dir.mkdir(parents=True)
    (paths.lake_dir / "x.parquet").write_bytes(b"derived")
    paths.warehouse_path.write_bytes(b"duckdb")
    assert not paths.corrections_dir.is_relative_to(paths.lake_dir)
    shutil.rmtree(paths.lake_dir)
    paths.warehouse_path.unlink()
    assert CorrectionStore.in_dir(paths.corrections_dir).all() == [correction]


# --- crashes ---------------------------------------------------------------------------------

CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from orchestration.intent.corrections import Correction, CorrectionStore

    store = CorrectionStore(Path(sys.argv[1]))
    ids = tuple(f"gen-{i:06d}" for i in range(int(sys.argv[2])))
    n = 0
    while True:
        c = Correction(artist="ana", session_id=f"s{n}", intent="refinement",
                       generation_ids=ids, author="ana", created_at=datetime.now(UTC))
        store.add(c)
        print(c.correction_id, flush=True)  # acknowledged: add() returned
        n += 1
    """
)


def test_sigkill_during_appends_loses_no_acknowledged_correction(tmp_path: Path) -> None:
    """Kills at random points; a kill inside the write itself is rare, and the torn line it
    would leave is covered deterministically by the torn-last-line test above."""
    path = tmp_path / "corrections" / "corrections.jsonl"
    rng = random.Random(7)
    acknowledged: list[str] = []
    for round_no in range(6):
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(rng.choice([5, 500, 5000]))],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        wanted = rng.randint(1, 25)
        for _ in range(wanted):
            line = child.stdout.readline()
            assert line, f"child exited early in round {round_no}"
            acknowledged.append(line.strip())
        time.sleep(rng.uniform(0, 0.02))  # land the kill anywhere in the add/fsync cycle
        os.kill(child.pid, signal.SIGKILL)
        rest, _ = child.communicate(timeout=30)
        acknowledged.extend(rest.split())
        assert child.returncode == -signal.SIGKILL
        contents = CorrectionStore(path).read()
        stored = {c.correction_id for c in contents.corrections}
        assert set(acknowledged) <= stored, f"round {round_no} lost acknowledged corrections"
    final = CorrectionStore(path).read()
    assert len({c.correction_id for c in final.corrections}) == len(final.corrections)
    assert len(final.corrections) >= len(acknowledged)
