"""MinHash signatures in pure Python, the same bits as `newsclean.minhash`'s numpy path, and the config both use.

Importing numpy costs about 0.15 s of CPU (and its shared libraries' page faults), more than cleaning a short
page takes. The repeats stage signs the few short lines of a small page here while numpy is not loaded, so
that a one-record clean need not import it; everything else (big pages, dedup, the numba kernel) goes
through `newsclean.minhash`. The steps are those of `minhash`: code points mapped and dropped as
`MinHashConfig.normalize` says, MurmurHash3 x86_32 (seed 0) of each n-gram's UTF-32LE bytes, the finalizer
as pre-mix, then datasketch's affine32 permutations, whose (a, b) numpy's legacy `RandomState(seed)` draws:
its Mersenne Twister is Python's own, seeded the way numpy seeds it (`_legacy_state`).
"""
from __future__ import annotations

import random
import sys
from array import array
from functools import lru_cache
from typing import Any, NamedTuple, Sequence

from .fields import CheckedTuple

# Characters dropped by normalisation: whitespace, C0 controls, and the invisible
# format characters scrapers leave behind, so reposts that differ only in layout
# produce the same n-grams.
_IGNORED_RANGES = (
    (0x00, 0x20),
    (0x7F, 0x7F),
    (0x85, 0x85),
    (0xA0, 0xA0),
    (0x1680, 0x1680),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x2064),
    (0x3000, 0x3000),
    (0xFEFF, 0xFEFF),
)


class _MinHashFields(NamedTuple):
    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    # Drop whitespace/invisible characters, map full-width ASCII forms (U+FF01..U+FF5E)
    # to ASCII and lower-case ASCII letters: cheap code-point maps, not full NFKC.
    normalize: bool = True
    # Map every ASCII digit to "0" before hashing.  Off by default: with it, stories
    # that differ only in their figures get identical signatures.
    zero_digits: bool = False


class MinHashConfig(CheckedTuple, _MinHashFields):
    """How a text becomes a signature: n-gram size, permutations, seed and normalisation. Immutable and checked
    when made (`_replace` too); a named tuple, not a frozen dataclass, whose decorator cost start-up time."""

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> "MinHashConfig":
        fields = cls.fields_of(_MinHashFields, args, kwargs)
        if fields.ngram < 1:
            raise ValueError("ngram must be at least 1")
        if not 2 <= fields.num_perm <= 4096:
            raise ValueError("num_perm must be between 2 and 4096")
        return super().__new__(cls, *fields)

    def to_dict(self) -> dict:
        """The config as a plain JSON-able dict."""
        return self._asdict()


MASK32 = 0xFFFFFFFF  # also datasketch's "empty" value of a signature slot


def _legacy_state(seed: int) -> tuple:
    """The Mersenne Twister state numpy's `RandomState(seed)` starts from (MT19937's init_genrand), in the
    form `random.Random.setstate` takes: the next draw regenerates the 624 words, as numpy's does."""
    key = [seed & MASK32]
    for i in range(1, 624):
        previous = key[-1]
        key.append((1812433253 * (previous ^ (previous >> 30)) + i) & MASK32)
    return (3, (*key, 624), None)


@lru_cache(maxsize=16)
def permutations(num_perm: int, seed: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """datasketch's affine32 (a, b) for this seed (`minhash.permutations` takes them from here): the draws of
    numpy's `RandomState(seed)` as datasketch's `_init_permutations` makes them, without numpy:
    `randint(0, 2**31, dtype=uint32)` keeps the low 31 bits of one 32-bit draw (its mask equals its range, so
    it never redraws), `randint(0, 2**32, dtype=uint32)` is one whole draw."""
    twister = random.Random()
    twister.setstate(_legacy_state(seed))
    a = tuple(((twister.getrandbits(32) & 0x7FFFFFFF) * 2 + 1) & MASK32 for _ in range(num_perm))
    b = tuple(twister.getrandbits(32) for _ in range(num_perm))
    return a, b


def _dropped(cp: int) -> bool:
    return any(low <= cp <= high for low, high in _IGNORED_RANGES)


def normalized_code_points(text: str, config: MinHashConfig) -> list[int]:
    """The code points of `text` as `minhash.normalize_code_points` leaves them."""
    text.encode("utf-32-le")  # a lone surrogate fails here as it fails the numpy path
    out = []
    for cp in map(ord, text):
        if config.normalize:
            if 0xFF01 <= cp <= 0xFF5E:
                cp -= 0xFEE0
            if 0x41 <= cp <= 0x5A:
                cp += 0x20
        if config.zero_digits and 0x30 <= cp <= 0x39:
            cp = 0x30
        if not (config.normalize and _dropped(cp)):
            out.append(cp)
    return out


def fmix32(h: int) -> int:
    """The MurmurHash3 32-bit finalizer."""
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK32
    return h ^ (h >> 16)


def _block(cp: int) -> int:
    """MurmurHash3_x86_32's mix of one 4-byte block (one code point)."""
    k = (cp * 0xCC9E2D51) & MASK32
    return ((((k << 15) | (k >> 17)) & MASK32) * 0x1B873593) & MASK32


def shingle_hashes(cps: list[int], ngram: int) -> list[int]:
    """MurmurHash3_x86_32 of every n-gram of `cps` (`minhash.hash_ngrams`: fewer code points than `ngram` are
    one shingle of them all, none are no shingle)."""
    if not cps:
        return []
    width = min(ngram, len(cps))
    blocks = [_block(cp) for cp in cps]
    out = []
    for start in range(len(cps) - width + 1):
        h = 0
        for k in blocks[start:start + width]:
            h ^= k
            h = (((((h << 13) | (h >> 19)) & MASK32) * 5) + 0xE6546B64) & MASK32
        out.append(fmix32(h ^ (4 * width)))
    return out


@lru_cache(maxsize=16)
def _packed(num_perm: int, seed: int) -> tuple[int, int, int]:
    """The permutations' a and b, and MASK32, each packed into one integer of 64-bit lanes (lane k holds
    permutation k's): a * m + b of one shingle for every permutation is then two operations on integers."""
    a, b = permutations(num_perm, seed)
    return tuple(sum(value << (64 * k) for k, value in enumerate(values)) for values in (a, b, (MASK32,) * num_perm))


def signature(text: str, config: MinHashConfig) -> tuple[int, ...]:
    """The signature of one text: for each permutation the least (a * fmix32(h) + b) mod 2**32 over its
    shingle hashes h (MASK32 everywhere for a text without shingles). All permutations of a shingle at once, in
    64-bit lanes of one integer: a, m < 2**32 make a * m + b < 2**64, so no lane carries into the next."""
    mixed = {fmix32(h) for h in shingle_hashes(normalized_code_points(text, config), config.ngram)}
    if not mixed:
        return (MASK32,) * config.num_perm
    a, b, low32 = _packed(config.num_perm, config.seed)
    width = 8 * config.num_perm
    rows = []
    for m in mixed:
        lanes = array("Q", ((a * m + b) & low32).to_bytes(width, "little"))
        if sys.byteorder != "little":
            lanes.byteswap()
        rows.append(lanes)
    return tuple(map(min, zip(*rows)))


def signatures(texts: Sequence[str], config: MinHashConfig = MinHashConfig()) -> list[tuple[int, ...]]:
    """The signatures of `texts`, one tuple per text: `minhash.signatures` rows, as Python ints."""
    return [signature(text, config) for text in texts]
