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

import json
import os
import sys
import time
from itertools import islice
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterator

from ..dedup.light import Light
from ..extraction import PageSpool, is_pending
from ..io.cloud import is_uri
from ..io import (RAW_LIMIT, AtomicWriter, ReadOptions, Record, Reject, Source, atomic_file, dumps, expand_inputs,
                  read_records, write_lines)
from ..paths import PathError, check_written_paths
from ..sitechrome import SiteChrome
from .checkpoint import CHECKPOINT_VERSION, checkpoint_path, read_checkpoint, run_fingerprint
from .config import RunConfig, RunError, no_documents
from .partial import Partial
from .stats import RunStats, dedup_books
from .workers import Cleaned, Cleaner, blocks_of, encode_line, page_url

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory



def _corpus(partial, text_field: str):
    """The dedup pass's `Corpus` over the partial output (imported here: only a run that dedups needs it)."""
    from ..dedup.corpus import Corpus

    return Corpus(partial, text_field)

class _Job:
    """The files of one run: partial output and rejects, the checkpoint, and the final renames."""

    def __init__(self, config: RunConfig, sources: list[Source]):
        self.config = config
        self.to_stdout = config.output == "-"
        if config.resume and self.to_stdout:
            raise RunError("--resume needs an output file (-o FILE), not standard output")
        if config.resume and any(s.kind in ("stdin", "stream") for s in sources):
            raise RunError("--resume cannot re-read standard input or a pipe; give the input as a file")
        self.out = None if self.to_stdout else Partial(config.output)
        self._scratch: TemporaryDirectory | None = None
        if self.to_stdout and config.dedup is not None:
            # Dedup needs the whole cleaned corpus before it writes a line: keep it in a scratch file.
            from tempfile import TemporaryDirectory  # only here (tempfile brings shutil, bz2 and lzma)

            self._scratch = TemporaryDirectory(prefix="newsclean-")
            self.out = Partial(os.path.join(self._scratch.name, "cleaned.jsonl"))
        if config.clusters and config.dedup is None:
            raise RunError("--clusters needs --dedup")
        # With dedup, each cleaned document as the dedup pass needs it, handed over as it is written.
        self.corpus = None if config.dedup is None else _corpus(self.out.partial, config.read.text_field)
        self.rejects = Partial(config.rejects) if config.rejects else None
        self.checkpoint = None if self.to_stdout else checkpoint_path(config.output)
        self.fingerprint = "" if self.to_stdout else run_fingerprint(config, sources)
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
        if state is not None and self.corpus is not None:
            # The documents the interrupted run cleaned were handed to that run's process, not to this one:
            # only they are read back from the partial output (up to its checkpoint); the rest are handed over.
            self.corpus.read_back(self.config.read.id_field, upto=state["output_bytes"])
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
        state = read_checkpoint(self.checkpoint)
        if state["fingerprint"] != self.fingerprint:
            raise RunError("cannot resume: the inputs, options or rules differ from the interrupted run's; "
                           "run again without --resume to start over")
        if self.rejects is not None and state.get("rejects_bytes") is None:
            raise RunError("cannot resume: the interrupted run wrote no rejects file; run again without --resume")
        return state

    def write_output(self, line: bytes, light: Light | None = None) -> None:
        """Write a cleaned line; with dedup, `light` (the worker's view of its document) goes to the corpus."""
        if self.corpus is not None:
            assert light is not None
            self.corpus.add(light, len(line))
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
        with atomic_file(self.checkpoint, self.checkpoint.with_name(self.checkpoint.name + ".tmp"), text=True) as fh:
            json.dump(state, fh, ensure_ascii=False)
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
        assert self.out is not None and self.config.dedup is not None and self.corpus is not None
        self.out.sync()  # the dedup reads texts back from the partial file
        assert self.corpus.size == self.out.position(), "every line written was handed to the corpus"
        from ..dedup.corpus import dedup_files  # the dedup machinery (numpy, the indexes) only for a run that dedups

        result = dedup_files(self.corpus, self.config.dedup, "-" if self.to_stdout else self.out.path)
        if self.config.clusters:
            write_lines(self.config.clusters, (dumps(entry.to_json()).encode("utf-8") for entry in result.entries))
        self.out.close()
        self.out.partial.unlink()
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
    remote = [p for p in (*config.inputs, *written.values()) if p and is_uri(p)]
    if remote:
        raise RunError(f"{remote[0]}: cloud paths need --engine ray (the local engine reads and writes "
                       "local files, checkpointed and renamed in place)")
    try:
        check_written_paths(config.inputs, written)
    except PathError as exc:
        raise RunError(str(exc)) from None
    sources = expand_inputs(config.inputs, exclude=[p for p in written.values() if p])
    progress = BytesRead(sources)
    if progress.total is None:
        on_bytes = None
    job = _Job(config, sources)
    read = config.read._replace(defer_extraction=True)  # pages are extracted in the workers
    site, learn_note, spool = learn_site_chrome(config, sources, read, pool=True)
    cleaner: Cleaner | None = Cleaner(config, site)
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
        blocks = blocks_of(units, config.block_size)
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




