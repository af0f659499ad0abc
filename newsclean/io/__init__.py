"""Read scraped dumps record by record, and write output atomically.

Modules: `records` (Record, Reject, ReadOptions, limits), `decode` (bytes to text, sniffing), `streams`
(decompressed byte streams), `sources` (what the inputs name), `read` (records from them), `write` (the one
atomic writer of outputs, checkpoints and index saves).

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
from .decode import decode, fix_surrogates, has_lone_surrogate, lenient, raw_extra, replace_surrogates, sniff_binary
from .read import read_records, record_from
from .records import (COMPRESSED_SUFFIXES, DEFAULT_MAX_CHARS, HTML_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIX, RAW_LIMIT,
                      TEXT_SUFFIXES, WARC_SUFFIXES, InputError, ReadOptions, Record, Reject, record_id)
from .sources import Source, expand_inputs, input_signature
from .streams import Stream
from .write import AtomicWriter, atomic_file, compression_of_name, dumps, keep_mode, publish, write_lines

# The old private names of what html.py and html_io.py (edited elsewhere at present) and the robustness tests
# (line splitting and decompression at their edges) import; html_io's three are public above under new names.
from .decode import _HIGH_BYTES, _utf8_damage  # noqa: E402,F401
from .decode import lenient as _lenient, raw_extra as _raw_extra  # noqa: E402,F401
from .read import _lines  # noqa: E402,F401
from .streams import Stream as _Stream, _decompressed  # noqa: E402,F401

__all__ = [
    "COMPRESSED_SUFFIXES", "DEFAULT_MAX_CHARS", "HTML_SUFFIXES", "JSONL_SUFFIXES", "PARQUET_SUFFIX", "RAW_LIMIT",
    "TEXT_SUFFIXES", "WARC_SUFFIXES", "AtomicWriter", "InputError", "ReadOptions", "Record", "Reject", "Source",
    "atomic_file", "compression_of_name", "decode", "dumps", "expand_inputs", "fix_surrogates", "has_lone_surrogate",
    "input_signature", "keep_mode", "lenient", "publish", "raw_extra", "read_records", "record_from", "record_id",
    "replace_surrogates", "sniff_binary", "write_lines",
    "Stream",
]
