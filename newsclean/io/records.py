"""What reading yields: a `Record` or a `Reject` per input unit, the options, and the limits."""
from __future__ import annotations

import json
from typing import Any, NamedTuple

from ..fields import SlotFields

DEFAULT_MAX_CHARS = 2_000_000
TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")  # one page per file (newsclean.html_io)
WARC_SUFFIXES = (".warc",)  # .warc.gz too: the compressed suffix is taken off first
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd", ".bz2", ".xz")
PARQUET_SUFFIX = ".parquet"  # read by newsclean.parquet


def is_parquet_name(path: Any) -> bool:
    """Whether an input or output file is parquet by its name (`.parquet`): asked of every run's output, so it
    lives here and not in newsclean.parquet, which a JSONL run never imports."""
    return str(path).lower().endswith(PARQUET_SUFFIX)


# How much of a rejected unit's raw text the rejects file keeps (the rest is counted in `raw_bytes`).
RAW_LIMIT = 100_000
CHUNK_BYTES = 1 << 16
COMPRESSED_CHUNK_BYTES = 1 << 14  # small, so that a corrupt block loses little of what came before it
SNIFF_BYTES = 8192


class InputError(Exception):
    """An input path that cannot be read at all (missing, unreadable, unknown kind)."""


# Record and Reject are plain classes with slots and ReadOptions a named tuple, not dataclasses: the dataclass
# decorator compiles each generated method at import (1-4 ms a class), and every start imports these.
class Record(SlotFields):
    """One input document: its id, text and the other fields of its JSON object."""

    __slots__ = ("id", "text", "fields", "source", "encoding", "meta")

    def __init__(self, id: str, text: str, fields: dict[str, Any], source: str, encoding: str = "utf-8",
                 meta: dict[str, Any] | None = None):
        self.id = id
        self.text = text
        self.fields = fields
        self.source = source  # "path:line" or "path"
        self.encoding = encoding
        self.meta = {} if meta is None else meta  # what the input says about the document (HTML: title, url...)


class Reject(SlotFields):
    """An input unit that did not become a document, kept with its reason."""

    __slots__ = ("source", "reason", "raw", "id", "extra")

    def __init__(self, source: str, reason: str, raw: str, id: str | None = None,
                 extra: dict[str, Any] | None = None):
        self.source = source
        self.reason = reason
        self.raw = raw  # the raw line or the start of the file, decoded leniently for the rejects file
        self.id = id
        self.extra = {} if extra is None else extra

    def to_json(self) -> dict[str, Any]:
        out = {"source": self.source, "reason": self.reason, "raw": self.raw}
        if self.id is not None:
            out["id"] = self.id
        out.update(self.extra)
        return out


class ReadOptions(NamedTuple):
    text_field: str = "text"
    id_field: str = "id"
    max_chars: int = DEFAULT_MAX_CHARS
    # Tried in order for bytes that are not UTF-8; GB18030 covers GBK/GB2312 pages.
    fallback_encodings: tuple[str, ...] = ("gb18030",)
    html_field: str | None = None  # JSONL: the field holding the page's HTML (its main text is cleaned)
    extracted_field: str | None = None  # HTML input: also write the extracted text (the raw) into this field
    # HTML input: hand each page over decoded but not extracted (html_io.PendingPage), for the worker that
    # cleans it to extract (newsclean.extraction).
    defer_extraction: bool = False

    @property
    def max_line_bytes(self) -> int:
        """The longest JSONL line read into memory: room for `max_chars` characters written as `\\uXXXX`
        escapes, plus 1 MiB of other fields."""
        return self.max_chars * 6 + (1 << 20)

    @property
    def max_file_bytes(self) -> int:
        """A text file longer than this has more than `max_chars` characters whatever its encoding."""
        return self.max_chars * 4 + 4


def record_id(value: Any, default: str | None = None) -> str:
    """A record's id as text: a string as it is, any other JSON value as its JSON (`7` -> "7"), a missing one
    (None) as `default` when one is given.

    >>> record_id("a-1"), record_id(7), record_id(["x", 1]), record_id(None, "input.jsonl:3"), record_id(None)
    ('a-1', '7', '["x", 1]', 'input.jsonl:3', 'null')
    """
    if value is None and default is not None:
        return default
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
