"""Stage 3: collapse repeated paragraphs and photo captions to one copy (MinHash LSH, datasketch's scheme).

Scraped pages repeat a caption ten times, or a whole paragraph twice. Exact repeats are found by their text;
near repeats (a few characters different) by MinHash signatures of character n-grams (datasketch's affine32
scheme, bit for bit) banded into LSH buckets, so each line is compared only with the lines it shares a bucket
with; every candidate is then checked by edit similarity (rapidfuzz). A line that stands word for word inside
an earlier, longer line that stays (a paragraph repeated after the page had merged it with its title or its
neighbour) is a copy too.

Similar is not the same: `国务院副总理刘鹤参加会见。` and `国务院副总理韩正参加会见。` are two facts. A near or
contained copy goes only when it adds nothing to the copy that stays: the characters in which the two differ
carry no name, figure or word (whitespace, punctuation, digits one copy lost, a caption marker, a sentence
that another line of the page holds, or a tiny edit inside a long paragraph). Short lines without a sentence
end (table cells, field labels, list items, headings a table of contents mirrors) repeat because the page is a
table or a form: inside the body (from its first to its last line of prose) they stay, however often they
stand, unless they repeat in a run with their neighbours (a menu or a link list printed twice); above or
below the body they are menus and link lists, and collapse.
"""
from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections import Counter, defaultdict
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import regex

from .. import minhash_pure
from ..document import Document, Line
from ..minhash_pure import MinHashConfig
from ..nfkc import nfkc
from . import Stage

if TYPE_CHECKING:  # numpy is imported by the pages that need it (see `_near_pairs`)
    import numpy as np

NAME = "repeats"

