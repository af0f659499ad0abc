"""Writing: one atomic file writer (a hidden temporary file beside the target, synced, renamed into place)."""
from __future__ import annotations

import gzip
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO, Callable, Iterable, Iterator

from ..paths import private_temp

@contextmanager
def atomic_path(path: str | Path, tmp: str | Path | None = None) -> Iterator[Path]:
    """A temporary name beside `path` to write to: renamed onto `path` (with the usual permissions) when the
    block ends, removed when it fails, so that a killed run never leaves a half-written file in its place.

    `tmp` is the caller's name for it (a name of this process's own, from `paths.private_temp`); None makes a
    fresh hidden one.  The one atomic writer of outputs, rejects, checkpoints and index saves.
    """
    path = Path(path)
    if tmp is None:
        import tempfile  # here: a run's checkpoints and outputs name their own (tempfile brings shutil, bz2, lzma)

        directory = path.parent if str(path.parent) else Path(".")
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        os.close(fd)
        tmp = name
    tmp = Path(tmp)
    try:
        yield tmp
        keep_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_file(path: str | Path, tmp: str | Path | None = None, text: bool = False) -> Iterator[IO]:
    """`atomic_path` through an open file (UTF-8 with \\n line ends when `text`), synced before the rename."""
    with atomic_path(path, tmp) as name:
        with open(name, "w" if text else "wb", **({"encoding": "utf-8", "newline": "\n"} if text else {})) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


class AtomicWriter:
    """Write a text file atomically (`atomic_file`), optionally starting with the lines of `append_from`.

    An interrupted run therefore never leaves a half-written output behind.
    """

    def __init__(self, path: str | Path, append_from: str | Path | None = None):
        self.path = Path(path)
        self.append_from = Path(append_from) if append_from else None
        self._writing: Any = None

    def __enter__(self):
        self._writing = atomic_file(self.path, text=True)
        fh = self._writing.__enter__()
        try:
            if self.append_from and self.append_from.exists():
                with open(self.append_from, encoding="utf-8") as old:
                    for line in old:
                        fh.write(line)
        except BaseException:
            self._writing.__exit__(*sys.exc_info())
            raise
        return fh

    def __exit__(self, exc_type, exc, tb):
        return self._writing.__exit__(exc_type, exc, tb)


def keep_mode(path: str | Path) -> None:
    """mkstemp makes files only the owner can read; give the output the usual permissions (umask)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def compression_of_name(path: Path) -> str | None:
    """The compression an output file's name asks for."""
    name = path.name.lower()
    return "gzip" if name.endswith(".gz") else "zstd" if name.endswith((".zst", ".zstd")) else None


def publish(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write a finished file: `write(out)` into a hidden file beside `path`, compressed as its name asks (gzip
    without a timestamp, so that the bytes depend only on the content), synced, then renamed into place."""
    # A name of this process's own: two runs writing one file never write into each other's temporary file.
    with atomic_file(path, private_temp(path, ".final")) as raw:
        kind = compression_of_name(path)
        if kind == "gzip":
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
                write(packed)  # type: ignore[arg-type]
        elif kind == "zstd":
            import zstandard

            with zstandard.ZstdCompressor().stream_writer(raw, closefd=False) as packed:
                write(packed)  # type: ignore[arg-type]
        else:
            write(raw)


def write_lines(path: str, lines: Iterable[bytes]) -> None:
    """Write JSON lines that are already UTF-8 bytes: to standard output for "-", else atomically, compressed
    as the file's name asks (`publish`): the one way `clean` and `dedup` write their side files (clusters)."""
    if path == "-":
        for line in lines:
            sys.stdout.buffer.write(line)
        sys.stdout.buffer.flush()
        return

    def write(out: BinaryIO) -> None:
        for line in lines:
            out.write(line)

    publish(Path(path), write)


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text as is, keys in the order the record has them (deterministic)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
