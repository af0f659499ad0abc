"""Run the pipeline over whole dumps: read, clean (in parallel, output in input order), write, account.

Every input unit ends up in exactly one place: the output, the rejects file, or (with dedup) the duplicates
count. `RunStats` keeps the books, and `records_in == written + duplicates + rejected` always holds -- also
for a document the pipeline fails on, which becomes an ``internal-error`` reject instead of ending the run.

Output is never half-written. The output and the rejects file are written to hidden partial files beside
them (``.NAME.partial``) and renamed into place when the run succeeds. Every so often the run records a
checkpoint (``.OUTPUT.checkpoint``): how many input units have been consumed, and how long each partial file
was at that point, with the books so far. A run that is interrupted (Ctrl-C, a kill, a crash) keeps its
partial files and checkpoint; ``resume=True`` truncates the partial files back to the checkpoint, skips that
many input units and carries on, so the finished output is byte for byte the output of an uninterrupted
run. The checkpoint also holds a fingerprint of the inputs (paths, sizes, modification times), the options
and the rule files; a resume with anything different is refused. Without `resume`, leftover partial files
are started afresh.

The output depends only on the input: workers clean blocks of records in parallel and the blocks are written
in input order, so any `jobs` gives the same bytes. (A rule that runs into its time limit is the one
exception: whether it does can depend on the machine; the run reports it.)
"""
from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import sys
import tempfile
import time
from collections import Counter, deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator

from . import __version__
from .io import (RAW_LIMIT, AtomicWriter, InputError, ReadOptions, Record, Reject, Source, compression_of_name, dumps,
                 expand_inputs, input_signature, keep_mode, publish, read_records)
from .dedup import DedupConfig, dedup_records
from .extraction import PageSpool, extract_block, is_pending
from .gapmodel import model_digest
from .parquet import file_lines, is_parquet_name, write_parquet
from .paths import PathError, check_written_paths
from .pipeline import Options, Pipeline, clash_warning, clashing_fields
from .rules import RuleSource, parse_timeout_warning
from .sitechrome import LearnOptions, SiteChrome
from .spool import kept_lines, light_records, write_kept

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows
    fcntl = None  # type: ignore[assignment]

CHECKPOINT_VERSION = 1


class RunError(Exception):
    """A run that cannot start: a resume that does not match, an output another run is writing."""


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
    repeats_kept: Counter = field(default_factory=Counter)  # lines that look repeated but stay, by why
    rejoined: Counter = field(default_factory=Counter)  # line breaks removed inside cut paragraphs, per rule
    normalized: Counter = field(default_factory=Counter)
    rule_timeouts: Counter = field(default_factory=Counter)  # rule id -> documents where it ran out of time
    chars_in: int = 0
    chars_out: int = 0
    warnings: Counter = field(default_factory=Counter)  # message -> documents, in order of first appearance
    encodings: Counter = field(default_factory=Counter)
    resumed_at: int = 0  # input units a previous, interrupted run had already written
    notes: list[str] = field(default_factory=list)  # about the run itself ("nothing to resume", ...)
    dedup: dict[str, int] = field(default_factory=dict)  # with --dedup: clusters, suggestions, figure conflicts

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
            elif kind == "repeat_kept":
                self.repeats_kept[rule] += n
            elif kind == "layout":
                self.rejoined[rule] += n
            elif kind == "normalize":
                self.normalized[rule] += n

    def add_warnings(self, warnings: Iterable[str]) -> None:
        """One document's warnings: each distinct message counts the document once."""
        timed_out = set()
        for message in dict.fromkeys(warnings):
            self.warnings[message] += 1
            parsed = parse_timeout_warning(message)
            if parsed:
                timed_out.add(parsed[0])
        for rule in sorted(timed_out):
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

    # The checkpoint keeps the books exactly (every warning, counters in their order).
    _COUNTERS = ("rejects_by_reason", "flags", "chrome_removed", "repeats_removed", "repeats_kept", "rejoined",
                 "normalized", "rule_timeouts", "warnings", "encodings")
    _NUMBERS = ("records_in", "written", "duplicates", "rejected", "chars_in", "chars_out", "resumed_at")

    def state(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in self._NUMBERS}
        out.update({k: list(getattr(self, k).items()) for k in self._COUNTERS})
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "RunStats":
        stats = cls(**{k: int(state[k]) for k in cls._NUMBERS})
        for k in cls._COUNTERS:
            setattr(stats, k, Counter(dict((str(a), int(b)) for a, b in state.get(k, ()))))
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
            if not parse_timeout_warning(message):
                lines.append(f"warning: {message} ({n} document(s))")
        return "\n".join(lines)


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


