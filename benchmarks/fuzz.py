"""Fuzz every ingest reader with hypothesis for a fixed time; print inputs tried and crashes.

A crash is any exception other than the reader's documented refusal: ``UnreadableFile`` for the
container readers, ``FileRejected`` (plus the parser errors the dispatcher turns into one) for
the tool parsers, ``UnreadableLog`` for logs, ``UnreadableArchive`` for archives, and nothing
at all for the text decoders and for ``ingest_archive``, which must quarantine everything.
Inputs are valid files made by the sample writers, then cut, flipped, spliced and overwritten,
plus wholly random bytes and JSON, so the fuzzer starts deep inside each format.

    .venv/bin/python benchmarks/fuzz.py --seconds 60          # every reader, 60 s each
    .venv/bin/python benchmarks/fuzz.py --seconds 5 --reader container:png
"""

from __future__ import annotations

import argparse
import io
import json
import tarfile
import tempfile
import time
import traceback
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image

from orchestration.ingest import image_metadata
from orchestration.ingest.archives import UnreadableArchive, iter_entries
from orchestration.ingest.containers import read_container, read_container_file
from orchestration.ingest.formats import exif, stealth, text
from orchestration.ingest.logs import UnreadableLog, iter_log_rows, parse_timestamp
from orchestration.ingest.pipeline import ingest_archive
from orchestration.ingest.records import (
    FileRejected,
    GenerationMeta,
    ImageContainer,
    UnreadableFile,
)
from orchestration.ingest.tools import _coerce
from orchestration.sample.writers import (
    a1111,
    comfyui,
    fooocus,
    invokeai,
    midjourney,
    novelai,
    stability_matrix,
    swarmui,
    tensorart,
)
from orchestration.sample.writers.containers import jpeg_bytes, png_bytes, webp_bytes
from orchestration.sample.writers.stealth import stealth_png_bytes

PARSER_REFUSALS = (FileRejected, *image_metadata._PARSER_ERRORS)


# --- seeds: valid inputs made by the project's own writers ------------------------------------


def _meta() -> GenerationMeta:
    return GenerationMeta(
        tool="a1111",
        prompt="a lighthouse in fog, (masterpiece:1.2), 猫",
        negative_prompt="blurry",
        seed=1234,
        steps=28,
        cfg_scale=6.5,
        sampler="DPM++ 2M",
        scheduler="karras",
        model="sdxl_base",
        width=832,
        height=1216,
        created_at=datetime(2025, 5, 1, 12, tzinfo=UTC),
        job_id="0f0e0d0c-0b0a-0908-0706-050403020100",
    )


@cache
def tool_texts() -> dict[str, dict[str, str]]:
    """Each tool's metadata fields for one generation, as its writer stores them."""
    g = _meta()
    return {
        "a1111": {"parameters": a1111.a1111_parameters(g)},
        "comfyui": comfyui.comfyui_text(g),
        "fooocus": fooocus.fooocus_text(g),
        "invokeai": invokeai.invokeai_text(g),
        "midjourney": midjourney.midjourney_description(g),
        "novelai": novelai.novelai_text(g),
        "stability_matrix": stability_matrix.stability_matrix_text(g),
        "swarmui": swarmui.swarmui_text(g),
        "tensorart": tensorart.tensorart_text(g),
    }


@cache
def image_seeds() -> dict[str, list[bytes]]:
    """Valid files per container format, with metadata in each place readers look."""
    rgb, rgba = Image.new("RGB", (24, 16), (200, 40, 90)), Image.new("RGBA", (24, 16))
    texts = tool_texts()
    params = texts["a1111"]["parameters"]
    exif_tags = {"exif:UserComment": params, "exif:Make": "prompt:{}", "xmp": "<x:xmpmeta/>"}
    return {
        "png": [
            png_bytes(rgb, texts["a1111"]),
            png_bytes(rgb, texts["comfyui"], ztxt_keys={"workflow"}),
            png_bytes(rgb, texts["invokeai"], itxt_keys=set(texts["invokeai"])),
            png_bytes(rgba, texts["novelai"], text_after_idat=True),
            png_bytes(rgb, {"exif:UserComment": params}),
            stealth_png_bytes(Image.new("RGBA", (64, 48)), params),
        ],
        "jpeg": [
            jpeg_bytes(rgb, exif=exif_tags, exif_datetime=datetime(2025, 5, 1), comment="x"),
            jpeg_bytes(rgb, exif={"exif:UserComment": params}, comment_encoding="utf-16-le"),
        ],
        "webp": [
            webp_bytes(rgb, exif=exif_tags, with_exif_prefix=True),
            webp_bytes(rgba, exif={"exif:ImageDescription": "a cat"}, lossless=True),
        ],
    }


