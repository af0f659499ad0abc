"""A run's books: `RunStats`, where every input unit is counted once."""
from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

from ..findings import Count, Warning
from ..stages import BOOKS

class RunStats:
    """The books of one run: its numbers (`_NUMBERS`, each given by keyword or 0), its counters (`_COUNTERS`,
    by rule, reason or message, in order of first appearance) and its notes.

    A plain class with slots: a dataclass of its 21 fields cost its decorator's compiles at every start."""

    # The checkpoint keeps the books exactly (every warning, counters in their order).
    _NUMBERS = ("records_in", "written", "duplicates", "rejected", "chars_in", "chars_out",
                "resumed_at")  # resumed_at: input units a previous, interrupted run had already written
    # flags: missing_number annotations per rule; chrome_removed: chrome lines per rule; repeats_kept: lines that
    # look repeated but stay, by why; rejoined: line breaks removed inside cut paragraphs, per rule;
    # rule_timeouts: rule id -> documents where it ran out of time; warnings: message -> documents.
    _COUNTERS = ("rejects_by_reason", "flags", "chrome_removed", "repeats_removed", "repeats_kept", "rejoined",
                 "normalized", "rule_timeouts", "warnings", "encodings")
    __slots__ = _NUMBERS + _COUNTERS + ("timeout_messages", "notes", "dedup")

    def __init__(self, **numbers: int):
        unknown = set(numbers) - set(self._NUMBERS)
        if unknown:
            raise TypeError(f"RunStats has no number {', '.join(sorted(unknown))}")
        for name in self._NUMBERS:
            setattr(self, name, numbers.get(name, 0))
        for name in self._COUNTERS:
            setattr(self, name, Counter())
        # The warnings shown by a line of their own in the summary (a timeout has the rule_timeouts line instead).
        self.timeout_messages: set[str] = set()
        self.notes: list[str] = []  # about the run itself ("nothing to resume", ...)
        self.dedup: dict[str, int] = {}  # with --dedup: clusters, suggestions, figure conflicts

    def balanced(self) -> bool:
        return self.records_in == self.written + self.duplicates + self.rejected

    def add_counts(self, counts: Mapping[Count | str, int]) -> None:
        """One document's counts, each into the book its stage declared (`stages.BOOKS`)."""
        for key, n in counts.items():
            count = key if isinstance(key, Count) else Count.parse(key)
            book = BOOKS.get(count.kind)
            if book is not None:
                getattr(self, book)[count.rule] += n

    def add_warnings(self, warnings: Iterable[Warning | str]) -> None:
        """One document's warnings: each distinct message counts the document once, and each rule that ran
        out of time counts it once in `rule_timeouts`."""
        typed = [Warning.of_message(w, stage="") for w in warnings]
        for message in dict.fromkeys(w.message for w in typed):
            self.warnings[message] += 1
        for warning in typed:
            if warning.timed_out:
                self.timeout_messages.add(warning.message)
        for rule in sorted({w.rule for w in typed if w.timed_out}):
            self.rule_timeouts[rule] += 1

    def reject(self, reason: str) -> None:
        self.rejected += 1
        self.rejects_by_reason[reason.split(":", 1)[0]] += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "records_in": self.records_in, "written": self.written, "duplicates": self.duplicates,
            "rejected": self.rejected, "balanced": self.balanced(),
            "rejects_by_reason": dict(sorted(self.rejects_by_reason.items())),
            "missing_number_flags": sum(self.flags.values()), "flags_by_rule": dict(sorted(self.flags.items())),
            "chrome_lines_removed": sum(self.chrome_removed.values()),
            "chrome_by_rule": dict(sorted(self.chrome_removed.items())),
            "repeats_removed": sum(self.repeats_removed.values()),
            "repeats_by_rule": dict(sorted(self.repeats_removed.items())),
            "repeats_kept_by_reason": dict(sorted(self.repeats_kept.items())),
            "paragraphs_rejoined": sum(self.rejoined.values()),
            "rejoined_by_rule": dict(sorted(self.rejoined.items())),
            "normalized_by_fix": dict(sorted(self.normalized.items())),
            "rule_timeouts": dict(sorted(self.rule_timeouts.items())),
            "chars_in": self.chars_in, "chars_out": self.chars_out,
            "input_encodings": dict(sorted(self.encodings.items())),
            "warnings": [{"message": m, "documents": n} for m, n in list(self.warnings.items())[:100]],
            "resumed_at": self.resumed_at, "notes": list(self.notes), "dedup": dict(self.dedup),
        }

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in self._NUMBERS}
        out.update({k: list(getattr(self, k).items()) for k in self._COUNTERS})
        out["timeout_messages"] = sorted(self.timeout_messages)
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "RunStats":
        stats = cls(**{k: int(state[k]) for k in cls._NUMBERS})
        for k in cls._COUNTERS:
            setattr(stats, k, Counter(dict((str(a), int(b)) for a, b in state.get(k, ()))))
        stats.timeout_messages = {str(m) for m in state.get("timeout_messages", ())}
        return stats

    def summary(self) -> str:
        cleaned = self.chars_in > 0  # False for `newsclean dedup`, which reads text that is already clean
        lines = list(self.notes) + [
            f"records in {self.records_in}: written {self.written}, duplicates {self.duplicates}, "
            f"rejected {self.rejected}" + ("" if self.balanced() else "  (UNBALANCED)")
            + (f"  (resumed after {self.resumed_at})" if self.resumed_at else ""),
        ]
        if cleaned:
            lines.append(f"missing-number flags {sum(self.flags.values())}, chrome lines removed "
                         f"{sum(self.chrome_removed.values())}, repeats removed {sum(self.repeats_removed.values())}, "
                         f"cut paragraphs rejoined {sum(self.rejoined.values())}")
        if "seen_before" in self.dedup:
            lines.append(f"near-duplicates: {self.duplicates} dropped as seen before by the Bloom index (unverified: "
                         f"no clusters, figure check or digit suggestions)"
                         + (" (the counts above include the dropped copies)" if cleaned else ""))
        elif self.dedup:
            lines.append(f"near-duplicates: {self.duplicates} dropped from {self.dedup['clusters_with_duplicates']} "
                         f"clusters, digit suggestions {self.dedup['suggestions']}, pairs kept apart by differing "
                         f"figures {self.dedup['number_conflicts']}"
                         + (" (the counts above include the dropped copies)" if cleaned else ""))
        if self.rejects_by_reason:
            lines.append("rejects: " + ", ".join(f"{k} {v}" for k, v in sorted(self.rejects_by_reason.items())))
        if self.flags:
            lines.append("flags by rule: " + ", ".join(f"{k} {v}" for k, v in _ranked(self.flags)))
        if self.chrome_removed:
            lines.append("chrome by rule: " + ", ".join(f"{k} {v}" for k, v in _ranked(self.chrome_removed)))
        if self.repeats_removed:
            lines.append("repeats by rule: " + ", ".join(f"{k} {v}" for k, v in _ranked(self.repeats_removed)))
        if self.repeats_kept:
            lines.append("lines like another that stay, by why: " + ", ".join(
                f"{k} {v}" for k, v in _ranked(self.repeats_kept)))
        if self.rejoined:
            lines.append("line breaks joined by rule: " + ", ".join(f"{k} {v}" for k, v in _ranked(self.rejoined)))
        other = {k: v for k, v in self.encodings.items() if k != "utf-8"}
        if other:
            lines.append("input encodings other than UTF-8: " + ", ".join(f"{k} {v}" for k, v in sorted(other.items())))
        if self.rule_timeouts:
            lines.append("rules that ran out of time (skipped for the rest of those documents): "
                         + ", ".join(f"{k} in {v} document(s)" for k, v in _ranked(self.rule_timeouts)))
        for message, n in self.warnings.items():
            if message not in self.timeout_messages:
                lines.append(f"warning: {message} ({n} document(s))")
        return "\n".join(lines)


def dedup_books(summary: dict[str, int]) -> dict[str, int]:
    """The dedup part of a run's books (with the Bloom index also "seen_before")."""
    keys = ("clusters_with_duplicates", "suggestions", "number_conflicts", "seen_before")
    return {k: summary[k] for k in keys if k in summary}


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
