"""The Bloom index: datasketch's MinHashLSHBloom over newsclean's band keys, saved to a directory."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..io.write import atomic_file
from .config import BLOOM_FORMAT, BLOOM_INSTALL, BLOOM_META, BLOOM_VERSION, DedupConfig
from .lsh import BAND_MULTIPLIER, band_keys, mix64

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
    return (mix64(x * BAND_MULTIPLIER) >> np.uint64(32)).astype(np.uint32).tolist()


class BloomIndex:
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
    def open(cls, config: DedupConfig) -> BloomIndex:
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
        try:
            with atomic_file(directory / BLOOM_META, text=True) as fh:
                json.dump(meta, fh, ensure_ascii=False, indent=1)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        for old in directory.glob("filters-*"):
            if old.is_dir() and old.name != folder.name:
                shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------- matches
