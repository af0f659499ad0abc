"""Byte streams: chunks of a file, decompressed as they come, up to the first error."""
from __future__ import annotations

import zlib
from typing import Any, BinaryIO, Callable, Iterator

from .decode import compression_of_bytes
from .records import CHUNK_BYTES, COMPRESSED_CHUNK_BYTES, SNIFF_BYTES

# ----------------------------------------------------------------------------- byte streams

class BrokenStream(Exception):
    """The byte stream stopped before its end: a truncated or corrupt compressed file."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _decompressor(kind: str) -> Callable[[], Any]:
    if kind == "gzip":
        return lambda: zlib.decompressobj(wbits=31)
    if kind == "bzip2":  # bz2, lzma and zstandard are imported for a file that needs them (start-up)
        import bz2

        return bz2.BZ2Decompressor
    if kind == "xz":
        import lzma

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
    `BrokenStream` at a break.

    Everything decompressed before the break has been yielded by then.
    """
    make = _decompressor(kind)
    errors: tuple[type[BaseException], ...] = (zlib.error, OSError, EOFError, ValueError)  # bz2's among them
    if kind == "xz":
        import lzma

        errors += (lzma.LZMAError,)
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
        raise BrokenStream(f"corrupt-input: {kind} data is damaged ({type(exc).__name__}: {exc})") from None
    if fed and not d.eof:
        raise BrokenStream(f"truncated-input: the {kind} stream ends before its end marker")


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


def _file_chunks(fh: BinaryIO, size: int = CHUNK_BYTES) -> Iterator[bytes]:
    while True:
        chunk = fh.read(size)
        if not chunk:
            return
        yield chunk


class Stream:
    """The decompressed bytes of one input, with its first bytes available before reading starts."""

    def __init__(self, fh: BinaryIO):
        self.fh = fh
        first = fh.read(SNIFF_BYTES)
        self.compression = compression_of_bytes(first)
        raw = _prepend(first, _file_chunks(fh, COMPRESSED_CHUNK_BYTES if self.compression else CHUNK_BYTES))
        chunks = _decompressed(raw, self.compression) if self.compression else raw
        self._chunks = chunks
        # Read ahead until the sniff window is full (or the stream ends or breaks).
        self.head = b""
        self._pending: list[bytes] = []
        self.broken: BrokenStream | None = None
        try:
            while len(self.head) < SNIFF_BYTES:
                c = next(chunks)
                self._pending.append(c)
                self.head += c[: SNIFF_BYTES - len(self.head)]
        except StopIteration:
            pass
        except BrokenStream as exc:
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
