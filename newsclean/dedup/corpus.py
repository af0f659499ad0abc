"""Deduplicating a corpus on disk: `dedup_files()`, the one pass that `clean --dedup` and `newsclean dedup`
both run, over a JSONL file whose documents it holds as a few numbers each (a `Corpus`) and whose texts it
reads back by line offset (a `TextFile`) only where the dedup needs them."""
from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator

from ..document import is_missing_number
from ..io import Record, Reject, dumps, publish
from ..parquet import is_parquet_name, write_parquet
from ..paths import PathError
from .batch import dedup_records
from .config import DedupConfig
from .light import Light
from .result import DedupResult
from .stream import Deduplicator


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


class Corpus:
    """The documents of one JSONL file as the dedup pass holds them: ids, light records (only their
    missing_number annotations), where each line starts and its text's length. Documents are added as the
    file is written (`add`, with the light view the writer already had) or read back from it (`read_back`)."""

    def __init__(self, path: str | Path, text_field: str = "text") -> None:
        self.path = Path(path)
        self.text_field = text_field
        self.ids: list[str] = []
        self.records: list[dict[str, Any]] = []
        self.offsets = array("q")
        self.lengths = array("q")
        self.size = 0  # bytes of the file indexed so far: where the next line starts

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, light: Light, line_bytes: int) -> None:
        """Index the next line of the file: `line_bytes` long, holding the document `light` describes."""
        self.ids.append(light.id)
        self.records.append({"annotations": light.annotations})
        self.offsets.append(self.size)
        self.lengths.append(light.length)
        self.size += line_bytes

    def read_back(self, id_field: str = "id", upto: int | None = None) -> None:
        """Index the lines of the file from where the index ends up to byte `upto` (the end of the file)."""
        with open(self.path, "rb") as fh:
            fh.seek(self.size)
            for line in fh:
                if upto is not None and self.size >= upto:
                    break
                self.add(Light.of_record(json.loads(line), id_field, self.text_field), len(line))

    @classmethod
    def read(cls, path: str | Path, id_field: str = "id", text_field: str = "text") -> Corpus:
        """The index of a whole JSONL file of documents (the output of a run)."""
        corpus = cls(path, text_field)
        corpus.read_back(id_field)
        return corpus

    def texts(self) -> TextFile:
        """The texts of the indexed lines, read from the file when asked (close it when done)."""
        return TextFile(self.path, self.offsets, self.lengths, self.text_field)


def spool(items: Iterable[Record | Reject], path: str | Path, text_field: str = "text"
          ) -> tuple[Corpus, list[Reject], list[str]]:
    """Write the documents of `items` to `path` as JSONL (their fields, the text back under `text_field`),
    indexing them on the way under their ids as the reader named them; returns the index, the rejects and
    the encoding of each document."""
    corpus, rejects, encodings = Corpus(path, text_field), [], []
    with open(path, "wb") as fh:
        for item in items:
            if isinstance(item, Reject):
                rejects.append(item)
                continue
            line = dumps({**item.fields, text_field: item.text}).encode("utf-8")
            fh.write(line)
            corpus.add(Light.of(item.id, item.fields.get("annotations"), item.text), len(line))
            encodings.append(item.encoding)
    return corpus, rejects, encodings


def dedup_corpus(corpus: Corpus, config: DedupConfig) -> DedupResult:
    """`dedup_records` over an indexed file, its texts read from disk when needed. Returns the `DedupResult`
    (light records, in file order); a Bloom index directory is left as it was until `result.save_index()`."""
    with corpus.texts() as texts:
        return dedup_records(corpus.records, config, ids=corpus.ids, save_index=False, texts=texts)


def dedup_files(corpus: Corpus, config: DedupConfig, output: str | Path, index: str | Path | None = None
                ) -> DedupResult:
    """Deduplicate an indexed file and write its kept lines (with their digit suggestions) to `output`: "-"
    for standard output, a parquet file, or JSONL (compressed as its name asks), written atomically. With
    `index`, also save the kept documents as a streaming `Deduplicator` index, built before any file is
    written (duplicate ids fail first). A Bloom index directory is saved by the caller (`result.save_index()`)
    once all its outputs are in place."""
    result = dedup_corpus(corpus, config)
    kept_index = None
    if index:
        with corpus.texts() as texts:
            kept_index = _kept_index(result, corpus.ids, texts, config)
    if str(output) == "-":
        write_kept(corpus, result, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    elif is_parquet_name(output):  # two streaming passes over the kept lines: schema, then rows
        write_parquet(output, lambda: kept_lines(corpus, result))
    else:
        publish(Path(output), lambda out: write_kept(corpus, result, out))
    if kept_index is not None:
        kept_index.save(index)
    return result


def _kept_index(result: DedupResult, ids: Sequence[str], texts: Sequence[str], config: DedupConfig) -> Deduplicator:
    """The streaming index of the kept documents (for --index); ids must be unique."""
    kept = [p for p, e in enumerate(result.entries) if e.kept]
    seen: dict[str, int] = {}
    for p in kept:
        if ids[p] in seen:
            raise PathError(f"--index needs unique ids: {ids[p]!r} is the id of kept documents {seen[ids[p]] + 1} "
                            f"and {p + 1}; nothing was written")
        seen[ids[p]] = p
    kept_index = Deduplicator(config)
    kept_index.add_many([ids[p] for p in kept], [texts[p] for p in kept])
    return kept_index


def with_suggestions(line: bytes, light: dict[str, Any]) -> bytes:
    """`line` as it is, or, when the dedup attached digit suggestions to its light record, rewritten with its
    missing_number annotations replaced (in order) by the light record's."""
    if not any("suggestion" in (a.get("info") or {}) for a in light["annotations"]):
        return line
    record = json.loads(line)
    suggested = iter(light["annotations"])
    record["annotations"] = [next(suggested) if is_missing_number(a) else a for a in record["annotations"]]
    return dumps(record).encode("utf-8")


def kept_lines(corpus: Corpus, result: DedupResult) -> Iterator[bytes]:
    """The lines of the corpus's file whose documents the dedup `result` kept, with their digit suggestions."""
    with open(corpus.path, "rb") as fh:
        for line, entry, light in zip(fh, result.entries, result.records):
            if entry.kept:
                yield with_suggestions(line, light)


def write_kept(corpus: Corpus, result: DedupResult, out: BinaryIO) -> None:
    """Copy the kept lines of the corpus's file to `out`."""
    for line in kept_lines(corpus, result):
        out.write(line)