# ----------------------------------------------------------------------------- workers

_worker: dict[str, Any] = {}
_pipelines: dict[tuple, Pipeline] = {}


def _init_worker(rules_dir: "str | RuleSource | None", options: Options, text_field: str,
                 site: SiteChrome | None = None, read: ReadOptions = ReadOptions()) -> None:
    # Loading the rules takes a moment: runs in one process with the same rule files share a pipeline.
    key = (rules_dir, options, _rules_digest(rules_dir))
    if key not in _pipelines:
        _pipelines.clear()
        _pipelines[key] = Pipeline(rules_dir, options)
    _worker["pipeline"] = _pipelines[key]
    _worker["text_field"] = text_field
    _worker["site"] = site
    _worker["read"] = read


def _init_pool_worker(rules_dir: "str | RuleSource | None", options: Options, text_field: str,
                      site: SiteChrome | None, read: ReadOptions, parent: int) -> None:
    # Ctrl-C and SIGTERM are for the main process, which stops the pool and keeps the checkpoint.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    _init_worker(rules_dir, options, text_field, site, read)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that started it dies (Linux `prctl(PR_SET_PDEATHSIG)`):
    a main process killed with kill -9 cannot stop its pool, and workers left waiting on its queue would live
    on. Elsewhere a worker only notices when the pool's pipes break."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - no prctl in this libc
        return
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _rules_digest(rules: "str | RuleSource | None") -> str:
    return (rules if isinstance(rules, RuleSource) else RuleSource(rules)).digest()


Cleaned = tuple[bytes | None, dict[str, int], int, list[str], str | None]


def _clean_block(items: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]) -> list[Cleaned]:
    """Clean a block of records in a worker: (output line, counts, clean length, warnings, error) each.

    A document the pipeline fails on gives an error instead of a line, so that one bad page cannot end a run.
    """
    pipeline: Pipeline = _worker["pipeline"]
    site: SiteChrome | None = _worker.get("site")
    out: list[Cleaned] = []
    for rid, text, fields, encoding, record_meta in items:
        try:
            meta = {**record_meta, **({"input_encoding": encoding} if encoding != "utf-8" else {})}
            site_lines = site.for_url(_page_url(fields, record_meta)) if site else None
            result = pipeline.clean(text, id=rid, meta=meta, site_lines=site_lines)
            line = _encode(dumps(result.to_record(fields, text_field=_worker["text_field"])))
            warnings = list(result.metadata.get("warnings", []))
            clash = clashing_fields(fields, _worker["text_field"])
            if clash:
                warnings.append(clash_warning(clash))
            out.append((line, result.counts, len(result.text), warnings, None))
        except Exception as exc:  # noqa: BLE001 - reported as a reject with the exception named
            out.append((None, {}, 0, [], f"internal-error: {type(exc).__name__}: {exc}"))
    return out


def _extract_block(units: list) -> list[Record | Reject]:
    """The units of a block with their HTML pages extracted, in a worker (see `extraction`)."""
    return extract_block(units, _worker["read"])


def _encode(line: str) -> bytes:
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate the reader did not catch: never let it end the run
        return line.encode("utf-8", errors="replace")


