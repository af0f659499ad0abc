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

The package, one module per concern: `config` (the settings), `figures` (figure fingerprints, numpy and
numba), `lsh` (band keys and the LSH index), `bloom` (the Bloom index), `result` (matches, cluster entries,
a run's result), `verify` (the pair checks), `batch` (`dedup_records`), `repair` (digit suggestions),
`stream` (the streaming `Deduplicator`), `corpus` (`dedup_files`: a corpus on disk, the pass `clean --dedup`
and `newsclean dedup` share).
"""
from importlib import import_module

# Where each public name lives. They are imported when first asked for (PEP 562), so that a run which does
# not deduplicate imports none of this package's machinery (numpy, the indexes, about 0.1 s of start-up)
# when it only needs `DedupConfig` or `Light`.
_HOMES = {
    "batch": ("dedup_records", "keep_order"),
    "bloom": ("BloomIndex", "require_bloom"),
    "corpus": ("Corpus", "TextFile", "dedup_corpus", "dedup_files"),
    "light": ("Light",),
    "config": ("BLOOM_FORMAT", "BLOOM_INSTALL", "BLOOM_META", "BLOOM_VERSION", "INDEX_FORMAT", "INDEX_VERSION",
               "INDEXES", "DedupConfig"),
    "figures": ("NUMBER_CONTEXT", "count_number_conflicts", "number_fingerprint", "number_fingerprints"),
    "lsh": ("CompactBuckets", "LSHIndex", "band_keys"),
    "repair": ("REPAIR_MIN_SIDE", "REPAIR_MIN_TOTAL", "REPAIR_WINDOW", "is_missing_number", "missing_count",
               "suggest_digits"),
    "result": ("BLOOM_SEEN", "ClusterEntry", "DedupResult", "Match"),
    "stream": ("BloomDeduplicator", "Deduplicator", "IndexFileError", "LSHDeduplicator"),
}
_MODULE_OF = {name: module for module, names in _HOMES.items() for name in names}


def __getattr__(name: str):
    """A public name, imported from its module on first use."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})


__all__ = sorted(_MODULE_OF)
