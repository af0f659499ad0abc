"""Cross-document repair: digit suggestions from dropped copies for the kept copy's missing_number gaps."""
from __future__ import annotations

import re
from typing import Any, Sequence

from ..document import is_missing_number
from .result import DedupResult

# A figure: digits with decimal points, thousands separators, times or dates inside.
# A figure in the text as written (for repair, which works on the unnormalised text).
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,:/．，][0-9０-９]+)*")
# Repair: how far the shared context is compared on each side, and how much of it must agree.
REPAIR_WINDOW = 12
REPAIR_MIN_SIDE = 3
REPAIR_MIN_TOTAL = 10



def missing_count(record: dict[str, Any]) -> int:
    """How many missing_number annotations a record carries."""
    return sum(1 for a in record.get("annotations") or () if is_missing_number(a))



def repair_kept(result: DedupResult, texts: Sequence[str], ids: Sequence[str], copies: dict[int, list[int]]) -> None:
    """Attach digit suggestions from each cluster's dropped copies to the kept copy's annotations."""
    for kept_at, dropped in copies.items():
        record = result.records[kept_at]
        if not missing_count(record):
            continue
        sources = [(ids[p], texts[p], result.records[p].get("annotations") or []) for p in dropped]
        annotations, added = suggest_digits(texts[kept_at], record.get("annotations") or [], sources)
        if added:
            result.records[kept_at] = {**record, "annotations": annotations}
            result.suggestions += added


def _figures_with_flags(text: str, annotations: Sequence[dict]) -> list[tuple[int, int, str]]:
    """(start, end, digits) of each figure in a source text, skipping figures touching a missing_number flag."""
    flagged = {a.get("start") for a in annotations if is_missing_number(a)}
    return [(m.start(), m.end(), m.group()) for m in _NUMBER.finditer(text)
            if not any(f is not None and m.start() <= f <= m.end() for f in flagged)]


def _common_suffix(a: str, a_end: int, b: str, b_end: int) -> int:
    """How many characters before a_end in a equal those before b_end in b (at most REPAIR_WINDOW)."""
    n = 0
    while n < REPAIR_WINDOW and n < a_end and n < b_end and a[a_end - n - 1] == b[b_end - n - 1]:
        n += 1
    return n


def _common_prefix(a: str, a_start: int, b: str, b_start: int) -> int:
    """How many characters from a_start in a equal those from b_start in b (at most REPAIR_WINDOW)."""
    n = 0
    while n < REPAIR_WINDOW and a_start + n < len(a) and b_start + n < len(b) and a[a_start + n] == b[b_start + n]:
        n += 1
    return n


def suggest_digits(text: str, annotations: Sequence[dict], sources: Sequence[tuple[str, str, Sequence[dict]]]
                   ) -> tuple[list[dict], int]:
    """Annotations with a suggestion on each missing_number gap that a source copy fills, and how many were added.

    `sources` are (id, text, annotations) of near-duplicate copies, best first.  A figure in a source is a
    candidate for the gap at `start` when at least REPAIR_MIN_SIDE characters on each side, and
    REPAIR_MIN_TOTAL in all, read the same as around the gap.  The best-supported figure wins; a tie between
    different figures gives no suggestion.  Annotations are copied, never modified in place.
    """
    figures = [(source_id, source_text, _figures_with_flags(source_text, source_annotations))
               for source_id, source_text, source_annotations in sources]
    out, added = [], 0
    for annotation in annotations:
        suggestion = None
        if is_missing_number(annotation) and isinstance(annotation.get("start"), int):
            suggestion = _suggestion_for_gap(text, annotation["start"], figures)
        if suggestion is None:
            out.append(annotation)
            continue
        info = dict(annotation.get("info") or {})
        info["suggestion"] = suggestion
        out.append({**annotation, "info": info})
        added += 1
    return out, added


def _suggestion_for_gap(text: str, gap: int, figures: Sequence[tuple[str, str, list[tuple[int, int, str]]]]
                        ) -> dict[str, Any] | None:
    """The suggestion for one gap, or None when no source fills it unambiguously."""
    best_by_digits: dict[str, tuple[int, str, str]] = {}
    support: dict[str, int] = {}
    for source_id, source_text, source_figures in figures:
        found: dict[str, tuple[int, str]] = {}
        for start, end, digits in source_figures:
            left = _common_suffix(text, gap, source_text, start)
            right = _common_prefix(text, gap, source_text, end)
            if left < REPAIR_MIN_SIDE or right < REPAIR_MIN_SIDE or left + right < REPAIR_MIN_TOTAL:
                continue
            if digits not in found or left + right > found[digits][0]:
                evidence = source_text[max(0, start - REPAIR_WINDOW) : end + REPAIR_WINDOW]
                found[digits] = (left + right, evidence)
        for digits, (score, evidence) in found.items():
            support[digits] = support.get(digits, 0) + 1
            if digits not in best_by_digits or score > best_by_digits[digits][0]:
                best_by_digits[digits] = (score, source_id, evidence)
    if not best_by_digits:
        return None
    ranked = sorted(best_by_digits.items(), key=lambda item: (-support[item[0]], -item[1][0]))
    if len(ranked) > 1 and (support[ranked[0][0]], ranked[0][1][0]) == (support[ranked[1][0]], ranked[1][1][0]):
        return None  # two copies disagree equally: no basis for a suggestion
    digits, (score, source_id, evidence) = ranked[0]
    return {"digits": digits, "source_id": source_id, "evidence": evidence, "context_chars": score,
            "sources": support[digits]}


# ---------------------------------------------------------------- streaming
