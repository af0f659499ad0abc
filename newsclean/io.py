"""Read scraped dumps record by record, and write output atomically.

Inputs: `.txt` (one document per file), `.jsonl` (one JSON object per line), either optionally compressed
(gzip, zstd, bzip2, xz: recognised by their magic bytes, whatever the file is called), folders of such files
(walked in sorted order, following links, skipping hidden files), FIFOs such as `<(zcat dump.gz)`, or `-` for
standard input (JSONL if the first non-blank byte is `{`, one HTML page if it starts with a doctype or `<html>`,
else one plain-text document). `.html`/`.htm` files and `.warc`/`.warc.gz` files are pages (newsclean.html_io).

Nothing is lost silently. Every *input unit* (a non-blank JSONL line, a text file, a file that cannot be
read) comes out of `read_records` as exactly one `Record` or one `Reject` with its reason:

- invalid encoding: UTF-8 (BOM allowed) is tried first, then UTF-16 when there is a BOM, then -- unless the
  bytes are UTF-8 with a few damaged sequences, which are replaced by U+FFFD and reported as encoding
  ``utf-8-replaced`` rather than misread as GB18030 mojibake -- the fallback encodings (GB18030); the
  encoding used is `Record.encoding`. Bytes that are none of these are rejected.
- a broken JSON line, a line that is not an object, a text field that is missing or not a string, an empty
  document, a document longer than `max_chars` (a JSONL line too long to hold such a document is skipped
  without being read into memory; so is a text file).
- NUL bytes: NUL padding around a JSON line (what a crashed writer or a pre-allocated file leaves) is
  stripped like whitespace; a NUL byte inside a JSON line cannot be valid JSON and rejects the line
  (``nul-bytes``); a line of nothing but NULs is rejected too, so the damage is visible. ``\\u0000`` escapes
  in a text field are kept: the text is what the JSON says, and the normalise stage drops the control
  characters with the offset map recording the deletion.
- lone surrogates (``\\ud800`` escapes): JSON allows them, UTF-8 cannot hold them; each is replaced by U+FFFD,
  which keeps every offset into the text the same.
- a binary file (an image, an archive, an executable, or bytes full of NULs and control characters) is one
  ``binary-file`` reject, whatever its name.
- a truncated or corrupt compressed file: every record before the break is kept, then the break itself is
  one ``truncated-input`` (or ``corrupt-input``) reject carrying the incomplete last line. The break is a unit
  of its own: it is counted once in `records_in` and once in `rejected`, so
  ``records_in == written + duplicates + rejected`` still holds. A truncated text file is one document, and
  is rejected whole.
- a file inside a folder that cannot be opened, or a folder that cannot be listed, is an ``unreadable``
  reject; a path named on the command line that is missing or unreadable is an `InputError` (fail fast).
"""
from __future__ import annotations

import bz2
import gzip
import codecs
import json
import lzma
import os
import re
import stat
import sys
import tempfile
import unicodedata
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, NamedTuple

from .paths import private_temp

DEFAULT_MAX_CHARS = 2_000_000
TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")  # one page per file (newsclean.html_io)
WARC_SUFFIXES = (".warc",)  # .warc.gz too: the compressed suffix is taken off first
COMPRESSED_SUFFIXES = (".gz", ".zst", ".zstd", ".bz2", ".xz")
PARQUET_SUFFIX = ".parquet"  # read by newsclean.parquet
# How much of a rejected unit's raw text the rejects file keeps (the rest is counted in `raw_bytes`).
RAW_LIMIT = 100_000
_CHUNK = 1 << 16
_COMPRESSED_CHUNK = 1 << 14  # small, so that a corrupt block loses little of what came before it
_SNIFF = 8192


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
    meta: dict[str, Any] = field(default_factory=dict)  # what the input says about the document (HTML: title, url...)


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


# ----------------------------------------------------------------------------- decoding

_HIGH_BYTES = bytes(range(0x80, 0x100))


def _utf8_damage(data: bytes) -> int:
    """How many invalid sequences decoding `data` as UTF-8 meets."""
    return data.decode("utf-8", errors="replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")


