"""Band keys of MinHash signatures, and the datasketch MinHashLSH index fed with them in bulk."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .config import DedupConfig

BAND_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def mix64(h: np.ndarray) -> np.ndarray:
    """The splitmix64 finalizer: spreads every input bit over the 64-bit band key."""
    h = h ^ (h >> np.uint64(30))
    h = h * np.uint64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> np.uint64(27))
    h = h * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 60-bit key per (signature, band): an (n, bands) uint64 array, computed for all rows at once.

    >>> sigs = np.arange(16, dtype=np.uint32).reshape(2, 8)
    >>> keys = band_keys(sigs, bands=2, rows=4)
    >>> keys.shape, bool((keys < 2 ** 60).all()), bool(keys[0, 0] == band_keys(sigs[:1], 2, 4)[0, 0])
    ((2, 2), True, True)
    >>> int(keys[0, 0]) == _band_key_of_bytes(sigs[0, :4].astype(">u4").tobytes())
    True
    """
    n = sigs.shape[0]
    values = sigs[:, : bands * rows].reshape(n, bands, rows).astype(np.uint64)
    h = np.full((n, bands), np.uint64(rows), dtype=np.uint64)
    for j in range(rows):
        h = mix64((h ^ values[:, :, j]) * BAND_MULTIPLIER)
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


class LSHIndex:
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
