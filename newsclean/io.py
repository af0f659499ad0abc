"""Read scraped dumps record by record, and write output atomically.

Inputs: `.txt` (one document per file), `.jsonl` (one JSON object per line), either optionally `.gz` or `.zst`,
folders of such files (walked in sorted order), or `-` for standard input (JSONL, or one plain-text document).
Nothing is lost silently: every line or file that cannot become a document is yielded as a `Reject` with the
reason, and the runner writes it to the rejects file and counts it.
"""
from __future__ import annotations

import gzip
import io
import json
import os
import sys
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterator

DEFAULT_MAX_CHARS = 2_000_000
TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd")


class InputError(Exception):
    """An input path that cannot be read at all (missing, unreadable, unknown kind)."""


@dataclass(slots=True)
class Record:
    """One input document: its id, text and the other fields of its JSON object."""

    id: str
    text: str
    fields: dict[str, Any]
    source: str  # "path:line" or "path"
    encoding: str = "utf-8"


@dataclass(slots=True)
class Reject:
    """An input unit that did not become a document, kept with its reason."""

    source: str
    reason: str
    raw: str  # the raw line or the start of the file, decoded leniently for the rejects file
    id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = {"source": self.source, "reason": self.reason, "raw": self.raw}
        if self.id is not None:
            out["id"] = self.id
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True)
class ReadOptions:
    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = DEFAULT_MAX_CHARS
    # Tried in order for bytes that are not UTF-8; GB18030 covers GBK/GB2312 pages.
    fallback_encodings: tuple[str, ...] = ("gb18030",)


