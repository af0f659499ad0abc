"""Records from the inputs: JSONL lines, text files, HTML pages and WARC records, one `Record` or `Reject` each."""
from __future__ import annotations

import codecs
import json
import re
import sys
import unicodedata
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from . import cloud
from .decode import SURROGATE_ESCAPE, decode, fix_surrogates, has_lone_surrogate, lenient, raw_extra, sniff_binary
from .records import RAW_LIMIT, InputError, ReadOptions, Record, Reject, record_id
from .sources import Source, expand_inputs
from .streams import BrokenStream, Stream

# ----------------------------------------------------------------------------- records

def _lines(chunks: Iterator[bytes], limit: int) -> Iterator[tuple[int, bytes | None, int]]:
    """(line number, line bytes, byte length) for every line; bytes are None for a line over `limit`, which
    is skipped without being kept in memory. `BrokenStream` propagates with `.partial` set to the cut-off line."""
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
    except BrokenStream as exc:
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
            raise BrokenStream(f"invalid-encoding: the UTF-16 stream has a bad sequence near byte {seen + exc.start}; "
                          "the records before it were kept") from None
        seen += len(chunk)
        yield text.encode("utf-8", errors="surrogatepass")
    try:
        rest = decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise BrokenStream("truncated-input: the UTF-16 stream ends inside a character") from None
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
    except BrokenStream as exc:
        n, partial, size = exc.partial  # type: ignore[attr-defined]
        yield Reject(f"{source}:{n}", exc.reason + "; the records before it were kept", lenient(partial),
                     extra=raw_extra(size, len(partial[:RAW_LIMIT])))


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
                          lenient(raw), extra=raw_extra(len(raw), RAW_LIMIT))
    decoded = decode(stripped, options)
    if decoded is None:
        return Reject(where, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings),
                      lenient(raw), extra=raw_extra(len(raw), RAW_LIMIT))
    line, encoding = decoded
    try:
        obj = json.loads(line)
    except RecursionError:
        return Reject(where, "broken-json: nested too deeply", line[:RAW_LIMIT], extra=raw_extra(len(line), RAW_LIMIT))
    except ValueError as exc:  # JSONDecodeError, and int() of a number with too many digits
        return Reject(where, f"broken-json: {getattr(exc, 'msg', str(exc))}", line[:RAW_LIMIT],
                      extra=raw_extra(len(line), RAW_LIMIT))
    if not isinstance(obj, dict):
        return Reject(where, f"broken-json: line is a JSON {type(obj).__name__}, not an object", line[:RAW_LIMIT],
                      extra=raw_extra(len(line), RAW_LIMIT))
    if SURROGATE_ESCAPE in line.lower():
        obj = fix_surrogates(obj)
        line = fix_surrogates(line)
    if options.html_field:
        return _html_io().field_record(obj, where, encoding, line, options, default_id=where)
    return _record_from(obj, where, encoding, line, options, default_id=where)


def _html_io():
    """The HTML readers, imported when an HTML input is met (they need the `html` extra)."""
    try:
        from .. import html_io
    except ImportError as exc:
        raise InputError(f"HTML and WARC input need the html extra: pip install 'newsclean[html]' ({exc})") from None
    return html_io


def _record_from(obj: dict, where: str, encoding: str, raw: str, options: ReadOptions, default_id: str
                 ) -> Record | Reject:
    rid = record_id(obj.get(options.id_field), default_id)
    text = obj.get(options.text_field)
    extra = raw_extra(len(raw), RAW_LIMIT)
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


def _text_record(stream: Stream, source: str, rid: str, options: ReadOptions) -> Record | Reject:
    what = sniff_binary(stream.head)
    if what:
        return Reject(source, f"binary-file: {what}", lenient(stream.head, 200), rid)
    data = bytearray()
    limit = options.max_file_bytes
    try:
        for chunk in stream.chunks():
            data += chunk
            if len(data) > limit:
                return Reject(source, f"too-large: more than {limit} bytes, so more than {options.max_chars} "
                              "characters", lenient(bytes(data[:4000]), 2000), rid)
    except BrokenStream as exc:
        return Reject(source, exc.reason + "; a cut-off document is not kept", lenient(bytes(data)), rid,
                      raw_extra(len(data), RAW_LIMIT))
    decoded = decode(bytes(data), options)
    if decoded is None:
        return Reject(source, "invalid-encoding: not UTF-8 nor " + "/".join(options.fallback_encodings),
                      lenient(bytes(data)), rid, raw_extra(len(data), RAW_LIMIT))
    text, encoding = decoded
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"  # the BOM is not part of the text: raw offsets index the text after it
    if has_lone_surrogate(text):  # UTF-16 with unpaired surrogates
        text = fix_surrogates(text)
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
        from ..parquet import parquet_records

        yield from parquet_records(path, options)
        return
    name = "<stdin>" if kind == "stdin" else path
    rid = "<stdin>" if kind == "stdin" else Path(path.partition("?")[0] if cloud.is_uri(path) else path).name
    try:
        fh = sys.stdin.buffer if kind == "stdin" else open_binary(path)
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    if on_open is not None:
        on_open(fh)
    try:
        try:
            stream = Stream(fh)
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
                yield Reject(name, f"binary-file: {what}", lenient(stream.head, 200))
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


def _html_file(stream: Stream, source: str, rid: str, options: ReadOptions) -> Record | Reject:
    try:
        return _html_io().html_file_record(stream, source, rid, options)
    except BrokenStream as exc:
        return Reject(source, exc.reason + "; a cut-off page is not kept", "", rid)


def open_binary(path: str, seekable: bool = False) -> BinaryIO:
    """A local file, or a cloud object through pyarrow (`io.cloud`); either fails with an OSError."""
    if cloud.is_uri(path):
        return cloud.open_random(path) if seekable else cloud.open_input(path)
    return open(path, "rb")


def _warc(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    """A WARC file's page records; warcio reads its per-record gzip itself, so the file goes to it unopened."""
    html_io = _html_io()
    try:
        fh = open_binary(path, seekable=True)
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    with fh:
        yield from html_io.warc_records(fh, path, options)
