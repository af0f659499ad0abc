"""The `Document` that flows through the stages, and the records it collects on the way."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterator

from .alignment import AlignedText, Edit
from .fields import SlotFields
from .findings import Count, Warning

# The annotation type of a place where the scraper dropped digits: the numbers stage writes it, dedup and
# the runner read it back from records.
MISSING_NUMBER = "missing_number"


def is_missing_number(annotation: Any) -> bool:
    """Whether an annotation (from a record that may be malformed) is a missing_number flag."""
    return isinstance(annotation, dict) and annotation.get("type") == MISSING_NUMBER


# Removal, Annotation and Line are plain classes with slots, not dataclasses: the dataclass decorator
# compiles each generated method at import (1-4 ms a class); SlotFields gives them the equality and repr.
class Removal(SlotFields):
    """A span of the raw input that is not in the clean text, and why.

    The offsets are raw; `Result` adds the clean position (`start` = `end`) where the span used to be.
    """

    __slots__ = ("raw_start", "raw_end", "reason", "rule", "text", "duplicate_of", "info")

    def __init__(self, raw_start: int, raw_end: int, reason: str, rule: str, text: str,
                 duplicate_of: int | None = None, info: dict[str, Any] | None = None):
        self.raw_start = raw_start
        self.raw_end = raw_end
        self.reason = reason  # "chrome", "repeat", ...
        self.rule = rule  # the rule id that decided it
        self.text = text
        self.duplicate_of = duplicate_of  # for repeats: raw offset of the kept copy
        self.info = info  # what justified it, where the rule id alone does not say (a count)


class Annotation(SlotFields):
    """A finding that stays in the text: `text[start:end]` (clean) came from `raw[raw_start:raw_end]`."""

    __slots__ = ("type", "start", "end", "raw_start", "raw_end", "rule", "info")

    def __init__(self, type: str, start: int, end: int, raw_start: int, raw_end: int, rule: str,
                 info: dict[str, Any] | None = None):
        self.type = type
        self.start = start
        self.end = end
        self.raw_start = raw_start
        self.raw_end = raw_end
        self.rule = rule
        self.info = {} if info is None else info


class Line(SlotFields):
    """One line (paragraph) of the current text: its clean span and its text."""

    __slots__ = ("index", "start", "end", "text")

    def __init__(self, index: int, start: int, end: int, text: str):
        self.index = index
        self.start = start
        self.end = end
        self.text = text


class Document:
    """A document being cleaned: its raw input, its current text with the map back to the raw input,
    metadata, and everything the stages removed or flagged."""

    def __init__(self, text: str, id: str | None = None, meta: dict[str, Any] | None = None):
        self.id = id
        self.raw = text
        self.meta: dict[str, Any] = dict(meta or {})
        self.aligned = AlignedText(text)
        self.removals: list[Removal] = []
        self.annotations: list[Annotation] = []
        # Per-rule counters for the run summary, and what the stages want the user to know; a warning the
        # record brought along (the HTML extraction's, in `meta`) comes first.
        self.counted: dict[Count, int] = {}
        self.warnings: list[Warning] = [Warning.of_message(w) for w in self.meta.get("warnings", ())]
        # The stage now running (set by the pipeline): what `count` files its counts under.
        self.stage = ""
        # The lines the document's site prints on many pages, learned from its batch (see sitechrome.py).
        self.site_lines: dict[bytes, Any] | None = None

    @property
    def text(self) -> str:
        return self.aligned.text

    @property
    def counts(self) -> dict[str, int]:
        """The counts rendered as `"kind:rule"` keys, as `Result.counts` has them."""
        return {c.key: n for c, n in self.counted.items()}

    def count(self, kind: str, rule: str, n: int = 1) -> None:
        """Count `n` of `kind` for `rule` in the books of the stage now running."""
        key = Count(self.stage, kind, rule)
        self.counted[key] = self.counted.get(key, 0) + n

    def warn(self, warning: Warning) -> None:
        """Tell the user something about this document: in the books, and in the output's `newsclean.warnings`."""
        self.warnings.append(warning)
        self.meta.setdefault("warnings", []).append(warning.message)

    def lines(self) -> Iterator[Line]:
        """The current text's lines with their clean spans (empty lines included)."""
        text = self.aligned.text
        start = 0
        index = 0
        while True:
            end = text.find("\n", start)
            if end < 0:
                end = len(text)
            yield Line(index, start, end, text[start:end])
            if end >= len(text):
                return
            start = end + 1
            index += 1

    def edit(self, edits: list[Edit]) -> int:
        return self.aligned.apply(edits)

    def remove_lines(self, lines: list[Line], reason: str, rules: list[str],
                     duplicate_of: list[int | None] | None = None,
                     info: list[dict[str, Any] | None] | None = None) -> None:
        """Delete whole lines (with their newline), recording each as a `Removal`."""
        if not lines:
            return
        text = self.aligned.text
        edits = []
        for k, line in enumerate(lines):
            raw_start, raw_end = self.aligned.raw_span(line.start, line.end)
            dup = duplicate_of[k] if duplicate_of else None
            self.removals.append(Removal(raw_start, raw_end, reason, rules[k], line.text, dup,
                                         info[k] if info else None))
            # Take the line's newline with it: the one after it, or before it for the last line.
            if line.end < len(text):
                edits.append(Edit(line.start, line.end + 1, ""))
            elif line.start > 0:
                edits.append(Edit(line.start - 1, line.end, ""))
            else:
                edits.append(Edit(line.start, line.end, ""))
        # one count per rule, in the order the rules first occur (the books' order), not one per line
        for rule, n in Counter(rules[:len(lines)]).items():
            self.count(reason, rule, n)
        merged = _merge_adjacent(edits)
        last = merged[-1]
        if last.end == len(text) and last.start > 0 and text[last.start] != "\n" and text[last.start - 1] == "\n":
            # A run of lines removed at the very end: the newline before the run goes with it.
            merged[-1] = Edit(last.start - 1, last.end, "")
        self.aligned.apply(merged)

    def annotate(self, type: str, start: int, end: int, rule: str, **info: Any) -> Annotation:
        raw_start, raw_end = self.aligned.raw_span(start, end)
        ann = Annotation(type, start, end, raw_start, raw_end, rule, info)
        self.annotations.append(ann)
        self.count(type, rule)
        return ann


def _merge_adjacent(edits: list[Edit]) -> list[Edit]:
    """Deletions of neighbouring lines can overlap on a shared newline; merge them into one."""
    edits = sorted(edits)
    merged: list[Edit] = []
    for e in edits:
        if merged and e.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Edit(last.start, max(last.end, e.end), "")
        else:
            merged.append(e)
    return merged
