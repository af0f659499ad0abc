"""The worker processes: the pipeline per worker, blocks of records cleaned in parallel."""
from __future__ import annotations

import os
import signal
import sys
from collections import deque
from itertools import islice
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..dedup.light import Light
from ..extraction import extract_block, is_pending
from ..findings import Count, Warning
from ..io import ReadOptions, Record, Reject, dumps
from ..pipeline import Options, Pipeline, clash_warning, clashing_fields
from ..rulebook import RuleSource
from ..sitechrome import SiteChrome, document_keys, site_of
from .config import RunConfig, RunError

if TYPE_CHECKING:  # the process pool's modules (about 0.04 s to import) only for a run with --jobs 2 or more
    from concurrent.futures import Future, ProcessPoolExecutor

# ----------------------------------------------------------------------------- workers

_worker: dict[str, Any] = {}
_pipelines: dict[tuple, Pipeline] = {}


def prepare_pipeline(rules_dir: "str | RuleSource | None", options: Options) -> Pipeline:
    """The pipeline of these rules and options, built once per process: loading the rules and the gap model
    takes a moment (about 0.3 s with the shipped pattern table, over 1 s for rules it does not list), so the
    command that checks them, the run, and runs in one process with the same rule files share it, and worker
    processes forked after it inherit it compiled."""
    key = (rules_dir, options, rules_digest(rules_dir))
    if key not in _pipelines:
        _pipelines.clear()
        _pipelines[key] = Pipeline(rules_dir, options)
    return _pipelines[key]


def init_worker(rules_dir: "str | RuleSource | None", options: Options, text_field: str,
                site: SiteChrome | None = None, read: ReadOptions = ReadOptions()) -> None:
    _worker["pipeline"] = prepare_pipeline(rules_dir, options)
    _worker["text_field"] = text_field
    _worker["site"] = site
    _worker["read"] = read


def _init_pool_worker(rules_dir: "str | RuleSource | None", options: Options, text_field: str,
                      site: SiteChrome | None, read: ReadOptions, parent: int) -> None:
    # Ctrl-C and SIGTERM are for the main process, which stops the pool and keeps the checkpoint.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    init_worker(rules_dir, options, text_field, site, read)


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


def rules_digest(rules: "str | RuleSource | None") -> str:
    return (rules if isinstance(rules, RuleSource) else RuleSource(rules)).digest()


Cleaned = tuple[bytes | None, dict[Count, int], int, list[Warning], str | None, Light | None]


def clean_block(items: list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]) -> list[Cleaned]:
    """Clean a block of records in a worker: (output line, counts, clean length, warnings, error, light) each,
    `light` what a dedup pass needs of the document as written (its id, missing_number annotations and text
    length: handed over, so that `clean --dedup` need not parse its output back for them).

    A document the pipeline fails on gives an error instead of a line, so that one bad page cannot end a run.
    """
    pipeline: Pipeline = _worker["pipeline"]
    site: SiteChrome | None = _worker.get("site")
    out: list[Cleaned] = []
    for rid, text, fields, encoding, record_meta in items:
        try:
            meta = {**record_meta, **({"input_encoding": encoding} if encoding != "utf-8" else {})}
            site_lines = site.for_url(page_url(fields, record_meta)) if site else None
            result = pipeline.clean(text, id=rid, meta=meta, site_lines=site_lines)
            record = result.to_record(fields, text_field=_worker["text_field"])
            line = encode_line(dumps(record))
            light = Light.of_record(record, _worker["read"].id_field, _worker["text_field"])
            warnings = list(result.warnings)
            clash = clashing_fields(fields, _worker["text_field"])
            if clash:
                warnings.append(clash_warning(clash))
            out.append((line, result.counted, len(result.text), warnings, None, light))
        except Exception as exc:  # noqa: BLE001 - reported as a reject with the exception named
            out.append((None, {}, 0, [], f"internal-error: {type(exc).__name__}: {exc}", None))
    return out


def extract_pages(units: list) -> list[Record | Reject]:
    """The units of a block with their HTML pages extracted, in a worker (see `extraction`)."""
    return extract_block(units, _worker["read"])


def key_block(units: list) -> tuple[list[Record | Reject] | None, list[tuple[str, list] | None]]:
    """The learning pass's share of a block, in a worker: the block with its HTML pages extracted (None when
    it holds no page), and each unit's site and `sitechrome.document_keys` (None for a reject). Fingerprinting
    the lines (NFKC, simplified characters, a hash a line) is most of that pass; the counting stays with the
    main process, in input order, so any --jobs learns the same lines."""
    extracted = extract_pages(units) if any(map(is_pending, units)) else None
    return extracted, [(site_of(page_url(u.fields, u.meta)), document_keys(u.text)) if isinstance(u, Record) else None
                       for u in (units if extracted is None else extracted)]


