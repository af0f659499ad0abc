"""HTML inputs as records: `.html`/`.htm` files, WARC files, and JSONL records whose page is in a field.

Each page becomes one `Record` whose text is the page's extracted main text (`newsclean.html.extract`) and
whose `meta` carries what the page says about itself (title, published, author, url, site) and
`raw = "extracted-text"`: the output's `raw_start`/`raw_end` index that text, not the HTML. With
`ReadOptions.extracted_field` the extracted text is also written into the output record under that name.

Or one `Reject`, with its reason: `binary-file`, `too-large`, `invalid-encoding` (no charset decodes the
bytes), `empty-document` (nothing but whitespace), `broken-html` (lxml cannot parse it), `no-content` (no
extractor finds a main text: a frameset, a page of links), `not-html` (a WARC response of another content
type), `not-a-page` (a WARC response whose HTTP status is not 2xx: a redirect, an error page),
`truncated-input` (a WARC record cut off before its Content-Length), `missing-field`/`bad-field` (the
`--html-field` is absent or not a string), `corrupt-input` (a damaged WARC: the records before the damage are
kept), `internal-error` (an extractor bug on one page: the run goes on).

With `ReadOptions.defer_extraction` (what `newsclean clean` uses) a page is read and decoded here but not
extracted: it comes as a `PendingPage`, and `extract_page` makes it a `Record` or a `Reject` later, in the
worker process that cleans it, so that a run with `--jobs N` extracts N pages at a time and every page once.

In a WARC file the units are its `response` and `resource` records; `warcinfo`, `request`, `metadata` and
`revisit` records describe the crawl and hold no page, and are passed over like blank lines of a JSONL file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, BinaryIO, Iterator

from .html import RAW_KIND, PageError, decode_page, extract
from .io import RAW_LIMIT, ReadOptions, Record, Reject, _lenient, _raw_extra, _Stream, record_id, sniff_binary

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_WARC_PAGE_RECORDS = ("response", "resource")


def html_limit(options: ReadOptions) -> int:
    """The most bytes of HTML read for one page: markup is several times its text, so the JSONL line limit."""
    return options.max_line_bytes


@dataclass(slots=True)
class PendingPage:
    """A decoded page whose main text is still to be extracted (`extract_page`): read in the main process,
    extracted in the worker that cleans it."""

    html: str
    id: str
    source: str
    encoding: str
    fields: dict[str, Any] = field(default_factory=dict)
    url: str | None = None


def page_record(html: str, rid: str, source: str, encoding: str, options: ReadOptions,
                fields: dict[str, Any] | None = None, url: str | None = None) -> Record | Reject | PendingPage:
    """The record of one decoded page (its main text, the page's metadata, and the caller's fields), or
    the page itself to be extracted later when `options.defer_extraction` says so."""
    page = PendingPage(html, rid, source, encoding, dict(fields or {}), url)
    return page if options.defer_extraction else extract_page(page, options)


def extract_page(pending: PendingPage, options: ReadOptions) -> Record | Reject:
    """The main text of a decoded page as a record, or the reason it has none."""
    html, rid, source, url = pending.html, pending.id, pending.source, pending.url
    try:
        page = extract(html, url=url)
    except PageError as exc:
        return Reject(source, exc.reason, html[:RAW_LIMIT], rid, _raw_extra(len(html), RAW_LIMIT))
    except Exception as exc:  # noqa: BLE001 - a bug on one page must not end the run: reported like the pipeline's
        return Reject(source, f"internal-error: extracting the page failed: {type(exc).__name__}: {exc}",
                      html[:RAW_LIMIT], rid, _raw_extra(len(html), RAW_LIMIT))
    if len(page.text) > options.max_chars:
        return Reject(source, f"too-large: {len(page.text)} characters of main text (limit {options.max_chars})",
                      html[:RAW_LIMIT], rid, _raw_extra(len(html), RAW_LIMIT))
    out_fields = dict(pending.fields)
    if options.extracted_field:
        out_fields[options.extracted_field] = page.text
    meta = {"raw": RAW_KIND, **page.metadata}
    if url and "url" not in meta:
        meta["url"] = url
    return Record(rid, page.text, out_fields, source, pending.encoding, meta)


def bytes_record(data: bytes, rid: str, source: str, options: ReadOptions, content_type: str | None = None,
                 url: str | None = None, fields: dict[str, Any] | None = None) -> Record | Reject | PendingPage:
    """The record of one page given as bytes: sniffed, decoded, extracted (or left for `extract_page`)."""
    what = sniff_binary(data[:8192])
    if what:
        return Reject(source, f"binary-file: {what}", _lenient(data[:200], 200), rid)
    if not data.strip():
        return Reject(source, "empty-document: the page is empty", "", rid)
    try:
        html, encoding = decode_page(data, content_type)
    except PageError as exc:
        return Reject(source, exc.reason, _lenient(data), rid, _raw_extra(len(data), RAW_LIMIT))
    return page_record(html, rid, source, encoding, options, fields, url)


def html_file_record(stream: _Stream, source: str, rid: str, options: ReadOptions) -> Record | Reject | PendingPage:
    """One `.html`/`.htm` file (plain or compressed) as one record."""
    data = bytearray()
    limit = html_limit(options)
    for chunk in stream.chunks():  # a truncated .html.gz raises io._Broken: the caller rejects the file whole
        data += chunk
        if len(data) > limit:
            return Reject(source, f"too-large: more than {limit} bytes of HTML (--max-chars {options.max_chars})",
                          _lenient(bytes(data[:4000]), 2000), rid)
    return bytes_record(bytes(data), rid, source, options)


def field_record(obj: dict[str, Any], where: str, encoding: str, raw: str, options: ReadOptions,
                 default_id: str) -> Record | Reject | PendingPage:
    """A JSONL record whose page is in `options.html_field`; its other fields (not the HTML) go to the output."""
    name = options.html_field
    assert name is not None
    rid = record_id(obj.get(options.id_field), default_id)
    html = obj.get(name)
    extra = _raw_extra(len(raw), RAW_LIMIT)
    if name not in obj:
        return Reject(where, f"missing-field: no {name!r}", raw[:RAW_LIMIT], rid, extra)
    if not isinstance(html, str):
        kind = "null" if html is None else type(html).__name__
        return Reject(where, f"bad-field: {name!r} is {kind}, not a string", raw[:RAW_LIMIT], rid, extra)
    if len(html) > html_limit(options):
        return Reject(where, f"too-large: {len(html)} characters of HTML", raw[:RAW_LIMIT], rid, extra)
    url = obj.get("url") if isinstance(obj.get("url"), str) else None
    fields = {k: v for k, v in obj.items() if k != name}
    return page_record(html, rid, where, encoding, options, fields, url)


def warc_records(fh: BinaryIO, source: str, options: ReadOptions) -> Iterator[Record | Reject | PendingPage]:
    """Every page record of a WARC file (plain, or gzip record by record as `.warc.gz` is)."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    n = 0
    try:
        for record in ArchiveIterator(fh, arc2warc=True):
            if record.rec_type not in _WARC_PAGE_RECORDS:
                continue
            n += 1
            yield _warc_page(record, f"{source}#{n}", options)
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        yield Reject(f"{source}#{n + 1}", f"corrupt-input: the WARC file is damaged after record {n} "
                     f"({type(exc).__name__}: {exc}); the records before it were kept", "")


