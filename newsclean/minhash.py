"""MinHash signatures of character n-grams, bit-identical to datasketch's ``affine32`` MinHash.

A document's text is turned into UTF-32 code points, lightly normalised (see
`MinHashConfig.normalize`), cut into overlapping character n-grams, and every
n-gram is hashed with MurmurHash3 (x86, 32-bit, seed 0) over the n-gram's
UTF-32LE bytes.  That *shingle hash* is deterministic across processes and
machines (unlike Python's salted ``hash()``) and can be computed for all
n-grams of a text at once from the code-point array.

The signature then follows datasketch's ``affine32`` scheme exactly: each
shingle hash is pre-mixed with the 32-bit MurmurHash3 finalizer, each
permutation ``k`` maps it to ``a[k] * h + b[k] mod 2**32`` with datasketch's own
``(a, b)`` for the seed, and the signature keeps the minimum per permutation.
So ``MinHash(num_perm, seed, hashfunc=lambda h: h)`` updated with
`shingle_hashes(text)` has the same ``hashvalues`` as `signature(text)`.

Two backends compute the same bits: a numba kernel (optional extra ``fast``)
and a pure-numpy path that always works.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
import importlib.util
from functools import lru_cache
from itertools import accumulate
from typing import Sequence

import numpy as np


MAX_HASH = np.uint32(0xFFFFFFFF)  # datasketch's "empty" value for affine32

# MurmurHash3 x86_32 constants (block mixing, then the finalizer).
_C1 = np.uint32(0xCC9E2D51)
_C2 = np.uint32(0x1B873593)
_M5 = np.uint32(5)
_N1 = np.uint32(0xE6546B64)
_F1 = np.uint32(0x85EBCA6B)
_F2 = np.uint32(0xC2B2AE35)

from .minhash_pure import _IGNORED_RANGES, MinHashConfig  # noqa: F401  (the config lives there, numpy-free)
from .minhash_pure import permutations as pure_permutations


def have_numba() -> bool:
    """Whether the numba kernel can be used (installed and not disabled by NEWSCLEAN_NO_NUMBA)."""
    return _numba_installed() and not os.environ.get("NEWSCLEAN_NO_NUMBA")


@lru_cache(maxsize=1)
def _numba_installed() -> bool:
    """Whether numba (the optional "fast" extra) can be imported, without importing it: the kernels module
    imports it when a run first signs with it (importing numba costs about 0.4 s of start-up)."""
    return importlib.util.find_spec("numba") is not None


def default_backend() -> str:
    """The fastest backend available here: "numba" or "numpy"."""
    return "numba" if have_numba() else "numpy"


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters ``(a, b)`` for this seed, as read-only uint32 arrays: the
    draws of `minhash_pure.permutations` (numpy's `RandomState(seed)` as datasketch's `_init_permutations`
    calls it), the one place both paths take them from. Cached: a short document is signed in less time."""
    a, b = (np.array(values, dtype=np.uint32) for values in pure_permutations(num_perm, seed))
    a.flags.writeable = False
    b.flags.writeable = False
    return a, b


def code_points(text: str) -> np.ndarray:
    """The text's Unicode code points as a uint32 array."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _dropped_mask(cps: np.ndarray) -> np.ndarray:
    """True where normalisation drops the code point (whitespace, controls, invisible format characters)."""
    dropped = np.zeros(len(cps), dtype=bool)
    for low, high in _IGNORED_RANGES:
        dropped |= (cps >= low) & (cps <= high)
    return dropped


def _mapped_code_points(cps: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """A copy of cps with the config's per-character maps applied (nothing dropped yet)."""
    cps = cps.astype(np.uint32, copy=True)
    if config.normalize:
        cps[(cps >= 0xFF01) & (cps <= 0xFF5E)] -= np.uint32(0xFEE0)
        cps[(cps >= 0x41) & (cps <= 0x5A)] += np.uint32(0x20)
    if config.zero_digits:
        cps[(cps >= 0x30) & (cps <= 0x39)] = 0x30
    return cps