class _Cleaner:
    """Clean blocks of records in order, in this process (jobs=1) or in a pool of worker processes."""

    def __init__(self, config: "RunConfig", site: SiteChrome | None = None):
        self.config = config
        self.pool: ProcessPoolExecutor | None = None
        args = (config.rules_dir, config.options, config.read.text_field, site, config.read)
        if config.jobs <= 1:
            _init_worker(*args)
        else:
            ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
            self.pool = ProcessPoolExecutor(config.jobs, mp_context=ctx, initializer=_init_pool_worker,
                                            initargs=args + (os.getpid(),))
            # Start the workers now, before the run opens (and locks) its partial files: a worker must not
            # inherit them, or the lock would outlive an interrupted run in a worker still finishing a block.
            self.pool.submit(int).result()

    def map(self, blocks: Iterator[list[Record | Reject]]) -> Iterator[tuple[list[Record | Reject], list[Cleaned]]]:
        """(block, cleaned records of the block) for every block, in input order."""
        if self.pool is None:
            for block in blocks:
                yield block, _clean_block(_payload(block))
            return
        pending: deque[tuple[list[Record | Reject], Future]] = deque()
        window = 2 * self.config.jobs  # blocks in flight: enough to keep the workers busy, never the whole input
        for block in blocks:
            pending.append((block, _submit(self.pool, block)))
            if len(pending) >= window:
                done, future = pending.popleft()
                yield done, _result(future)
        while pending:
            done, future = pending.popleft()
            yield done, _result(future)

    def extract(self, blocks: Iterator[list]) -> Iterator[tuple[list, list[Record | Reject]]]:
        """(block, the block with its HTML pages extracted) for every block, in input order: the pages are
        extracted in the workers, as many blocks at a time as `map` cleans."""
        if self.pool is None:
            for block in blocks:
                yield block, _extract_block(block) if any(map(is_pending, block)) else block
            return
        pending: deque[tuple[list, Future | None]] = deque()
        for block in blocks:
            pending.append((block, _submit(self.pool, block, _extract_block) if any(map(is_pending, block)) else None))
            if len(pending) >= 2 * self.config.jobs:
                done, future = pending.popleft()
                yield done, done if future is None else _result(future)
        while pending:
            done, future = pending.popleft()
            yield done, done if future is None else _result(future)

    def close(self) -> None:
        if self.pool is not None:
            try:
                self.pool.shutdown(wait=True, cancel_futures=True)
            except BrokenProcessPool:  # pragma: no cover - the error that broke it is already reported
                pass


_WORKER_DIED = "a worker process died (out of memory, or killed); the run can be resumed with --resume"


def _submit(pool: ProcessPoolExecutor, block: list[Record | Reject], work: Callable | None = None) -> Future:
    """Send a block to be cleaned (or, with `work`, to be worked on as it is: `_extract_block`)."""
    try:
        return pool.submit(_clean_block, _payload(block)) if work is None else pool.submit(work, block)
    except BrokenProcessPool:  # the pool noticed the dead worker before this block was sent
        raise RunError(_WORKER_DIED) from None


def _result(future: Future) -> list:
    try:
        return future.result()
    except BrokenProcessPool:
        raise RunError(_WORKER_DIED) from None


def _payload(block: list[Record | Reject]) -> list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]:
    return [(u.id, u.text, u.fields, u.encoding, u.meta) for u in block if isinstance(u, Record)]


def _blocks(units: Iterator[Record | Reject], size: int) -> Iterator[list[Record | Reject]]:
    while True:
        block = list(islice(units, size))
        if not block:
            return
        yield block


# ----------------------------------------------------------------------------- the run

