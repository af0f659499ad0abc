"""The files a run writes: checked against its inputs and each other before any work, one writer at a time,
and temporary files that a killed run leaves behind removed by the next one.

A run that names one of its inputs as a side file (`--rejects x.jsonl` on input `x.jsonl`), or two outputs
as one file (`--clusters y.jsonl -o y.jsonl`), would replace data and still exit 0; `check_written_paths`
refuses it with one line before anything is read or written.
"""
from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import Iterable, Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]


class PathError(Exception):
    """A run whose written paths collide with an input or with each other, or cannot be written at all."""


def _same(a: str, b: str) -> bool:
    """Whether two paths name one file (the same path, or links to one file)."""
    if os.path.abspath(a) == os.path.abspath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_written_paths(inputs: Iterable[str], written: dict[str, str | None]) -> None:
    """Refuse a run whose written files (option name -> path; None or "-" for none) are an input named on the
    command line, one another, a folder, or in a folder that does not exist.

    A file met inside an input folder is not checked here: the run leaves its own written files out of the
    folder's inputs (`expand_inputs(exclude=...)`), so that a rerun does not read its old output back.
    """
    named = [p for p in inputs if p != "-" and not os.path.isdir(p)]
    chosen = [(option, path) for option, path in written.items() if path and path != "-"]
    for n, (option, path) in enumerate(chosen):
        for item in named:
            if _same(path, item):
                raise PathError(f"{option} {path}: is an input of this run; it would be replaced")
        for other_option, other in chosen[:n]:
            if _same(path, other):
                raise PathError(f"{option} {path}: is also the {other_option} file; every file a run writes "
                                "must be a different one")
        _check_writable(option, path)


def _check_writable(option: str, path: str) -> None:
    if os.path.isdir(path):
        raise PathError(f"{option} {path}: is a folder, not a file")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise PathError(f"{option} {path}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PathError(f"{option} {path}: folder {folder} is not writable")
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISREG(st.st_mode):
        raise PathError(f"{option} {path}: not a regular file")


def lock_path(path: str | Path) -> Path:
    """The lock file of an output: `.NAME.lock` beside it."""
    p = Path(path)
    return p.with_name(f".{p.name}.lock")


@contextlib.contextmanager
def output_lock(path: str | Path) -> Iterator[None]:
    """Hold the output's lock for the run, or raise PathError when another run holds it."""
    if fcntl is None or str(path) == "-":  # pragma: no cover
        yield
        return
    lock = lock_path(path)
    fh = open(lock, "a+b")
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise PathError(f"{path}: another newsclean run is writing it ({lock} is locked)") from None
        try:
            yield
        finally:
            # Removed while still held, so a run that opens it afterwards makes a new one.
            lock.unlink(missing_ok=True)
    finally:
        fh.close()


def private_temp(path: str | Path, suffix: str) -> Path:
    """A temporary name beside `path` that belongs to this process (`.NAME.<pid><suffix>`), after removing
    the ones that processes no longer running left behind (a run killed while writing)."""
    p = Path(path)
    remove_stale_temps(p, suffix)
    return p.with_name(f".{p.name}.{os.getpid()}{suffix}")


def remove_stale_temps(path: Path, suffix: str) -> None:
    prefix = f".{path.name}."
    try:
        names = os.listdir(path.parent if str(path.parent) else ".")
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(suffix)):
            continue
        pid = name[len(prefix): len(name) - len(suffix)]
        if pid.isdigit() and int(pid) != os.getpid() and not _running(int(pid)):
            (path.parent / name).unlink(missing_ok=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = ["PathError", "check_written_paths", "lock_path", "output_lock", "private_temp", "remove_stale_temps"]
