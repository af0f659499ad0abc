"""Where a run extracts its HTML pages: in the worker processes, once per page.

The reader hands a page over decoded but not extracted (`html_io.PendingPage`, with
`ReadOptions.defer_extraction`); `extract_block` makes the pages of a block records or rejects in a worker,
the way the stages clean them there. A run that learns its sites' chrome first needs the extracted texts
twice, once to count lines and once to clean them: the learning pass extracts (in the workers) and keeps
what it extracted in a `PageSpool` on disk, and the cleaning pass takes each page from the spool
(`from_spool`) instead of extracting it again. Both passes read the inputs in the same order, so the n-th
pending page of one is the n-th of the other.
"""
from __future__ import annotations

from typing import IO, Any, Iterable, Iterator

from .io import ReadOptions, Record, Reject


def is_pending(unit: Any) -> bool:
    """A page still to be extracted (the html extra is only imported when there is one)."""
    return type(unit).__name__ == "PendingPage"


def extract_block(units: list, read: ReadOptions) -> list[Record | Reject]:
    """Every unit of a block with its pending pages extracted (run in a worker)."""
    from .html_io import extract_page

    return [extract_page(u, read) if is_pending(u) else u for u in units]


class PageSpool:
    """The extracted pages of the learning pass, in order, in an anonymous temporary file (gone when closed),
    made at the first page: a run of text input never spools one, nor imports tempfile and pickle (start-up)."""

    def __init__(self) -> None:
        self._fh: IO[bytes] | None = None
        self.pages = 0
        self._reading = False

    def add(self, unit: Record | Reject) -> None:
        import pickle

        if self._fh is None:
            import tempfile

            self._fh = tempfile.TemporaryFile(prefix="newsclean-pages-")
        pickle.dump(unit, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
        self.pages += 1

    def _next(self) -> Record | Reject:
        if not self._reading:
            self._fh.seek(0)
            self._reading = True
        import pickle

        return pickle.load(self._fh)

    def from_spool(self, units: Iterable) -> Iterator:
        """`units` with each pending page replaced by what the learning pass extracted from it."""
        for unit in units:
            yield self._next() if is_pending(unit) else unit

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