@dataclass(frozen=True, slots=True)
class RunConfig:
    inputs: tuple[str, ...]
    output: str  # a path, or "-" for standard output
    rules_dir: "str | RuleSource | None" = None  # a RuleSource adds extra rule files or disables rules
    options: Options = Options()
    read: ReadOptions = ReadOptions()
    jobs: int = 1
    rejects: str | None = None
    stats: str | None = None
    progress: bool = False
    resume: bool = False
    dedup: DedupConfig | None = None  # keep one document per cluster of near-duplicates (None: keep all)
    clusters: str | None = None  # with dedup: one JSON line per written document, its cluster and fate
    # Learn each site's recurring chrome lines from the batch first (None: do not); see sitechrome.py.
    learn: LearnOptions | None = LearnOptions()
    block_size: int = 64  # records sent to a worker at a time
    checkpoint_units: int = 1000  # a checkpoint after at least this many units...
    checkpoint_seconds: float = 10.0  # ...or this much time, whichever comes first


def partial_path(path: str) -> Path:
    """Where a file is written until the run is done: `.NAME.partial` beside it."""
    p = Path(path)
    return p.with_name(f".{p.name}.partial")


def checkpoint_path(output: str) -> Path:
    p = Path(output)
    return p.with_name(f".{p.name}.checkpoint")


class _Partial:
    """One output file being written under its partial name."""

    def __init__(self, path: str):
        self.path = Path(path)
        self.partial = partial_path(path)
        self.fh: BinaryIO | None = None

    def open(self, keep: int | None) -> None:
        """Open the partial file, locked; keep its first `keep` bytes (None: start empty)."""
        fd = os.open(self.partial, os.O_RDWR | os.O_CREAT, 0o666)
        fh = os.fdopen(fd, "r+b")
        if fcntl is not None:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                raise RunError(f"{self.path}: another newsclean run is writing it ({self.partial} is locked)") from None
        size = os.fstat(fh.fileno()).st_size
        if keep is not None and size < keep:
            fh.close()
            raise RunError(f"cannot resume: {self.partial} is shorter than its checkpoint says "
                           f"({size} < {keep} bytes); run again without --resume")
        fh.truncate(keep or 0)
        fh.seek(keep or 0)
        self.fh = fh

    def position(self) -> int:
        assert self.fh is not None
        return self.fh.tell()

    def sync(self) -> None:
        assert self.fh is not None
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def commit(self) -> None:
        self.sync()
        if is_parquet_name(self.path):  # the partial file stays JSONL (resumable); converted once, at the end
            write_parquet(self.path, file_lines(self.partial))
            self.partial.unlink()
            return
        if compression_of_name(self.path):
            # The partial file stays plain so that a resume can cut it at a byte offset; it is compressed once,
            # at the end, into a file beside the output that is then renamed into place.
            assert self.fh is not None
            self.fh.seek(0)
            publish(self.path, lambda out: _copy(self.fh, out))
            self.partial.unlink()
            return
        keep_mode(self.partial)
        os.replace(self.partial, self.path)

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None


def _copy(src: BinaryIO, dst: BinaryIO) -> None:
    while chunk := src.read(1 << 20):
        dst.write(chunk)


def _fingerprint(config: RunConfig, sources: list[Source]) -> str:
    """What a resumed run must share with the run it resumes."""
    what = {
        "version": __version__, "inputs": list(config.inputs), "files": input_signature(sources),
        "output": os.path.abspath(config.output), "rejects": config.rejects and os.path.abspath(config.rejects),
        "options": repr(config.options), "read": repr(config.read), "rules": _rules_digest(config.rules_dir),
        "dedup": config.dedup and config.dedup.to_dict(), "learn": repr(config.learn),
        # The missing-number model decides the flags: another model file would make another output.
        "model": model_digest(),
    }
    return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


def _read_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint's state, checked field by field: a damaged or hand-edited one is a RunError naming it."""
    def damaged(why: str) -> RunError:
        return RunError(f"cannot resume: checkpoint {path} is damaged ({why}); run again without --resume")

    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise damaged(f"unreadable: {exc}") from None
    if not isinstance(state, dict) or state.get("version") != CHECKPOINT_VERSION:
        raise damaged(f"not a version {CHECKPOINT_VERSION} checkpoint")
    for key, kinds in (("fingerprint", (str,)), ("units", (int,)), ("output_bytes", (int, type(None))),
                       ("rejects_bytes", (int, type(None))), ("stats", (dict,))):
        value = state.get(key)
        if not isinstance(value, kinds) or isinstance(value, bool) or (isinstance(value, int) and value < 0):
            raise damaged(f"{key!r} is {value!r}")
    try:
        state["stats"] = RunStats.from_state(state["stats"])
    except (KeyError, TypeError, ValueError) as exc:
        raise damaged(f"its books: {type(exc).__name__}: {exc}") from None
    return state


