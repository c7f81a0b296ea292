"""Hostile inputs that cost CPU or memory out of all proportion to their size, built to order.

Tests build them a few MB large, against limits scaled down to match; ``python -m
tests.reliability.bombs OUT`` builds them at the size issue 15 reported (a 30-entry overlapping
zip of 200 MB entries, a tar.xz expanding to 2 GB, a 13000×13000 PNG) to measure an ingest.
"""

from __future__ import annotations

import io
import os
import struct
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def compressible(size: int, every: int = 128) -> bytes:
    """``size`` bytes that deflate about 50:1: under a per-entry ratio limit of 200."""
    data = bytearray(size)
    noise = os.urandom(len(range(0, size, every)))
    data[::every] = noise
    return bytes(data)


def overlapping_zip(path: Path, entries: int, size: int, good: dict[str, bytes]) -> Path:
    """A zip whose ``entries`` central-directory records all point at one ``size``-byte member.

    Each record alone looks sane (ratio about 50:1, under the entry limit); together they inflate
    ``entries × size`` bytes from one compressed stream. ``good`` files come first, unshared.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in good.items():
            zf.writestr(name, data)
        zf.writestr("bomb.png", compressible(size))
    raw = buffer.getvalue()
    eocd = raw.rindex(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack_from("<HII", raw, eocd + 10)
    records = raw[cd_offset : cd_offset + cd_size]
    last = records.rindex(b"PK\x01\x02")  # the bomb's record, repeated
    directory = records[:last] + records[last:] * entries
    end = struct.pack(
        "<4s4H2IH",
        b"PK\x05\x06",
        0,
        0,
        count - 1 + entries,
        count - 1 + entries,
        len(directory),
        cd_offset,
        0,
    )
    path.write_bytes(raw[:cd_offset] + directory + end)
    return path


class _Zeros(io.RawIOBase):
    """``size`` zero bytes, streamed (a tar member larger than memory)."""

    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        n = min(len(buffer), self.left)
        buffer[:n] = bytes(n)
        self.left -= n
        return n


def tar_bomb(path: Path, size: int, good: dict[str, bytes], mode: str = "xz") -> Path:
    """A compressed tar: the ``good`` files, then one member of ``size`` zero bytes, then more."""
    with tarfile.open(path, f"w:{mode}") as tf:
        for name, data in good.items():
            tf.addfile(_member(name, len(data)), io.BytesIO(data))
        tf.addfile(_member("bomb.png", size), io.BufferedReader(_Zeros(size)))
        tf.addfile(_member("after.png", 10), io.BytesIO(b"\0" * 10))
    return path


def _member(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = size, 1_760_000_000
    return info


def pixel_bomb(path: Path, width: int, height: int, text: dict[str, str]) -> Path:
    """A valid RGB PNG of ``width×height`` black pixels: tiny on disk, huge once decoded."""
    deflate = zlib.compressobj(9)
    row = bytes(1 + 3 * width)  # filter byte 0, then black pixels
    idat = bytearray()
    for _ in range(height):
        idat += deflate.compress(row)
    idat += deflate.flush()
    chunks = [_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))]
    chunks += [_chunk(b"tEXt", k.encode("latin-1") + b"\0" + v.encode()) for k, v in text.items()]
    chunks += [_chunk(b"IDAT", bytes(idat)), _chunk(b"IEND", b"")]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_PNG_SIGNATURE + b"".join(chunks))
    return path


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def text_chunk_png(path: Path, keyword: str, size: int, compressed: bool) -> Path:
    """A 1×1 PNG whose only text chunk holds ``size`` bytes (zTXt: inflates to that many)."""
    body = keyword.encode("latin-1") + b"\0"
    if compressed:
        body += b"\0" + zlib.compress(b"x" * size, 9)
    else:
        body += b"x" * size
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = _chunk(b"IDAT", zlib.compress(b"\0\0"))
    kind = b"zTXt" if compressed else b"tEXt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_PNG_SIGNATURE + ihdr + _chunk(kind, body) + idat + _chunk(b"IEND", b""))
    return path


if __name__ == "__main__":  # build the bombs at full size into the folder given
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    overlapping_zip(out / "overlap.zip", 30, 200 * 1024 * 1024, {})
    tar_bomb(out / "bomb.tar.xz", 2 * 1024**3, {})
    pixel_bomb(
        out / "pixels" / "huge.png",
        13000,
        13000,
        {"parameters": "a fox\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1"},
    )
    text_chunk_png(out / "text" / "tEXt.png", "parameters", 100 * 1024 * 1024, compressed=False)
    text_chunk_png(out / "text" / "zTXt.png", "parameters", 100 * 1024 * 1024, compressed=True)
    sys.stdout.write(f"built in {out}\n")