def learn_site_chrome(config: RunConfig, sources: list[Source], read: ReadOptions, pool: bool = False
                      ) -> tuple[SiteChrome | None, str | None, PageSpool | None]:
    """A first pass over the inputs: the lines each site repeats on many of its pages. The pass reads the
    same inputs in the same order, so a resumed run (or any --jobs) learns exactly the same lines. With
    `read.defer_extraction` its HTML pages are extracted in worker processes and kept in the returned spool
    for the cleaning pass; with `pool` (the local engine's runs) and `config.jobs` of 2 or more, the workers
    also fingerprint the lines (`workers.key_block`), which this process counts in input order."""
    if config.learn is None or "chrome" not in config.options.stages:
        return None, None, None
    if any(s.kind in ("stdin", "stream") for s in sources):
        return None, "site chrome not learned: standard input or a pipe cannot be read twice", None
    units = read_records(list(config.inputs), read, sources=sources)
    spool = PageSpool()
    keyed_by_workers = pool and config.jobs > 1
    workers = (Cleaner(config) if keyed_by_workers or (read.defer_extraction and _may_hold_pages(config, sources))
               else None)
    try:
        if workers is None:
            site = SiteChrome.learn(((u.text, page_url(u.fields, u.meta)) for u in units if isinstance(u, Record)),
                                    config.learn)
        else:
            site = SiteChrome.learn_keyed(_keyed(workers, blocks_of(units, config.block_size), spool), config.learn)
    except BaseException:
        spool.close()
        raise
    finally:
        if workers is not None:
            workers.close()
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


def _keyed(workers: Cleaner, blocks: Iterator[list], spool: PageSpool) -> Iterator[tuple[str, list]]:
    """Each record's site and line keys (`sitechrome.document_keys`), made by `workers`, in input order; each
    page they extracted is added to `spool`."""
    for block, (extracted, keys) in workers.keys(blocks):
        if extracted is not None:
            for unit, out in zip(block, extracted):
                if is_pending(unit):
                    spool.add(out)
        yield from (k for k in keys if k is not None)


def _account(unit: Record | Reject, results: Iterator[Cleaned], stats: RunStats, job: _Job) -> None:
    """Write one input unit where it belongs and enter it in the books."""
    if isinstance(unit, Reject):
        job.write_reject(encode_line(dumps(unit.to_json())))
        stats.records_in += 1
        stats.reject(unit.reason)
        return
    line, counts, clean_len, warnings, error, light = next(results)
    if line is None:
        assert error is not None
        reject = Reject(unit.source, error, unit.text[:RAW_LIMIT], unit.id,
                        {"raw_chars": len(unit.text)} if len(unit.text) > RAW_LIMIT else {})
        job.write_reject(encode_line(dumps(reject.to_json())))
        stats.records_in += 1
        stats.reject(error)
        return
    job.write_output(line, light)
    stats.records_in += 1
    stats.written += 1
    stats.encodings[unit.encoding] += 1
    stats.chars_in += len(unit.text)
    stats.chars_out += clean_len
    stats.add_counts(counts)
    stats.add_warnings(warnings)


