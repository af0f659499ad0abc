"""Run the pipeline over whole dumps: read, clean in parallel, write, account (see `job` for the whole story).

Modules: `config` (RunConfig, RunError), `stats` (the books), `workers` (the process pool and the cleaning
of a block), `partial` (partial files and their locks), `checkpoint` (resume), `job` (the files of one run,
and `run`; with `--dedup` it hands each cleaned document to `newsclean.dedup.corpus`). HTML pages are extracted in the workers, once per run
(`newsclean.extraction`).
"""
from ..io import InputError
from .checkpoint import CHECKPOINT_VERSION, checkpoint_path
from .config import RunConfig, RunError, no_documents
from .job import BytesRead, learn_site_chrome, run
from .partial import Partial, partial_path
from .stats import RunStats, dedup_books
from .workers import Cleaner, clean_block, init_worker, payload, prepare_pipeline

__all__ = ["CHECKPOINT_VERSION", "BytesRead", "Cleaner", "InputError", "Partial", "RunConfig", "RunError", "RunStats",
           "checkpoint_path", "clean_block", "dedup_books", "init_worker", "learn_site_chrome",
           "no_documents", "partial_path", "payload", "prepare_pipeline", "run"]
