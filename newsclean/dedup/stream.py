"""The streaming `Deduplicator`: a persistent "seen before?" index for crawlers (LSH or Bloom)."""
from __future__ import annotations

import json
import threading
import zipfile
from dataclasses import replace
from functools import lru_cache, wraps
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..minhash import default_backend, empty_signatures, signatures
from ..io.write import atomic_file
from ..paths import private_temp
from .batch import BLOOM_CHUNK
from .bloom import BloomIndex
from .config import BLOOM_META, INDEX_FORMAT, INDEX_VERSION, DedupConfig
from .figures import NO_FIGURES, number_fingerprint
from .lsh import LSHIndex
from .result import BLOOM_SEEN, Match
from .verify import Verifier

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
    """A persistent "seen before?" index for crawlers.

    `check(id, text)` answers and remembers; `is_duplicate` only answers; `add` only remembers.
    ``Deduplicator(config)`` gives the variant the config's index names: an `LSHDeduplicator` (signatures,
    ids and figure fingerprints; verified with the MinHash estimate, texts are not stored, and the figure
    check) or, with ``DedupConfig(index="bloom", expected_docs=..., index_dir=...)``, a `BloomDeduplicator`
    (a few bytes per band per document, unverified, no ids).  This base holds what both share: the config,
    the lock that lets threads share one object, and `load`.
    """

    def __new__(cls, config: DedupConfig = DedupConfig()):
        if cls is Deduplicator:
            cls = BloomDeduplicator if config.index == "bloom" else LSHDeduplicator
        return super().__new__(cls)

    def __init__(self, config: DedupConfig = DedupConfig()):
        self.config = config
        self._lock = threading.RLock()

    @classmethod
    def load(cls, path: str | Path, jobs: int = 1, backend: str | None = None) -> Deduplicator:
        """Read an index written by `save` (refusing pickled objects and other formats); a directory is a
        Bloom index, opened with the settings it was made with."""
        if Path(path).is_dir():
            meta = BloomIndex.read_meta(path)
            if meta is None:
                raise IndexFileError(f"{path}: holds no newsclean Bloom index ({BLOOM_META} is missing)")
            config = replace(DedupConfig.from_dict(meta["config"]), jobs=jobs, backend=backend, index_dir=str(path))
            return BloomDeduplicator(config)
        return LSHDeduplicator.load_file(path, jobs, backend)


class LSHDeduplicator(Deduplicator):
    """The Deduplicator over the LSH index: signatures, ids and figure fingerprints, matches verified."""

    def __init__(self, config: DedupConfig = DedupConfig()):
        super().__init__(config)
        self._index = LSHIndex(config)
        self._ids: list[str] = []
        self._positions: dict[str, int] = {}
        self._sigs = np.empty((1024, config.num_perm), dtype=np.uint32)
        self._fingerprints: list[np.ndarray] = []
        self._verifier = Verifier(config, self._sigs, None, self._fingerprints)

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
        if empty_signatures(sig[None, :])[0]:
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
        self._fingerprints.append(fingerprint() if self.config.number_check else NO_FIGURES)
        if not empty_signatures(sig[None, :])[0]:
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
        # private_temp: one a killed save left behind is removed here.
        with atomic_file(path, private_temp(path, ".tmp")) as fh:
            np.savez(
                fh,
                meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                signatures=self._sigs[:n],
                fingerprints=np.concatenate(self._fingerprints) if n else np.empty(0, np.uint64),
                fingerprint_lengths=lengths,
            )

    @classmethod
    def load_file(cls, path: str | Path, jobs: int = 1, backend: str | None = None) -> LSHDeduplicator:
        """Read an index file written by `save` (refusing pickled objects and other formats)."""
        try:
            config, ids, sigs, flat, lengths = _read_index(path, jobs, backend)
        except IndexFileError:
            raise
        except (OSError, EOFError, KeyError, TypeError, ValueError, AttributeError, zipfile.BadZipFile,
                UnicodeDecodeError) as exc:
            raise IndexFileError(f"{path}: not a readable newsclean dedup index ({type(exc).__name__}: {exc})") from None
        dedup = LSHDeduplicator(config)
        dedup._grow(max(1024, len(ids)))
        dedup._sigs[: len(ids)] = sigs
        dedup._ids = ids
        dedup._positions = {id: p for p, id in enumerate(ids)}
        dedup._fingerprints.extend(np.split(flat, np.cumsum(lengths)[:-1]) if len(ids) else [])
        empty = empty_signatures(sigs)  # blank texts were never indexed
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


class BloomDeduplicator(Deduplicator):
    """The Deduplicator over a Bloom index (``DedupConfig(index="bloom")``), for crawls too large for the LSH.

    Its matches are `BLOOM_SEEN` (``Match(id=None, jaccard=None)``): the text shares a band with a document
    indexed before, unverified (no Jaccard or figure check) and unnamed.  No ids are kept, so ``id in
    dedup`` is an error, ids are not checked for uniqueness, and checking a text already added says seen.
    With ``config.index_dir`` a new object starts from the filters saved there; `save()` (by default to
    that directory) writes them back atomically: a crash loses what was added since the last save.
    """

    def __init__(self, config: DedupConfig = DedupConfig()):
        super().__init__(config)
        self._index = BloomIndex.open(config)
        self._backend = config.backend or default_backend()

    def __len__(self) -> int:
        return self._index.documents

    def __contains__(self, id: str) -> bool:
        raise TypeError("a Bloom index keeps no ids: ask is_duplicate(id, text) instead")

    def _keyed(self, texts: Sequence[str], jobs: int = 1) -> list[list[int] | None]:
        """Band keys of each text, None for a blank one (never indexed or matched)."""
        sigs = signatures(texts, self.config.minhash, jobs=jobs, backend=self._backend)
        blank = empty_signatures(sigs).tolist()
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
