"""Cloud and remote paths (``s3://``, ``gs://``, ``hdfs://``, ``abfs://``, any fsspec URL) for inputs and outputs.

Nothing here talks to a store itself: `pyarrow.fs.FileSystem.from_uri` resolves the URI (credentials, region
and endpoint come from the usual places: ``AWS_*`` variables, ``~/.aws``, ``AWS_ENDPOINT_URL``, or the URI's own
query such as ``?endpoint_override=host:port&scheme=http``), and a scheme pyarrow does not know is handed to
fsspec (``fsspec.core.url_to_fs``) wrapped as a pyarrow filesystem. Every failure of the store (no such
bucket, no credentials, access denied, an unknown scheme) becomes an `InputError` of one line that names the
path, so the command reports it without a traceback.
"""
from __future__ import annotations

import re
from typing import Any, BinaryIO, Callable

from .records import InputError

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
CHUNK = 1 << 20
OBJECT_STORES = {"s3", "gcs", "abfs"}  # pyarrow's names of the filesystems whose folders are key prefixes


def is_uri(path: str) -> bool:
    """Whether `path` names a store by URL (``file://`` counts: pyarrow resolves it like the others)."""
    return bool(_URI.match(str(path)))


def _pyarrow_fs():
    try:
        import pyarrow.fs as pafs
    except ImportError:
        raise InputError("cloud paths need pyarrow: pip install 'newsclean[parquet]'") from None
    return pafs


def resolve(uri: str) -> tuple[Any, str]:
    """(pyarrow filesystem, path inside it) for `uri`; a scheme pyarrow lacks goes through fsspec."""
    pafs = _pyarrow_fs()
    try:
        return pafs.FileSystem.from_uri(uri)
    except Exception as exc:  # pyarrow says ArrowInvalid for an unknown scheme, OSError for a store that fails
        if "Unrecognized filesystem" not in str(exc):
            raise InputError(f"{uri}: {_said(exc)}") from None
    try:
        import fsspec
    except ImportError:
        raise InputError(f"{uri}: unknown filesystem (pyarrow does not know it and fsspec is not installed)") from None
    try:
        fs, path = fsspec.core.url_to_fs(uri)
    except Exception as exc:  # fsspec: ValueError for an unknown protocol, ImportError for a missing driver
        raise InputError(f"{uri}: {_said(exc)}") from None
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def _said(exc: BaseException) -> str:
    """A store's error as one line (pyarrow's S3 errors carry the AWS code and a hint on following lines)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def store_error(uri: str, exc: BaseException) -> InputError:
    return InputError(f"{uri}: {_said(exc)}")


def list_files(uri: str) -> list[str]:
    """The URI of `uri` itself if it is a file, else of every file under it (sorted, hidden names skipped).
    A missing path or a store that refuses is an InputError."""
    pafs = _pyarrow_fs()
    fs, path = resolve(uri)
    try:
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            raise InputError(f"{uri}: no such file or folder")
        if info.type == pafs.FileType.File:
            return [uri]
        found = fs.get_file_info(pafs.FileSelector(path, recursive=True))
    except InputError:
        raise
    except Exception as exc:
        raise store_error(uri, exc) from None
    root = path.rstrip("/")
    names = sorted(f.path for f in found if f.type == pafs.FileType.File
                   and not any(part.startswith(".") for part in f.path[len(root):].split("/")))
    return [_uri_of(uri, root, name) for name in names]


def _uri_of(uri: str, root: str, inner: str) -> str:
    """The URI of a file found under `uri` (whose inner path is `root`), keeping the URI's query."""
    base, _, query = uri.partition("?")
    base = base.rstrip("/")
    tail = inner[len(root):]
    return base + tail + (f"?{query}" if query else "")


def open_input(uri: str) -> BinaryIO:
    """A binary stream reading `uri` (sequential, as the JSONL and text readers read)."""
    try:
        fs, path = resolve(uri)
        return fs.open_input_stream(path, compression=None)
    except Exception as exc:
        raise _os_error(uri, exc) from None


def open_random(uri: str) -> BinaryIO:
    """A seekable binary file on `uri` (what parquet and WARC readers need)."""
    try:
        fs, path = resolve(uri)
        return fs.open_input_file(path)
    except Exception as exc:
        raise _os_error(uri, exc) from None


def _os_error(uri: str, exc: BaseException) -> OSError:
    """A store's failure as the OSError the readers already turn into an ``unreadable`` reject."""
    error = OSError(_said(exc))
    error.strerror = _said(exc)
    error.filename = uri
    return error


def check_writable(uri: str) -> None:
    """Fail now, not after the run, when the folder (the bucket) an output goes to does not exist or the store
    refuses to say (no credentials, access denied)."""
    pafs = _pyarrow_fs()
    fs, path = resolve(uri)
    parent = path.rstrip("/").rpartition("/")[0]
    if fs.type_name in OBJECT_STORES:  # folders there are only prefixes of keys: the bucket must exist
        parent = parent.partition("/")[0]
    if not parent:
        raise InputError(f"{uri}: name an object inside a bucket or folder")
    try:
        info = fs.get_file_info(parent)
    except Exception as exc:
        raise store_error(uri, exc) from None
    if info.type == pafs.FileType.NotFound:
        raise InputError(f"{uri}: no such bucket or folder")
    if info.type == pafs.FileType.File:
        raise InputError(f"{uri}: {parent} is a file, not a folder")


def upload(write: Callable[[BinaryIO], None], uri: str) -> None:
    """`write(out)` streamed into the object at `uri`. Object stores show an object only once its upload is
    complete, so a failed run leaves nothing half-written there either."""
    fs, path = resolve(uri)
    try:
        with fs.open_output_stream(path, compression=None) as out:
            write(out)
    except InputError:
        raise
    except Exception as exc:
        raise store_error(uri, exc) from None


def upload_file(local: str, uri: str) -> None:
    """A finished local file copied to `uri`, byte for byte."""

    def copy(out) -> None:
        with open(local, "rb") as fh:
            while chunk := fh.read(CHUNK):
                out.write(chunk)

    upload(copy, uri)