class _Job:
    """The files of one run: partial output and rejects, the checkpoint, and the final renames."""

    def __init__(self, config: RunConfig, sources: list[Source]):
        self.config = config
        self.to_stdout = config.output == "-"
        if config.resume and self.to_stdout:
            raise RunError("--resume needs an output file (-o FILE), not standard output")
        if config.resume and any(s.kind in ("stdin", "stream") for s in sources):
            raise RunError("--resume cannot re-read standard input or a pipe; give the input as a file")
        self.out = None if self.to_stdout else _Partial(config.output)
        self._scratch: tempfile.TemporaryDirectory | None = None
        if self.to_stdout and config.dedup is not None:
            # Dedup needs the whole cleaned corpus before it writes a line: keep it in a scratch file.
            self._scratch = tempfile.TemporaryDirectory(prefix="newsclean-")
            self.out = _Partial(os.path.join(self._scratch.name, "cleaned.jsonl"))
        if config.clusters and config.dedup is None:
            raise RunError("--clusters needs --dedup")
        self.rejects = _Partial(config.rejects) if config.rejects else None
        self.checkpoint = None if self.to_stdout else checkpoint_path(config.output)
        self.fingerprint = "" if self.to_stdout else _fingerprint(config, sources)
        self.units = 0
        self.last_units = 0
        self.last_time = time.monotonic()
        self.note: str | None = None

    def start(self) -> tuple[RunStats, int]:
        """Open the files; returns the books to continue from and how many input units to skip."""
        state = self._load_checkpoint() if self.config.resume else None
        for target in (self.out, self.rejects):
            if target is not None:
                for d in (target.path.parent,):
                    if not d.is_dir():
                        raise RunError(f"{target.path}: folder {d} does not exist")
        try:
            if self.out is not None:
                self.out.open(state["output_bytes"] if state else None)
            if self.rejects is not None:
                self.rejects.open(state["rejects_bytes"] if state else None)
        except BaseException:
            self.close()
            raise
        if state is None:
            stats = RunStats()
            self.units = 0
        else:
            stats = state["stats"]
            self.units = state["units"]
            stats.resumed_at = self.units
        self.last_units = self.units
        if self.checkpoint is not None:
            self.save(stats)
        return stats, self.units

    def _load_checkpoint(self) -> dict[str, Any] | None:
        assert self.checkpoint is not None and self.out is not None
        if not self.checkpoint.exists() or not self.out.partial.exists():
            if self.out.path.exists():
                # A finished run removed its checkpoint: starting again would replace a good output (with a
                # Bloom index that has seen its documents, by an empty one).
                raise RunError(f"nothing to resume: {self.out.path} is already complete (no checkpoint); run "
                               "again without --resume to replace it")
            self.note = "nothing to resume: starting from the beginning"
            return None
        state = _read_checkpoint(self.checkpoint)
        if state["fingerprint"] != self.fingerprint:
            raise RunError("cannot resume: the inputs, options or rules differ from the interrupted run's; "
                           "run again without --resume to start over")
        if self.rejects is not None and state.get("rejects_bytes") is None:
            raise RunError("cannot resume: the interrupted run wrote no rejects file; run again without --resume")
        return state

    def write_output(self, line: bytes) -> None:
        if self.out is None:
            sys.stdout.buffer.write(line)
        else:
            assert self.out.fh is not None
            self.out.fh.write(line)

    def write_reject(self, line: bytes) -> None:
        if self.rejects is not None:
            assert self.rejects.fh is not None
            self.rejects.fh.write(line)

    def due(self) -> bool:
        return (self.units - self.last_units >= self.config.checkpoint_units
                or time.monotonic() - self.last_time >= self.config.checkpoint_seconds)

    def save(self, stats: RunStats) -> None:
        """Record a checkpoint: everything written so far is on disk, and the books match it."""
        if self.checkpoint is None:
            return
        for target in (self.out, self.rejects):
            if target is not None:
                target.sync()
        state = {
            "version": CHECKPOINT_VERSION, "fingerprint": self.fingerprint, "units": self.units,
            "output_bytes": self.out.position() if self.out else None,
            "rejects_bytes": self.rejects.position() if self.rejects else None,
            "stats": stats.state(),
        }
        tmp = self.checkpoint.with_name(self.checkpoint.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.checkpoint)
        self.last_units = self.units
        self.last_time = time.monotonic()

    def finish(self, stats: RunStats) -> None:
        """Rename the finished files into place; the checkpoint goes after them, a Bloom dedup index last."""
        dedup = None
        if self.config.dedup is not None:
            self.save(stats)  # every document is cleaned: a resume from here only redoes the dedup
            dedup = self._dedup(stats)
        if self.rejects is not None:
            self.rejects.commit()
        if self.config.dedup is None and self.out is not None and not self.to_stdout:
            self.out.commit()
        else:
            sys.stdout.buffer.flush()
        if self.config.stats:
            with AtomicWriter(self.config.stats) as fh:
                fh.write(json.dumps(stats.to_json(), ensure_ascii=False, indent=1) + "\n")
        if self.checkpoint is not None:
            try:
                self.checkpoint.unlink()
            except FileNotFoundError:
                pass
        if dedup is not None:
            # Saved once nothing can redo this run: filters that had seen its documents would make a resume
            # drop every one of them as seen before.
            dedup.save_index()

    def _dedup(self, stats: RunStats):
        """Keep one document per near-duplicate cluster of the cleaned partial output, in input order."""
        assert self.out is not None and self.config.dedup is not None
        self.out.sync()
        cleaned = self.out.partial
        result = dedup_cleaned(cleaned, self.config.dedup, self.config.read.id_field, self.config.read.text_field)
        if self.to_stdout:
            write_kept(cleaned, result, sys.stdout.buffer)
        elif is_parquet_name(self.out.path):
            write_parquet(self.out.path, lambda: kept_lines(cleaned, result))
        else:
            publish(self.out.path, lambda out: write_kept(cleaned, result, out))
        if self.config.clusters:
            with AtomicWriter(self.config.clusters) as fh:
                for entry in result.entries:
                    fh.write(dumps(entry.to_json()))
        self.out.close()
        cleaned.unlink()
        summary = result.summary()
        stats.written -= summary["dropped"]
        stats.duplicates += summary["dropped"]
        stats.dedup = dedup_books(summary)
        stats.notes.extend(result.notes)
        return result

    def discard(self) -> None:
        """Remove the partial files and the checkpoint of a run that has nothing to write."""
        self.close()
        for target in (self.out, self.rejects):
            if target is not None:
                target.partial.unlink(missing_ok=True)
        if self.checkpoint is not None:
            self.checkpoint.unlink(missing_ok=True)

    def close(self) -> None:
        for target in (self.out, self.rejects):
            if target is not None:
                target.close()
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def no_documents(inputs: Iterable[str]) -> RunError:
    """The error of a run whose inputs hold no input unit at all (an empty file or folder)."""
    return RunError(f"no documents found in {' '.join(inputs)} (no file with a record: expected .txt, .jsonl or "
                    ".parquet files, optionally .gz/.zst)")


