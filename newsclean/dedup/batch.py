"""Batch dedup: the near-duplicates among a set of records, one kept per cluster (LSH or Bloom index)."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np

from ..minhash import empty_signatures, signatures
from .bloom import BloomIndex
from .config import DedupConfig
from .figures import number_fingerprints
from .lsh import LSHIndex, band_keys
from .repair import missing_count, repair_kept
from .result import ClusterEntry, DedupResult, Match
from .verify import Verifier

def keep_order(records: Sequence[dict[str, Any]], lengths: Sequence[int]) -> list[int]:
    """Positions in keep order: fewest missing_number flags, then longest text (`lengths`), then earliest."""
    missing = [missing_count(r) for r in records]
    return sorted(range(len(records)), key=lambda i: (missing[i], -lengths[i], i))


def dedup_records(records: Iterable[dict[str, Any]], config: DedupConfig = DedupConfig(),
                  text_field: str = "text", id_field: str = "id", ids: Sequence[str] | None = None,
                  save_index: bool = True, texts: Sequence[str] | None = None) -> DedupResult:
    """Find near-duplicates among records ({"id", "text", optional "annotations"}) and pick one per cluster.

    `ids` overrides the records' own ids in the result; otherwise records without an id are named by
    their input position.  `texts` overrides the records' texts: any sequence, such as a
    `newsclean.dedup.TextFile` that reads them from disk when asked, so that a large corpus need not be held in memory (it is read in
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
    blank = empty_signatures(sigs)  # nothing left to compare: kept as they are, never matched
    index = LSHIndex(config)
    all_keys = band_keys(sigs, index.bands, index.rows)
    # A document none of whose band keys occurs twice in the batch can neither find nor be found by
    # anything: one sort per band settles that for all of them, and only the rest go through the LSH.
    sharing = _shares_a_bucket(all_keys, blank)
    keys = dict(zip(np.flatnonzero(sharing).tolist(), all_keys[sharing].tolist()))
    verifier = Verifier(config, sigs, texts)
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
        repair_kept(result, texts, ids, copies)
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
    index = BloomIndex.open(config)
    entries: list[ClusterEntry] = []
    for start in range(0, len(texts), BLOOM_CHUNK):
        sigs = signatures(texts[start : start + BLOOM_CHUNK], config.minhash, jobs=config.jobs, backend=config.backend)
        blank = empty_signatures(sigs).tolist()  # kept, never indexed or matched, as on the LSH path
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



def _shares_a_bucket(keys: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """Rows (not excluded) with at least one band key that another non-excluded row also has."""
    sharing = np.zeros(len(keys), dtype=bool)
    included = np.flatnonzero(~excluded)
    for band in range(keys.shape[1]):
        _, inverse, counts = np.unique(keys[included, band], return_inverse=True, return_counts=True)
        sharing[included] |= counts[inverse] > 1
    return sharing


def _best_match(position: int, texts: Sequence[str], sigs: np.ndarray, keys: dict[int, list[int]], index: LSHIndex,
                verifier: Verifier, rank: dict[int, int], ids: Sequence[str]) -> tuple[Match | None, int | None]:
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