def normalize_code_points(cps: np.ndarray, config: MinHashConfig) -> np.ndarray:
    """Apply the config's normalisation to a code-point array (returns a new array)."""
    mapped = _mapped_code_points(cps, config)
    return mapped[~_dropped_mask(mapped)] if config.normalize else mapped


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    """Rotate uint32 values left by r bits."""
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmur_blocks(values: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32's block mix of each uint32 value (one code point is one 4-byte block)."""
    return _rotl(values * _C1, 15) * _C2


def murmur_round(h: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """One MurmurHash3_x86_32 round: the running hashes `h` take in one mixed block each."""
    return _rotl(h ^ blocks, 13) * _M5 + _N1


def fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 32-bit finalizer (the same bijection as datasketch's ``_fmix(h, 32)``)."""
    h = h ^ (h >> np.uint32(16))
    h = h * _F1
    h = h ^ (h >> np.uint32(13))
    h = h * _F2
    return h ^ (h >> np.uint32(16))


def hash_ngrams(cps: np.ndarray, ngram: int) -> np.ndarray:
    """MurmurHash3_x86_32 (seed 0) of the UTF-32LE bytes of every n-gram of a normalised code-point array.

    An array shorter than `ngram` (but not empty) is one shingle of all its code points;
    an empty array has no shingles.
    """
    cps = np.asarray(cps, dtype=np.uint32)
    if len(cps) == 0:
        return np.empty(0, dtype=np.uint32)
    width = min(ngram, len(cps))
    # Each code point is one 4-byte murmur block; mix every block once, then chain them per n-gram.
    blocks = murmur_blocks(cps)
    count = len(cps) - width + 1
    h = np.zeros(count, dtype=np.uint32)
    for j in range(width):
        h = murmur_round(h, blocks[j : j + count])
    h ^= np.uint32(4 * width)
    return fmix32(h)


def shingle_hashes(text: str, config: MinHashConfig = MinHashConfig()) -> np.ndarray:
    """The 32-bit shingle hash of every character n-gram of `text` (duplicates included, in text order)."""
    return hash_ngrams(normalize_code_points(code_points(text), config), config.ngram)


class _Permuter:
    """The (a, b) permutation parameters for one config, reused for every signature (numpy path)."""

    # Shingles per block: keeps the (block x num_perm) intermediate in the L2 cache.
    BLOCK_ELEMENTS = 131072

    def __init__(self, config: MinHashConfig):
        self.config = config
        self.a, self.b = permutations(config.num_perm, config.seed)
        self.step = max(1, self.BLOCK_ELEMENTS // config.num_perm)
        self.buffer = np.empty((self.step, config.num_perm), dtype=np.uint32)
        self.block_min = np.empty(config.num_perm, dtype=np.uint32)

    def min_hash(self, hashes: np.ndarray) -> np.ndarray:
        """datasketch's update_batch on a fresh MinHash: fmix pre-mix, affine map, min per permutation."""
        result = np.full(self.config.num_perm, MAX_HASH, dtype=np.uint32)
        mixed = fmix32(hashes)
        for start in range(0, len(mixed), self.step):
            chunk = mixed[start : start + self.step]
            block = self.buffer[: len(chunk)]
            np.multiply(chunk[:, None], self.a, out=block)
            np.add(block, self.b, out=block)
            np.minimum.reduce(block, axis=0, out=self.block_min)
            np.minimum(result, self.block_min, out=result)
        return result


def _shingle_hashes_batch(texts: Sequence[str], config: MinHashConfig) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of many texts at once: the concatenated hashes and each text's offsets into them.

    Hashing the concatenation in one pass avoids numpy's per-call overhead on short texts;
    n-grams that straddle two texts are computed but discarded.
    """
    raw_lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    mapped = _mapped_code_points(code_points("".join(texts)), config)
    lengths = raw_lengths
    if config.normalize:
        kept = ~_dropped_mask(mapped)
        owner = np.repeat(np.arange(len(texts)), raw_lengths)
        lengths = np.bincount(owner[kept], minlength=len(texts)).astype(np.int64)
        mapped = mapped[kept]
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    every_ngram = hash_ngrams(mapped, config.ngram)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    pieces = []
    for i, (start, length) in enumerate(zip(starts.tolist(), lengths.tolist())):
        if length >= config.ngram:
            piece = every_ngram[start : start + length - config.ngram + 1]
        else:  # shorter than one n-gram (or empty): hash it on its own
            piece = hash_ngrams(mapped[start : start + length], config.ngram)
        pieces.append(piece)
        offsets[i + 1] = offsets[i] + len(piece)
    hashes = np.concatenate(pieces) if pieces else np.empty(0, dtype=np.uint32)
    return hashes, offsets


def _signatures_numpy(texts: Sequence[str], config: MinHashConfig) -> np.ndarray:
    """Signatures of `texts` with the pure-numpy path, one row per text."""
    permuter = _Permuter(config)
    out = np.empty((len(texts), config.num_perm), dtype=np.uint32)
    # Batches bound the memory taken by the concatenated code points.
    for first in range(0, len(texts), 512):
        batch = texts[first : first + 512]
        hashes, offsets = _shingle_hashes_batch(batch, config)
        for row in range(len(batch)):
            out[first + row] = permuter.min_hash(hashes[offsets[row] : offsets[row + 1]])
    return out


_kernel_loaded = False  # whether this process has loaded the numba kernel (about 0.5 s the first time)


def kernel_loaded() -> bool:
    """Whether the numba kernel is loaded in this process (signatures are then cheapest through it)."""
    return _kernel_loaded


def _signatures_numba(texts: Sequence[str], config: MinHashConfig) -> np.ndarray:
    """Signatures of `texts` with the fused numba kernel, one row per text."""
    global _kernel_loaded
    _kernel_loaded = True
    a, b = permutations(config.num_perm, config.seed)
    cps = code_points("".join(texts))
    # Python string lengths are code-point counts, so they slice the UTF-32 array exactly. (Summed in Python:
    # `np.cumsum` of a list costs a page of a few lines more than the kernel does.)
    offsets = np.array([0, *accumulate(map(len, texts))], dtype=np.int64)
    out = np.empty((len(texts), config.num_perm), dtype=np.uint32)
    from .kernels import nb_signatures

    nb_signatures(cps, offsets, config.ngram, config.normalize, config.zero_digits, a, b, out)
    return out


# Texts per call of the compute function: bounds the UTF-32 copy of the batch (about 4 bytes a
# character) however large the corpus, and is large enough that per-call overhead does not show.
CHUNK_TEXTS = 2048


def chunk_size(count: int, jobs: int) -> int:
    """Texts per chunk: CHUNK_TEXTS, or smaller so that every worker gets several chunks."""
    if jobs <= 1:
        return CHUNK_TEXTS
    # More chunks than workers, handed out as workers free up: the cores of a shared machine rarely
    # run at the same speed, and equal halves would leave the faster one idle.
    return max(16, min(CHUNK_TEXTS, -(-count // (8 * jobs))))


def signatures(
    texts: Sequence[str],
    config: MinHashConfig = MinHashConfig(),
    jobs: int = 1,
    backend: str | None = None,
) -> np.ndarray:
    """Signatures of many texts as a (len(texts), num_perm) uint32 array, in input order.

    `backend` is "numba", "numpy" or None (the fastest available).  With jobs > 1 the
    numba kernel runs in threads (it releases the GIL); the numpy path runs in processes.
    Results do not depend on `jobs` or `backend`.
    """
    backend = backend or default_backend()
    if backend == "numba" and not have_numba():
        raise RuntimeError("the numba backend needs the 'fast' extra (pip install newsclean[fast])")
    if backend not in ("numba", "numpy"):
        raise ValueError(f"unknown backend {backend!r}")
    texts = list(texts)
    compute = _signatures_numba if backend == "numba" else _signatures_numpy
    size = chunk_size(len(texts), jobs)
    if jobs <= 1 and 0 < len(texts) <= size:  # one chunk (a page's lines): no split, no concatenation
        return compute(texts, config)
    parts = [texts[start : start + size] for start in range(0, len(texts), size)]
    if not parts:
        return np.empty((0, config.num_perm), dtype=np.uint32)
    if jobs <= 1 or len(parts) == 1:
        return np.concatenate([compute(part, config) for part in parts])
    if backend == "numba":
        with ThreadPoolExecutor(jobs) as pool:
            return np.concatenate(list(pool.map(compute, parts, [config] * len(parts))))
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        return np.concatenate(list(pool.map(compute, parts, [config] * len(parts))))


def signature(text: str, config: MinHashConfig = MinHashConfig(), backend: str | None = None) -> np.ndarray:
    """The signature of one text as a (num_perm,) uint32 array."""
    return signatures([text], config, backend=backend)[0]


def empty_signatures(sigs: np.ndarray) -> np.ndarray:
    """Rows that are the signature of no shingles at all (blank or only ignorable characters)."""
    return (sigs == MAX_HASH).all(axis=1)


def estimate_jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """MinHash estimate of Jaccard similarity: the fraction of equal signature slots."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def exact_jaccard(text_a: str, text_b: str, config: MinHashConfig = MinHashConfig()) -> float:
    """Jaccard similarity of the two texts' shingle-hash sets (what the signatures estimate)."""
    set_a = np.unique(shingle_hashes(text_a, config))
    set_b = np.unique(shingle_hashes(text_b, config))
    if len(set_a) == 0 and len(set_b) == 0:
        return 1.0
    common = len(np.intersect1d(set_a, set_b, assume_unique=True))
    return common / (len(set_a) + len(set_b) - common)


def warm_up(config: MinHashConfig = MinHashConfig()) -> None:
    """Compile (or load from cache) the numba kernel so later timings exclude it."""
    if have_numba():
        _signatures_numba(["预热文本 warm-up"], config)
