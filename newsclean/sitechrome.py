"""Learn a site's chrome from the corpus: lines that recur across many documents of one site.

A site prints its menus, footers, share widgets and promotion lines on every page, in words no rule was
written for. In a batch, such a line recurs in a large share of the site's documents; a body sentence does
not (two reposts of one story share paragraphs, and templated news shares a formula like `王毅参加会见。`,
but each in a small share of the site's pages). So a first pass over the batch counts, per site, in how many
documents each distinct line occurs, and the chrome stage then removes, at the head and tail of a document
(never between its first and last body line), the lines that recur often enough:

- a line that is not sentence-like (does not end a sentence): in at least `min_docs` documents of the site
  and at least `min_share` of them;
- a sentence-like line (a disclaimer paragraph, a promotion sentence): in at least `sentence_min_docs`
  documents and `sentence_min_share` of them, a bar templated body sentences do not reach.

The site is the URL's host where records carry a `url` field, else the whole corpus is one site. Lines are
compared after NFKC and without whitespace or case, so the half-width text counted here matches the text the
normalise stage hands the chrome stage. Counting keeps 8-byte fingerprints, not lines; when a site's table
grows past `max_lines_per_site`, its rarest lines (seen once, then twice…) are dropped until it is half that
size, which keeps memory bounded and, the input order being fixed, the result deterministic.
"""
from __future__ import annotations

import hashlib
from collections import Counter
from typing import Iterable, NamedTuple
from urllib.parse import urlsplit

import regex

from .nfkc import nfkc

RULE_ID = "site-recurring-line"
CORPUS = ""  # the site of records without a URL

_SPACE = regex.compile(r"\s+")
_SENTENCE_END = regex.compile(r"[。！？!?…”」』）)]$")


class LearnOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    # A site needs at least min_docs documents before anything is learned from it; see the module docstring.
    min_docs: int = 5
    min_share: float = 0.1
    sentence_min_docs: int = 20
    sentence_min_share: float = 0.3
    max_lines_per_site: int = 200_000


def line_key(text: str) -> bytes:
    """The fingerprint of a line: NFKC, no whitespace, case folded, in simplified characters, hashed to 8
    bytes. The batch is counted on the raw text and looked up after the normalise stage has converted it
    to simplified characters: a traditional-character site's lines must meet under one key.

    >>> line_key(" 分享到:微信 ") == line_key("分享到：微信"), line_key("網站首頁") == line_key("网站首页")
    (True, True)
    """
    folded = _SPACE.sub("", nfkc(text)).casefold()
    if not folded.isascii():
        folded = _simplified(folded)
    return hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=8).digest()


def _simplified(text: str) -> str:
    from .stages.normalize import _t2s_converter  # here: the stages import this module

    return _t2s_converter().convert(text)


def site_of(url: object) -> str:
    """The host of a URL (without `www.`), or the corpus for a record without one."""
    if not isinstance(url, str) or not url:
        return CORPUS
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return CORPUS
    return host[4:] if host.startswith("www.") else host


def document_keys(text: str) -> list[tuple[bytes, bool]]:
    """The distinct lines of a document as the count sees them: each line's `line_key` where it first occurs,
    and whether that line is sentence-like (`is_sentence`), in text order; blank lines are left out."""
    keys: list[tuple[bytes, bool]] = []
    seen: set[bytes] = set()
    for line in text.split("\n"):
        if not line.strip():
            continue
        key = line_key(line)
        if key not in seen:
            seen.add(key)
            keys.append((key, is_sentence(line)))
    return keys


def is_sentence(text: str) -> bool:
    """A line that ends a sentence (。！？…) reads as prose, whatever it says."""
    return _SENTENCE_END.search(text.rstrip()) is not None


class Learned(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    """A recurring line of a site: in `docs` of the site's `site_docs` documents."""

    docs: int
    site_docs: int


class SiteChrome:
    """The recurring lines of each site, learned from one batch; `for_url` gives one site's table."""

    __slots__ = ("sites",)

    def __init__(self, sites: dict[str, dict[bytes, Learned]] | None = None):
        self.sites = {} if sites is None else sites

    @classmethod
    def learn(cls, documents: Iterable[tuple[str, object]], options: LearnOptions = LearnOptions()) -> "SiteChrome":
        """Count lines over `(text, url)` pairs and keep those that recur often enough in their site."""
        return cls.learn_keyed(((site_of(url), document_keys(text)) for text, url in documents), options)

    @classmethod
    def learn_keyed(cls, documents: Iterable[tuple[str, list[tuple[bytes, bool]]]],
                    options: LearnOptions = LearnOptions()) -> "SiteChrome":
        """The same from `(site, document_keys(text))` pairs, in input order: the keys may be made elsewhere
        (a run's worker processes make them, `run.workers.key_block`), the counting is this process's."""
        counter = _Counter(options)
        for site, keys in documents:
            counter.add(site, keys)
        return counter.learned()

    def for_url(self, url: object) -> dict[bytes, Learned] | None:
        return self.sites.get(site_of(url)) or None

    def __len__(self) -> int:
        return sum(len(lines) for lines in self.sites.values())


class _Counter:
    """In how many documents of each site each line fingerprint occurs."""

    def __init__(self, options: LearnOptions):
        self.options = options
        self.lines: dict[str, Counter] = {}
        self.sentences: dict[str, set[bytes]] = {}
        self.docs: Counter = Counter()

    def add(self, site: str, keys: list[tuple[bytes, bool]]) -> None:
        """One document of `site`, as `document_keys` gives it."""
        self.docs[site] += 1
        counts = self.lines.setdefault(site, Counter())
        sentences = self.sentences.setdefault(site, set())
        for key, sentence in keys:
            counts[key] += 1
            if sentence:
                sentences.add(key)
        if len(counts) > self.options.max_lines_per_site:
            self._prune(site)

    def _prune(self, site: str) -> None:
        """Drop the rarest lines until the table is half its bound again (so pruning is rare)."""
        counts = self.lines[site]
        floor = 1
        while len(counts) > self.options.max_lines_per_site // 2:
            for key in [k for k, n in counts.items() if n <= floor]:
                del counts[key]
                self.sentences[site].discard(key)
            floor += 1

    def learned(self) -> SiteChrome:
        o = self.options
        sites = {}
        for site, counts in self.lines.items():
            total = self.docs[site]
            if total < o.min_docs:
                continue
            sentences = self.sentences[site]
            table = {}
            for key, n in counts.items():
                sentence = key in sentences
                need_docs = o.sentence_min_docs if sentence else o.min_docs
                need_share = o.sentence_min_share if sentence else o.min_share
                if n >= need_docs and n >= need_share * total:
                    table[key] = Learned(n, total)
            if table:
                sites[site] = table
        return SiteChrome(sites)
