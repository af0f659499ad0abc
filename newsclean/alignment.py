"""Text that remembers where every character came from in the raw input.

Every stage edits the text through `AlignedText.apply`, so any span of the clean text can be mapped back to
the exact span of the raw input it was made from (`raw_span`), and any raw offset forward (`clean_offset`).

The map is a list of segments. A *linear* segment is a run of clean characters that correspond one to one,
in order, to a run of raw characters (untouched text, or same-length rewrites such as `,` -> `，` or a
traditional character -> its simplified form). An *atomic* segment is a replacement of a different length
(mojibake repaired, an HTML entity decoded, a run of spaces collapsed): any part of it maps to its whole raw
span. Raw text that was deleted has no segment; it sits between two segments.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate
from typing import Iterable, NamedTuple


class Edit(NamedTuple):
    """Replace `text[start:end]` by `replacement` (an empty replacement deletes, an empty range inserts)."""

    start: int
    end: int
    replacement: str


class _Segment:
    """A clean span and the raw span it came from (a plain class with slots: `_append` widens the last one in
    place, and a dataclass would cost its decorator's compiles at every start)."""

    __slots__ = ("clean_start", "clean_end", "raw_start", "raw_end", "linear")

    def __init__(self, clean_start: int, clean_end: int, raw_start: int, raw_end: int, linear: bool):
        self.clean_start = clean_start
        self.clean_end = clean_end
        self.raw_start = raw_start
        self.raw_end = raw_end
        self.linear = linear


class AlignedText:
    """A string plus the map from each of its offsets to the raw input it was derived from."""

    __slots__ = ("text", "raw_length", "_segments", "_starts", "_reach")

    def __init__(self, raw: str):
        self.text = raw
        self.raw_length = len(raw)
        self._segments = [_Segment(0, len(raw), 0, len(raw), True)] if raw else []
        self._starts = [0] if raw else []
        self._reach: list[int] | None = None  # running maximum of the segments' raw ends, built when needed

    # ----------------------------------------------------------------- lookups
    def _segment_index(self, offset: int) -> int:
        """Index of the segment containing clean `offset` (or the last one starting at or before it)."""
        return bisect_right(self._starts, offset) - 1

    def raw_offset(self, offset: int, *, end: bool = False) -> int:
        """Raw offset of clean `offset`; `end=True` treats it as the exclusive end of a span."""
        if not self._segments:
            return 0 if not end else self.raw_length
        if end:
            if offset <= 0:
                return self._segments[0].raw_start
            i = self._segment_index(offset - 1)
            seg = self._segments[i]
            if seg.linear:
                return seg.raw_start + (offset - seg.clean_start)
            return seg.raw_end
        if offset >= len(self.text):
            return self._segments[-1].raw_end
        i = self._segment_index(offset)
        seg = self._segments[i]
        if seg.linear:
            return seg.raw_start + (offset - seg.clean_start)
        return seg.raw_start

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """The raw span that `text[start:end]` was made from.

        >>> aligned = AlignedText("首页\\n园区新闻")
        >>> aligned.apply([Edit(0, 3, "")]), aligned.text, aligned.raw_span(0, 2)
        (1, '园区新闻', (3, 5))
        """
        if start >= end:
            point = self.raw_offset(start)
            return point, point
        return self.raw_offset(start), self.raw_offset(end, end=True)

    def clean_offset(self, raw: int) -> int:
        """Clean offset where raw offset `raw` lives now (deleted raw text maps to the next surviving char).

        >>> aligned = AlignedText("首页\\n园区新闻")
        >>> _ = aligned.apply([Edit(0, 3, "")])
        >>> aligned.clean_offset(1), aligned.clean_offset(4)
        (0, 1)
        """
        # Every segment before the first one reaching `raw` ends before it and cannot hold it: start there.
        # (Scanning from the first segment made placing the removals quadratic: 36 s for a 700,000-character
        # page of repaired mojibake, one segment per character, with 22,000 repeated lines removed.)
        if self._reach is None:
            self._reach = list(accumulate((seg.raw_end for seg in self._segments), max))
        segments = self._segments
        for i in range(bisect_left(self._reach, raw), len(segments)):
            seg = segments[i]
            if raw < seg.raw_start:
                return seg.clean_start
            if raw < seg.raw_end or (raw == seg.raw_end and raw == seg.raw_start):
                if seg.linear:
                    return seg.clean_start + (raw - seg.raw_start)
                return seg.clean_start
        return len(self.text)

    # ----------------------------------------------------------------- editing
    def _copy(self, start: int, end: int, out: list[_Segment], new_start: int) -> None:
        """Append the segments covering clean [start, end) to `out`, shifted to begin at `new_start`."""
        if start >= end:
            return
        i = self._segment_index(start)
        shift = new_start - start
        segments = self._segments
        while i < len(segments):
            seg = segments[i]
            if seg.clean_start >= end:
                break
            lo, hi = max(seg.clean_start, start), min(seg.clean_end, end)
            if lo < hi:
                if seg.linear:
                    raw_lo = seg.raw_start + (lo - seg.clean_start)
                    _append(out, _Segment(lo + shift, hi + shift, raw_lo, raw_lo + (hi - lo), True))
                else:
                    _append(out, _Segment(lo + shift, hi + shift, seg.raw_start, seg.raw_end, False))
            i += 1

    def apply(self, edits: Iterable[Edit]) -> int:
        """Apply non-overlapping edits (any order) to the text; returns how many changed something.

        Same-length replacements keep a one-to-one map; other replacements become atomic segments.
        """
        edits = sorted((e for e in edits if self.text[e.start:e.end] != e.replacement), key=lambda e: (e.start, e.end))
        if not edits:
            return 0
        if all(len(e.replacement) == e.end - e.start for e in edits):
            return self._rewrite_in_place(edits)
        pieces: list[str] = []
        segments: list[_Segment] = []
        pos = 0
        length = 0
        for edit in edits:
            if edit.start < pos:
                raise ValueError(f"overlapping edits at offset {edit.start}")
            pieces.append(self.text[pos:edit.start])
            self._copy(pos, edit.start, segments, length)
            length += edit.start - pos
            repl = edit.replacement
            if repl:
                if len(repl) == edit.end - edit.start:
                    # A same-length rewrite keeps the character-to-character correspondence.
                    self._copy(edit.start, edit.end, segments, length)
                else:
                    raw_start, raw_end = self.raw_span(edit.start, edit.end)
                    _append(segments, _Segment(length, length + len(repl), raw_start, raw_end, False))
                pieces.append(repl)
                length += len(repl)
            pos = edit.end
        pieces.append(self.text[pos:])
        self._copy(pos, len(self.text), segments, length)
        self.text = "".join(pieces)
        self._segments = segments
        self._starts = [s.clean_start for s in segments]
        self._reach = None
        return len(edits)

    def _rewrite_in_place(self, edits: list[Edit]) -> int:
        """Same-length replacements only (punctuation widened, characters simplified): every character keeps
        its place, so the map stays exactly as it is and only the text changes."""
        pieces: list[str] = []
        pos = 0
        for edit in edits:
            if edit.start < pos:
                raise ValueError(f"overlapping edits at offset {edit.start}")
            pieces.append(self.text[pos:edit.start])
            pieces.append(edit.replacement)
            pos = edit.end
        pieces.append(self.text[pos:])
        self.text = "".join(pieces)
        return len(edits)

    def substitute(self, new_text: str) -> None:
        """Replace the text by a same-length rewrite of it (character i of the new text comes from character i)."""
        if len(new_text) != len(self.text):
            raise ValueError("substitute() needs a text of the same length")
        self.text = new_text

    def segments(self) -> list[tuple[int, int, int, int, bool]]:
        """The map as (clean_start, clean_end, raw_start, raw_end, linear) tuples, for tests and debugging."""
        return [(s.clean_start, s.clean_end, s.raw_start, s.raw_end, s.linear) for s in self._segments]


def _append(out: list[_Segment], seg: _Segment) -> None:
    """Append, merging with the previous segment when both are linear and contiguous on both sides."""
    if out:
        last = out[-1]
        if (
            last.linear
            and seg.linear
            and last.clean_end == seg.clean_start
            and last.raw_end == seg.raw_start
        ):
            last.clean_end = seg.clean_end
            last.raw_end = seg.raw_end
            return
    out.append(seg)
