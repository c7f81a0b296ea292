"""Random access to an image's bytes, whether they are in memory or in a file.

The container walkers (PNG, JPEG, WebP) ask for short ranges by offset and for the file size;
they never need the pixel data. Over bytes already in memory a read is a slice. Over a file, the
first ``HEAD_BYTES`` are read once (signature, size and, for most files, every text chunk), and
any range beyond them is read with one ``pread`` (or seek + read for file objects without a file
descriptor): the image data between metadata chunks is skipped, never read.

The head is 4 KB: A1111, Fooocus and most other savers put their text in the first kilobyte,
and copying 16 KB per file cost more than the extra ``pread`` of a larger ComfyUI graph (A1111
PNG ~2 µs CPU a file slower at 16 KB; no kind measured faster; issue 15).
"""

from __future__ import annotations

import io
import os
import stat
from typing import BinaryIO

HEAD_BYTES = 4 * 1024
_TAIL_BLOCK = 64 * 1024


class Source:
    """A byte range reader; ``size`` is the whole file's length."""

    __slots__ = ("_fd", "_fh", "head", "size")

    def __init__(
        self, head: bytes, size: int, fd: int | None = None, fh: BinaryIO | None = None
    ) -> None:
        self.head = head
        self.size = size
        self._fd = fd
        self._fh = fh

    @classmethod
    def from_bytes(cls, data: bytes) -> Source:
        """Over bytes in memory: every read is a slice."""
        return cls(data, len(data))

    @classmethod
    def from_fd(cls, fd: int, size: int) -> Source:
        """Over an open descriptor of a regular file of ``size`` bytes (read with ``pread``)."""
        return cls(os.pread(fd, min(HEAD_BYTES, size), 0), size, fd=fd)

    @classmethod
    def from_file(cls, fh: BinaryIO) -> Source:
        """Over an open binary file (offsets from its start); unseekable streams are read whole."""
        try:
            fd = fh.fileno()
            info = os.fstat(fd)
        except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
            fd, info = None, None
        if fd is not None and info is not None and stat.S_ISREG(info.st_mode):
            return cls.from_fd(fd, info.st_size)
        seekable = getattr(fh, "seekable", None)
        if seekable is not None and seekable():
            size = fh.seek(0, io.SEEK_END)
            fh.seek(0)
            return cls(fh.read(min(HEAD_BYTES, size)), size, fh=fh)
        return cls.from_bytes(fh.read())

    @property
    def fd(self) -> int | None:
        """The descriptor ranges past the head are read from (None over bytes or a file object)."""
        return self._fd

    def read(self, pos: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``pos`` (fewer only at the end of the file)."""
        end = pos + n
        head = self.head
        if end <= len(head) or len(head) >= self.size:
            return head[pos:end]
        if pos >= self.size or n <= 0:
            return b""
        if self._fd is not None:
            return os.pread(self._fd, min(n, self.size - pos), pos)
        assert self._fh is not None
        self._fh.seek(pos)
        return self._fh.read(min(n, self.size - pos))

    def whole(self) -> bytes:
        """Every byte of the file (for the one reader that decodes pixels)."""
        if len(self.head) >= self.size:
            return self.head
        return self.read(0, self.size)

    def rfind(self, sub: bytes, start: int) -> int:
        """Like ``bytes.rfind(sub, start)`` over the file, reading backwards from its end."""
        if len(self.head) >= self.size:
            return self.head.rfind(sub, start)
        stop = self.size
        overlap = len(sub) - 1
        while stop > start:
            lo = max(start, stop - _TAIL_BLOCK)
            block = self.read(lo, min(stop + overlap, self.size) - lo)
            found = block.rfind(sub)
            if found >= 0:
                return lo + found
            stop = lo
        return -1