def decode(data: bytes, options: ReadOptions) -> tuple[str, str] | None:
    """Decode bytes: UTF-8 (BOM allowed), UTF-16 with a BOM, lightly damaged UTF-8, then the fallback
    encodings; returns (text, encoding) or None."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    # UTF-8 with a flipped bit or a cut character is still UTF-8: GB18030 would "decode" it into mojibake
    # from end to end. Text in another encoding fails on most of its non-ASCII bytes, damaged UTF-8 on few.
    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    damage = _utf8_damage(data)
    if damage * 30 <= non_ascii:
        text = data.decode("utf-8", errors="replace")
        return (text[1:] if text.startswith("\ufeff") else text), "utf-8-replaced"
    big5 = _as_big5(data)
    if big5 is not None:
        return big5, "big5"
    for enc in options.fallback_encodings:
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    return None


def _as_big5(data: bytes) -> str | None:
    """The text of Big5 bytes, or None. GB18030 decodes almost any byte string, Big5 pages into mojibake, so
    bytes that are valid Big5 too are given to chardet to tell the two apart (GBK/GB18030 text of any length
    nearly always holds a trail byte Big5 lacks, so chardet seldom runs)."""
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        return None
    import chardet

    guess = (chardet.detect(data).get("encoding") or "").lower()
    return text if guess in ("big5", "cp950", "big5hkscs", "big5-hkscs") else None


def _lenient(data: bytes, limit: int = RAW_LIMIT) -> str:
    """Bytes for the rejects file (without the line break): UTF-8 where they are, `\\xNN` escapes where not."""
    if data.endswith(b"\n"):
        data = data[:-2] if data.endswith(b"\r\n") else data[:-1]
    return data[:limit].decode("utf-8", errors="backslashreplace")


def _raw_extra(size: int, kept: int) -> dict[str, Any]:
    return {"raw_bytes": size} if size > kept else {}


_SURROGATE = "\\ud"


def _has_lone_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _fix_surrogates(value: Any) -> Any:
    """Replace lone surrogates (legal in JSON, impossible in UTF-8) by U+FFFD, one for one."""
    if isinstance(value, str):
        if not _has_lone_surrogate(value):
            return value
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    if isinstance(value, dict):
        return {_fix_surrogates(k): _fix_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_fix_surrogates(v) for v in value]
    return value


# ----------------------------------------------------------------------------- sniffing

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"), (b"%PDF-", "PDF document"), (b"PK\x03\x04", "ZIP archive"),
    (b"\x7fELF", "ELF executable"), (b"Rar!\x1a\x07", "RAR archive"), (b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (b"\x00\x00\x01\x00", "icon"), (b"RIFF", "RIFF media"), (b"OggS", "Ogg media"),
    (b"fLaC", "FLAC audio"), (b"ID3", "MP3 audio"), (b"\x1aE\xdf\xa3", "Matroska video"),
    (b"SQLite format 3\x00", "SQLite database"), (b"\xd0\xcf\x11\xe0", "MS Office document"),
    (b"wOFF", "web font"), (b"wOF2", "web font"),
)
_COMPRESSION: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
)
# Control bytes that text does not contain (tab, newlines, form feed and escape are allowed).
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"


def sniff_binary(head: bytes, jsonl: bool = False) -> str | None:
    """What a file is if its first bytes say it is not text (None when it may be text).

    A JSONL file whose first line opens a JSON object is read line by line even if NULs or control bytes
    follow (each damaged line is its own reject); only a file that does not start like JSONL and is full of
    control bytes is binary as a whole.
    """
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return None
    sample = head[:_SNIFF].strip(b"\x00")  # NUL padding at either end is damage, not binary content
    if not sample:
        return None
    if jsonl and sample.lstrip(b"\t\r\n \xef\xbb\xbf").startswith(b"{"):
        return None
    control = len(sample) - len(sample.translate(None, _CONTROL))
    if control * 20 > len(sample) or sample.count(b"\x00") * 100 > len(sample):
        return "binary data (control bytes)"
    return None


def _compression(head: bytes) -> str | None:
    for magic, name in _COMPRESSION:
        if head.startswith(magic):
            return name
    return None


# ----------------------------------------------------------------------------- byte streams

class _Broken(Exception):
    """The byte stream stopped before its end: a truncated or corrupt compressed file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _decompressor(kind: str) -> Callable[[], Any]:
    if kind == "gzip":
        return lambda: zlib.decompressobj(wbits=31)
    if kind == "bzip2":
        return bz2.BZ2Decompressor
    if kind == "xz":
        return lzma.LZMADecompressor
    import zstandard

    return lambda: zstandard.ZstdDecompressor().decompressobj()


