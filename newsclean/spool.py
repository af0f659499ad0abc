"""A corpus on disk read back by line offset: a pass over all of it keeps a few numbers per document in memory
instead of its texts (the dedup pass of `clean --dedup`, and `newsclean dedup`)."""
from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from .dedup import is_missing_number
from .io import Record, Reject, dumps, record_id


class TextFile(Sequence[str]):
    """The texts of a JSONL file as a read-only sequence read from disk when asked, so that deduplicating a
    corpus holds a few numbers per document in memory instead of its text.

    `offsets[i]` is where line i starts in the file and `lengths[i]` its text's length in characters (the keep
    policy needs it without reading the text).  A slice of neighbouring lines is one sequential read; single
    texts asked for again (a candidate checked against several documents) come from a small cache.
    """

    CACHE_SIZE = 1024

    def __init__(self, path: str | Path, offsets: Sequence[int], lengths: Sequence[int], text_field: str = "text"):
        if len(offsets) != len(lengths):
            raise ValueError("offsets and lengths differ in length")
        self.path = Path(path)
        self.offsets = offsets
        self.lengths = lengths
        self.text_field = text_field
        self._fh = None
        self._cache: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.offsets)

    def _text(self, line: bytes) -> str:
        text = json.loads(line).get(self.text_field)
        return text if isinstance(text, str) else ""

    def _file(self):
        if self._fh is None:
            self._fh = open(self.path, "rb")
        return self._fh

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            if start >= stop:
                return []
            fh = self._file()
            fh.seek(self.offsets[start])
            return [self._text(fh.readline()) for _ in range(start, stop)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        text = self._cache.get(index)
        if text is None:
            fh = self._file()
            fh.seek(self.offsets[index])
            text = self._text(fh.readline())
            if len(self._cache) >= self.CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[index] = text
        return text

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __enter__(self) -> TextFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Index:
    """What a pass keeps per document while a JSONL file is read or written: id, flags, line offset, length."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.records: list[dict[str, Any]] = []
        self.offsets = array("q")
        self.lengths = array("q")
        self.size = 0

    def add(self, id: str, annotations: Any, text: Any, line_bytes: int) -> None:
        self.ids.append(id)
        self.records.append({"annotations": [a for a in annotations or () if is_missing_number(a)]})
        self.offsets.append(self.size)
        self.lengths.append(len(text) if isinstance(text, str) else 0)
        self.size += line_bytes


def light_records(path: str | Path, id_field: str = "id", text_field: str = "text"
                  ) -> tuple[list[str], list[dict[str, Any]], TextFile]:
    """Index a JSONL file of documents: their ids, light records (only their missing_number annotations, which
    the keep policy needs) and their texts as a `TextFile` (close it when done)."""
    index = _Index()
    with open(path, "rb") as fh:
        for line in fh:
            record = json.loads(line)
            index.add(record_id(record.get(id_field, record.get("id"))), record.get("annotations"),
                      record.get(text_field), len(line))
    return index.ids, index.records, TextFile(path, index.offsets, index.lengths, text_field)


def spool(items: Iterable[Record | Reject], path: str | Path, text_field: str = "text"
          ) -> tuple[list[str], list[dict[str, Any]], TextFile, list[Reject], list[str]]:
    """Write the documents of `items` to `path` as JSONL (their fields, the text back under `text_field`),
    indexing them on the way: their ids (as the reader named them), light records and texts as
    `light_records` gives them, then the rejects and the encoding of each document."""
    index, rejects, encodings = _Index(), [], []
    with open(path, "wb") as fh:
        for item in items:
            if isinstance(item, Reject):
                rejects.append(item)
                continue
            line = dumps({**item.fields, text_field: item.text}).encode("utf-8")
            fh.write(line)
            index.add(item.id, item.fields.get("annotations"), item.text, len(line))
            encodings.append(item.encoding)
    return index.ids, index.records, TextFile(path, index.offsets, index.lengths, text_field), rejects, encodings


def with_suggestions(line: bytes, light: dict[str, Any]) -> bytes:
    """`line` as it is, or, when the dedup attached digit suggestions to its light record, rewritten with its
    missing_number annotations replaced (in order) by the light record's."""
    if not any("suggestion" in (a.get("info") or {}) for a in light["annotations"]):
        return line
    record = json.loads(line)
    suggested = iter(light["annotations"])
    record["annotations"] = [next(suggested) if is_missing_number(a) else a for a in record["annotations"]]
    return dumps(record).encode("utf-8")


def kept_lines(path: str | Path, result) -> Iterator[bytes]:
    """The lines of `path` whose documents the dedup `result` kept, with their digit suggestions."""
    with open(path, "rb") as fh:
        for line, entry, light in zip(fh, result.entries, result.records):
            if entry.kept:
                yield with_suggestions(line, light)


def write_kept(path: str | Path, result, out: BinaryIO) -> None:
    """Copy the kept lines of `path` to `out`."""
    for line in kept_lines(path, result):
        out.write(line)
