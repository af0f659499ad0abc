"""Parquet in and out (pyarrow): the same records as JSONL, one row per record, columns named as the JSON keys.

Reading streams one row group (in batches of `BATCH_ROWS`) at a time, so a file larger than memory is read
like a JSONL file, and every row is one input unit: a `Record`, or a `Reject` with the same reasons as a JSONL
line (`missing-field`, `bad-field`, `empty-document`, `too-large`). A file that is not parquet, or whose footer
is damaged, is one `corrupt-input` reject; a row group that cannot be decoded is one `corrupt-input` reject
after the rows before it (the rest of the file cannot be trusted), so the books still balance.

Writing takes JSON lines (what the runner has written to its partial file) and makes two streaming passes:
the first infers one arrow type per column over every row (structs are merged, so annotations whose `info`
differs from row to row share one column), the second writes row groups of `BATCH_ROWS`. A column whose values
have no common arrow type (a field that is a string in one record and a number in another) is written as JSON
text, so no value is lost or coerced.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .io import RAW_LIMIT, ReadOptions, Record, Reject, record_from
from .io.records import PARQUET_SUFFIX, is_parquet_name
from .io.cloud import is_uri
from .io.read import open_binary
from .io.write import atomic_path

BATCH_ROWS = 4096
MAGIC = b"PAR1"
SUFFIX = PARQUET_SUFFIX


def require_pyarrow():
    """The pyarrow module, or an ImportError saying how to install it."""
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ImportError("parquet needs pyarrow: pip install 'newsclean[parquet]'") from None
    return pyarrow


# ----------------------------------------------------------------------------- reading

def parquet_records(path: str, options: ReadOptions) -> Iterator[Record | Reject]:
    """Every row of a parquet file as a `Record` or a `Reject`, read one batch of a row group at a time."""
    pa = require_pyarrow()
    try:
        with open_binary(path) as fh:
            head = fh.read(4)
        if head != MAGIC:
            yield Reject(path, "corrupt-input: not a parquet file (no PAR1 magic at its start)", "")
            return
        parquet = pa.parquet.ParquetFile(open_binary(path, seekable=True) if is_uri(path) else path)
    except OSError as exc:
        yield Reject(path, f"unreadable: {exc.strerror or exc}", "")
        return
    except pa.ArrowException as exc:
        yield Reject(path, f"corrupt-input: parquet footer unreadable ({exc})", "")
        return
    with parquet:
        row = 0
        batches = parquet.iter_batches(batch_size=BATCH_ROWS)
        while True:
            try:
                batch = next(batches)
            except StopIteration:
                return
            except (pa.ArrowException, OSError) as exc:
                yield Reject(f"{path}:{row + 1}", f"corrupt-input: parquet data unreadable from row {row + 1} "
                             f"({exc}); the rows before it were kept", "")
                return
            for obj in batch.to_pylist():
                row += 1
                yield _row_record(obj, f"{path}:{row}", options)


def _row_record(obj: dict[str, Any], where: str, options: ReadOptions) -> Record | Reject:
    """One row as a record: values JSON can hold, then the JSONL line's checks (field, type, size)."""
    obj = {k: _jsonable(v) for k, v in obj.items()}
    raw = json.dumps(obj, ensure_ascii=False)[: RAW_LIMIT + 1]
    return record_from(obj, where, "utf-8", raw, options, default_id=where)


def _jsonable(value: Any) -> Any:
    """A parquet value as JSON: a struct field that is null is absent (a struct column has every key the
    merged schema has), timestamps in ISO 8601, decimals as strings, binary as base64."""
    import datetime  # here, not at the top: a run that writes JSONL imports this module at its end
    import decimal

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    return value


# ----------------------------------------------------------------------------- writing

JSON_TEXT = "json"  # a column written as JSON text: its values have no common arrow type


def write_parquet(path: str | Path, lines: Callable[[], Iterable[bytes]]) -> int:
    """Write the JSON lines that `lines()` gives as a parquet file at `path`, atomically (a hidden file beside
    it, renamed into place); `lines` is called twice (schema, then rows). Returns the rows written."""
    pa = require_pyarrow()
    path = Path(path)
    schema, as_json = infer_schema(lines())
    rows = 0
    with atomic_path(path, path.with_name(f".{path.name}.final")) as tmp:
        with pa.parquet.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in _row_batches(lines()):
                writer.write_table(pa.Table.from_pylist([_for_schema(r, as_json) for r in batch], schema=schema))
                rows += len(batch)
    return rows


def infer_schema(lines: Iterable[bytes]):
    """One arrow schema for all rows, columns in order of first appearance, and the set of columns that have
    no common type (written as JSON text)."""
    pa = require_pyarrow()
    types: dict[str, Any] = {}
    as_json: set[str] = set()
    for batch in _row_batches(lines):
        for name in dict.fromkeys(k for row in batch for k in row):
            if name in as_json:
                continue
            try:
                seen = pa.array([row.get(name) for row in batch]).type
                types[name] = seen if name not in types else _merged(pa, types[name], seen)
            except (pa.ArrowException, OverflowError):
                as_json.add(name)
                types[name] = pa.string()
    return pa.schema([(name, pa.string() if name in as_json else t) for name, t in types.items()]), as_json


def _merged(pa, a, b):
    return pa.unify_schemas([pa.schema([("c", a)]), pa.schema([("c", b)])], promote_options="permissive").field("c").type


def _for_schema(row: dict[str, Any], as_json: set[str]) -> dict[str, Any]:
    if not as_json:
        return row
    return {k: (json.dumps(v, ensure_ascii=False) if k in as_json and v is not None else v) for k, v in row.items()}


def _row_batches(lines: Iterable[bytes]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for line in lines:
        if line.strip():
            batch.append(json.loads(line))
        if len(batch) >= BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def file_lines(path: str | Path) -> Callable[[], Iterator[bytes]]:
    """A `lines` argument for `write_parquet`: the lines of a JSONL file, read afresh on every call."""

    def lines() -> Iterator[bytes]:
        with open(path, "rb") as fh:
            yield from fh

    return lines