# Decompressed bytes made by one call, whatever the input: a 1.5 KB bzip2 bomb expands to gigabytes in one
# `decompress(data)`. The line reader holds at most one line (the line limit) plus one piece.
_MAX_PIECE = 1 << 20
# zstandard's decompressor object has no output limit, and zstd expands at most ~32,768 times (a 4-byte RLE
# block makes 128 KiB): fed this many bytes at a time it makes at most ~4 MiB per call.
_ZSTD_FEED = 128


def _decompressed(chunks: Iterator[bytes], kind: str) -> Iterator[bytes]:
    """Decompress a stream of any number of concatenated members/frames, in pieces of bounded size; raise
    `_Broken` at a break.

    Everything decompressed before the break has been yielded by then.
    """
    make = _decompressor(kind)
    errors: tuple[type[BaseException], ...] = (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError)
    if kind == "zstd":
        import zstandard

        errors += (zstandard.ZstdError,)
    feed = _FEEDERS.get(kind, _feed_zstd)
    d = make()
    fed = False  # whether the current member has been given any bytes
    try:
        for chunk in chunks:
            data = chunk
            while data:
                if d.eof:
                    if not data.strip(b"\x00"):
                        break  # zero padding after the last member
                    d = make()
                    fed = False
                fed = True
                data = yield from feed(d, data)
        if fed and not d.eof:
            yield from _drain(d, kind)
    except errors as exc:
        raise _Broken(f"corrupt-input: {kind} data is damaged ({type(exc).__name__}: {exc})") from None
    if fed and not d.eof:
        raise _Broken(f"truncated-input: the {kind} stream ends before its end marker")


def _feed_zlib(d: Any, data: bytes) -> Iterator[bytes]:
    """Give `data` to a zlib decompressor in bounded pieces; returns the bytes after the member's end."""
    while data:
        saved = d.copy()
        try:
            out = d.decompress(data, _MAX_PIECE)
        except zlib.error:
            # Go again a few bytes at a time, so that what decompressed before the damage is kept (a bad
            # checksum at the very end would otherwise lose the whole last piece).
            yield from _up_to_error(saved, data)
            raise
        if out:
            yield out
        if d.eof:
            return d.unused_data
        data = d.unconsumed_tail
    return b""


def _feed_buffered(d: Any, data: bytes) -> Iterator[bytes]:
    """The same for bz2 and lzma decompressors, which keep the input and hand out output on request."""
    out = d.decompress(data, max_length=_MAX_PIECE)
    while True:
        if out:
            yield out
        if d.eof:
            return d.unused_data
        if d.needs_input:
            return b""
        out = d.decompress(b"", max_length=_MAX_PIECE)


def _feed_zstd(d: Any, data: bytes) -> Iterator[bytes]:
    """The same for a zstd decompressor object, which has no output limit: a few input bytes at a time."""
    for start in range(0, len(data), _ZSTD_FEED):
        out = d.decompress(data[start:start + _ZSTD_FEED])
        if out:
            yield out
        if d.eof:
            return d.unused_data + data[start + _ZSTD_FEED:]
    return b""


_FEEDERS: dict[str, Callable[[Any, bytes], Iterator[bytes]]] = {
    "gzip": _feed_zlib, "bzip2": _feed_buffered, "xz": _feed_buffered,
}


def _drain(d: Any, kind: str) -> Iterator[bytes]:
    """Output a decompressor still holds after its last input (one that stopped at the piece limit)."""
    if kind == "zstd":
        return
    while not d.eof:
        out = d.decompress(b"", _MAX_PIECE) if kind == "gzip" else (
            b"" if d.needs_input else d.decompress(b"", max_length=_MAX_PIECE))
        if not out:
            return
        yield out