def dedup_books(summary: dict[str, int]) -> dict[str, int]:
    """The dedup part of a run's books (with the Bloom index also "seen_before")."""
    keys = ("clusters_with_duplicates", "suggestions", "number_conflicts", "seen_before")
    return {k: summary[k] for k in keys if k in summary}


def dedup_cleaned(path: Path, config: DedupConfig, id_field: str = "id", text_field: str = "text"):
    """Run `dedup_records` over a file of cleaned records (the output of a run), holding only their ids,
    missing_number annotations, signatures and line offsets in memory: the texts are read from the file when
    the dedup needs them (`newsclean.spool`). Returns the `DedupResult` (light records, in file order). A Bloom
    index directory is left as it was until `result.save_index()`."""
    ids, records, texts = light_records(path, id_field, text_field)
    with texts:
        return dedup_records(records, config, ids=ids, save_index=False, texts=texts)


class BytesRead:
    """How far the reader is through the input files, in bytes of the files as stored (compressed or not):
    what a progress bar with an ETA needs. `total` is None when an input is not a regular file (a pipe)."""

    def __init__(self, sources: list[Source]):
        sizes = [_file_size(s) for s in sources]
        self.total = None if any(size is None for size in sizes) else sum(sizes)
        self._before = [0]
        for size in sizes:
            self._before.append(self._before[-1] + (size or 0))
        self._current: tuple[int, BinaryIO] | None = None

    def opened(self, n: int, fh: BinaryIO) -> None:
        self._current = (n, fh)

    def done(self) -> int:
        if self._current is None:
            return 0
        n, fh = self._current
        try:
            return self._before[n] + min(fh.tell(), self._before[n + 1] - self._before[n])
        except (OSError, ValueError):  # closed: the whole file has been read
            return self._before[n + 1]