def decode(data: bytes, options: ReadOptions) -> tuple[str, str] | None:
    """Decode bytes as UTF-8 (BOM allowed), else the fallback encodings; (text, encoding) or None."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    for enc in options.fallback_encodings:
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    return None


def _lenient(data: bytes, limit: int = 2000) -> str:
    return data[:limit].decode("utf-8", errors="backslashreplace")


def _open_binary(path: Path) -> BinaryIO:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith((".zst", ".zstd")):
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


def _kind(name: str) -> str | None:
    name = name.lower()
    for suffix in COMPRESSED_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    return None


def expand_inputs(inputs: list[str]) -> list[tuple[str, str | None]]:
    """Resolve the command line's inputs to (path, kind) pairs; folders are walked in sorted order.

    Raises InputError for a path that does not exist or a file of an unknown kind named directly.
    """
    out: list[tuple[str, str | None]] = []
    for item in inputs:
        if item == "-":
            out.append(("-", "stdin"))
            continue
        path = Path(item)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for f in sorted(files):
                    if not f.startswith("."):
                        full = os.path.join(root, f)
                        out.append((full, _kind(f)))  # unknown kinds become counted rejects
        elif path.is_file():
            kind = _kind(path.name)
            if kind is None:
                raise InputError(f"{item}: unknown input kind (expected .txt or .jsonl, optionally .gz/.zst)")
            out.append((str(path), kind))
        elif path.exists():
            raise InputError(f"{item}: not a regular file or folder")
        else:
            raise InputError(f"{item}: no such file or folder")
    return out


def _iter_lines(fh: BinaryIO) -> Iterator[bytes]:
    buffered = io.BufferedReader(fh) if not isinstance(fh, io.BufferedReader) else fh
    for line in buffered:
        yield line


def _jsonl_records(lines: Iterator[bytes], source: str, options: ReadOptions) -> Iterator[Record | Reject]:
    for n, raw in enumerate(lines, 1):
        where = f"{source}:{n}"
        stripped = raw.strip()
        if not stripped:
            continue  # blank lines are not records
        decoded = decode(stripped, options)
        if decoded is None:
            yield Reject(where, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings), _lenient(raw))
            continue
        line, encoding = decoded
        try:
            obj = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield Reject(where, f"broken-json: {getattr(exc, 'msg', 'too deeply nested')}", line[:2000])
            continue
        if not isinstance(obj, dict):
            yield Reject(where, "broken-json: line is not a JSON object", line[:2000])
            continue
        yield from _record_from(obj, where, encoding, line, options, default_id=where)


def _record_from(obj: dict, where: str, encoding: str, raw: str, options: ReadOptions, default_id: str
                 ) -> Iterator[Record | Reject]:
    rid = obj.get(options.id_field)
    rid = default_id if rid is None else str(rid)
    text = obj.get(options.text_field)
    if options.text_field not in obj:
        yield Reject(where, f"missing-field: no {options.text_field!r}", raw[:2000], rid)
    elif not isinstance(text, str):
        yield Reject(where, f"bad-field: {options.text_field!r} is {type(text).__name__}, not a string", raw[:2000], rid)
    elif not text.strip():
        yield Reject(where, "empty-document", raw[:2000], rid)
    elif len(text) > options.max_chars:
        yield Reject(where, f"too-large: {len(text)} characters (limit {options.max_chars})", text[:2000], rid)
    else:
        fields = {k: v for k, v in obj.items() if k != options.text_field}
        yield Record(rid, text, fields, where, encoding)


def _text_record(data: bytes, source: str, rid: str, options: ReadOptions) -> Iterator[Record | Reject]:
    if b"\x00" in data[:8192] and decode(data, ReadOptions(fallback_encodings=())) is None:
        yield Reject(source, "binary-file: NUL bytes and not UTF-8", _lenient(data, 200), rid)
        return
    decoded = decode(data, options)
    if decoded is None:
        yield Reject(source, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings), _lenient(data), rid)
        return
    text, encoding = decoded
    yield from _record_from({"id": rid, options.text_field: text}, source, encoding, text, options, default_id=rid)


def read_records(inputs: list[str], options: ReadOptions = ReadOptions()) -> Iterator[Record | Reject]:
    """Every record of every input, in order, or a Reject explaining why a unit could not be read."""
    for path, kind in expand_inputs(inputs):
        yield from _read_one(path, kind, options)


def _read_one(path: str, kind: str | None, options: ReadOptions) -> Iterator[Record | Reject]:
    if kind is None:
        yield Reject(path, "unknown-kind: not .txt or .jsonl (optionally .gz/.zst)", "")
        return
    if kind == "stdin":
        data = sys.stdin.buffer.read()
        first = data.lstrip()[:1]
        if first == b"{":
            yield from _jsonl_records(iter(data.splitlines(keepends=True)), "<stdin>", options)
        else:
            yield from _text_record(data, "<stdin>", "<stdin>", options)
        return
    try:
        fh = _open_binary(Path(path))
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    with fh:
        try:
            if kind == "jsonl":
                yield from _jsonl_records(_iter_lines(fh), path, options)
            else:
                yield from _text_record(fh.read(), path, Path(path).name, options)
        except (EOFError, zlib.error, OSError, ValueError) as exc:
            # A truncated .gz/.zst: records before the break were yielded; the break itself is reported.
            yield Reject(path, f"truncated-input: {type(exc).__name__}: {exc}", "")


class AtomicWriter:
    """Write a file under a temporary name and rename it into place only when everything is written.

    An interrupted run therefore never leaves a half-written output behind.
    """

    def __init__(self, path: str | Path, append_from: str | Path | None = None):
        self.path = Path(path)
        self.append_from = Path(append_from) if append_from else None
        self._fh = None
        self._tmp: str | None = None

    def __enter__(self):
        directory = self.path.parent if str(self.path.parent) else Path(".")
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".partial", dir=directory)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        if self.append_from and self.append_from.exists():
            with open(self.append_from, encoding="utf-8") as old:
                for line in old:
                    self._fh.write(line)
        return self._fh

    def __exit__(self, exc_type, exc, tb):
        assert self._fh is not None and self._tmp is not None
        if exc_type is None:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            os.replace(self._tmp, self.path)
        else:
            self._fh.close()
            os.unlink(self._tmp)
        return False


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text as is, keys in the order the record has them (deterministic)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