def _up_to_error(d: Any, data: bytes, step: int = 256) -> Iterator[bytes]:
    """Feed `data` to a zlib decompressor in small steps, the failing step byte by byte; yield the output up
    to the byte where the damage shows."""
    for i in range(0, len(data), step):
        saved = d.copy()
        try:
            out = d.decompress(data[i:i + step])
        except zlib.error:
            if step > 1:
                yield from _up_to_error(saved, data[i:i + step], 1)
            return
        if out:
            yield out
        if d.eof:
            return


def _file_chunks(fh: BinaryIO, size: int = _CHUNK) -> Iterator[bytes]:
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk


class _Stream:
    """The decompressed bytes of one input, with its first bytes available before reading starts."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        first = fh.read(_SNIFF)
        self.compression = _compression(first)
        raw = _prepend(first, _file_chunks(fh, _COMPRESSED_CHUNK if self.compression else _CHUNK))
        chunks = _decompressed(raw, self.compression) if self.compression else raw
        self._chunks = chunks
        # Read ahead until the sniff window is full (or the stream ends or breaks).
        self.head = b""
        self._pending: list[bytes] = []
        self.broken: _Broken | None = None
        try:
            while len(self.head) < _SNIFF:
                c = next(chunks)
                self._pending.append(c)
                self.head += c[: _SNIFF - len(self.head)]
        except StopIteration:
            pass
        except _Broken as exc:
            self.broken = exc

    def chunks(self) -> Iterator[bytes]:
        yield from self._pending
        if self.broken is not None:
            raise self.broken
        yield from self._chunks


def _prepend(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


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


# ----------------------------------------------------------------------------- records

def _lines(chunks: Iterator[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line bytes, byte length) for every line; bytes are None for a line over `limit`, which
    is skipped without being kept in memory. `_Broken` propagates with `.partial` set to the cut-off line."""
    buf = bytearray()
    n = 0
    skipping = 0  # bytes of an overlong line seen so far
    try:
        for chunk in chunks:
            start = 0
            while True:
                if not buf and not skipping:
                    n, start = _past_blank_lines(chunk, start, n)
                nl = chunk.find(b"\n", start)
                if nl < 0:
                    piece = chunk[start:]
                    if skipping:
                        skipping += len(piece)
                    else:
                        buf += piece
                        if len(buf) > limit:
                            skipping = len(buf)
                            buf.clear()
                    break
                piece = chunk[start:nl + 1]
                n += 1
                if skipping:
                    yield n, None, skipping + len(piece)
                    skipping = 0
                elif len(buf) + len(piece) > limit:
                    yield n, None, len(buf) + len(piece)
                    buf.clear()
                else:
                    buf += piece
                    yield n, bytes(buf), len(buf)
                    buf.clear()
                start = nl + 1
    except _Broken as exc:
        exc.partial = (n + 1, bytes(buf), skipping or len(buf))  # type: ignore[attr-defined]
        raise
    if skipping:
        yield n + 1, None, skipping
    elif buf:
        yield n + 1, bytes(buf), len(buf)


_NUL = b"\x00"
_BLANK = b" \t\n\r\x0b\x0c"  # what bytes.strip() strips


def _past_blank_lines(chunk: bytes, start: int, n: int) -> tuple[int, int]:
    """Skip the whole blank lines at `start` in one step: (line number, position) after them. Blank lines
    are not records, and 200 MB of newlines taken one at a time keep a run busy for minutes."""
    if start >= len(chunk) or chunk[start] not in _BLANK:
        return n, start
    rest = chunk[start:]
    last = chunk.rfind(b"\n", start, start + len(rest) - len(rest.lstrip(_BLANK)))
    if last < start:
        return n, start
    return n + chunk.count(b"\n", start, last + 1), last + 1