def _file_size(source: Source) -> int | None:
    if source.path == "-" or source.kind in ("stdin", "stream"):
        return None
    try:
        return os.path.getsize(source.path)
    except OSError:
        return 0  # an unreadable file is one reject, read at once


def run(config: RunConfig, on_progress: Callable[[int], None] | None = None,
        on_bytes: Callable[[int, int], None] | None = None) -> RunStats:
    """Clean every record of `config.inputs` into `config.output`; returns the run's books.

    Raises InputError (a named input is missing or unreadable) or RunError (a resume that does not match,
    an output another run holds, inputs that hold no input unit at all) before any output is in place.
    `on_progress(records_in)` is called after each input unit is accounted for, and, when every input is a
    regular file, `on_bytes(bytes read, bytes in all inputs)` too.
    """
    written = {"-o": config.output, "--rejects": config.rejects, "--stats": config.stats,
               "--clusters": config.clusters}
    try:
        check_written_paths(config.inputs, written)
    except PathError as exc:
        raise RunError(str(exc)) from None
    sources = expand_inputs(config.inputs, exclude=[p for p in written.values() if p])
    progress = BytesRead(sources)
    if progress.total is None:
        on_bytes = None
    job = _Job(config, sources)
    read = replace(config.read, defer_extraction=True)  # pages are extracted in the workers
    site, learn_note, spool = _learn_site_chrome(config, sources, read)
    cleaner: _Cleaner | None = _Cleaner(config, site)
    try:
        stats, skip = job.start()
        if job.note:
            stats.notes.append(job.note)
        if learn_note and not stats.resumed_at:
            stats.notes.append(learn_note)
        units = read_records(list(config.inputs), read, sources=sources, on_open=progress.opened)
        if spool is not None:  # the learning pass extracted every page already
            units = spool.from_spool(units)
        for _ in islice(units, skip):  # written by the interrupted run: read past them, do not clean them
            pass
        assert cleaner is not None
        blocks = _blocks(units, config.block_size)
        if spool is None:
            blocks = (extracted for _, extracted in cleaner.extract(blocks))
        for block, cleaned in cleaner.map(blocks):
            results = iter(cleaned)
            for unit in block:
                _account(unit, results, stats, job)
                job.units += 1
                if on_bytes:
                    on_bytes(progress.done(), progress.total)
                if on_progress:
                    on_progress(stats.records_in)
            if job.due():
                job.save(stats)
        if on_bytes:  # every input has been read (a parquet file is read by pyarrow, whose position is not seen)
            on_bytes(progress.total, progress.total)
        cleaner.close()
        cleaner = None
        if stats.records_in == 0:
            job.discard()
            raise no_documents(config.inputs)
        job.finish(stats)
    finally:
        if cleaner is not None:
            cleaner.close()
        if spool is not None:
            spool.close()
        job.close()
    return stats


