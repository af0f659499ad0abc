"""The numba kernels: MinHash signatures (`minhash.py`) and figure fingerprints (`dedup/figures.py`), the same
bits as their numpy paths. A module of their own, imported when a run first uses them: importing numba costs
about 0.4 s, which a clean of one short page need not pay."""
from __future__ import annotations

import numba
import numpy as np

# ----------------------------------------------------------------------------- MinHash signatures

@numba.njit(inline="always")
def _nb_rotl(x, r):
    return np.uint32((x << np.uint32(r)) | (x >> np.uint32(32 - r)))

@numba.njit(inline="always")
def _nb_fmix(h):
    h = np.uint32(h ^ (h >> np.uint32(16)))
    h = np.uint32(h * np.uint32(0x85EBCA6B))
    h = np.uint32(h ^ (h >> np.uint32(13)))
    h = np.uint32(h * np.uint32(0xC2B2AE35))
    return np.uint32(h ^ (h >> np.uint32(16)))

@numba.njit(inline="always")
def nb_normalize(c):
    """The normalised code point, or 0xFFFFFFFF if normalisation drops the character."""
    # Fast path first: CJK, kana, Hangul, most scripts and printable ASCII other than A-Z stay as they are.
    if (0x2064 < c < 0x3000) or (0x3000 < c < 0xFEFF) or (0x20 < c < 0x41) or (0x5A < c < 0x7F):
        return c
    if c <= 0x20 or c == 0x7F or c == 0x85 or c == 0xA0 or c == 0x1680 or c == 0x3000 or c == 0xFEFF:
        return np.uint32(0xFFFFFFFF)
    if (0x2000 <= c <= 0x200F) or (0x2028 <= c <= 0x202F) or (0x205F <= c <= 0x2064):
        return np.uint32(0xFFFFFFFF)
    if 0xFF01 <= c <= 0xFF5E:
        c = np.uint32(c - np.uint32(0xFEE0))
    if 0x41 <= c <= 0x5A:
        c = np.uint32(c + np.uint32(0x20))
    return c

@numba.njit(inline="always")
def _nb_shingle_hashes(cps, start, end, ngram, normalize, zero_digits, blocks, hashes):
    """Write the text's shingle hashes, already fmix pre-mixed, into `hashes`; return their count."""
    length = 0
    for i in range(start, end):
        c = cps[i]
        if normalize:
            c = nb_normalize(c)
            if c == np.uint32(0xFFFFFFFF):
                continue
        if zero_digits and 0x30 <= c <= 0x39:
            c = np.uint32(0x30)
        blocks[length] = c
        length += 1
    if length == 0:
        return 0
    # Whole-array passes (rather than one scalar loop per n-gram) let LLVM vectorise the hashing.
    for i in range(length):
        k = np.uint32(blocks[i] * np.uint32(0xCC9E2D51))
        blocks[i] = np.uint32(_nb_rotl(k, 15) * np.uint32(0x1B873593))
    width = min(ngram, length)
    count = length - width + 1
    for i in range(count):
        hashes[i] = 0
    for j in range(width):
        for i in range(count):
            h = np.uint32(hashes[i] ^ blocks[i + j])
            hashes[i] = np.uint32(_nb_rotl(h, 13) * np.uint32(5) + np.uint32(0xE6546B64))
    tail = np.uint32(4 * width)
    for i in range(count):
        # Murmur's length step and finalizer, then datasketch's affine32 pre-mix.
        hashes[i] = _nb_fmix(_nb_fmix(np.uint32(hashes[i] ^ tail)))
    return count

@numba.njit(inline="always")
def _nb_min_hash(hashes, count, a, b, out_row):
    """out_row[k] = min over the first `count` hashes of a[k] * h + b[k] mod 2**32."""
    num_perm = a.shape[0]
    # A fresh local array lets LLVM prove it does not alias a and b, so the k loops vectorise.
    mins = np.full(num_perm, np.uint32(0xFFFFFFFF))
    i = 0
    # Four shingles per pass over the permutations: a, b and mins are loaded and stored once for
    # four products, which moves the loop from memory-bound to multiply-bound.
    while i + 3 < count:
        h0, h1, h2, h3 = hashes[i], hashes[i + 1], hashes[i + 2], hashes[i + 3]
        for k in range(num_perm):
            ak, bk = a[k], b[k]
            v0 = np.uint32(ak * h0 + bk)
            v1 = np.uint32(ak * h1 + bk)
            v2 = np.uint32(ak * h2 + bk)
            v3 = np.uint32(ak * h3 + bk)
            if v1 < v0:
                v0 = v1
            if v3 < v2:
                v2 = v3
            if v2 < v0:
                v0 = v2
            if v0 < mins[k]:
                mins[k] = v0
        i += 4
    while i < count:
        h = hashes[i]
        for k in range(num_perm):
            v = np.uint32(a[k] * h + b[k])
            if v < mins[k]:
                mins[k] = v
        i += 1
    out_row[:] = mins

@numba.njit(nogil=True, cache=True)
def nb_signatures(cps, offsets, ngram, normalize, zero_digits, a, b, out):
    """Fill out[d] with the signature of the text cps[offsets[d]:offsets[d+1]]."""
    longest = 0
    for d in range(offsets.shape[0] - 1):
        longest = max(longest, offsets[d + 1] - offsets[d])
    blocks = np.empty(longest, dtype=np.uint32)
    hashes = np.empty(longest, dtype=np.uint32)
    for d in range(offsets.shape[0] - 1):
        count = _nb_shingle_hashes(cps, offsets[d], offsets[d + 1], ngram, normalize, zero_digits, blocks, hashes)
        _nb_min_hash(hashes, count, a, b, out[d])


# ----------------------------------------------------------------------------- figure fingerprints

@numba.njit(inline="always")
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

@numba.njit(nogil=True, cache=True)
def nb_fingerprint(cps, context):
    """number_fingerprint on the numba path (same values as _fingerprint_numpy)."""
    n = cps.shape[0]
    norm = np.empty(n, dtype=np.uint32)
    m = 0
    for i in range(n):
        c = nb_normalize(cps[i])
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

@numba.njit(nogil=True, cache=True)
def nb_fingerprints(cps, offsets, context):
    """Fingerprints of the texts cps[offsets[d]:offsets[d+1]], concatenated, and their lengths."""
    out = np.empty(cps.shape[0], dtype=np.uint64)  # a text has fewer figures than code points
    lengths = np.zeros(offsets.shape[0] - 1, dtype=np.int64)
    filled = 0
    for d in range(offsets.shape[0] - 1):
        values = nb_fingerprint(cps[offsets[d] : offsets[d + 1]], context)
        out[filled : filled + values.shape[0]] = values
        lengths[d] = values.shape[0]
        filled += values.shape[0]
    return out[:filled], lengths
