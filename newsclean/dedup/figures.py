"""Figure fingerprints: each figure of a text hashed with its masked context (numpy and numba, same bits)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

import numpy as np

from ..minhash import (MinHashConfig, chunk_size, code_points, default_backend, fmix32, murmur_blocks, murmur_round,
                       normalize_code_points)

# Characters of masked text on each side of a figure that identify "the same place" in two documents.
NUMBER_CONTEXT = 8
NO_FIGURES = np.empty(0, dtype=np.uint64)
NO_FIGURES.flags.writeable = False
# Figures are read on the normalised text that signatures see (full-width digits become ASCII).
_FIGURE_NORMALISATION = MinHashConfig()


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
        from ..kernels import nb_fingerprint

        return nb_fingerprint(cps, NUMBER_CONTEXT)
    return _fingerprint_numpy(cps)




def _murmur_rows(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """MurmurHash3_x86_32 (seed 0) of each row's first `lengths[i]` code points (numpy)."""
    blocks = murmur_blocks(values)
    h = np.zeros(len(values), dtype=np.uint32)
    for j in range(values.shape[1]):
        h = np.where(j < lengths, murmur_round(h, blocks[:, j]), h)
    return fmix32(h ^ (lengths.astype(np.uint32) * np.uint32(4)))


def _fingerprint_numpy(cps: np.ndarray) -> np.ndarray:
    """number_fingerprint on the numpy path."""
    norm = normalize_code_points(cps, _FIGURE_NORMALISATION)
    digit = (norm >= 0x30) & (norm <= 0x39)
    if not digit.any():
        return NO_FIGURES
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


def number_fingerprints(texts: Sequence[str], backend: str | None = None, jobs: int = 1) -> list[np.ndarray]:
    """number_fingerprint of many texts: one kernel call per chunk, chunks in threads with jobs > 1."""
    backend = backend or default_backend()
    if backend != "numba":
        return [number_fingerprint(text, backend) for text in texts]
    size = chunk_size(len(texts), jobs)
    parts = [texts[start : start + size] for start in range(0, len(texts), size)]
    if jobs <= 1 or len(parts) <= 1:
        return [values for part in parts for values in _fingerprints_numba(part)]
    with ThreadPoolExecutor(jobs) as pool:
        return [values for chunk in pool.map(_fingerprints_numba, parts) for values in chunk]


def _fingerprints_numba(texts: Sequence[str]) -> list[np.ndarray]:
    """Fingerprints of one chunk of texts with the batch kernel."""
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum([len(t) for t in texts], out=offsets[1:])
    from ..kernels import nb_fingerprints

    flat, lengths = nb_fingerprints(code_points("".join(texts)), offsets, NUMBER_CONTEXT)
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
