"""Run the pipeline over whole dumps: read, clean (in parallel, output in input order), write, account.

Every input unit ends up in exactly one place: the output, the rejects file, or (with dedup) the duplicates
count. `RunStats` keeps the books, and `records_in == written + duplicates + rejected` always holds.
"""
from __future__ import annotations

import json
import multiprocessing
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .io import AtomicWriter, ReadOptions, Record, Reject, dumps, read_records
from .pipeline import Options, Pipeline


@dataclass(slots=True)
class RunStats:
    """The books of one run."""

    records_in: int = 0
    written: int = 0
    duplicates: int = 0
    rejected: int = 0
    rejects_by_reason: Counter = field(default_factory=Counter)
    flags: Counter = field(default_factory=Counter)  # missing_number annotations per rule
    chrome_removed: Counter = field(default_factory=Counter)  # chrome lines per rule
    repeats_removed: Counter = field(default_factory=Counter)
    normalized: Counter = field(default_factory=Counter)
    chars_in: int = 0
    chars_out: int = 0
    warnings: list[str] = field(default_factory=list)
    encodings: Counter = field(default_factory=Counter)

    def balanced(self) -> bool:
        return self.records_in == self.written + self.duplicates + self.rejected

    def add_counts(self, counts: dict[str, int]) -> None:
        for key, n in counts.items():
            kind, _, rule = key.partition(":")
            if kind == "missing_number":
                self.flags[rule] += n
            elif kind == "chrome":
                self.chrome_removed[rule] += n
            elif kind == "repeat":
                self.repeats_removed[rule] += n
            elif kind == "normalize":
                self.normalized[rule] += n

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
            "normalized_by_fix": dict(sorted(self.normalized.items())),
            "chars_in": self.chars_in, "chars_out": self.chars_out,
            "input_encodings": dict(sorted(self.encodings.items())),
            "warnings": self.warnings[:100],
        }

    def summary(self) -> str:
        lines = [
            f"records in {self.records_in}: written {self.written}, duplicates {self.duplicates}, "
            f"rejected {self.rejected}" + ("" if self.balanced() else "  (UNBALANCED)"),
            f"missing-number flags {sum(self.flags.values())}, chrome lines removed "
            f"{sum(self.chrome_removed.values())}, repeats removed {sum(self.repeats_removed.values())}",
        ]
        if self.rejects_by_reason:
            lines.append("rejects: " + ", ".join(f"{k} {v}" for k, v in sorted(self.rejects_by_reason.items())))
        if self.flags:
            lines.append("flags by rule: " + ", ".join(f"{k} {v}" for k, v in self.flags.most_common()))
        if self.chrome_removed:
            lines.append("chrome by rule: " + ", ".join(f"{k} {v}" for k, v in self.chrome_removed.most_common()))
        return "\n".join(lines)


# ----------------------------------------------------------------------------- workers

_worker: dict[str, Any] = {}


def _init_worker(rules_dir: str | None, options: Options, text_field: str) -> None:
    _worker["pipeline"] = Pipeline(rules_dir, options)
    _worker["text_field"] = text_field


def _clean_one(item: tuple[str, str, dict[str, Any]]) -> tuple[str, dict[str, int], int, list[str]]:
    """Clean one record in a worker; returns (output line, counts, clean length, warnings)."""
    rid, text, fields = item
    result = _worker["pipeline"].clean(text, id=rid)
    record = result.to_record(fields, text_field=_worker["text_field"])
    return dumps(record), result.counts, len(result.text), result.metadata.get("warnings", [])


def _clean_stream(items: Iterable[tuple[str, str, dict]], jobs: int, rules_dir: str | None, options: Options,
                  text_field: str) -> Iterator[tuple[str, dict[str, int], int, list[str]]]:
    if jobs <= 1:
        _init_worker(rules_dir, options, text_field)
        for item in items:
            yield _clean_one(item)
        return
    ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
    with ctx.Pool(jobs, initializer=_init_worker, initargs=(rules_dir, options, text_field)) as pool:
        # imap keeps input order, so the output is the same for any number of workers.
        yield from pool.imap(_clean_one, items, chunksize=16)


# ----------------------------------------------------------------------------- the run

@dataclass(frozen=True, slots=True)
class RunConfig:
    inputs: tuple[str, ...]
    output: str  # a path, or "-" for standard output
    rules_dir: str | None = None
    options: Options = Options()
    read: ReadOptions = ReadOptions()
    jobs: int = 1
    rejects: str | None = None
    stats: str | None = None
    progress: bool = False


def run(config: RunConfig, on_progress: Callable[[int], None] | None = None) -> RunStats:
    """Clean every record of `config.inputs` into `config.output`; returns the run's books."""
    stats = RunStats()
    rejects: list[Reject] = []

    def items() -> Iterator[tuple[str, str, dict]]:
        # Rejects are interleaved with records in input order; records go to the workers, rejects are kept
        # in `pending` order so the books and the rejects file follow the input.
        for unit in read_records(list(config.inputs), config.read):
            stats.records_in += 1
            if isinstance(unit, Reject):
                stats.reject(unit.reason)
                rejects.append(unit)
                continue
            stats.encodings[unit.encoding] += 1
            stats.chars_in += len(unit.text)
            yield unit.id, unit.text, unit.fields

    def write_all(out) -> None:
        for line, counts, clean_len, warnings in _clean_stream(items(), config.jobs, config.rules_dir,
                                                               config.options, config.read.text_field):
            out.write(line)
            stats.written += 1
            stats.chars_out += clean_len
            stats.add_counts(counts)
            stats.warnings.extend(warnings)
            if on_progress:
                on_progress(stats.records_in)

    if config.output == "-":
        write_all(sys.stdout)
        sys.stdout.flush()
    else:
        with AtomicWriter(config.output) as out:
            write_all(out)
    if config.rejects:
        with AtomicWriter(config.rejects) as fh:
            for r in rejects:
                fh.write(dumps(r.to_json()))
    if config.stats:
        with AtomicWriter(config.stats) as fh:
            fh.write(json.dumps(stats.to_json(), ensure_ascii=False, indent=1) + "\n")
    return stats