def encode_line(line: str) -> bytes:
    try:
        return line.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate the reader did not catch: never let it end the run
        return line.encode("utf-8", errors="replace")


class Cleaner:
    """Clean blocks of records in order, in this process (jobs=1) or in a pool of worker processes; the same
    ordered window also extracts pages' text and makes the learning pass's line fingerprints (`keys`)."""

    def __init__(self, config: "RunConfig", site: SiteChrome | None = None):
        self.config = config
        self.pool: ProcessPoolExecutor | None = None
        args = (config.rules_dir, config.options, config.read.text_field, site, config.read)
        if config.jobs <= 1:
            init_worker(*args)
        else:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            ctx = multiprocessing.get_context("spawn" if sys.platform == "darwin" else "fork")
            if ctx.get_start_method() == "fork":  # compiled once here, inherited by every worker
                prepare_pipeline(config.rules_dir, config.options)
            self.pool = ProcessPoolExecutor(config.jobs, mp_context=ctx, initializer=_init_pool_worker,
                                            initargs=args + (os.getpid(),))
            # Start the workers now, before the run opens (and locks) its partial files: a worker must not
            # inherit them, or the lock would outlive an interrupted run in a worker still finishing a block.
            self.pool.submit(int).result()

    def map(self, blocks: Iterator[list[Record | Reject]]) -> Iterator[tuple[list[Record | Reject], list[Cleaned]]]:
        """(block, cleaned records of the block) for every block, in input order."""
        return self._in_order(blocks, lambda block: None)

    def extract(self, blocks: Iterator[list]) -> Iterator[tuple[list, list[Record | Reject]]]:
        """(block, the block with its HTML pages extracted) for every block, in input order: the pages are
        extracted in the workers, as many blocks at a time as `map` cleans."""
        return self._in_order(blocks, lambda block: extract_pages if any(map(is_pending, block)) else _as_it_is)

    def keys(self, blocks: Iterator[list]) -> Iterator[tuple[list, tuple[list | None, list]]]:
        """(block, `key_block(block)`) for every block, in input order, made in the workers."""
        return self._in_order(blocks, lambda block: key_block)

    def _in_order(self, blocks: Iterator[list], work_of: Callable[[list], Callable | None]) -> Iterator[tuple[list, Any]]:
        """(block, what `work_of(block)` makes of it; None: the block cleaned) for every block, in input order;
        with a pool, 2 x jobs blocks in flight (enough to keep the workers busy, never the whole input)."""
        if self.pool is None:
            for block in blocks:
                work = work_of(block)
                yield block, clean_block(payload(block)) if work is None else work(block)
            return
        pending: deque[tuple[list, Future | None]] = deque()
        for block in blocks:
            work = work_of(block)
            pending.append((block, None if work is _as_it_is else submit(self.pool, block, work)))
            if len(pending) >= 2 * self.config.jobs:
                yield _done(pending.popleft())
        while pending:
            yield _done(pending.popleft())

    def close(self) -> None:
        if self.pool is not None:
            from concurrent.futures.process import BrokenProcessPool

            try:
                self.pool.shutdown(wait=True, cancel_futures=True)
            except BrokenProcessPool:  # pragma: no cover - the error that broke it is already reported
                pass


_WORKER_DIED = "a worker process died (out of memory, or killed); the run can be resumed with --resume"


def _as_it_is(block: list) -> list:
    """The work of a block that needs none (`Cleaner.extract` of a block without pages): done in this process."""
    return block


def _done(sent: tuple[list, Future | None]) -> tuple[list, Any]:
    """A block sent to the pool and what its worker made of it (a block kept here: itself)."""
    block, future = sent
    return block, block if future is None else result_of_block(future)


def submit(pool: ProcessPoolExecutor, block: list[Record | Reject], work: Callable | None = None) -> Future:
    """Send a block to be cleaned (or, with `work`, to be worked on as it is: `extract_pages`, `key_block`)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        return pool.submit(clean_block, payload(block)) if work is None else pool.submit(work, block)
    except BrokenProcessPool:  # the pool noticed the dead worker before this block was sent
        raise RunError(_WORKER_DIED) from None


def result_of_block(future: Future) -> list:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return future.result()
    except BrokenProcessPool:
        raise RunError(_WORKER_DIED) from None


def payload(block: list[Record | Reject]) -> list[tuple[str, str, dict[str, Any], str, dict[str, Any]]]:
    return [(u.id, u.text, u.fields, u.encoding, u.meta) for u in block if isinstance(u, Record)]


def blocks_of(units: Iterator[Record | Reject], size: int) -> Iterator[list[Record | Reject]]:
    while True:
        block = list(islice(units, size))
        if not block:
            return
        yield block

def page_url(fields: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """The page's URL: a `url` field of the record, else the one its HTML or WARC header gave."""
    return fields.get("url") or meta.get("url")
