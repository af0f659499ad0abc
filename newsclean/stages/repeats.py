"""Stage 3: collapse repeated paragraphs and photo captions to their first occurrence (MinHash, datasketch).

Scraped pages repeat a caption ten times, or a whole paragraph twice. Exact repeats are found by their text;
near repeats (a few characters different) by MinHash signatures of character n-grams (datasketch's affine32
scheme, bit for bit), with every candidate checked by edit similarity (rapidfuzz) so that two different
paragraphs that only share a long phrase are never merged. Short captions are handled like paragraphs:
nothing is skipped for being short. A line that stands word for word inside an earlier, longer line that stays
(a paragraph repeated after the page had merged it with its title or its neighbour) is a copy too.
"""
from __future__ import annotations

import unicodedata
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

import numpy as np
import regex
from rapidfuzz.distance import Indel

from ..document import Document, Line
from ..minhash import MinHashConfig, signatures

NAME = "repeats"

_NOT_TEXT = regex.compile(r"[\s\p{P}\p{S}]+")
_SPACES = regex.compile(r"\s+")
_NUMERALS = regex.compile(r"[0-9０-９.．〇零一二三四五六七八九十百千万亿两]+")
CAPTION_MARK = regex.compile(r"^(?:[▲▼△▽◆◇■□●○★☆►▶◀]|图为|图：|图:|上图|下图|左图|右图)")


@dataclass(frozen=True, slots=True)
class RepeatOptions:
    ngram: int = 3
    num_perm: int = 64
    # Estimated n-gram Jaccard a line needs with an earlier one to be checked at all: low, because a
    # two-character edit in a 15-character caption already halves its 3-gram overlap; precision comes from
    # the similarity check below.
    jaccard_threshold: float = 0.3
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


def _key(text: str) -> str:
    """What two copies of one paragraph share: NFKC text without spaces, punctuation and symbols."""
    return _NOT_TEXT.sub("", unicodedata.normalize("NFKC", text))


def line_kind(text: str) -> str:
    """"caption" (a caption mark, or 40 characters at most) or "paragraph"."""
    return "caption" if CAPTION_MARK.match(text) or len(text) <= 40 else "paragraph"


def _same_figures(a: str, b: str) -> bool:
    """Whether two near-identical lines state the same figures: "1月…5.2%" and "2月…6.8%" are two facts, not
    one line edited; a copy whose digits were dropped ("达亿元" beside "达15亿元") still counts as the same."""
    fa, fb = Counter(_NUMERALS.findall(a)), Counter(_NUMERALS.findall(b))
    return fa <= fb or fb <= fa


def find_repeats(lines: list[Line], options: RepeatOptions = RepeatOptions()) -> dict[int, tuple[int, str]]:
    """Map the index (in `lines`) of each repeated line to (index of its first occurrence, rule id)."""
    keys = [_key(line.text) for line in lines]
    repeats: dict[int, tuple[int, str]] = {}
    first_seen: dict[str, int] = {}
    candidates: list[int] = []
    for i, key in enumerate(keys):
        # Captions such as "（毛毛）。" are almost all punctuation: their exact key keeps the punctuation.
        exact = key if len(key) >= options.near_min_chars else _SPACES.sub("", unicodedata.normalize("NFKC", lines[i].text))
        if len(exact) < options.min_chars:
            continue
        if exact in first_seen:
            repeats[i] = (first_seen[exact], "exact-repeat")
            continue
        first_seen[exact] = i
        if len(key) >= options.near_min_chars:
            candidates.append(i)
    if len(candidates) < 2:
        _find_contained(keys, repeats, options)
        return repeats
    sigs = signatures([keys[i] for i in candidates], MinHashConfig(ngram=options.ngram, num_perm=options.num_perm))
    # A page has tens of lines, so every line is compared with every kept line: the MinHash estimate of
    # their n-gram Jaccard (the share of equal signature values) picks the candidates, edit similarity decides.
    kept: list[int] = []  # positions in `candidates` of lines kept so far
    for pos, i in enumerate(candidates):
        best = None
        if kept:
            estimates = (sigs[kept] == sigs[pos]).mean(axis=1)
            for k in np.flatnonzero(estimates >= options.jaccard_threshold):
                j = candidates[kept[k]]
                if (Indel.normalized_similarity(keys[i], keys[j]) >= options.min_similarity
                        and _same_figures(keys[i], keys[j])):
                    best = j
                    break  # kept lines are in text order: the first confirmed one is the earliest
        if best is not None:
            repeats[i] = (best, "near-repeat")
        else:
            kept.append(pos)
    _find_contained(keys, repeats, options)
    return repeats


def _find_contained(keys: list[str], repeats: dict[int, tuple[int, str]], options: RepeatOptions) -> None:
    """Add to `repeats` the lines whose key occurs inside the key of an earlier, longer line that stays (one
    that is not itself an exact or near repeat, so the text survives where the copy points)."""
    starts, at = [], 0
    for key in keys:
        starts.append(at)
        at += len(key) + 1
    if at > options.contained_max_chars:
        return
    joined = "\0".join(keys)
    for i, key in enumerate(keys):
        if i in repeats or len(key) < options.contained_min_chars:
            continue
        found = joined.find(key, 0, starts[i])
        while found >= 0:
            j = bisect_right(starts, found) - 1
            # inside line j, not across the separator (a key may hold a NUL when normalisation did not run)
            inside = found + len(key) <= starts[j] + len(keys[j])
            if inside and j not in repeats and len(keys[j]) > len(key):
                repeats[i] = (j, "contained-repeat")
                break
            found = joined.find(key, found + 1, starts[i])


def run(doc: Document, rules=None, options: RepeatOptions = RepeatOptions()) -> None:
    """Remove every later copy of a repeated paragraph or caption from `doc`."""
    lines = [line for line in doc.lines() if line.text]
    repeats = find_repeats(lines, options)
    if not repeats:
        return
    removed = sorted(repeats)
    originals = [lines[repeats[i][0]] for i in removed]
    doc.remove_lines(
        [lines[i] for i in removed], "repeat",
        [f"{repeats[i][1]}-{line_kind(lines[i].text)}" for i in removed],
        duplicate_of=[doc.aligned.raw_span(o.start, o.end)[0] for o in originals],
    )