# --- strategies -----------------------------------------------------------------------------


def mutated(seeds: list[bytes]) -> st.SearchStrategy[bytes]:
    """A seed with a few byte-level edits, or random bytes."""
    edit = st.tuples(
        st.sampled_from(["cut", "flip", "insert", "overwrite", "delete"]),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=16),
    )

    def apply(seed: bytes, edits: list[tuple[str, float, bytes]]) -> bytes:
        data = bytearray(seed)
        for kind, where, chunk in edits:
            at = int(where * len(data))
            if kind == "cut":
                del data[at:]
            elif kind == "flip" and at < len(data):
                data[at] ^= chunk[0] or 1
            elif kind == "insert":
                data[at:at] = chunk
            elif kind == "overwrite":
                data[at : at + len(chunk)] = chunk
            else:
                del data[at : at + len(chunk)]
        return bytes(data)

    return st.one_of(
        st.builds(apply, st.sampled_from(seeds), st.lists(edit, min_size=1, max_size=6)),
        st.binary(max_size=256),
        st.sampled_from(seeds).map(lambda s: s[:8]).flatmap(lambda h: st.binary().map(h.__add__)),
    )


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=30,
)


def _json_edit(value: Any, path: list[int], replacement: Any) -> Any:
    """``value`` with one nested member (chosen by ``path``) replaced."""
    if not path or not isinstance(value, dict | list) or not value:
        return replacement
    keys = list(value) if isinstance(value, dict) else list(range(len(value)))
    key = keys[path[0] % len(keys)]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[key] = _json_edit(copy[key], path[1:], replacement)
    return copy


def _text_value(original: str) -> st.SearchStrategy[str]:
    """A field's text: JSON with one member replaced, cut or edited text, or random text."""
    try:
        parsed = json.loads(original)
    except ValueError:
        parsed = None
    edits = st.builds(
        lambda at, junk: original[: int(at * len(original))] + junk,
        st.floats(0, 1),
        st.text(max_size=12),
    )
    options = [edits, st.text(max_size=200), JSON.map(json.dumps)]
    if isinstance(parsed, dict | list):
        options.append(
            st.builds(
                lambda path, new: json.dumps(_json_edit(parsed, path, new), allow_nan=True),
                st.lists(st.integers(0, 50), min_size=1, max_size=5),
                JSON,
            )
        )
    return st.one_of(options)


def containers_for(fields: dict[str, str]) -> st.SearchStrategy[ImageContainer]:
    """Containers holding a tool's fields, each maybe edited, dropped or joined by junk keys."""
    per_key = {key: st.one_of(st.just(value), _text_value(value)) for key, value in fields.items()}
    return st.builds(
        lambda chosen, junk, size: ImageContainer(
            format="png", width=size[0], height=size[1], text={**junk, **chosen}
        ),
        st.fixed_dictionaries({}, optional=per_key),
        st.dictionaries(st.sampled_from(sorted(_ALL_KEYS)), st.text(max_size=50), max_size=3),
        st.tuples(st.none() | st.integers(0, 2**32), st.none() | st.integers(0, 2**32)),
    )


_ALL_KEYS = {
    "parameters",
    "prompt",
    "workflow",
    "Comment",
    "Description",
    "Software",
    "Source",
    "invokeai_metadata",
    "sd-metadata",
    "Dream",
    "sui_image_params",
    "generation_data",
    "smproj",
    "parameters-json",
    "fooocus_scheme",
    "exif:UserComment",
    "exif:ImageDescription",
    "exif:Make",
    "exif:Model",
    "exif:Software",
    "exif:Artist",
    "xmp",
    "jpeg:comment",
    "stealth",
}


