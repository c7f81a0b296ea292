"""The inbox sensor takes a file once it is complete, and the same content once."""

import json
import shutil
import zipfile
from pathlib import Path

import dagster as dg

from orchestration.defs.partitions import archive_partitions
from orchestration.defs.resources import DataPaths
from orchestration.defs.sensors import inbox_sensor
from orchestration.store.inbox import candidates, content_digest, is_readable
from tests.orchestration.ops_fixtures import write_log


def _tick(paths: DataPaths, instance: dg.DagsterInstance, cursor: str | None) -> dg.SensorResult:
    with dg.build_sensor_context(
        instance=instance, cursor=cursor, resources={"paths": paths}
    ) as context:
        result = inbox_sensor(context)
    for request in result.dynamic_partitions_requests or []:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
    return result


def _zip_bytes(tmp_path: Path) -> bytes:
    log = write_log(tmp_path / "src" / "night.csv", rows=20)
    target = tmp_path / "src" / "export.zip"
    with zipfile.ZipFile(target, "w") as zf:
        zf.write(log, "night.csv")
        zf.writestr("notes/readme.txt", "x" * 50_000)
    return target.read_bytes()


def test_growing_zip_is_taken_once_complete_and_once_only(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    paths.inbox_dir.mkdir(parents=True)
    instance = dg.DagsterInstance.ephemeral()
    payload = _zip_bytes(tmp_path)
    target = paths.inbox_dir / "export.zip"

    target.write_bytes(payload[: len(payload) // 2])  # the copy is halfway
    result = _tick(paths, instance, None)
    assert not result.run_requests and not is_readable(target)
    result = _tick(paths, instance, result.cursor)  # unchanged, but no central directory yet
    assert not result.run_requests

    with open(target, "ab") as fh:  # the copy finishes
        fh.write(payload[len(payload) // 2 :])
    result = _tick(paths, instance, result.cursor)
    assert not result.run_requests  # grew since the last look: wait one more tick
    result = _tick(paths, instance, result.cursor)
    (request,) = result.run_requests
    key = paths.registry.all()[0].key
    assert request.partition_key == key
    assert instance.get_dynamic_partitions(archive_partitions.name) == [key]
    assert json.loads(result.cursor)["taken"][str(target)][2] == key

    # The same file on later ticks, and the same content under another name: nothing new.
    shutil.copy(target, paths.inbox_dir / "export (1).zip")
    cursor = result.cursor
    for _ in range(3):
        result = _tick(paths, instance, cursor)
        assert not result.run_requests
        cursor = result.cursor
    assert [a.key for a in paths.registry.all()] == [key]


def test_changed_log_is_ingested_again_and_partials_are_ignored(tmp_path: Path) -> None:
    paths = DataPaths(data_dir=str(tmp_path / "data"))
    instance = dg.DagsterInstance.ephemeral()
    log = write_log(paths.inbox_dir / "diffusion.csv", rows=5)
    (paths.inbox_dir / "big.zip.part").write_bytes(b"PK")
    (paths.inbox_dir / ".rsync-tmp.csv").write_text("prompt\n")
    (paths.inbox_dir / "notes.txt").write_text("not an archive")
    assert candidates(paths.inbox_dir) == [log]

    cursor = _tick(paths, instance, None).cursor
    first = _tick(paths, instance, cursor)
    (request,) = first.run_requests
    assert _tick(paths, instance, first.cursor).run_requests == []

    write_log(log, rows=8)  # exported again under the same name
    pending = _tick(paths, instance, first.cursor)
    assert not pending.run_requests
    (again,) = _tick(paths, instance, pending.cursor).run_requests
    assert again.partition_key == request.partition_key  # one partition per path
    assert again.run_key != request.run_key  # but a new run for the new content


def test_content_digest_ignores_names_and_sees_content(tmp_path: Path) -> None:
    a = write_log(tmp_path / "a.csv", rows=4)
    b = tmp_path / "b.csv"
    shutil.copy(a, b)
    c = write_log(tmp_path / "c.csv", rows=5)
    assert content_digest(a) == content_digest(b) != content_digest(c)
    folder = tmp_path / "f"
    folder.mkdir()
    shutil.copy(a, folder / "x.csv")
    other = tmp_path / "g"
    shutil.copytree(folder, other)
    assert content_digest(folder) == content_digest(other)