_NOT_TEXT = regex.compile(r"[\s\p{P}\p{S}]+")
# The same class over the BMP, listed for the standard `re` engine, which removes it from a line about twice as
# fast as `regex` does; a line with a character beyond the BMP (rare: emoji, rare Han) keeps the `regex` class.
# `tests/stages/test_repeats.py` compares the two over every BMP code point (and fails when `regex`'s Unicode
# tables change).
_NOT_TEXT_BMP = re.compile(
    "["
    "\x09-\x0d\x20-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e\x85\xa0-\xa9\xab-\xac\xae-\xb1\xb4\xb6-\xb8\xbb\xbf"
    "\xd7\xf7\u02c2-\u02c5\u02d2-\u02df\u02e5-\u02eb\u02ed\u02ef-\u02ff\u0375\u037e\u0384-\u0385\u0387"
    "\u03f6\u0482\u055a-\u055f\u0589-\u058a\u058d-\u058f\u05be\u05c0\u05c3\u05c6\u05f3-\u05f4"
    "\u0606-\u060f\u061b\u061d-\u061f\u066a-\u066d\u06d4\u06de\u06e9\u06fd-\u06fe\u0700-\u070d"
    "\u07f6-\u07f9\u07fe-\u07ff\u0830-\u083e\u085e\u0888\u0964-\u0965\u0970\u09f2-\u09f3\u09fa-\u09fb"
    "\u09fd\u0a76\u0af0-\u0af1\u0b70\u0bf3-\u0bfa\u0c77\u0c7f\u0c84\u0d4f\u0d79\u0df4\u0e3f\u0e4f"
    "\u0e5a-\u0e5b\u0f01-\u0f17\u0f1a-\u0f1f\u0f34\u0f36\u0f38\u0f3a-\u0f3d\u0f85\u0fbe-\u0fc5"
    "\u0fc7-\u0fcc\u0fce-\u0fda\u104a-\u104f\u109e-\u109f\u10fb\u1360-\u1368\u1390-\u1399\u1400"
    "\u166d-\u166e\u1680\u169b-\u169c\u16eb-\u16ed\u1735-\u1736\u17d4-\u17d6\u17d8-\u17db\u1800-\u180a"
    "\u1940\u1944-\u1945\u19de-\u19ff\u1a1e-\u1a1f\u1aa0-\u1aa6\u1aa8-\u1aad\u1b4e-\u1b4f\u1b5a-\u1b6a"
    "\u1b74-\u1b7f\u1bfc-\u1bff\u1c3b-\u1c3f\u1c7e-\u1c7f\u1cc0-\u1cc7\u1cd3\u1fbd\u1fbf-\u1fc1"
    "\u1fcd-\u1fcf\u1fdd-\u1fdf\u1fed-\u1fef\u1ffd-\u1ffe\u2000-\u200a\u2010-\u2029\u202f-\u205f"
    "\u207a-\u207e\u208a-\u208e\u20a0-\u20c4\u2100-\u2101\u2103-\u2106\u2108-\u2109\u2114\u2116-\u2118"
    "\u211e-\u2123\u2125\u2127\u2129\u212e\u213a-\u213b\u2140-\u2144\u214a-\u214d\u214f\u218a-\u218b"
    "\u2190-\u2429\u2440-\u244a\u249c-\u24e9\u2500-\u2775\u2794-\u2b73\u2b76-\u2bff\u2ce5-\u2cea"
    "\u2cf9-\u2cfc\u2cfe-\u2cff\u2d70\u2e00-\u2e2e\u2e30-\u2e5d\u2e60-\u2e63\u2e80-\u2e99\u2e9b-\u2ef3"
    "\u2f00-\u2fd5\u2ff0-\u3004\u3008-\u3020\u3030\u3036-\u3037\u303d-\u303f\u309b-\u309c\u30a0\u30fb"
    "\u3190-\u3191\u3196-\u319f\u31c0-\u31e5\u31ef\u3200-\u321e\u322a-\u3247\u3250\u3260-\u327f"
    "\u328a-\u32b0\u32c0-\u33ff\u4dc0-\u4dff\ua490-\ua4c6\ua4fe-\ua4ff\ua60d-\ua60f\ua673\ua67e"
    "\ua6f2-\ua6f7\ua700-\ua716\ua720-\ua721\ua789-\ua78a\ua828-\ua82b\ua836-\ua839\ua874-\ua877"
    "\ua8ce-\ua8cf\ua8f8-\ua8fa\ua8fc\ua92e-\ua92f\ua95f\ua9c1-\ua9cd\ua9de-\ua9df\uaa5c-\uaa5f"
    "\uaa77-\uaa79\uaade-\uaadf\uaaf0-\uaaf1\uab5b\uab6a-\uab6b\uabeb\ufb29\ufbb2-\ufbd2\ufd3e-\ufd4f"
    "\ufd90-\ufd91\ufdc8-\ufdcf\ufdfc-\ufdff\ufe10-\ufe19\ufe30-\ufe52\ufe54-\ufe66\ufe68-\ufe6b"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffe6\uffe8-\uffee\ufffc-\ufffd"
    "]+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# `regex`'s \s listed for the standard engine (its own \s also takes \x1c-\x1f).
_SPACES = re.compile("[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+")
# Figures in digits (NFKC text): Han numerals that differ are a difference in words, which the diff sees.
_FIGURES = regex.compile(r"[0-9]+(?:\.[0-9]+)?")
# What a difference may consist of and still carry nothing: digits (one copy lost them; copies that state
# different figures are told apart by `_same_figures` first) and the decimal point.
_ONLY_DIGITS = regex.compile(r"[0-9.]+")
# What carries content in a difference: letters of any script (Han included) and digits.
_CONTENT = regex.compile(r"[\p{L}\p{N}]")
CAPTION_MARK = regex.compile(r"^(?:[▲▼△▽◆◇■□●○★☆►▶◀]|[上下左右]?图(?:为|：|:)|[上下左右]图)")
# A line of at most this many characters is short: a caption, a heading, a cell (see `line_kind`).
SHORT_CHARS = 40
# A photo credit at the end of a caption: `（李霞军 摄）`, `新华社记者 王鹏 摄`.
_PHOTO_CREDIT = regex.compile(r"摄[）)]?\s*$")
# How a sentence ends (possibly inside a closing quote or bracket): a line without it is a label or heading.
_SENTENCE_END = regex.compile(r"[。！？!?…][”’」』）)]*\s*$")
# Punctuation of running prose (see `_body_span`).
_PROSE = re.compile(r"[，。！？；,;!?]")  # listed characters: the standard engine finds them faster
# Any mark that ends a sentence, wherever it stands: a line with one is prose, not a cell or a label (the
# rejoin stage asks it of the line below a break too).
SENTENCE_MARK = re.compile(r"[。！？!?]")
_SENTENCES = regex.compile(r"[^。！？!?…]+[。！？!?…]*")


# What each rule of the stage means (the rule id of a removal is this id plus "-caption" or "-paragraph").
RULES = {
    "exact-repeat": "the same text (spaces and punctuation aside) stands in the kept paragraph",
    "near-repeat": "differs from the kept paragraph only in spaces, punctuation, digits it lost, a caption "
                   "marker, a sentence another line holds, or a tiny edit in a long paragraph",
    "contained-repeat": "stands word for word inside the kept, longer paragraph",
}
# Why a line that looks repeated stays (counted as `repeat_kept:<why>`).
KEPT_APART = {
    "label": "a repeated cell, field label, list item or heading: the page's structure, not a copy",
    "distinct-content": "like another line, but it differs in a name, a word or a figure",
}


# A named tuple, not a frozen dataclass: the same immutable, comparable value without the decorator's start-up cost.
class RepeatOptions(NamedTuple):
    ngram: int = 3
    num_perm: int = 64
    # Estimated n-gram Jaccard a line needs with an earlier one to be checked at all: low, because a
    # two-character edit in a 15-character caption already halves its 3-gram overlap; precision comes from
    # the similarity check below.
    jaccard_threshold: float = 0.3
    # LSH bands of `lsh_rows` signature values each (num_perm / lsh_rows bands): two lines become candidates
    # when one band is equal. With 2 rows and 32 bands a pair at Jaccard 0.3 is found with probability 0.95,
    # one at 0.5 (about the least that passes the similarity check) with 0.9999.
    lsh_rows: int = 2
    # Pages of at most this many candidate lines compare every pair of signatures at once (exact, and cheaper
    # than banding at this size); larger ones go through the LSH bands.
    direct_max_lines: int = 256
    # A bucket holding more lines than this is a band value unrelated lines share; it is passed over. The
    # limit grows on smaller pages, to `lsh_pair_budget` / lines (a page of 500 lines: 400), so that it only
    # bites on huge pages, where one common word would otherwise pair thousands of lines.
    lsh_max_bucket: int = 32
    lsh_pair_budget: int = 200_000
    # Normalised Indel similarity (1 - edits / total length) a candidate needs to count as a repeat.
    min_similarity: float = 0.8
    # Exact repeats count from this many characters (spaces ignored): "1" or "”" twice is not a repeat.
    min_chars: int = 2
    # Near repeats need this many characters of text (punctuation ignored) on both sides: two short lines
    # like "我要评论" and "（完）我要评论" are different lines, not one line edited.
    near_min_chars: int = 8
    # A line whose text (punctuation ignored) stands word for word inside an earlier, longer line is a copy
    # from this many characters on: a paragraph repeated after the page had merged it with its neighbours.
    contained_min_chars: int = 16
    # ... looked for in pages of at most this many characters of text (a plain substring search per line).
    contained_max_chars: int = 200_000
    # A line of at most this many characters is short: a caption, a heading, a cell (see `line_kind`).
    short_chars: int = SHORT_CHARS
    # A line of prose (it marks the body's extent) has this many characters and some punctuation.
    body_min_chars: int = 16
    # A sentence of a line that another line of the page holds (this many characters of text at least) is
    # no difference between two copies: the page merged it into one of them.
    merged_sentence_chars: int = 8
    # A tiny edit inside a long paragraph (both copies this many characters of text at least) is still a
    # copy: at most this share of the longer copy's characters differ.
    long_paragraph_chars: int = 80
    tiny_edit_share: float = 0.02


@lru_cache(maxsize=1 << 14)
def _key(text: str) -> str:
    """What two copies of one paragraph share: NFKC text without spaces, punctuation and symbols."""
    text = nfkc(text)
    return (_NOT_TEXT if _ASTRAL.search(text) else _NOT_TEXT_BMP).sub("", text)


def line_kind(text: str) -> str:
    """"caption" (a caption mark, or 40 characters at most) or "paragraph"."""
    return "caption" if CAPTION_MARK.match(text) or len(text) <= SHORT_CHARS else "paragraph"


def _body_span(lines: list[Line], options: RepeatOptions) -> range:
    """The lines from the first to the last line of prose (a sentence mark and `body_min_chars` or more):
    where a page's tables, forms and headings stand. A menu or a link list repeated above or below the
    story is chrome the chrome stage left, and its copies collapse."""
    prose = [i for i, line in enumerate(lines)
             if len(line.text) >= options.body_min_chars and _PROSE.search(line.text)]
    return range(prose[0], prose[-1] + 1) if prose else range(0)


def _in_repeated_run(exacts: list[str], i: int, j: int) -> bool:
    """Whether line i repeats line j together with a neighbour (a menu or a link list printed twice: the
    same lines in the same order), or stands right under it. A table's cell repeats beside other cells, a
    heading that a table of contents mirrors beside its own paragraph."""
    if j == i - 1:
        return True
    before = i > 0 and j > 0 and exacts[i - 1] == exacts[j - 1]
    after = i + 1 < len(exacts) and exacts[i + 1] == exacts[j + 1]
    return before or after


def is_label(text: str, options: RepeatOptions = RepeatOptions()) -> bool:
    """A short line that is no caption and no sentence: a table cell, a field label, a list item or a heading
    (`KBS2`, `日期`, `（一）生理发展方面`, `专家点评`). Its repeats are the page's structure, not copies."""
    text = text.strip()
    return (len(text) <= options.short_chars and not CAPTION_MARK.match(text)
            and not _PHOTO_CREDIT.search(text) and not SENTENCE_MARK.search(text))


def _same_figures(a: str, b: str) -> bool:
    """Whether two near-identical lines state the same figures: "1月…5.2%" and "2月…6.8%" are two facts, not
    one line edited; a copy whose digits were dropped ("达亿元" beside "达15亿元") still counts as the same."""
    fa, fb = Counter(_FIGURES.findall(a)), Counter(_FIGURES.findall(b))
    return fa <= fb or fb <= fa


@lru_cache(maxsize=1 << 14)
def _compared(text: str) -> str:
    """The form two copies are compared in: NFKC, no spaces, no leading caption marker."""
    text = _SPACES.sub("", nfkc(text))
    return CAPTION_MARK.sub("", text, count=1)


def _without_merged_sentences(text: str, other: str, elsewhere, options: RepeatOptions) -> str:
    """`text` without the sentences that the `other` copy lacks and `elsewhere` (a test on keys) finds in
    another line of the page."""
    sentences = _SENTENCES.findall(text)
    if len(sentences) < 2:  # a line of one sentence merged nothing (it would be the other line's copy)
        return text
    kept = []
    other_key = _key(other)
    for sentence in sentences:
        key = _key(sentence)
        if len(key) >= options.merged_sentence_chars and key not in other_key and elsewhere(key):
            continue
        kept.append(sentence)
    return "".join(kept)


@lru_cache(maxsize=1)
def _indel():
    """rapidfuzz's Indel distance, imported at the first pair of lines to compare: most short pages have none,
    and the import costs them about 0.01 s of start-up."""
    from rapidfuzz.distance import Indel

    return Indel


def _difference(a: str, b: str, elsewhere, options: RepeatOptions) -> tuple[int, int, int]:
    """Content characters that only `a` has, that only `b` has, and the balance of the digits that only one
    side has (the digits a copy lost): Indel opcodes of the two compared forms. A differing run that another
    line of the page holds (a title or neighbour merged into one copy) is no difference."""
    only_a = only_b = digits_a = digits_b = 0
    for op in _indel().opcodes(a, b):
        if op.tag == "equal":
            continue
        for chunk, side in ((a[op.src_start:op.src_end], "a"), (b[op.dest_start:op.dest_end], "b")):
            content = "".join(_CONTENT.findall(chunk))
            if not content or (len(content) >= options.merged_sentence_chars and elsewhere(content)):
                continue
            if _ONLY_DIGITS.fullmatch(content):
                if side == "a":
                    digits_a += len(content)
                else:
                    digits_b += len(content)
                continue
            if side == "a":
                only_a += len(content)
            else:
                only_b += len(content)
    return only_a, only_b, digits_a - digits_b


def copy_verdict(later: str, earlier: str, elsewhere=lambda key: False,
                 options: RepeatOptions = RepeatOptions()) -> str | None:
    """Whether two similar lines are one line copied: None when the characters they differ in carry content
    (both stay); otherwise which one a reader needs, "earlier" or "later" (the fuller copy: the one that kept
    digits the other lost)."""
    a = _without_merged_sentences(_compared(later), earlier, elsewhere, options)
    b = _without_merged_sentences(_compared(earlier), later, elsewhere, options)
    if not _same_figures(a, b):
        return None
    only_a, only_b, digit_balance = _difference(a, b, elsewhere, options)
    if only_a or only_b:
        longest = max(len(_key(a)), len(_key(b)))
        shortest = min(len(_key(a)), len(_key(b)))
        tiny = (shortest >= options.long_paragraph_chars
                and only_a + only_b <= options.tiny_edit_share * longest)
        if not tiny:
            return None
    return "later" if digit_balance > 0 else "earlier"


def _candidate_pairs(sigs: np.ndarray, options: RepeatOptions) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (later, earlier) of positions whose signatures share an LSH band and whose estimated Jaccard
    reaches the threshold, sorted by later then earlier position: each line meets only the lines it shares a
    bucket with, so the search is linear in the page where comparing every line with every kept one was
    quadratic. An oversized bucket (see `lsh_max_bucket`) is a band value that unrelated lines share (a
    common word); a real copy shares many bands, so such buckets are passed over."""
    import numpy as np

    n, num_perm = sigs.shape
    if n <= options.direct_max_lines:  # a page of ordinary size: every pair at once is cheaper than banding
        later, earlier = _lower_pairs(n)
        equal = np.count_nonzero(sigs[later] == sigs[earlier], axis=1)
        keep = equal >= _equal_slots_needed(num_perm, options.jaccard_threshold)
        return later[keep], earlier[keep]
    rows = options.lsh_rows
    bands = num_perm // rows
    values = sigs[:, :bands * rows].astype(np.uint64).reshape(n, bands, rows)
    keys = values[:, :, 0]
    for r in range(1, rows):  # one 64-bit key per band (exact for 2 rows of 32-bit values)
        keys = (keys << np.uint64(64 // rows)) ^ values[:, :, r]
    max_bucket = max(options.lsh_max_bucket, options.lsh_pair_budget // n)
    found = []
    for band in range(bands):
        order = np.argsort(keys[:, band], kind="stable")
        sorted_keys = keys[order, band]
        new_group = np.concatenate(([True], sorted_keys[1:] != sorted_keys[:-1]))
        group = np.cumsum(new_group)
        sizes = np.bincount(group)
        small = sizes[group] <= max_bucket
        for step in range(1, min(max_bucket, n)):
            same = (group[step:] == group[:-step]) & small[step:]
            if not same.any():
                break
            a, b = order[:-step][same], order[step:][same]
            found.append(np.maximum(a, b).astype(np.int64) * n + np.minimum(a, b))
    if not found:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pairs = np.sort(np.concatenate(found))
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))]  # a pair met in several bands once
    later, earlier = pairs // n, pairs % n
    estimates = np.empty(len(pairs))
    chunk = 1 << 16
    for start in range(0, len(pairs), chunk):
        end = start + chunk
        estimates[start:end] = (sigs[later[start:end]] == sigs[earlier[start:end]]).mean(axis=1)
    keep = estimates >= options.jaccard_threshold
    return later[keep], earlier[keep]


@lru_cache(maxsize=32)
def _lower_pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (later, earlier) of n positions, sorted by later then earlier (numpy's `tril_indices`, which
    costs more than comparing a small page's signatures: remembered for the last few page sizes)."""
    import numpy as np

    later, earlier = np.tril_indices(n, -1)
    for positions in (later, earlier):
        positions.flags.writeable = False
    return later, earlier


@lru_cache(maxsize=8)
def _equal_slots_needed(num_perm: int, threshold: float) -> int:
    """The fewest equal signature slots whose share (an estimated Jaccard) reaches the threshold: the share
    compared as `equal / num_perm >= threshold` (numpy's mean of the equal slots made the same division)."""
    return next((k for k in range(num_perm + 1) if k / num_perm >= threshold), num_perm + 1)


def find_repeats(lines: list[Line], options: RepeatOptions = RepeatOptions(),
                 kept_apart: Counter | None = None) -> dict[int, tuple[int, str]]:
    """Map the index (in `lines`) of each repeated line to (index of the copy that stays, rule id).

    `kept_apart` counts the lines that look repeated but stay, by why: `label` (a cell, label or heading
    repeated), `distinct-content` (similar to another line, but it says something else)."""
    kept_apart = kept_apart if kept_apart is not None else Counter()
    keys = [_key(line.text) for line in lines]
    body = _body_span(lines, options)
    repeats: dict[int, tuple[int, str]] = {}
    first_seen: dict[str, int] = {}
    candidates: list[int] = []
    # Captions such as "（毛毛）。" are almost all punctuation: their exact key keeps the punctuation.
    exacts = [key if len(key) >= options.near_min_chars else _SPACES.sub("", nfkc(line.text))
              for key, line in zip(keys, lines)]
    for i, key in enumerate(keys):
        exact = exacts[i]
        if len(exact) < options.min_chars:
            continue
        if exact in first_seen:
            j = first_seen[exact]
            if i in body and is_label(lines[i].text, options) and not _in_repeated_run(exacts, i, j):
                kept_apart["label"] += 1
            else:
                repeats[i] = (j, "exact-repeat")
            continue
        first_seen[exact] = i
        if len(key) >= options.near_min_chars:
            candidates.append(i)
    elsewhere = _Elsewhere(keys)
    if len(candidates) >= 2 and _some_pair_similar([keys[i] for i in candidates], options):
        _find_near(lines, keys, candidates, repeats, elsewhere, kept_apart, body, options)
    _find_contained(lines, keys, repeats, elsewhere, kept_apart, options)
    return _resolved(repeats)


# Pages of at most this many candidate lines are first asked whether any two of them are similar enough to
# be near repeats at all (each pair's Indel similarity, as `_find_near` asks it): on most pages none are, and
# then the signatures and their buckets, which only choose the pairs to check, are not made (about 60 µs a page
# of five paragraphs). A larger page has too many pairs for it.
SIMILAR_FIRST_MAX_LINES = 32


def _some_pair_similar(keys: list[str], options: RepeatOptions) -> bool:
    """False only when no two of `keys` reach `min_similarity`, so that `_find_near`, which asks that of every
    pair it checks before anything else, would do nothing. Asked only while numpy is loaded: a short run signs
    its small pages in pure Python and need not import rapidfuzz for them."""
    if len(keys) > SIMILAR_FIRST_MAX_LINES or "numpy" not in sys.modules:
        return True
    # The very call and comparison `_find_near` makes (with a `score_cutoff`, rapidfuzz gave 0 for a pair
    # exactly at the threshold).
    similarity, threshold = _indel().normalized_similarity, options.min_similarity
    for i in range(1, len(keys)):
        later = keys[i]
        for j in range(i):
            if similarity(later, keys[j]) >= threshold:
                return True
    return False


# From this many characters of keys on, `_Elsewhere` answers from an index of the page's character bigrams
# instead of a search through the whole page per question, which made a page of a million characters cost
# four times ten pages of 100,000 (each question read the page once: quadratic).
ELSEWHERE_INDEX_CHARS = 100_000


class _Elsewhere:
    """Whether a key stands in some line other than two given ones (a sentence the page merged elsewhere)."""

    def __init__(self, keys: list[str]):
        self.keys = keys
        self.joined = "\0".join(keys)
        self.starts = []
        at = 0
        for key in keys:
            self.starts.append(at)
            at += len(key) + 1
        self._bigrams: tuple[np.ndarray, np.ndarray] | None = None
        self._holders: dict[str, tuple[int, ...]] = {}  # key -> the first lines that hold it (indexed pages)

    def test(self, *exclude: int):
        if len(self.joined) > ELSEWHERE_INDEX_CHARS:
            return lambda key: self._indexed(key, exclude)

        def found(key: str) -> bool:
            at = self.joined.find(key)
            while at >= 0:
                j = bisect_right(self.starts, at) - 1
                if j not in exclude and at + len(key) <= self.starts[j] + len(self.keys[j]):
                    return True
                at = self.joined.find(key, at + 1)
            return False
        return found

    def _indexed(self, key: str, exclude: tuple[int, ...]) -> bool:
        """The same answer as the search, from the lines that hold the key's rarest bigram (a line that holds
        the key holds each of its bigrams, so no line is missed; each candidate is then checked whole)."""
        holders = self._holders.get(key)
        if holders is None:
            holders = self._holders[key] = self._first_holders(key)
        return any(j not in exclude for j in holders)

    def _first_holders(self, key: str) -> tuple[int, ...]:
        """The first three lines whose key holds `key` (a question excludes two lines, so three answer it)."""
        if len(key) < 2:
            return tuple(j for j, k in enumerate(self.keys) if key in k)[:3]
        import numpy as np

        codes, positions = self._bigram_index()
        wanted = _bigram_codes(key)
        left, right = np.searchsorted(codes, wanted, "left"), np.searchsorted(codes, wanted, "right")
        rarest = int(np.argmin(right - left))
        at = positions[left[rarest]:right[rarest]]
        holders: list[int] = []
        for j in np.unique(np.searchsorted(self._starts, at, "right") - 1).tolist():
            if key in self.keys[j]:
                holders.append(j)
                if len(holders) == 3:
                    break
        return tuple(holders)

    def _bigram_index(self) -> tuple[np.ndarray, np.ndarray]:
        """(every bigram code of the joined keys, sorted; the position of each), built on the first question."""
        if self._bigrams is None:
            import numpy as np

            codes = _bigram_codes(self.joined)
            order = np.argsort(codes, kind="stable")
            self._bigrams = codes[order], order
            self._starts = np.asarray(self.starts, dtype=np.int64)
        return self._bigrams


def _bigram_codes(text: str) -> np.ndarray:
    """One 64-bit code per pair of neighbouring characters of `text` (code points are 21 bits)."""
    import numpy as np

    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    return (cps[:-1] << np.uint64(21)) | cps[1:]


# The numba kernel takes about 0.5 s to load and then signs a page 10x faster than numpy (same bits): the
# first pages of a process, and small ones, are signed with numpy, so that cleaning one short page does not
# pay the load; from the NUMPY_FIRST_PAGES-th page on (or a page of NUMPY_MAX_LINES lines or more) the kernel.
NUMPY_FIRST_PAGES = 100
NUMPY_MAX_LINES = 200
_pages_signed = 0
# Importing numpy costs more than signing a few short lines in pure Python (`minhash_pure`, the same bits):
# while the process has not loaded numpy (the numbers stage's cascade loads it only for a text of 1,000
# candidate places or more), a page of at most PURE_MAX_LINES candidate lines is signed and paired in Python,
# for the first PURE_FIRST_PAGES such pages (from there on numpy is loaded, which is faster for many pages).
PURE_MAX_LINES = 64
PURE_FIRST_PAGES = 20
_pages_pure = 0


def _backend(lines: int) -> str | None:
    """The signature backend for a page of `lines` candidate lines (None: the fastest available)."""
    global _pages_signed
    from ..minhash import kernel_loaded

    _pages_signed += 1
    if kernel_loaded() or _pages_signed > NUMPY_FIRST_PAGES or lines >= NUMPY_MAX_LINES:
        return None
    return "numpy"


def _in_pure_python(lines: int, options: RepeatOptions) -> bool:
    """Whether a page of `lines` candidate lines is signed and paired without numpy (see PURE_MAX_LINES; a
    page the options band compares through LSH buckets goes to numpy)."""
    global _pages_pure
    if ("numpy" in sys.modules or lines > min(PURE_MAX_LINES, options.direct_max_lines)
            or _pages_pure >= PURE_FIRST_PAGES):
        return False
    _pages_pure += 1
    return True


@lru_cache(maxsize=8)
def _config(ngram: int, num_perm: int) -> MinHashConfig:
    """The signature config of the options (a checked tuple: made once, not once a page)."""
    return MinHashConfig(ngram=ngram, num_perm=num_perm)


def _near_pairs(keys: list[str], options: RepeatOptions) -> list[tuple[int, list[int]]]:
    """For each position (in `keys`) that has candidates, the earlier positions whose signatures share a band
    and reach the Jaccard threshold (`_candidate_pairs`), in text order both."""
    config = _config(options.ngram, options.num_perm)
    if _in_pure_python(len(keys), options):
        return _pairs_in_python(minhash_pure.signatures(keys, config), options)
    from ..minhash import signatures

    later, earlier = _candidate_pairs(signatures(keys, config, backend=_backend(len(keys))), options)
    grouped: list[tuple[int, list[int]]] = []
    for i, j in zip(later.tolist(), earlier.tolist()):
        if grouped and grouped[-1][0] == i:
            grouped[-1][1].append(j)
        else:
            grouped.append((i, [j]))
    return grouped


def _pairs_in_python(sigs: list[tuple[int, ...]], options: RepeatOptions) -> list[tuple[int, list[int]]]:
    """`_near_pairs` of a small page (at most `direct_max_lines`) from every pair of signatures, as the numpy
    path compares them: the count of equal slots against the fewest whose share reaches the threshold."""
    grouped = []
    needed = _equal_slots_needed(options.num_perm, options.jaccard_threshold)
    for i, later in enumerate(sigs):
        earlier = [j for j in range(i) if sum(x == y for x, y in zip(later, sigs[j])) >= needed]
        if earlier:
            grouped.append((i, earlier))
    return grouped


def _find_near(lines, keys, candidates, repeats, elsewhere, kept_apart, body, options) -> None:
    """Near repeats among `candidates` (line indexes, in text order), found through LSH buckets; each line is
    checked against the earlier lines that still stand, the earliest confirmed copy first."""
    for pos, earlier in _near_pairs([keys[i] for i in candidates], options):
        i = candidates[pos]
        refused = None
        for k in earlier:
            j = candidates[k]
            if j in repeats or _indel().normalized_similarity(keys[i], keys[j]) < options.min_similarity:
                continue
            if i in body and is_label(lines[i].text, options) and is_label(lines[j].text, options):
                refused = "label"  # two cells or headings that differ in a space: still two cells
                continue
            verdict = copy_verdict(lines[i].text, lines[j].text, elsewhere.test(i, j), options)
            if verdict is None:
                refused = "distinct-content"
                continue
            if verdict == "earlier":
                repeats[i] = (j, "near-repeat")
            else:  # the later copy kept digits the earlier one lost: it stays in its place
                repeats[j] = (i, "near-repeat")
            refused = None
            break
        if refused:
            kept_apart[refused] += 1


def _find_contained(lines, keys, repeats, elsewhere, kept_apart, options) -> None:
    """Add to `repeats` the sentences or paragraphs whose key occurs inside the key of an earlier, longer line
    that stays (one that is not itself a repeat, so the text survives where the copy points). A heading or
    label found inside a paragraph (`年货销售迎来高峰`, the title a paragraph quotes) is no copy of it."""
    if len(elsewhere.joined) > options.contained_max_chars:
        return
    starts, joined = elsewhere.starts, elsewhere.joined
    for i, key in enumerate(keys):
        if i in repeats or len(key) < options.contained_min_chars:
            continue
        if not _SENTENCE_END.search(lines[i].text) and line_kind(lines[i].text) == "caption":
            continue
        if CAPTION_MARK.match(lines[i].text.lstrip()):  # a caption copying a paragraph: `图为…`, `▲…`
            key = _key(_compared(lines[i].text)) or key
        found = joined.find(key, 0, starts[i])
        while found >= 0:
            j = bisect_right(starts, found) - 1
            # inside line j, not across the separator (a key may hold a NUL when normalisation did not run)
            inside = found + len(key) <= starts[j] + len(keys[j])
            if inside and j not in repeats and len(keys[j]) > len(key):
                repeats[i] = (j, "contained-repeat")
                break
            found = joined.find(key, found + 1, starts[i])


def _resolved(repeats: dict[int, tuple[int, str]]) -> dict[int, tuple[int, str]]:
    """Point every copy at a line that stays (a copy of a copy that gave way to a fuller one follows it)."""
    out = {}
    for i, (j, rule) in repeats.items():
        seen = {i}
        while j in repeats and j not in seen:
            seen.add(j)
            j = repeats[j][0]
        out[i] = (j, rule)
    return out


def run(doc: Document, rules=None, options: RepeatOptions = RepeatOptions()) -> None:
    """Remove every copy of a repeated paragraph or caption from `doc` but the one a reader needs."""
    lines = [line for line in doc.lines() if line.text]
    kept_apart: Counter = Counter()
    repeats = find_repeats(lines, options, kept_apart)
    for why, n in sorted(kept_apart.items()):
        doc.count("repeat_kept", why, n)
    if not repeats:
        return
    removed = sorted(repeats)
    originals = [lines[repeats[i][0]] for i in removed]
    doc.remove_lines(
        [lines[i] for i in removed], "repeat",
        [f"{repeats[i][1]}-{line_kind(lines[i].text)}" for i in removed],
        duplicate_of=[doc.aligned.raw_span(o.start, o.end)[0] for o in originals],
    )


# ---------------------------------------------------------------- registry declaration

def _bind(rules, options: RepeatOptions):
    """run() bound to the rules and options."""
    return lambda doc: run(doc, rules, options)


STAGE = Stage(NAME, lambda pipeline: pipeline.repeats, _bind,
              books={"repeat": "repeats_removed", "repeat_kept": "repeats_kept"})
