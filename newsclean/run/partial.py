"""Partial files: an output written under a hidden name beside it, locked, renamed into place at the end."""
from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from ..io import compression_of_name, keep_mode, publish
from ..io.records import is_parquet_name
from .config import RunError

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


def partial_path(path: str) -> Path:
    """Where a file is written until the run is done: `.NAME.partial` beside it."""
    p = Path(path)
    return p.with_name(f".{p.name}.partial")



class Partial:
    """One output file being written under its partial name."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.partial = partial_path(path)
        self.fh: BinaryIO | None = None

    def open(self, keep: int | None) -> None:
        """Open the partial file, locked; keep its first `keep` bytes (None: start empty)."""
        fd = os.open(self.partial, os.O_RDWR | os.O_CREAT, 0o666)
        fh = os.fdopen(fd, "r+b")
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                raise RunError(f"{self.path}: another newsclean run is writing it ({self.partial} is locked)") from None
        size = os.fstat(fh.fileno()).st_size
        if keep is not None and size < keep:
            fh.close()
            raise RunError(f"cannot resume: {self.partial} is shorter than its checkpoint says "
                           f"({size} < {keep} bytes); run again without --resume")
        fh.truncate(keep or 0)
        fh.seek(keep or 0)
        self.fh = fh

    def position(self) -> int:
        assert self.fh is not None
        return self.fh.tell()

    def sync(self) -> None:
        assert self.fh is not None
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def commit(self) -> None:
        self.sync()
        if is_parquet_name(self.path):  # the partial file stays JSONL (resumable); converted once, at the end
            from ..parquet import file_lines, write_parquet  # imported by the runs that write parquet only

            write_parquet(self.path, file_lines(self.partial))
            self.partial.unlink()
            return
        if compression_of_name(self.path):
            # The partial file stays plain so that a resume can cut it at a byte offset; it is compressed once,
            # at the end, into a file beside the output that is then renamed into place.
            assert self.fh is not None
            self.fh.seek(0)
            publish(self.path, lambda out: _copy(self.fh, out))
            self.partial.unlink()
            return
        keep_mode(self.partial)
        os.replace(self.partial, self.path)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    while chunk := src.read(1 << 20):
        dst.write(chunk)