def _page_url(fields: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """The page's URL: a `url` field of the record, else the one its HTML or WARC header gave."""
    return fields.get("url") or meta.get("url")


def _learn_site_chrome(config: RunConfig, sources: list[Source], read: ReadOptions
                       ) -> tuple[SiteChrome | None, str | None, PageSpool | None]:
    """A first pass over the inputs: the lines each site repeats on many of its pages. The pass reads the
    same inputs in the same order, so a resumed run (or any --jobs) learns exactly the same lines. Its HTML
    pages are extracted in worker processes and kept in the returned spool for the cleaning pass."""
    if config.learn is None or "chrome" not in config.options.stages:
        return None, None, None
    if any(s.kind in ("stdin", "stream") for s in sources):
        return None, "site chrome not learned: standard input or a pipe cannot be read twice", None
    units = read_records(list(config.inputs), read, sources=sources)
    spool = PageSpool()
    extractor = _Cleaner(config) if read.defer_extraction and _may_hold_pages(config, sources) else None
    try:
        extracted = _spooled(extractor, _blocks(units, config.block_size), spool)
        site = SiteChrome.learn(((u.text, _page_url(u.fields, u.meta)) for u in extracted if isinstance(u, Record)),
                                config.learn)
    except BaseException:
        spool.close()
        raise
    finally:
        if extractor is not None:
            extractor.close()
    if not spool.pages:
        spool.close()
        spool = None
    if not len(site):
        return None, None, spool
    return (site, f"site chrome learned from the batch: {len(site)} recurring lines of {len(site.sites)} site(s)",
            spool)


def _may_hold_pages(config: RunConfig, sources: list[Source]) -> bool:
    """Whether the inputs may hold HTML pages (then the learning pass starts workers to extract them)."""
    return bool(config.read.html_field) or any(s.kind in ("html", "warc") for s in sources)


def _spooled(extractor: "_Cleaner | None", blocks: Iterator[list], spool: PageSpool) -> Iterator[Record | Reject]:
    """Every unit of `blocks` with its pages extracted (by `extractor`'s workers), each extracted page also
    added to `spool`."""
    if extractor is None:  # no input can hold a page
        for block in blocks:
            yield from block
        return
    for block, extracted in extractor.extract(blocks):
        for unit, out in zip(block, extracted):
            if is_pending(unit):
                spool.add(out)
            yield out


def _account(unit: Record | Reject, results: Iterator[Cleaned], stats: RunStats, job: _Job) -> None:
    """Write one input unit where it belongs and enter it in the books."""
    if isinstance(unit, Reject):
        job.write_reject(_encode(dumps(unit.to_json())))
        stats.records_in += 1
        stats.reject(unit.reason)
        return
    line, counts, clean_len, warnings, error = next(results)
    if line is None:
        assert error is not None
        reject = Reject(unit.source, error, unit.text[:RAW_LIMIT], unit.id,
                        {"raw_chars": len(unit.text)} if len(unit.text) > RAW_LIMIT else {})
        job.write_reject(_encode(dumps(reject.to_json())))
        stats.records_in += 1
        stats.reject(error)
        return
    job.write_output(line)
    stats.records_in += 1
    stats.written += 1
    stats.encodings[unit.encoding] += 1
    stats.chars_in += len(unit.text)
    stats.chars_out += clean_len
    stats.add_counts(counts)
    stats.add_warnings(warnings)


__all__ = ["RunConfig", "RunStats", "RunError", "InputError", "run", "partial_path", "checkpoint_path", "BytesRead"]