def _utf16_as_utf8(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A UTF-16 stream with a BOM as UTF-8, so that its lines split at b"\\n" like any other JSONL."""
    decoder = codecs.getincrementaldecoder("utf-16")()
    seen = 0
    for chunk in chunks:
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise _Broken(f"invalid-encoding: the UTF-16 stream has a bad sequence near byte {seen + exc.start}; "
                          "the records before it were kept") from None
        seen += len(chunk)
        yield text.encode("utf-8", errors="surrogatepass")
    try:
        rest = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise _Broken("truncated-input: the UTF-16 stream ends inside a character") from None
    if rest:
        yield rest.encode("utf-8", errors="surrogatepass")


def _cr_as_newline(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """JSONL whose first line ends in a bare CR (old Mac line ends) with every CR read as a line break; other
    streams as they are. JSON cannot hold a raw CR inside a string, so in JSONL a CR only ever ends a line or
    is blank space."""
    cr_only: bool | None = None
    held = b""
    for chunk in chunks:
        data, held = held + chunk, b""
        if cr_only is None:
            cr, lf = data.find(b"\r"), data.find(b"\n")
            if lf >= 0 and (cr < 0 or lf < cr):
                cr_only = False
            elif cr >= 0 and cr + 1 == len(data):
                data, held = data[:cr], data[cr:]  # the byte after it decides
            elif cr >= 0:
                cr_only = data[cr + 1] != 0x0A
        if cr_only:
            data = data.replace(b"\r", b"\n")
        if data:
            yield data
    if held:
        yield b"\n"


def _jsonl_records(chunks: Iterator[bytes], source: str, options: ReadOptions, encoding: str | None = None
                   ) -> Iterator[Record | Reject]:
    """Every record of a JSONL stream; `encoding` names the stream's encoding when it was transcoded to UTF-8."""
    try:
        for n, raw, size in _lines(chunks, options.max_line_bytes):
            where = f"{source}:{n}"
            if raw is None:
                yield Reject(where, f"too-large: line of {size} bytes (limit {options.max_line_bytes} bytes "
                             f"for --max-chars {options.max_chars})", "", extra={"raw_bytes": size})
                continue
            unit = _jsonl_line(raw, where, options)
            if encoding is not None and isinstance(unit, Record):
                unit.encoding = encoding
            if unit is not None:
                yield unit
    except _Broken as exc:
        n, partial, size = exc.partial  # type: ignore[attr-defined]
        yield Reject(f"{source}:{n}", exc.reason + "; the records before it were kept", _lenient(partial),
                     extra=_raw_extra(size, len(partial[:RAW_LIMIT])))


def _jsonl_line(raw: bytes, where: str, options: ReadOptions) -> Record | Reject | None:
    stripped = raw.strip()
    if not stripped:
        return None  # blank lines are not records
    if _NUL in stripped:
        stripped = stripped.strip(b"\x00\t\r\n ")
        if not stripped:
            return Reject(where, f"nul-bytes: a line of {len(raw.strip())} NUL bytes (damaged file)", "",
                          extra={"raw_bytes": len(raw)})
        if _NUL in stripped:
            return Reject(where, f"nul-bytes: {stripped.count(_NUL)} NUL byte(s) inside the JSON line",
                          _lenient(raw), extra=_raw_extra(len(raw), RAW_LIMIT))
    decoded = decode(stripped, options)
    if decoded is None:
        return Reject(where, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings),
                      _lenient(raw), extra=_raw_extra(len(raw), RAW_LIMIT))
    line, encoding = decoded
    try:
        obj = json.loads(line)
    except RecursionError:
        return Reject(where, "broken-json: nested too deeply", line[:RAW_LIMIT], extra=_raw_extra(len(line), RAW_LIMIT))
    except ValueError as exc:  # JSONDecodeError, and int() of a number with too many digits
        return Reject(where, f"broken-json: {getattr(exc, 'msg', str(exc))}", line[:RAW_LIMIT],
                      extra=_raw_extra(len(line), RAW_LIMIT))
    if not isinstance(obj, dict):
        return Reject(where, f"broken-json: line is a JSON {type(obj).__name__}, not an object", line[:RAW_LIMIT],
                      extra=_raw_extra(len(line), RAW_LIMIT))
    if _SURROGATE in line.lower():
        obj = _fix_surrogates(obj)
        line = _fix_surrogates(line)
    if options.html_field:
        return _html_io().field_record(obj, where, encoding, line, options, default_id=where)
    return _record_from(obj, where, encoding, line, options, default_id=where)


