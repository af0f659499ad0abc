"""What a run is asked to do (`RunConfig`), and the error of a run that cannot start."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, NamedTuple

from ..io import ReadOptions
from ..pipeline import Options
from ..rulebook import RuleSource
from ..sitechrome import LearnOptions

if TYPE_CHECKING:  # the dedup package is imported by the runs that dedup
    from ..dedup.config import DedupConfig

class RunError(Exception):
    """A run that cannot start: a resume that does not match, an output another run is writing."""




class RunConfig(NamedTuple):
    """What a run is asked to do (a named tuple: a frozen dataclass's decorator costs start-up time)."""

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



def no_documents(inputs: Iterable[str]) -> RunError:
    """The error of a run whose inputs hold no input unit at all (an empty file or folder)."""
    return RunError(f"no documents found in {' '.join(inputs)} (no file with a record: expected .txt, .jsonl or "
                    ".parquet files, optionally .gz/.zst)")
