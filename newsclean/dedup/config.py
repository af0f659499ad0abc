"""The settings of a dedup run, and the names and versions of the index files it writes."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from typing import Any

from ..minhash_pure import MinHashConfig

INDEX_FORMAT = "newsclean-dedup-index"
INDEX_VERSION = 1
INDEXES = ("lsh", "bloom")
BLOOM_FORMAT = "newsclean-bloom-index"
BLOOM_VERSION = 1
BLOOM_META = "newsclean-bloom.json"  # the file in an index directory that names its current filters
BLOOM_INSTALL = "the Bloom index needs pybloomfiltermmap3: pip install 'newsclean[bloom]'"


@dataclass(frozen=True)
class DedupConfig:
    """Everything that decides what counts as a duplicate; defaults are justified in benchmarks/README.md."""

    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.6
    # Verify candidates with the exact Jaccard of their shingle sets instead of the estimate (batch only:
    # the streaming index keeps signatures, not texts).
    exact: bool = False
    # Refuse a match when the two texts disagree on a figure in the same context.
    number_check: bool = True
    normalize: bool = True
    zero_digits: bool = False
    # Attach digit suggestions from dropped copies to the kept copy's missing_number annotations.
    repair: bool = True
    # LSH (bands, rows); None takes datasketch's optimum for `threshold` and `num_perm` with false
    # negatives weighted 0.8 against 0.2: every candidate is verified, so a false positive costs one
    # comparison while a false negative is a duplicate lost.
    lsh_params: tuple[int, int] | None = None
    jobs: int = 1
    backend: str | None = None
    # "lsh" (candidates verified, ~2.8 KB a document in memory) or "bloom" (MinHashLSHBloom: unverified
    # "seen before?", a few bytes per band per document; see the module docstring for what it gives up).
    index: str = "lsh"
    # Bloom only: documents the filters are sized for (more degrade them), and each filter's false-positive
    # rate.  A new document is wrongly dropped with probability about bands x bloom_fp (23e-6 at the
    # defaults) once the filters hold expected_docs documents: ~1,100 of 50 million, far below the
    # unverified LSH candidates a Bloom run drops anyway, for 28.8 bits per band and document (1e-5 would
    # save 17% of that and lose ten times as many).
    expected_docs: int | None = None
    bloom_fp: float = 1e-6
    # Bloom only: a directory the filters are read from (when it holds them) and saved to; None: memory only.
    index_dir: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if self.index not in INDEXES:
            raise ValueError(f"index must be one of {', '.join(INDEXES)}, not {self.index!r}")
        if self.index == "bloom":
            if self.expected_docs is None or int(self.expected_docs) < 1:
                raise ValueError("the bloom index needs expected_docs >= 1 (how many documents it will hold)")
            object.__setattr__(self, "expected_docs", int(self.expected_docs))
            if not 0.0 < self.bloom_fp < 1.0:
                raise ValueError("bloom_fp must be in (0, 1)")
            if self.exact:
                raise ValueError("exact needs the matched document's text; the bloom index never names it")
        self.minhash  # validates ngram and num_perm
        if self.lsh_params is not None:
            object.__setattr__(self, "lsh_params", tuple(int(v) for v in self.lsh_params))
            bands, rows = self.lsh_params
            if bands < 2 or rows < 1 or bands * rows > self.num_perm:
                raise ValueError("lsh_params need bands >= 2, rows >= 1 and bands * rows <= num_perm")

    @property
    def minhash(self) -> MinHashConfig:
        """The signature part of the config."""
        return MinHashConfig(self.ngram, self.num_perm, self.seed, self.normalize, self.zero_digits)

    @property
    def bands_rows(self) -> tuple[int, int]:
        """The LSH banding actually used."""
        return self.lsh_params or _optimal_bands(self.threshold, self.num_perm)

    def to_dict(self) -> dict[str, Any]:
        """The settings that shape an index, as a JSON-able dict (jobs, backend and index_dir do not; the
        Bloom settings only appear with the Bloom index, so LSH indexes are written as they always were)."""
        out = asdict(self)
        out["lsh_params"] = list(self.bands_rows)
        del out["jobs"], out["backend"], out["index_dir"]
        if self.index == "lsh":
            del out["index"], out["expected_docs"], out["bloom_fp"]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DedupConfig:
        """Inverse of `to_dict` (unknown keys are an error, not silently dropped)."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown dedup settings: {sorted(unknown)}")
        return cls(**data)


@lru_cache(maxsize=32)
def _optimal_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """datasketch's (bands, rows) minimising 0.2 x false positives + 0.8 x false negatives (slow: cached)."""
    from datasketch.lsh import _optimal_param  # datasketch (and the scipy it loads) only when a run needs it

    return _optimal_param(threshold, num_perm, 0.2, 0.8)