def _html_io():
    """The HTML readers, imported when an HTML input is met (they need the `html` extra)."""
    try:
        from . import html_io
    except ImportError as exc:
        raise InputError(f"HTML and WARC input need the html extra: pip install 'newsclean[html]' ({exc})") from None
    return html_io


def _record_from(obj: dict, where: str, encoding: str, raw: str, options: ReadOptions, default_id: str
                 ) -> Record | Reject:
    rid = obj.get(options.id_field)
    rid = default_id if rid is None else (rid if isinstance(rid, str) else json.dumps(rid, ensure_ascii=False))
    text = obj.get(options.text_field)
    extra = _raw_extra(len(raw), RAW_LIMIT)
    if options.text_field not in obj:
        return Reject(where, f"missing-field: no {options.text_field!r}", raw[:RAW_LIMIT], rid, extra)
    if not isinstance(text, str):
        kind = "null" if text is None else type(text).__name__
        return Reject(where, f"bad-field: {options.text_field!r} is {kind}, not a string", raw[:RAW_LIMIT], rid, extra)
    if _blank(text):
        return Reject(where, "empty-document", raw[:RAW_LIMIT], rid, extra)
    if _HTML_TEXT_START.match(text[:4096].lstrip("\ufeff \t\r\n")):
        return Reject(where, "looks-like-html: the text is a whole HTML page, whose markup would be cleaned as "
                      f"text; read it with --html-field {options.text_field} (JSONL) or as an .html file",
                      raw[:RAW_LIMIT], rid, extra)
    if len(text) > options.max_chars:
        return Reject(where, f"too-large: {len(text)} characters (limit {options.max_chars})", raw[:RAW_LIMIT],
                      rid, extra)
    fields = {k: v for k, v in obj.items() if k != options.text_field}
    return Record(rid, text, fields, where, encoding)


record_from = _record_from  # the checks of one JSON object, shared with the parquet reader


def _blank(text: str) -> bool:
    """No visible character: only whitespace, control and format characters (NULs, zero-width spaces)."""
    if len(text) > 256:
        return not text[:256].strip() and all(unicodedata.category(c)[0] in "CZ" for c in text)
    return all(c.isspace() or unicodedata.category(c)[0] in "CZ" for c in text)


def _text_record(stream: _Stream, source: str, rid: str, options: ReadOptions) -> Record | Reject:
    what = sniff_binary(stream.head)
    if what:
        return Reject(source, f"binary-file: {what}", _lenient(stream.head, 200), rid)
    data = bytearray()
    limit = options.max_file_bytes
    try:
        for chunk in stream.chunks():
            data += chunk
            if len(data) > limit:
                return Reject(source, f"too-large: more than {limit} bytes, so more than {options.max_chars} "
                              "characters", _lenient(bytes(data[:4000]), 2000), rid)
    except _Broken as exc:
        return Reject(source, exc.reason + "; a cut-off document is not kept", _lenient(bytes(data)), rid,
                      _raw_extra(len(data), RAW_LIMIT))
    decoded = decode(bytes(data), options)
    if decoded is None:
        return Reject(source, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings),
                      _lenient(bytes(data)), rid, _raw_extra(len(data), RAW_LIMIT))
    text, encoding = decoded
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"  # the BOM is not part of the text: raw offsets index the text after it
    if _has_lone_surrogate(text):  # UTF-16 with unpaired surrogates
        text = _fix_surrogates(text)
    return _record_from({"id": rid, options.text_field: text}, source, encoding, text, options, default_id=rid)


def read_records(inputs: list[str], options: ReadOptions = ReadOptions(),
                 sources: list[Source] | None = None,
                 on_open: Callable[[int, BinaryIO], None] | None = None) -> Iterator[Record | Reject]:
    """Every record of every input, in order, or a Reject explaining why a unit could not be read.

    `sources` (from `expand_inputs`) saves expanding `inputs` again. `on_open(n, fh)` is called when the n-th
    source's file is opened (a progress bar reads `fh.tell()` for the bytes read).
    """
    for n, src in enumerate(sources if sources is not None else expand_inputs(inputs)):
        yield from _read_one(src, options, (lambda fh, n=n: on_open(n, fh)) if on_open else None)


