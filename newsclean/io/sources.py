"""What the inputs name: files, folders (walked in sorted order), FIFOs, standard input."""
from __future__ import annotations

import os
import stat
from typing import Any, Callable, Iterable, NamedTuple

from . import cloud
from .records import (COMPRESSED_SUFFIXES, HTML_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIX, TEXT_SUFFIXES, WARC_SUFFIXES,
                      InputError)

# ----------------------------------------------------------------------------- inputs

class Source(NamedTuple):
    """One input to read: a file path (or "-"), its kind ("jsonl", "text", "stream", "stdin", or None for an
    unknown kind), and, for a file found in a folder that cannot be used, why."""

    path: str
    kind: str | None
    error: str | None = None


def _kind(name: str) -> str | None:
    name = name.lower()
    if name.endswith(PARQUET_SUFFIX):
        return "parquet"  # compressed inside, by column chunk
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    if name.endswith(WARC_SUFFIXES):
        return "warc"
    return None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def expand_inputs(inputs: Iterable[str], exclude: Iterable[str] = ()) -> list[Source]:
    """Resolve the command line's inputs to `Source`s; folders are walked in sorted order.

    Raises InputError for a named path that is missing or unreadable, or a named file of an unknown kind.
    Files met in a folder are never an error: an unknown kind or an unreadable file becomes a counted reject
    when read. Hidden files (a leading dot) and the files in `exclude` (the run's own output) are skipped.
    """
    excluded = [os.path.abspath(p) for p in exclude if p and p != "-"]

    def is_excluded(path: str) -> bool:
        full = os.path.abspath(path)
        return any(full == e or _same_file(full, e) for e in excluded)

    out: list[Source] = []
    for item in inputs:
        if item == "-":
            out.append(Source("-", "stdin"))
            continue
        if cloud.is_uri(item):
            out.extend(_remote(item))
            continue
        try:
            st = os.stat(item)
        except FileNotFoundError:
            raise InputError(f"{item}: no such file or folder") from None
        except OSError as exc:
            raise InputError(f"{item}: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            if not os.access(item, os.R_OK | os.X_OK):
                raise InputError(f"{item}: permission denied")
            out.extend(_walk(item, is_excluded))
        elif stat.S_ISREG(st.st_mode):
            kind = _kind(item)
            if kind is None:
                raise InputError(f"{item}: unknown input kind (expected .txt, .jsonl, .html, .warc or .parquet, "
                                 "optionally .gz/.zst)")
            if not os.access(item, os.R_OK):
                raise InputError(f"{item}: permission denied")
            out.append(Source(item, kind))
        elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            out.append(Source(item, _kind(item) or "stream"))  # <(zcat dump.gz), /dev/stdin
        else:
            raise InputError(f"{item}: not a regular file or folder")
    return out


def _remote(uri: str) -> list[Source]:
    """A cloud file, or every file under a cloud prefix (sorted), as Sources; the kind is read off the name
    without the URI's query."""
    files = cloud.list_files(uri)
    if files == [uri] and _kind(uri.partition("?")[0]) is None:
        raise InputError(f"{uri}: unknown input kind (expected .txt, .jsonl, .html, .warc or .parquet, "
                         "optionally .gz/.zst)")
    return [Source(f, _kind(f.partition("?")[0])) for f in files]


def _walk(top: str, is_excluded: Callable[[str], bool]) -> list[Source]:
    found: list[Source] = []

    def unreadable(exc: OSError) -> None:  # a folder that cannot be listed is reported, never skipped in silence
        found.append(Source(exc.filename or top, None, f"unreadable: folder cannot be listed: {exc.strerror or exc}"))

    seen: set[str] = set()
    for root, dirs, files in os.walk(top, onerror=unreadable, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:  # a link back into a folder already walked
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for f in sorted(files):
            full = os.path.join(root, f)
            if f.startswith(".") or is_excluded(full):
                continue
            found.append(Source(full, _kind(f)))
    return found


def input_signature(sources: list[Source]) -> list[list[Any]]:
    """(path, size, mtime) of every input file: what a resumed run checks it is reading the same inputs."""
    sig = []
    for s in sources:
        try:
            st = os.stat(s.path) if s.path != "-" else None
        except OSError:
            st = None
        sig.append([s.path, st.st_size if st else None, st.st_mtime_ns if st else None])
    return sig
