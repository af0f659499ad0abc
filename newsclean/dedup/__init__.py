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
from .batch import dedup_records, keep_order
from .bloom import BloomIndex, require_bloom
from .corpus import Corpus, Light, TextFile, dedup_corpus, dedup_files
from .config import (BLOOM_FORMAT, BLOOM_INSTALL, BLOOM_META, BLOOM_VERSION, INDEX_FORMAT, INDEX_VERSION, INDEXES,
                     DedupConfig)
from .figures import NUMBER_CONTEXT, count_number_conflicts, number_fingerprint, number_fingerprints
from .lsh import CompactBuckets, LSHIndex, band_keys
from .repair import REPAIR_MIN_SIDE, REPAIR_MIN_TOTAL, REPAIR_WINDOW, is_missing_number, missing_count, suggest_digits
from .result import BLOOM_SEEN, ClusterEntry, DedupResult, Match
from .stream import BloomDeduplicator, Deduplicator, IndexFileError, LSHDeduplicator

__all__ = [
    "BLOOM_FORMAT", "BLOOM_INSTALL", "BLOOM_META", "BLOOM_SEEN", "BLOOM_VERSION", "INDEX_FORMAT", "INDEX_VERSION",
    "INDEXES", "NUMBER_CONTEXT", "REPAIR_MIN_SIDE", "REPAIR_MIN_TOTAL", "REPAIR_WINDOW", "BloomDeduplicator",
    "BloomIndex", "ClusterEntry", "CompactBuckets", "Corpus", "DedupConfig", "DedupResult", "Deduplicator", "IndexFileError",
    "LSHDeduplicator", "LSHIndex", "Light", "Match", "TextFile", "band_keys", "count_number_conflicts", "dedup_corpus",
    "dedup_files", "dedup_records", "is_missing_number",
    "keep_order", "missing_count", "number_fingerprint", "number_fingerprints", "require_bloom", "suggest_digits",
]