def _read_one(src: Source, options: ReadOptions, on_open: Callable[[BinaryIO], None] | None = None
              ) -> Iterator[Record | Reject]:
    path, kind = src.path, src.kind
    if src.error:
        yield Reject(path, src.error, "")
        return
    if kind is None:
        yield Reject(path, "unknown-kind: not .txt, .jsonl, .html, .warc or .parquet (optionally .gz/.zst)", "")
        return
    if kind == "warc":
        yield from _warc(path, options)
        return
    if kind == "parquet":
        from .parquet import parquet_records

        yield from parquet_records(path, options)
        return
    name = "<stdin>" if kind == "stdin" else path
    rid = "<stdin>" if kind == "stdin" else Path(path).name
    try:
        fh = sys.stdin.buffer if kind == "stdin" else open(path, "rb")
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    if on_open is not None:
        on_open(fh)
    try:
        try:
            stream = _Stream(fh)
        except OSError as exc:
            yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
            return
        utf16 = stream.head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
        if kind in ("stdin", "stream"):
            head = stream.head.decode("utf-16", errors="replace").encode() if utf16 else stream.head
            start = head.lstrip(b"\x00\t\r\n \xef\xbb\xbf")
            kind = "jsonl" if start[:1] == b"{" else "html" if _HTML_START.match(start) else "text"
        if kind == "jsonl":
            what = sniff_binary(stream.head, jsonl=True)
            if what:
                yield Reject(name, f"binary-file: {what}", _lenient(stream.head, 200))
                return
            chunks = _utf16_as_utf8(stream.chunks()) if utf16 else stream.chunks()
            yield from _jsonl_records(_cr_as_newline(chunks), name, options, "utf-16" if utf16 else None)
        elif kind == "html":
            yield _html_file(stream, name, rid, options)
        else:
            yield _text_record(stream, name, rid, options)
    except OSError as exc:  # a read error half way through (a disk or network failure)
        yield Reject(name, f"unreadable: read failed: {exc.strerror or exc}", "")
    finally:
        if fh is not sys.stdin.buffer:
            fh.close()


# A page piped in (`curl ... | newsclean clean -`) starts with a doctype, <html>, or a comment before them.
_HTML_START = re.compile(rb"(?i)(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.S)
_HTML_TEXT_START = re.compile(_HTML_START.pattern.decode(), re.I | re.S)


def _html_file(stream: _Stream, source: str, rid: str, options: ReadOptions) -> Record | Reject:
    try:
        return _html_io().html_file_record(stream, source, rid, options)
    except _Broken as exc:
        return Reject(source, exc.reason + "; a cut-off page is not kept", "", rid)


def _warc(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    """A WARC file's page records; warcio reads its per-record gzip itself, so the file goes to it unopened."""
    html_io = _html_io()
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    with fh:
        yield from html_io.warc_records(fh, path, options)


# ----------------------------------------------------------------------------- output

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
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        self._fh = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        if self.append_from and self.append_from.exists():
            with open(self.append_from, encoding="utf-8") as old:
                for line in old:
                    self._fh.write(line)
        return self._fh

    def __exit__(self, exc_type, exc, tb):
        assert self._fh is not None and self._tmp is not None
        if exc_type is None:
            try:
                self._fh.flush()
                os.fsync(self._fh.fileno())
                self._fh.close()
                keep_mode(self._tmp)
                os.replace(self._tmp, self.path)
            except BaseException:
                self._fh.close()
                _unlink(self._tmp)
                raise
        else:
            self._fh.close()
            _unlink(self._tmp)
        return False


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
    tmp = private_temp(path, ".final")
    try:
        with open(tmp, "wb") as raw:
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
            raw.flush()
            os.fsync(raw.fileno())
        keep_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def dumps(record: dict[str, Any]) -> str:
    """One JSONL line: UTF-8 text as is, keys in the order the record has them (deterministic)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
