"""Near-duplicate documents across a corpus: batch dedup, a streaming `Deduplicator`, cross-document repair.

Pipeline for one document:

1. its MinHash signature (`newsclean.minhash`) over character n-grams of the cleaned text;
2. candidates from a datasketch `MinHashLSH` whose band keys are computed for many signatures at once;
3. verification of each candidate: estimated (or, with ``exact``, exact) Jaccard at least ``threshold``,
   and no *conflicting figure*: a number that both texts have in the same surrounding words but with
   different digits.  Stories that differ only in their figures therefore stay apart, while a copy whose
   digits were dropped (no number at all in that place) still matches.

Which copy is kept (batch mode) is deterministic: fewest ``missing_number`` annotations, then the longest
text, then the earliest in input order.  Documents are visited in that order and each one is compared with
the kept copies only, so every dropped document was verified directly against the one that replaced it
(no chains of "similar to something similar").

Cross-document repair: where a kept document has a ``missing_number`` annotation and one of its dropped
copies has digits in the same place, the annotation gets ``info["suggestion"] = {"digits", "source_id",
"evidence", "context_chars", "sources"}``.  It is a suggestion only; the text is never changed.

The Bloom index (``DedupConfig(index="bloom")``), for runs too large for the LSH's ~2.8 KB a document:
datasketch's `MinHashLSHBloom`, one Bloom filter per band over the same band keys (and the same bands and
rows) as the LSH path, a few bytes per band per document, saved to a directory.  It only answers "did a
document share a band with one indexed before?", never which one, so documents are taken in input order
and one the filters have seen is dropped unverified: the keep policy, the Jaccard and figure checks and
the digit suggestions do not apply, and a dropped document has no cluster or ``duplicate_of``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import threading
import warnings
import zipfile
import zlib
from dataclasses import asdict, dataclass, field, fields, replace
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from .paths import private_temp
from .minhash import (
    _C1 as _MM_C1,
    _C2 as _MM_C2,
    MAX_HASH,
    MinHashConfig,
    _chunk_size,
    _numba,
    code_points,
    default_backend,
    estimate_jaccard,
    exact_jaccard,
    fmix32,
    normalize_code_points,
    signatures,
)

if _numba is not None:
    from .minhash import _nb_normalize

MISSING_NUMBER = "missing_number"
INDEX_FORMAT = "newsclean-dedup-index"
INDEX_VERSION = 1
INDEXES = ("lsh", "bloom")
BLOOM_FORMAT = "newsclean-bloom-index"
BLOOM_VERSION = 1
BLOOM_META = "newsclean-bloom.json"  # the file in an index directory that names its current filters
BLOOM_INSTALL = "the Bloom index needs pybloomfiltermmap3: pip install 'newsclean[bloom]'"

# A figure: digits with decimal points, thousands separators, times or dates inside.
# A figure in the text as written (for repair, which works on the unnormalised text).
_NUMBER = re.compile(r"[0-9０-９]+(?:[.,:/．，][0-9０-９]+)*")
# Characters of masked text on each side of a figure that identify "the same place" in two documents.
NUMBER_CONTEXT = 8
# Repair: how far the shared context is compared on each side, and how much of it must agree.
REPAIR_WINDOW = 12
REPAIR_MIN_SIDE = 3
REPAIR_MIN_TOTAL = 10
_NO_FIGURES = np.empty(0, dtype=np.uint64)
_NO_FIGURES.flags.writeable = False
# Figures are read on the normalised text that signatures see (full-width digits become ASCII).
_FIGURE_NORMALISATION = MinHashConfig()


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


# ---------------------------------------------------------------- figures


def number_fingerprint(text: str, backend: str | None = None) -> np.ndarray:
    """Each figure of the text as ``hash(context) << 32 | hash(figure)`` (uint64, sorted, unique).

    Computed on the normalised code points (minhash normalisation: whitespace and invisible characters
    dropped, full-width forms mapped to ASCII).  A figure is a run of digits with . , : / between digits;
    its context is the NUMBER_CONTEXT code points on each side once every figure is replaced by "#", so the
    same sentence in two copies gives the same context even when a neighbouring figure differs or was
    dropped.  Thousands separators are not part of a figure's hash.  Hashes are MurmurHash3_x86_32 of the
    code points (contexts padded with U+0000 at the text's edges), identical on both backends.
    """
    cps = code_points(text)
    if (backend or default_backend()) == "numba":
        return _nb_fingerprint(cps, NUMBER_CONTEXT)
    return _fingerprint_numpy(cps)


def _murmur_rows(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32 (seed 0) of each row's first `lengths[i]` code points (numpy)."""
    blocks = _mm_rotl(values * _MM_C1, 15) * _MM_C2
    h = np.zeros(len(values), dtype=np.uint32)
    for j in range(values.shape[1]):
        stepped = _mm_rotl(h ^ blocks[:, j], 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h = np.where(j < lengths, stepped, h)
    return fmix32(h ^ (lengths.astype(np.uint32) * np.uint32(4)))


def _mm_rotl(x: np.ndarray, r: int) -> np.ndarray:
    """Rotate uint32 values left by r bits."""
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def _fingerprint_numpy(cps: np.ndarray) -> np.ndarray:
    """number_fingerprint on the numpy path."""
    norm = normalize_code_points(cps, _FIGURE_NORMALISATION)
    digit = (norm >= 0x30) & (norm <= 0x39)
    if not digit.any():
        return _NO_FIGURES
    joiner = (norm == 0x2E) | (norm == 0x2C) | (norm == 0x3A) | (norm == 0x2F)
    figure = digit.copy()
    figure[1:-1] |= joiner[1:-1] & digit[:-2] & digit[2:]
    edges = np.diff(figure.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # The masked text: each figure collapses to one "#".
    keep = ~figure
    keep[starts] = True
    masked = norm.copy()
    masked[starts] = 0x23
    at = np.cumsum(keep)[starts] - 1
    masked = np.concatenate([np.zeros(NUMBER_CONTEXT, np.uint32), masked[keep], np.zeros(NUMBER_CONTEXT, np.uint32)])
    width = 2 * NUMBER_CONTEXT + 1
    contexts = masked[at[:, None] + np.arange(width)]
    context_hash = _murmur_rows(contexts, np.full(len(at), width))
    # Figures without their thousands separators, left-aligned in a zero-padded matrix.
    owner = np.cumsum(edges[:-1] == 1) - 1
    counted = figure & (norm != 0x2C)
    owners = owner[counted]
    lengths = np.bincount(owners, minlength=len(starts))
    column = np.arange(len(owners)) - np.concatenate(([0], np.cumsum(lengths)[:-1]))[owners]
    figures = np.zeros((len(starts), int(lengths.max())), dtype=np.uint32)
    figures[owners, column] = norm[counted]
    figure_hash = _murmur_rows(figures, lengths)
    return np.unique((context_hash.astype(np.uint64) << np.uint64(32)) | figure_hash.astype(np.uint64))


if _numba is not None:

    @_numba.njit(inline="always")
    def _nb_murmur(values, start, count):
        """MurmurHash3_x86_32 (seed 0) of values[start:start+count]."""
        h = np.uint32(0)
        for j in range(count):
            k = np.uint32(values[start + j] * np.uint32(0xCC9E2D51))
            k = np.uint32(np.uint32(k << np.uint32(15)) | (k >> np.uint32(17)))
            k = np.uint32(k * np.uint32(0x1B873593))
            h = np.uint32(h ^ k)
            h = np.uint32(np.uint32(h << np.uint32(13)) | (h >> np.uint32(19)))
            h = np.uint32(h * np.uint32(5) + np.uint32(0xE6546B64))
        h = np.uint32(h ^ np.uint32(4 * count))
        h = np.uint32(h ^ (h >> np.uint32(16)))
        h = np.uint32(h * np.uint32(0x85EBCA6B))
        h = np.uint32(h ^ (h >> np.uint32(13)))
        h = np.uint32(h * np.uint32(0xC2B2AE35))
        return np.uint32(h ^ (h >> np.uint32(16)))

    @_numba.njit(nogil=True, cache=True)
    def _nb_fingerprint(cps, context):
        """number_fingerprint on the numba path (same values as _fingerprint_numpy)."""
        n = cps.shape[0]
        norm = np.empty(n, dtype=np.uint32)
        m = 0
        for i in range(n):
            c = _nb_normalize(cps[i])
            if c != np.uint32(0xFFFFFFFF):
                norm[m] = c
                m += 1
        figure = np.zeros(m, dtype=np.bool_)
        for i in range(m):
            figure[i] = 0x30 <= norm[i] <= 0x39
        for i in range(1, m - 1):
            c = norm[i]
            if (c == 0x2E or c == 0x2C or c == 0x3A or c == 0x2F) and figure[i - 1] and 0x30 <= norm[i + 1] <= 0x39:
                figure[i] = True
        masked = np.zeros(m + 2 * context, dtype=np.uint32)
        starts = np.empty(m, dtype=np.int64)
        ends = np.empty(m, dtype=np.int64)
        at = np.empty(m, dtype=np.int64)
        count = 0
        k = context
        i = 0
        while i < m:
            if figure[i]:
                starts[count] = i
                while i < m and figure[i]:
                    i += 1
                ends[count] = i
                at[count] = k
                masked[k] = 0x23
                k += 1
                count += 1
            else:
                masked[k] = norm[i]
                k += 1
                i += 1
        out = np.empty(count, dtype=np.uint64)
        digits = np.empty(m, dtype=np.uint32)
        for f in range(count):
            context_hash = _nb_murmur(masked, at[f] - context, 2 * context + 1)
            length = 0
            for i in range(starts[f], ends[f]):
                if norm[i] != 0x2C:
                    digits[length] = norm[i]
                    length += 1
            figure_hash = _nb_murmur(digits, 0, length)
            out[f] = (np.uint64(context_hash) << np.uint64(32)) | np.uint64(figure_hash)
        return np.unique(out)

    @_numba.njit(nogil=True, cache=True)
    def _nb_fingerprints(cps, offsets, context):
        """Fingerprints of the texts cps[offsets[d]:offsets[d+1]], concatenated, and their lengths."""
        out = np.empty(cps.shape[0], dtype=np.uint64)  # a text has fewer figures than code points
        lengths = np.zeros(offsets.shape[0] - 1, dtype=np.int64)
        filled = 0
        for d in range(offsets.shape[0] - 1):
            values = _nb_fingerprint(cps[offsets[d] : offsets[d + 1]], context)
            out[filled : filled + values.shape[0]] = values
            lengths[d] = values.shape[0]
            filled += values.shape[0]
        return out[:filled], lengths


def number_fingerprints(texts: Sequence[str], backend: str | None = None, jobs: int = 1) -> list[np.ndarray]:
    """number_fingerprint of many texts: one kernel call per chunk, chunks in threads with jobs > 1."""
    backend = backend or default_backend()
    if backend != "numba":
        return [number_fingerprint(text, backend) for text in texts]
    size = _chunk_size(len(texts), jobs)
    parts = [texts[start : start + size] for start in range(0, len(texts), size)]
    if jobs <= 1 or len(parts) <= 1:
        return [values for part in parts for values in _fingerprints_numba(part)]
    with ThreadPoolExecutor(jobs) as pool:
        return [values for chunk in pool.map(_fingerprints_numba, parts) for values in chunk]


def _fingerprints_numba(texts: Sequence[str]) -> list[np.ndarray]:
    """Fingerprints of one chunk of texts with the batch kernel."""
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    flat, lengths = _nb_fingerprints(code_points("".join(texts)), offsets, NUMBER_CONTEXT)
    return np.split(flat, np.cumsum(lengths)[:-1])


def count_number_conflicts(fingerprint_a: np.ndarray, fingerprint_b: np.ndarray) -> int:
    """How many contexts hold a figure in both texts but not the same figures."""
    if len(fingerprint_a) == 0 or len(fingerprint_b) == 0:
        return 0
    # Python sets of a few dozen ints beat numpy's set routines, whose per-call cost dominates here.
    set_a, set_b = set(fingerprint_a.tolist()), set(fingerprint_b.tolist())
    differing = set_a ^ set_b
    if not differing:
        return 0
    shared = {v >> 32 for v in set_a} & {v >> 32 for v in set_b}
    return len({v >> 32 for v in differing} & shared)


# ---------------------------------------------------------------- LSH


_BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _mix64(h: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer: spreads every input bit over the 64-bit band key."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 60-bit key per (signature, band): an (n, bands) uint64 array, computed for all rows at once."""
    n = sigs.shape[0]
    values = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    h = np.full((n, bands), np.uint64(rows), dtype=np.uint64)
    for j in range(rows):
        h = _mix64((h ^ values[:, :, j]) * _BAND_MULTIPLIER)
    # 60 bits: CPython stores such ints in 32 bytes instead of 36, and collisions stay negligible.
    return h >> np.uint64(4)


def _band_key_of_bytes(band: bytes) -> int:
    """MinHashLSH's `hashfunc`: the same key as `band_keys` for one band's big-endian bytes."""
    values = np.frombuffer(band, dtype=">u4").astype(np.uint32)
    return int(band_keys(values[None, :], 1, len(values))[0, 0])


def _add_member(buckets: dict, key: Any, member: Any) -> None:
    """Add member to the bucket `key` of a compact bucket dict (bare value for one, tuple for several)."""
    old = buckets.get(key, _ABSENT)
    if old is _ABSENT:
        buckets[key] = member
    elif type(old) is tuple:
        if member not in old:
            buckets[key] = old + (member,)
    elif old != member:
        buckets[key] = (old, member)


_ABSENT = object()


class CompactBuckets:
    """In-memory bucket storage for MinHashLSH (datasketch's `UnorderedStorage` interface): a single member is
    stored bare, several as a tuple.

    datasketch's default ``defaultdict(set)`` spends a 216-byte set on every bucket, and nearly every
    bucket of a corpus that is mostly distinct holds one document; this keeps the index near 2 KB a
    document.  Members must not themselves be tuples (newsclean's are int positions).
    """

    def __init__(self) -> None:
        self._dict: dict[Any, Any] = {}

    def keys(self):
        return self._dict.keys()

    def get(self, key) -> tuple:
        members = self._dict.get(key, ())
        return members if type(members) is tuple else (members,)

    def insert(self, key, *vals, **kwargs) -> None:
        for val in vals:
            _add_member(self._dict, key, val)

    def remove(self, *keys, **kwargs) -> None:
        for key in keys:
            del self._dict[key]

    def remove_val(self, key, val, **kwargs) -> None:
        remaining = tuple(v for v in self.get(key) if v != val)
        if not remaining:
            del self._dict[key]
        else:
            self._dict[key] = remaining[0] if len(remaining) == 1 else remaining

    def size(self) -> int:
        return len(self._dict)

    def itemcounts(self, **kwargs) -> dict:
        return {key: len(self.get(key)) for key in self._dict}

    def has_key(self, key) -> bool:
        return key in self._dict


class _LSHIndex:
    """A datasketch MinHashLSH fed band keys computed in bulk (the public `lsh.query` sees the same keys)."""

    def __init__(self, config: DedupConfig):
        from datasketch import MinHashLSH

        self.bands, self.rows = config.bands_rows
        self.lsh = MinHashLSH(num_perm=config.num_perm, params=(self.bands, self.rows), hashfunc=_band_key_of_bytes)
        self.lsh.hashtables = [CompactBuckets() for _ in range(self.bands)]
        # The per-document loop touches the bucket dicts directly: a method call per band would cost
        # more than the dict operation itself.
        self._buckets = [table._dict for table in self.lsh.hashtables]

    def keys(self, sigs: np.ndarray) -> list[list[int]]:
        """Band keys of many signatures, as Python ints ready for the dict storage."""
        return band_keys(sigs, self.bands, self.rows).tolist()

    def candidates(self, keys: Sequence[int]) -> set[int]:
        """Every indexed key sharing at least one band with these band keys."""
        found: set[int] = set()
        for buckets, key in zip(self._buckets, keys):
            members = buckets.get(key)
            if members is None:
                continue
            if type(members) is tuple:
                found.update(members)
            else:
                found.add(members)
        return found

    def insert(self, position: int, keys: Sequence[int]) -> None:
        """Index a document under its position, exactly as MinHashLSH.insert would store it."""
        self.lsh.keys.insert(position, *keys)
        for buckets, key in zip(self._buckets, keys):
            _add_member(buckets, key, position)


def require_bloom():
    """The pybloomfilter module (from pybloomfiltermmap3), or an ImportError saying how to install it."""
    try:
        import pybloomfilter
    except ImportError:
        raise ImportError(BLOOM_INSTALL) from None
    return pybloomfilter


def _bloom_band_key(hashvalues) -> int:
    """The band hash of the Bloom tables: the same 60-bit key as `band_keys` for one band's hash values.

    datasketch's own BloomTable hash is the sum of the band's values, which spans only ~34 bits: with 23
    bands and tens of millions of documents it would make ~10% of new documents collide with an old band.
    """
    values = np.asarray(hashvalues, dtype=np.uint32)
    return int(band_keys(values[None, :], 1, len(values))[0, 0])


def _bloom_hash_seeds(band: int, count: int) -> list[int]:
    """Fixed hash seeds for one band's filter (pybloomfilter draws random ones: runs would differ)."""
    x = (np.uint64(band + 1) << np.uint64(32)) | np.arange(count, dtype=np.uint64)
    return (_mix64(x * _BAND_MULTIPLIER) >> np.uint64(32)).astype(np.uint32).tolist()


class _BloomIndex:
    """A datasketch MinHashLSHBloom whose per-band filters are fed band keys computed in bulk.

    The filters have fixed hash seeds and use `_bloom_band_key`, so the public ``lsh.query(minhash)`` /
    ``lsh.insert(minhash)`` (with a MinHash or LeanMinHash of newsclean's signature) agree with
    `seen`/`insert`.  The filters live in memory; `save` writes them to a directory.
    """

    def __init__(self, config: DedupConfig, arrays: Sequence[bytes] | None = None, documents: int = 0):
        pybloomfilter = require_bloom()
        from datasketch import MinHashLSHBloom  # loads scipy: only when a run needs it

        self.config = config
        self.bands, self.rows = config.bands_rows
        with warnings.catch_warnings():
            # "index will not be persisted": newsclean writes the filters itself (save).
            warnings.simplefilter("ignore", RuntimeWarning)
            # n=1: datasketch's own filters are placeholders, replaced below by seeded ones.
            self.lsh = MinHashLSHBloom(threshold=config.threshold, num_perm=config.num_perm, n=1, fp=config.bloom_fp,
                                       params=(self.bands, self.rows))
        hashes = pybloomfilter.BloomFilter(1, config.bloom_fp).num_hashes
        for band, table in enumerate(self.lsh.hashtables):
            extra = {"data_array": arrays[band]} if arrays is not None else {}
            table.bloom_filter = pybloomfilter.BloomFilter(config.expected_docs, config.bloom_fp,
                                                           hash_seeds=_bloom_hash_seeds(band, hashes), **extra)
            table._band_hash = _bloom_band_key
        self._filters = [table.bloom_filter for table in self.lsh.hashtables]
        self.documents = documents  # how many documents were inserted

    def keys(self, sigs: np.ndarray) -> list[list[int]]:
        """Band keys of many signatures (the LSH path's keys)."""
        return band_keys(sigs, self.bands, self.rows).tolist()

    def seen(self, keys: Sequence[int]) -> bool:
        """Whether any band key is in its band's filter (a true hit or a Bloom false positive)."""
        for bloom, key in zip(self._filters, keys):
            if key in bloom:
                return True
        return False

    def insert(self, keys: Sequence[int]) -> None:
        """Add a document's band keys to the filters."""
        for bloom, key in zip(self._filters, keys):
            bloom.add(key)
        self.documents += 1

    def bytes(self) -> int:
        """Size of the filters (in memory and on disk)."""
        return sum(len(bloom.data_array) for bloom in self._filters)

    def false_positive_rate(self) -> float:
        """The chance, at the filters' present fill, that a new distinct document is dropped by a false positive."""
        per_band = 1.0
        for bloom in self._filters:
            per_band *= 1.0 - (bloom.bit_count / bloom.num_bits) ** bloom.num_hashes
        return 1.0 - per_band

    def notes(self) -> list[str]:
        """A warning when the filters hold more documents than they were sized for."""
        if self.documents <= self.config.expected_docs:
            return []
        return [f"the Bloom index holds {self.documents} documents, more than the {self.config.expected_docs} it was "
                f"sized for: a new document is now wrongly dropped with probability {self.false_positive_rate():.2g}"]

    @staticmethod
    def read_meta(directory: str | Path) -> dict[str, Any] | None:
        """The index directory's description, or None when it holds no index."""
        path = Path(directory) / BLOOM_META
        if not path.exists():
            return None
        meta = json.loads(path.read_text(encoding="utf-8"))
        if meta.get("format") != BLOOM_FORMAT or meta.get("version") != BLOOM_VERSION:
            raise ValueError(f"{directory}: not a newsclean Bloom index (version {BLOOM_VERSION})")
        return meta

    @classmethod
    def open(cls, config: DedupConfig) -> _BloomIndex:
        """The index in ``config.index_dir`` when it holds one (made with the same settings), else a new one."""
        meta = cls.read_meta(config.index_dir) if config.index_dir is not None else None
        if meta is None:
            return cls(config)
        if meta["config"] != config.to_dict():
            differ = sorted(k for k in set(meta["config"]) | set(config.to_dict())
                            if meta["config"].get(k) != config.to_dict().get(k))
            raise ValueError(f"{config.index_dir}: holds a Bloom index made with other settings ({', '.join(differ)})")
        bands = Path(config.index_dir) / meta["filters"]
        arrays = [(bands / f"band-{band:03d}.bin").read_bytes() for band in range(config.bands_rows[0])]
        return cls(config, arrays, int(meta["documents"]))

    def save(self, directory: str | Path) -> None:
        """Write the filters into a new folder of `directory`, then switch its description file to it.

        The description file is replaced in one rename, so a run killed while saving leaves the previous
        index whole; the folders it no longer names are removed afterwards.
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="filters-", dir=directory))
        for band, bloom in enumerate(self._filters):
            with open(folder / f"band-{band:03d}.bin", "wb") as fh:
                fh.write(bloom.data_array)
                fh.flush()
                os.fsync(fh.fileno())
        meta = {"format": BLOOM_FORMAT, "version": BLOOM_VERSION, "config": self.config.to_dict(),
                "documents": self.documents, "filters": folder.name, "band_key": "newsclean band_keys (splitmix64, 60 bits)"}
        fd, tmp = tempfile.mkstemp(prefix=f".{BLOOM_META}.", suffix=".tmp", dir=directory)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(meta, fh, ensure_ascii=False, indent=1)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, directory / BLOOM_META)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        for old in directory.glob("filters-*"):
            if old.is_dir() and old.name != folder.name:
                shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- matches


@dataclass(frozen=True)
class Match:
    """A verified near-duplicate: the document matched and how similar it is.

    The Bloom index cannot name the document it saw: its matches are `BLOOM_SEEN`, ``Match(None, None)``
    (truthy like any match), meaning "shares a band with a document indexed before", unverified.
    """

    id: str | None
    jaccard: float | None  # MinHash estimate
    exact_jaccard: float | None = None

    @property
    def score(self) -> float | None:
        """The similarity the threshold was applied to (None for a Bloom match)."""
        return self.exact_jaccard if self.exact_jaccard is not None else self.jaccard


BLOOM_SEEN = Match(None, None)


@dataclass(frozen=True)
class ClusterEntry:
    """One input record's fate: its cluster (the kept copy's id), kept or duplicate_of, and similarity."""

    id: str
    cluster: str | None  # None: dropped by the Bloom index, which cannot say which document it matched
    kept: bool
    duplicate_of: str | None
    jaccard: float | None  # None with the Bloom index (nothing is compared)
    exact_jaccard: float | None = None
    matched: str | None = None  # why a document without duplicate_of was dropped: "bloom"

    def to_json(self) -> dict[str, Any]:
        """The clusters-file line for this record."""
        out: dict[str, Any] = {"id": self.id, "cluster": self.cluster, "kept": self.kept,
                               "duplicate_of": self.duplicate_of,
                               "jaccard": None if self.jaccard is None else round(self.jaccard, 4)}
        if self.exact_jaccard is not None:
            out["exact_jaccard"] = round(self.exact_jaccard, 4)
        if self.matched is not None:
            out["matched"] = self.matched
        return out


@dataclass
class DedupResult:
    """Per input record (input order): its cluster entry and the record, kept ones with suggestions."""

    entries: list[ClusterEntry]
    records: list[dict[str, Any]]
    suggestions: int = 0
    number_conflicts: int = 0  # candidate pairs refused because a figure differed
    notes: list[str] = field(default_factory=list)  # about the index (a Bloom index over its expected size)
    index: str = "lsh"  # the index that found the duplicates
    # The Bloom filters to write to config.index_dir, when the caller chose to save them after its outputs.
    unsaved_index: Any = field(default=None, repr=False)
    unsaved_index_dir: str | None = None

    def save_index(self) -> None:
        """Write the Bloom filters held back by ``dedup_records(..., save_index=False)`` to their directory."""
        if self.unsaved_index is not None:
            self.unsaved_index.save(self.unsaved_index_dir)
            self.unsaved_index = None

    def kept_records(self) -> list[dict[str, Any]]:
        """The records to keep, in input order."""
        return [r for r, e in zip(self.records, self.entries) if e.kept]

    def summary(self) -> dict[str, int]:
        """Counts for a run report (with the Bloom index also "seen_before": documents it dropped unverified)."""
        kept = sum(e.kept for e in self.entries)
        out = {"records": len(self.entries), "kept": kept, "dropped": len(self.entries) - kept,
               "clusters_with_duplicates": len({e.cluster for e in self.entries if not e.kept and e.cluster is not None}),
               "suggestions": self.suggestions, "number_conflicts": self.number_conflicts}
        if self.index == "bloom":
            out["seen_before"] = sum(e.matched == "bloom" for e in self.entries)
        return out


class _Verifier:
    """Applies the config's checks to a (document, candidate) pair, caching figure fingerprints."""

    def __init__(self, config: DedupConfig, sigs: np.ndarray, texts: Sequence[str] | None,
                 fingerprints: dict[int, np.ndarray] | list[np.ndarray] | None = None):
        self.config = config
        self.sigs = sigs
        self.texts = texts
        self.fingerprints: Any = fingerprints if fingerprints is not None else {}
        self.number_conflicts = 0
        self.backend = config.backend or default_backend()  # resolved once: it reads the environment

    def fingerprint(self, position: int) -> np.ndarray:
        """The figure fingerprint of an indexed document (computed once)."""
        if isinstance(self.fingerprints, dict) and position not in self.fingerprints:
            self.fingerprints[position] = number_fingerprint(self.texts[position], self.backend)
        return self.fingerprints[position]

    def check(self, sig: np.ndarray, text: str | None, fingerprint: Any, candidate: int) -> tuple[float, float | None] | None:
        """(estimated, exact-or-None) Jaccard if the candidate is a verified duplicate, else None."""
        estimate = estimate_jaccard(sig, self.sigs[candidate])
        exact = None
        if self.config.exact and text is not None and self.texts is not None:
            exact = exact_jaccard(text, self.texts[candidate], self.config.minhash)
        if (exact if exact is not None else estimate) < self.config.threshold:
            return None
        if self.config.number_check:
            mine = fingerprint() if callable(fingerprint) else fingerprint
            if count_number_conflicts(mine, self.fingerprint(candidate)):
                self.number_conflicts += 1
                return None
        return estimate, exact


def is_missing_number(annotation: Any) -> bool:
    """Whether an annotation (from a record that may be malformed) is a missing_number flag."""
    return isinstance(annotation, dict) and annotation.get("type") == MISSING_NUMBER


def _missing_count(record: dict[str, Any]) -> int:
    """How many missing_number annotations a record carries."""
    return sum(1 for a in record.get("annotations") or () if is_missing_number(a))


def keep_order(records: Sequence[dict[str, Any]], lengths: Sequence[int]) -> list[int]:
    """Positions in keep order: fewest missing_number flags, then longest text (`lengths`), then earliest."""
    missing = [_missing_count(r) for r in records]
    return sorted(range(len(records)), key=lambda i: (missing[i], -lengths[i], i))


def dedup_records(records: Iterable[dict[str, Any]], config: DedupConfig = DedupConfig(),
                  text_field: str = "text", id_field: str = "id", ids: Sequence[str] | None = None,
                  save_index: bool = True, texts: Sequence[str] | None = None) -> DedupResult:
    """Find near-duplicates among records ({"id", "text", optional "annotations"}) and pick one per cluster.

    `ids` overrides the records' own ids in the result; otherwise records without an id are named by
    their input position.  `texts` overrides the records' texts: any sequence, such as a
    `newsclean.spool.TextFile` that reads them from disk when asked, so that a large corpus need not be held in memory (it is read in
    chunks for the signatures, then only where a document shares a bucket).  The result does not depend
    on `config.jobs` or `config.backend`.

    With ``config.index == "bloom"`` documents are taken in input order and one whose band keys the Bloom
    filters have seen is dropped, unverified; the others are indexed and kept.  The keep policy (fewest
    missing_number flags, longest, earliest), the Jaccard and figure checks and the digit suggestions do not
    apply (the filters never say which document was seen); a kept entry is its own cluster with jaccard
    None, a dropped one has cluster, duplicate_of and jaccard None and ``matched="bloom"``.  With
    ``config.index_dir`` the filters are read from that directory when it holds some (documents indexed
    by earlier runs count as seen) and the updated filters are saved back to it at the end -- or, with
    ``save_index=False``, by ``result.save_index()``: a command saves them only once its outputs are in
    place, so a run killed before that leaves filters that have not seen its documents (a rerun keeps them
    again) rather than filters that would drop every one of them as seen.
    """
    records = list(records)
    if texts is None:
        texts = [r.get(text_field) or "" for r in records]
    elif len(texts) != len(records):
        raise ValueError("texts and records differ in length")
    if ids is None:
        ids = [str(r[id_field]) if r.get(id_field) is not None else str(i) for i, r in enumerate(records)]
    elif len(ids) != len(records):
        raise ValueError("ids and records differ in length")
    if config.index == "bloom":
        return _dedup_bloom(records, texts, ids, config, save_index)
    sigs = _chunked_signatures(texts, config)
    blank = _empty_signatures(sigs)  # nothing left to compare: kept as they are, never matched
    index = _LSHIndex(config)
    all_keys = band_keys(sigs, index.bands, index.rows)
    # A document none of whose band keys occurs twice in the batch can neither find nor be found by
    # anything: one sort per band settles that for all of them, and only the rest go through the LSH.
    sharing = _shares_a_bucket(all_keys, blank)
    keys = dict(zip(np.flatnonzero(sharing).tolist(), all_keys[sharing].tolist()))
    verifier = _Verifier(config, sigs, texts)
    if config.number_check and keys:
        # Only documents that share a bucket can reach the figure check; fingerprint them in bulk.
        sharing_positions = list(keys)
        figures = number_fingerprints([texts[p] for p in sharing_positions], verifier.backend, config.jobs)
        verifier.fingerprints.update(zip(sharing_positions, figures))
    order = keep_order(records, getattr(texts, "lengths", None) or [len(t) for t in texts])
    rank = {position: r for r, position in enumerate(order)}
    kept_score = 1.0 if config.exact else None
    entries: list[ClusterEntry | None] = [None] * len(records)
    copies: dict[int, list[int]] = {}  # kept position -> positions of its dropped copies, best first
    for position in order:
        match, kept_at = None, None
        if position in keys:
            match, kept_at = _best_match(position, texts, sigs, keys, index, verifier, rank, ids)
            if match is None:
                index.insert(position, keys[position])
        if match is None:
            entries[position] = ClusterEntry(ids[position], ids[position], True, None, 1.0, kept_score)
        else:
            entries[position] = ClusterEntry(ids[position], ids[kept_at], False, ids[kept_at],
                                             match.jaccard, match.exact_jaccard)
            copies.setdefault(kept_at, []).append(position)
    result = DedupResult([e for e in entries if e is not None], list(records), number_conflicts=verifier.number_conflicts)
    if config.repair:
        _repair_kept(result, texts, ids, copies)
    return result


# Documents signed at a time by the Bloom path: its memory stays flat however long the run.
BLOOM_CHUNK = 8192


def _chunked_signatures(texts: Sequence[str], config: DedupConfig) -> np.ndarray:
    """Signatures of all `texts`, taking BLOOM_CHUNK of them at a time (a `TextFile` reads one chunk at a time)."""
    parts = [signatures(texts[start : start + BLOOM_CHUNK], config.minhash, jobs=config.jobs, backend=config.backend)
             for start in range(0, len(texts), BLOOM_CHUNK)]
    return np.concatenate(parts) if parts else np.empty((0, config.num_perm), dtype=np.uint32)


def _dedup_bloom(records: list[dict[str, Any]], texts: Sequence[str], ids: Sequence[str], config: DedupConfig,
                 save_index: bool) -> DedupResult:
    """dedup_records with the Bloom index: input order, first seen kept, unverified (see dedup_records)."""
    index = _BloomIndex.open(config)
    entries: list[ClusterEntry] = []
    for start in range(0, len(texts), BLOOM_CHUNK):
        sigs = signatures(texts[start : start + BLOOM_CHUNK], config.minhash, jobs=config.jobs, backend=config.backend)
        blank = _empty_signatures(sigs).tolist()  # kept, never indexed or matched, as on the LSH path
        for offset, keys in enumerate(index.keys(sigs)):
            id = ids[start + offset]
            if not blank[offset] and index.seen(keys):
                entries.append(ClusterEntry(id, None, False, None, None, matched="bloom"))
                continue
            if not blank[offset]:
                index.insert(keys)
            entries.append(ClusterEntry(id, id, True, None, None))
    result = DedupResult(entries, records, notes=index.notes(), index="bloom")
    if config.index_dir is not None:
        result.unsaved_index, result.unsaved_index_dir = index, config.index_dir
        if save_index:
            result.save_index()
    return result


def _empty_signatures(sigs: np.ndarray) -> np.ndarray:
    """Rows that are the signature of no shingles at all (blank or only ignorable characters)."""
    return (sigs == MAX_HASH).all(axis=1)


def _shares_a_bucket(keys: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Rows (not excluded) with at least one band key that another non-excluded row also has."""
    sharing = np.zeros(len(keys), dtype=bool)
    included = np.flatnonzero(~excluded)
    for band in range(keys.shape[1]):
        _, inverse, counts = np.unique(keys[included, band], return_inverse=True, return_counts=True)
        sharing[included] |= counts[inverse] > 1
    return sharing


def _best_match(position: int, texts: Sequence[str], sigs: np.ndarray, keys: dict[int, list[int]], index: _LSHIndex,
                verifier: _Verifier, rank: dict[int, int], ids: Sequence[str]) -> tuple[Match | None, int | None]:
    """The most similar verified kept copy (ties: the one kept first), or (None, None)."""
    best, best_at = None, None
    for candidate in sorted(index.candidates(keys[position]), key=rank.__getitem__):
        checked = verifier.check(sigs[position], texts[position], lambda: verifier.fingerprint(position), candidate)
        if checked is None:
            continue
        match = Match(ids[candidate], *checked)
        if best is None or match.score > best.score:
            best, best_at = match, candidate
    return best, best_at


# ---------------------------------------------------------------- repair


def _repair_kept(result: DedupResult, texts: Sequence[str], ids: Sequence[str], copies: dict[int, list[int]]) -> None:
    """Attach digit suggestions from each cluster's dropped copies to the kept copy's annotations."""
    for kept_at, dropped in copies.items():
        record = result.records[kept_at]
        if not _missing_count(record):
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


class IndexFileError(ValueError):
    """A saved dedup index that cannot be loaded (damaged, truncated, another format); names the file."""


def _locked(method):
    """Run a Deduplicator method holding the object's lock: one object may be shared by threads."""
    @wraps(method)
    def call(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return call


def _lazy_fingerprint(text: str, backend: str):
    """A callable returning number_fingerprint(text), computed on first call only."""
    return lru_cache(maxsize=None)(lambda: number_fingerprint(text, backend))


class Deduplicator:
    """A persistent "seen before?" index for crawlers: signatures, ids and figure fingerprints.

    `check(id, text)` answers and remembers; `is_duplicate` only answers; `add` only remembers.
    Verification uses the MinHash estimate (texts are not stored) and the figure check.

    ``Deduplicator(DedupConfig(index="bloom", expected_docs=..., index_dir=...))`` gives the Bloom variant
    instead (see `_BloomDeduplicator`): a few bytes per band per document, unverified, no ids.
    """

    def __new__(cls, config: DedupConfig = DedupConfig()):
        if cls is Deduplicator and config.index == "bloom":
            return super().__new__(_BloomDeduplicator)
        return super().__new__(cls)

    def __init__(self, config: DedupConfig = DedupConfig()):
        self.config = config
        self._lock = threading.RLock()
        self._index = _LSHIndex(config)
        self._ids: list[str] = []
        self._positions: dict[str, int] = {}
        self._sigs = np.empty((1024, config.num_perm), dtype=np.uint32)
        self._fingerprints: list[np.ndarray] = []
        self._verifier = _Verifier(config, self._sigs, None, self._fingerprints)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, id: str) -> bool:
        return id in self._positions

    def _prepare(self, text: str) -> tuple[np.ndarray, list[int]]:
        """A text's signature and band keys."""
        sig = signatures([text], self.config.minhash, backend=self._verifier.backend)
        return sig[0], self._index.keys(sig)[0]

    def _match(self, id: str | None, text: str, sig: np.ndarray, keys: list[int], fingerprint: Any) -> Match | None:
        """The most similar verified indexed document other than `id` itself."""
        if _empty_signatures(sig[None, :])[0]:
            return None
        best = None
        for candidate in sorted(self._index.candidates(keys)):
            if self._ids[candidate] == id:
                continue
            checked = self._verifier.check(sig, None, fingerprint, candidate)
            if checked is not None and (best is None or checked[0] > best.jaccard):
                best = Match(self._ids[candidate], checked[0])
        return best

    @_locked
    def is_duplicate(self, id: str | None, text: str) -> Match | None:
        """The indexed near-duplicate of this text, or None; the index is not changed."""
        sig, keys = self._prepare(text)
        return self._match(id, text, sig, keys, _lazy_fingerprint(text, self._verifier.backend))

    @_locked
    def add(self, id: str, text: str) -> None:
        """Index a document (ids are unique: adding a known id is an error)."""
        self._add(id, text, *self._prepare(text), _lazy_fingerprint(text, self._verifier.backend))

    @_locked
    def add_many(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Index many documents at once (signatures in bulk, with config.jobs workers)."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        sigs = signatures(texts, self.config.minhash, jobs=self.config.jobs, backend=self._verifier.backend)
        for id, text, sig, keys in zip(ids, texts, sigs, self._index.keys(sigs)):
            self._add(id, text, sig, keys, _lazy_fingerprint(text, self._verifier.backend))

    @_locked
    def check(self, id: str, text: str) -> Match | None:
        """is_duplicate, then add the text if it was new: the one call a crawler needs per page."""
        sig, keys = self._prepare(text)
        fingerprint = _lazy_fingerprint(text, self._verifier.backend)  # computed at most once, and only if needed
        match = self._match(id, text, sig, keys, fingerprint)
        if match is None and id not in self._positions:
            self._add(id, text, sig, keys, fingerprint)
        return match

    def _add(self, id: str, text: str, sig: np.ndarray, keys: list[int], fingerprint: Any) -> None:
        """Store the signature, fingerprint and id, and index the band keys."""
        if id in self._positions:
            raise ValueError(f"id {id!r} is already indexed")
        position = len(self._ids)
        if position == len(self._sigs):
            self._grow(2 * len(self._sigs))
        self._sigs[position] = sig
        self._ids.append(id)
        self._positions[id] = position
        self._fingerprints.append(fingerprint() if self.config.number_check else _NO_FIGURES)
        if not _empty_signatures(sig[None, :])[0]:
            self._index.insert(position, keys)

    def _grow(self, capacity: int) -> None:
        """Enlarge the signature array (amortised doubling)."""
        grown = np.empty((capacity, self.config.num_perm), dtype=np.uint32)
        grown[: len(self._ids)] = self._sigs[: len(self._ids)]
        self._sigs = grown
        self._verifier.sigs = grown

    @_locked
    def save(self, path: str | Path) -> None:
        """Write the index as one .npz file (arrays and JSON only, no pickle); the LSH is rebuilt on load.

        The file is written under a temporary name and renamed into place, so a crawler killed while saving
        keeps its previous index instead of a truncated one.
        """
        n = len(self._ids)
        lengths = np.array([len(f) for f in self._fingerprints], dtype=np.int64)
        meta = {"format": INDEX_FORMAT, "version": INDEX_VERSION, "config": self.config.to_dict(), "ids": self._ids}
        path = Path(path)
        tmp = private_temp(path, ".tmp")  # one a killed save left behind is removed here
        try:
            with open(tmp, "wb") as fh:
                np.savez(
                    fh,
                    meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                    signatures=self._sigs[:n],
                    fingerprints=np.concatenate(self._fingerprints) if n else np.empty(0, np.uint64),
                    fingerprint_lengths=lengths,
                )
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: str | Path, jobs: int = 1, backend: str | None = None) -> Deduplicator:
        """Read an index written by `save` (refusing pickled objects and other formats); a directory is a
        Bloom index, opened with the settings it was made with."""
        if Path(path).is_dir():
            meta = _BloomIndex.read_meta(path)
            if meta is None:
                raise IndexFileError(f"{path}: holds no newsclean Bloom index ({BLOOM_META} is missing)")
            config = replace(DedupConfig.from_dict(meta["config"]), jobs=jobs, backend=backend, index_dir=str(path))
            return cls(config)
        try:
            config, ids, sigs, flat, lengths = _read_index(path, jobs, backend)
        except IndexFileError:
            raise
        except (OSError, EOFError, KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile,
                UnicodeDecodeError) as exc:
            raise IndexFileError(f"{path}: not a readable newsclean dedup index ({type(exc).__name__}: {exc})") from None
        dedup = cls(config)
        dedup._grow(max(1024, len(ids)))
        dedup._sigs[: len(ids)] = sigs
        dedup._ids = ids
        dedup._positions = {id: p for p, id in enumerate(ids)}
        dedup._fingerprints.extend(np.split(flat, np.cumsum(lengths)[:-1]) if len(ids) else [])
        empty = _empty_signatures(sigs)  # blank texts were never indexed
        for position, keys in enumerate(dedup._index.keys(sigs)):
            if not empty[position]:
                dedup._index.insert(position, keys)
        return dedup


def _read_index(path: str | Path, jobs: int, backend: str | None):
    """(config, ids, signatures, flat fingerprints, fingerprint lengths) of a saved index, checked."""
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(data["meta"].tobytes().decode())
        if not isinstance(meta, dict) or meta.get("format") != INDEX_FORMAT or meta.get("version") != INDEX_VERSION:
            raise IndexFileError(f"{path}: not a newsclean dedup index (version {INDEX_VERSION})")
        config = replace(DedupConfig.from_dict(meta["config"]), jobs=jobs, backend=backend)
        sigs = np.ascontiguousarray(data["signatures"], dtype=np.uint32)
        flat = data["fingerprints"].astype(np.uint64)
        lengths = data["fingerprint_lengths"].astype(np.int64)
    if not isinstance(meta.get("ids"), list):
        raise IndexFileError(f"{path}: its ids are not a list")
    ids = [str(i) for i in meta["ids"]]
    if sigs.shape != (len(ids), config.num_perm) or len(lengths) != len(ids) or lengths.sum() != len(flat) \
            or (lengths < 0).any():
        raise IndexFileError(f"{path}: index arrays do not match each other")
    if len(set(ids)) != len(ids):
        twice = next(i for n, i in enumerate(ids) if i in ids[:n])
        raise IndexFileError(f"{path}: id {twice!r} is indexed twice")
    return config, ids, sigs, flat, lengths


class _BloomDeduplicator(Deduplicator):
    """The Deduplicator over a Bloom index (``DedupConfig(index="bloom")``), for crawls too large for the LSH.

    Its matches are `BLOOM_SEEN` (``Match(id=None, jaccard=None)``): the text shares a band with a document
    indexed before, unverified (no Jaccard or figure check) and unnamed.  No ids are kept, so ``id in
    dedup`` is an error, ids are not checked for uniqueness, and checking a text already added says seen.
    With ``config.index_dir`` a new object starts from the filters saved there; `save()` (by default to
    that directory) writes them back atomically: a crash loses what was added since the last save.
    """

    def __init__(self, config: DedupConfig = DedupConfig()):
        self.config = config
        self._lock = threading.RLock()
        self._index = _BloomIndex.open(config)
        self._backend = config.backend or default_backend()

    def __len__(self) -> int:
        return self._index.documents

    def __contains__(self, id: str) -> bool:
        raise TypeError("a Bloom index keeps no ids: ask is_duplicate(id, text) instead")

    def _keyed(self, texts: Sequence[str], jobs: int = 1) -> list[list[int] | None]:
        """Band keys of each text, None for a blank one (never indexed or matched)."""
        sigs = signatures(texts, self.config.minhash, jobs=jobs, backend=self._backend)
        blank = _empty_signatures(sigs).tolist()
        return [None if b else keys for b, keys in zip(blank, self._index.keys(sigs))]

    @_locked
    def is_duplicate(self, id: str | None, text: str) -> Match | None:
        """BLOOM_SEEN when the filters have seen this text's band keys, else None; nothing is added."""
        keys = self._keyed([text])[0]
        return BLOOM_SEEN if keys is not None and self._index.seen(keys) else None

    @_locked
    def add(self, id: str, text: str) -> None:
        """Add a text's band keys to the filters."""
        keys = self._keyed([text])[0]
        if keys is not None:
            self._index.insert(keys)

    @_locked
    def add_many(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        """Add many texts (signatures in bulk, with config.jobs workers)."""
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        for start in range(0, len(texts), BLOOM_CHUNK):
            for keys in self._keyed(texts[start : start + BLOOM_CHUNK], self.config.jobs):
                if keys is not None:
                    self._index.insert(keys)

    @_locked
    def check(self, id: str, text: str) -> Match | None:
        """is_duplicate, then add the text if it was new."""
        keys = self._keyed([text])[0]
        if keys is None:
            return None
        if self._index.seen(keys):
            return BLOOM_SEEN
        self._index.insert(keys)
        return None

    @_locked
    def save(self, path: str | Path | None = None) -> None:
        """Write the filters to a directory (default: config.index_dir); `load` or a new object reads them."""
        path = path if path is not None else self.config.index_dir
        if path is None:
            raise ValueError("a Bloom index is saved to a directory: give one (or config.index_dir)")
        if Path(path).exists() and not Path(path).is_dir():
            raise ValueError(f"{path}: a Bloom index is saved to a directory, not a file")
        self._index.save(path)

    def notes(self) -> list[str]:
        """A warning when the filters hold more documents than they were sized for."""
        return self._index.notes()