def _warc_page(record: Any, where: str, options: ReadOptions) -> Record | Reject | PendingPage:
    url = record.rec_headers.get_header("WARC-Target-URI")
    rid = record.rec_headers.get_header("WARC-Record-ID") or url or where
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        content_type = record.http_headers.get_header("Content-Type")
    else:  # a resource record: the WARC header says what it holds
        status, content_type = None, record.rec_headers.get_header("Content-Type")
    if not content_type or not content_type.split(";")[0].strip().lower() in _HTML_TYPES:
        return Reject(where, f"not-html: a WARC {record.rec_type} of content type {content_type or 'unknown'}",
                      url or "", rid)
    if status and not status.startswith("2"):
        return Reject(where, f"not-a-page: a WARC response with HTTP status {status}", url or "", rid)
    data = record.content_stream().read(html_limit(options) + 1)
    if len(data) > html_limit(options):
        return Reject(where, f"too-large: more than {html_limit(options)} bytes of HTML", url or "", rid)
    missing = getattr(record.raw_stream, "limit", 0)  # what the record's Content-Length promised and never came
    if missing:
        return Reject(where, f"truncated-input: the WARC record ends {missing} bytes before its Content-Length; "
                      "a cut-off page is not kept", _lenient(data), rid, _raw_extra(len(data), RAW_LIMIT))
    fields: dict[str, Any] = {"url": url} if url else {}
    date = record.rec_headers.get_header("WARC-Date")
    if date:
        fields["warc_date"] = date
    return bytes_record(data, rid, where, options, content_type=content_type, url=url, fields=fields)