@cache
def archive_seeds() -> dict[str, list[bytes]]:
    """A valid zip and tar.gz holding two images and a note."""
    members = {"day/a.png": image_seeds()["png"][0], "b.jpg": image_seeds()["jpeg"][0]}
    members["notes.txt"] = b"hello"
    zipped, tarred = io.BytesIO(), io.BytesIO()
    with zipfile.ZipFile(zipped, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with tarfile.open(fileobj=tarred, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_750_000_000
            tf.addfile(info, io.BytesIO(data))
    return {"zip": [zipped.getvalue()], "tar": [tarred.getvalue()]}


def _log_seeds() -> list[bytes]:
    header = b"prompt,seed,step,cfg,sampler,width,height,user_name,timestamp\n"
    row = b'"a castle, 4k",42,50,7.5,k_lms,512,768,ada,2022-08-13 20:04:00+00:00\n'
    return [header + row * 3, header + b"nan,-1,1e99,inf,,0,0,,0\n"]


def _jsonl_seeds() -> list[bytes]:
    row = {"prompt": "a castle", "seed": 1, "timestamp": "2024-01-01T00:00:00Z", "cfg": 7}
    return [(json.dumps(row) + "\n").encode() * 3]


# --- readers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """One reader, its inputs, and the exceptions that are its documented way of refusing."""

    name: str
    strategy: Callable[[], st.SearchStrategy[Any]]
    run: Callable[[Any], object]
    refusals: tuple[type[BaseException], ...] = ()


def _container_file(data: bytes) -> object:
    return read_container_file(io.BytesIO(data))


def _both_container_paths(data: bytes) -> object:
    """The bytes path and the file path must agree on acceptance."""
    try:
        from_bytes = read_container(data)
    except UnreadableFile:
        from_bytes = None
    try:
        from_file = _container_file(data)
    except UnreadableFile:
        from_file = None
    if (from_bytes is None) != (from_file is None):
        raise AssertionError("read_container and read_container_file disagree")
    return from_bytes


def _ingest_bytes(suffix: str) -> Callable[[bytes], object]:
    """``ingest_archive`` on the bytes saved as an archive or log: it must never raise."""

    def run(data: bytes) -> object:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"input{suffix}"
            source.write_bytes(data)
            return ingest_archive(source, "fuzz", "fuzz", Path(tmp) / "lake")

    return run


def _entries(kind: str, suffix: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"input{suffix}"
            source.write_bytes(data)
            return [(e.path, e.problem) for e in iter_entries(source, kind)]

    return run


def _log_rows(suffix: str) -> Callable[[bytes], object]:
    def run(data: bytes) -> object:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"log{suffix}"
            source.write_bytes(data)
            return list(iter_log_rows(source, "fuzz", "fuzz"))

    return run


def _decoders(data: bytes) -> object:
    return (
        text.decode_legacy(data),
        text.decode_utf8(data),
        text.decode_utf16(data),
        text.decode_user_comment(data),
        text.inflate(data),
        text.repair_mojibake(data.decode("latin-1")),
    )


def _coercions(value: object) -> object:
    return (
        _coerce.load_json(value),
        _coerce.to_seed(value),
        _coerce.to_steps(value),
        _coerce.to_cfg(value),
        _coerce.parse_size(value),
        _coerce.to_utc_datetime(value),
        parse_timestamp(value),
    )


def _tool_reader(name: str, parse: Callable[[ImageContainer], object]) -> Reader:
    return Reader(
        f"tool:{name}", lambda: containers_for(tool_texts()[name]), parse, PARSER_REFUSALS
    )


def readers() -> list[Reader]:
    """Every reader the ingest runs on untrusted bytes or text."""
    images = image_seeds
    tools = [_tool_reader(name, parse) for name, parse in image_metadata.PARSERS]
    all_fields = {k: v for fields in tool_texts().values() for k, v in fields.items()}
    return [
        Reader(
            "container:png",
            lambda: mutated(images()["png"]),
            _both_container_paths,
            (UnreadableFile,),
        ),
        Reader(
            "container:jpeg",
            lambda: mutated(images()["jpeg"]),
            _both_container_paths,
            (UnreadableFile,),
        ),
        Reader(
            "container:webp",
            lambda: mutated(images()["webp"]),
            _both_container_paths,
            (UnreadableFile,),
        ),
        Reader(
            "format:exif",
            lambda: mutated([s[s.find(b"Exif") :] for s in images()["jpeg"]]),
            exif.read_exif,
        ),
        Reader("format:stealth", lambda: mutated(images()["png"][-1:]), stealth.read_stealth),
        Reader("format:text", lambda: st.binary(max_size=512), _decoders),
        Reader("coerce", lambda: JSON | st.text(max_size=64), _coercions),
        *tools,
        Reader(
            "image_metadata",
            lambda: mutated([s for seeds in images().values() for s in seeds]),
            image_metadata.read_image_metadata,
            (FileRejected,),
        ),
        Reader(
            "image_metadata:fields",
            lambda: containers_for(all_fields),
            image_metadata._parse,
            (FileRejected,),
        ),
        Reader("log:csv", lambda: mutated(_log_seeds()), _log_rows(".csv"), (UnreadableLog,)),
        Reader("log:jsonl", lambda: mutated(_jsonl_seeds()), _log_rows(".jsonl"), (UnreadableLog,)),
        Reader(
            "archive:zip",
            lambda: mutated(archive_seeds()["zip"]),
            _entries("zip", ".zip"),
            (UnreadableArchive,),
        ),
        Reader(
            "archive:tar",
            lambda: mutated(archive_seeds()["tar"]),
            _entries("tar", ".tar.gz"),
            (UnreadableArchive,),
        ),
        Reader("ingest:zip", lambda: mutated(archive_seeds()["zip"]), _ingest_bytes(".zip")),
        Reader("ingest:tar", lambda: mutated(archive_seeds()["tar"]), _ingest_bytes(".tar.gz")),
        Reader("ingest:csv", lambda: mutated(_log_seeds()), _ingest_bytes(".csv")),
    ]


def crash_of(reader: Reader, value: Any) -> BaseException | None:
    """The exception ``reader`` raised on ``value`` outside its documented refusals, if any."""
    try:
        reader.run(value)
    except reader.refusals:
        return None
    except Exception as exc:  # anything else is exactly what the fuzzer looks for
        return exc
    return None


# --- the timed run --------------------------------------------------------------------------


@dataclass
class Outcome:
    """Inputs tried and distinct crashes (by exception type and raising line) for a reader."""

    tried: int = 0
    crashes: dict[str, str] = field(default_factory=dict)


def fuzz(reader: Reader, seconds: float, batch: int = 200) -> Outcome:
    """Run hypothesis batches against ``reader`` until ``seconds`` have passed."""
    outcome = Outcome()
    strategy = reader.strategy()
    deadline = time.monotonic() + seconds

    @settings(
        max_examples=batch,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one(data: st.DataObject) -> None:
        value = data.draw(strategy)
        if time.monotonic() > deadline:
            return  # the batch runs out; drawing anyway keeps generation consistent
        outcome.tried += 1
        exc = crash_of(reader, value)
        if exc is not None:
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = f"{type(exc).__name__} at {Path(frame.filename).name}:{frame.lineno}"
            outcome.crashes.setdefault(where, f"{exc!s:.200} on {value!r:.300}")

    while time.monotonic() < deadline:
        one()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="time per reader")
    parser.add_argument("--reader", action="append", help="only these readers (repeatable)")
    args = parser.parse_args()
    chosen = [r for r in readers() if not args.reader or r.name in args.reader]
    total_tried = total_crashes = 0
    print(f"{'reader':<28}{'inputs':>10}{'crashes':>9}")
    for reader in chosen:
        outcome = fuzz(reader, args.seconds)
        total_tried += outcome.tried
        total_crashes += len(outcome.crashes)
        print(f"{reader.name:<28}{outcome.tried:>10,}{len(outcome.crashes):>9}", flush=True)
        for where, example in outcome.crashes.items():
            print(f"    {where}: {example}")
    print(f"{'total':<28}{total_tried:>10,}{total_crashes:>9}")


if __name__ == "__main__":
    main()
