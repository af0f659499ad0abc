"""Stage 2: strip site chrome (navigation, bylines, widgets, footers) line by line, driven by rules/chrome.toml.

Chrome sits at the head and the tail of a page. The stage first finds the body: the run from the first to the
last line that reads like prose. Rules say where they may fire: `anywhere` (patterns no sentence of news
matches, such as an ICP licence), `edge` (head or tail), `head` or `tail`. A body sentence that merely mentions
`编辑` is therefore never touched. What chrome carries (publish time, author, source, editor) is kept as
metadata instead of being thrown away.
"""
from __future__ import annotations

from functools import lru_cache
from operator import attrgetter
from typing import NamedTuple

import regex

from ..document import Document, Line
from ..findings import Warning
from ..rulebook import ChromeRule, RuleSet, RuleSieve, RuleTimeout
from ..sitechrome import RULE_ID as SITE_RULE, Learned, line_key
from . import Stage, excerptlists, itemlists, posts

NAME = "chrome"
# Distinct lines whose rule matches are remembered; chrome lines repeat from page to page of a site.
LINE_CACHE_SIZE = 50_000

class Ending:
    """A pattern anchored at the end of a line (`$`) whose every match is at most `longest` characters long,
    searched in the line's tail only: the same match (every match starts there), where a search from the
    start reads the whole line (about 45 ns a character) to find that a two-character ending is not there.
    One character more is read, for the final line break that `$` may stand before."""

    __slots__ = ("pattern", "longest")

    def __init__(self, source: str, longest: int):
        self.pattern = regex.compile(source)
        self.longest = longest

    def search(self, text: str):
        return self.pattern.search(text, max(0, len(text) - self.longest - 1))


_PROSE_MARK = regex.compile(r"[，。！？；,!?;]")
_HAN = regex.compile(r"\p{Han}")
_CLAUSE_END = Ending(r"\p{Han}[，。；、]$", 2)
_EXCLAMATION_END = regex.compile(r"\p{Han}[！？!?]+$")
_WORD = regex.compile(r"[\p{Han}\p{L}\p{N}]")
# How a statement ends; a headline ends in ！ or ？ as often as prose does, so those do not count here. A
# reporter's credit in brackets may follow the end (`……重返赛场。”（小林）`), and so may the speaker of a quote
# (`“……多陪陪家人”。——汪勇`).
_STATEMENT_END = regex.compile(r"[。…”」』.．](?:\s*[（(][^（()）]{1,16}[）)]|\s*(?:——|—|--)\s*[^\s，。；]{1,12})?$")
# A numbered item at the start of a line: `1.`, `2、`, `3．`, `（四）`, `⑤` (the number is one group or another;
# `7.2023年…` is item 7: a decimal `3.5亿` reads as 3 too, but only a run numbered in order makes a list).
_ITEM_NUMBER = regex.compile(r"\s*(?:[(（]?(?P<digits>\d{1,2})[)）.、．]|[(（](?P<han>[一二三四五六七八九十]{1,3})[)）]"
                             r"|(?P<han2>[一二三四五六七八九十]{1,3})、|(?P<circled>[\u2460-\u2473]))")
_HAN_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九", 1)}
# A sentence ends inside the line: headlines and link lines have no full stop after a Han character.
_SENTENCE = regex.compile(r"\p{Han}。")
# A row of a field list: a bullet perhaps, a short label, a colon, a value.
_FIELD_ROW = regex.compile(r"[●•·▪■◆\-\s]*[^：:，。\s][^：:，。]{0,11}[：:]\s*\S")
# An item of a list of links (`· 江城地铁三号线年底通车`): a title never starts with a bullet.
_LIST_BULLET = regex.compile(r"\s*[·•]")
# A line that announces what follows (`十大新闻分别是：`, `主要内容如下:`).
_INTRODUCES = Ending(r"[：:]$", 1)

# Metadata fields a rule may capture with a named group; anything else named in a pattern is ignored.
METADATA_FIELDS = ("published", "author", "source", "editor", "reviewer", "reporter", "photographer",
                   "channel", "site", "title", "original_title", "place")


# A named tuple, not a frozen dataclass: the same immutable, comparable value without the decorator's start-up cost.
class ChromeOptions(NamedTuple):
    # A line counts as body prose when it has at least this many Han characters and some sentence punctuation.
    body_min_han: int = 16
    # Short lines stacked before a byline/breadcrumb at the very top are channel headers or column banners.
    banner_max_chars: int = 10
    # A document is a full page (menus, link lists and all) rather than an article when it has at least
    # page_min_lines lines, at least page_min_short_share of them short lines without sentence punctuation,
    # and page_min_short_run of those in one run (a menu or a link list). A news bundle alternates headlines
    # and paragraphs, an article's chrome is a few lines at its head and tail, and a short article with a
    # list of names has too few lines: each stays an article.
    page_min_short_share: float = 0.5
    page_min_short_run: int = 10
    # A run this long is a menu whatever the share: a long body (a law of two hundred lines) under a menu
    # of twenty lines is a page too. (A fifth of short lines with a run of ten would take generated
    # articles with a few lines of chrome for pages and cut their body.)
    page_menu_run: int = 20
    page_min_lines: int = 30
    # A shorter page (a baijiahao article between its header links and two lists of headlines) is taken as
    # a page too, with a smaller run and share, but only when its body block holds short_page_block_share of
    # its Han characters: on a short text a small block beside many data lines (a product's specifications)
    # is no body to cut around. Numbered lists that continue the block stay with it (see _with_lists).
    short_page_min_lines: int = 20
    short_page_min_short_run: int = 4
    short_page_min_short_share: float = 0.45
    short_page_block_share: float = 0.5
    # ... and on such a page only the lines outside the block in runs of this many go (a header of links, a
    # list of headlines), never one with a sentence in it (`…越来越多。商报记者 田志英/文并摄`): a stray
    # sentence, a title cut off by one odd line, are not worth the risk.
    short_page_outside_run: int = 6
    # What one line that is not prose costs the body block, in Han characters of prose it must be outweighed by.
    short_line_cost: int = 12
    # A line of prose punctuation that does not end a sentence is a headline below this many Han characters.
    headline_max_han: int = 40
    # A run of prose joins the body when it weighs at least this share of the cost of the lines between,
    # and, unless it outweighs that cost, this share of the heaviest run (a footer disclaimer far below the
    # body is light beside it; the rest of a body split by pictures and short lines is not).
    bridge_share: float = 0.25
    bridge_min_of_heaviest: float = 0.1
    # Around the block: a title of up to title_lines lines above it, each of title_min_han Han characters
    # or more, and a sign-off of up to signoff_lines below it, each of signoff_min_chars letters, digits or
    # Han characters or more ((大脸猫), (XWT185)).
    title_lines: int = 4
    title_min_han: int = 4
    # A title may stand one short line above the block (an author, `昨天`) when it has this many Han characters.
    gapped_title_min_han: int = 8
    signoff_lines: int = 3
    signoff_min_chars: int = 2
    signoff_max_chars: int = 20  # an issuer, a date, a name; a longer line below the body is a headline


def _is_body(text: str, options: ChromeOptions) -> bool:
    if len(text) < options.body_min_han or not _PROSE_MARK.search(text):
        return False
    return _enough_han(options.body_min_han).match(text) is not None


@lru_cache(maxsize=8)
def _enough_han(n: int):
    """A pattern that stops at the n-th Han character (counting them all would read every long paragraph)."""
    return regex.compile(r"(?:\P{Han}*\p{Han}){%d}" % n)


ANYWHERE = "anywhere"  # the zone of rules that may fire inside the body too


def _zone_allows(rule: ChromeRule, index: int, first_body: int, last_body: int) -> bool:
    if rule.zone == ANYWHERE:
        return True
    in_head = index < first_body
    in_tail = index > last_body
    if rule.zone == "head":
        return in_head
    if rule.zone == "tail":
        return in_tail
    return in_head or in_tail


def _record_metadata(doc: Document, match) -> None:
    for name, value in match.groupdict().items():
        if value and name in METADATA_FIELDS:
            value = value.strip()
            if name == "published":
                value = _iso_time(value)
            doc.meta.setdefault(name, value)


_TIME = regex.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?P<H>\d{1,2})[:：时](?P<M>\d{2})(?:[:：分](?P<S>\d{2}))?)?"
)


def _iso_time(value: str) -> str:
    """`2024/10/29 15:40:00`, `2020年6月20日 10:57` -> ISO 8601; anything else is kept as written."""
    m = _TIME.search(value)
    if not m:
        return value
    out = f"{int(m['y']):04d}-{int(m['m']):02d}-{int(m['d']):02d}"
    if m["H"]:
        out += f"T{int(m['H']):02d}:{m['M']}:{m['S'] or '00'}"
    return out


OUTSIDE_BLOCK = "outside-prose-block"
# The metadata field naming what took a page's main text out of its HTML (`newsclean.html.extract`). A text
# that is readability-lxml's article block is no full page: the extractor has already left the menus and
# lists outside, and what the block holds besides prose (a wiki's tables, code, a body broken into short
# lines for phones) would read as link lists to the body finder. trafilatura's whole text, taken when
# readability's block missed the article, keeps a page's menus and is looked at as a page.
EXTRACTOR_FIELD = "extractor"
BLOCK_EXTRACTOR, FALLBACK_EXTRACTOR = "readability-lxml", "trafilatura"
# The rules whose lines close an article's own text (`责任编辑：…`, `- END -`): the body block does not grow
# down past one (see `_body_block`).
ARTICLE_END_RULES = frozenset({"staff-credits", "end-mark"})
FULL_PAGE, SHORT_PAGE = "full page", "short page"  # the shapes of text the body block is looked for in
BANNER = "channel-or-column-banner"

# The chrome the stage finds by structure rather than by a pattern of rules/chrome.toml, for `newsclean rules`.
STRUCTURAL_RULES = {
    OUTSIDE_BLOCK: "On a full page (30+ lines, half of them short and unpunctuated, ten in one run, or twenty in one "
                   "run; or 20+ lines, "
                   "45% short, four in one run, the block holding half the text, and there only runs of six "
                   "outside lines without a sentence): every line "
                   "outside the body block (the densest run of prose, its title and sign-off) — menus, link and "
                   "headline lists, comment threads, footers",
    SITE_RULE: "A line the document's site prints on many of its pages (learned from the batch: not "
               "sentence-like in 5+ documents and 10% of the site, sentence-like in 20+ and 30%), before or "
               "after the body; the removal's info gives the count",
    itemlists.RULE_ID: itemlists.DESCRIPTION,
    excerptlists.RULE_ID: excerptlists.DESCRIPTION,
    posts.RULE_ID: posts.DESCRIPTION,
    BANNER: "Short unpunctuated lines stacked at the very top above a chrome line: channel headers, column "
            "banners (浏阳市 / 走在前 作示范)",
}


def _prose_weight(text: str, body: bool, options: ChromeOptions) -> int:
    """How much a line pulls the body block towards it: its Han characters if it is prose, else a cost
    (`body`: whether the line is body-like, `_is_body`).

    Prose ends a sentence or a clause (a short line ending so too: text broken for phones), or runs long. A
    headline has inner punctuation but no end (`人到中年，有些事，你只能熬着`), and ends in ！ or ？ as often
    as prose does; a list of them must not read as a body, so such a line costs nothing and adds nothing."""
    if _CLAUSE_END.search(text):
        return len(_HAN.findall(text))
    if body:
        han = len(_HAN.findall(text))
        return han if han >= options.headline_max_han or _STATEMENT_END.search(text) else 0
    if _EXCLAMATION_END.search(text):
        return 0
    return -options.short_line_cost


def item_number(text: str) -> int | None:
    """The number a numbered list item starts with (`3.` -> 3, `（十二）` -> 12, `⑤` -> 5), else None."""
    m = _ITEM_NUMBER.match(text)
    if not m:
        return None
    if m["digits"]:
        return int(m["digits"])
    if m["circled"]:
        return ord(m["circled"]) - 0x245F
    return _han_number(m["han"] or m["han2"])


def _han_number(word: str) -> int | None:
    """一 .. 九十九 as an int (None for a malformed numeral such as 十十)."""
    tens, _, units = word.partition("十") if "十" in word else ("", "", word)
    if "十" in units or len(units) > 1 or len(tens) > 1:
        return None
    value = _HAN_DIGITS.get(units, 0) if units else 0
    if "十" in word:
        value += 10 * (_HAN_DIGITS.get(tens, 0) if tens else 1)
    return value or None


def _page_shape(body: list[bool], options: ChromeOptions) -> str | None:
    """FULL for a long run of short unpunctuated lines and more such lines than prose (a page, not an
    article); SHORT for a shorter page of the same make (a few menu lines and a list of headlines around a
    short article); None for an article. `body`: for each line, whether it is body-like (`_is_body`)."""
    short = run = longest = 0
    for is_body in body:
        if is_body:
            run = 0
        else:
            short += 1
            run += 1
            longest = max(longest, run)
    if len(body) >= options.page_min_lines and (longest >= options.page_menu_run or (
            longest >= options.page_min_short_run and short >= options.page_min_short_share * len(body))):
        return FULL_PAGE
    if (len(body) >= options.short_page_min_lines and longest >= options.short_page_min_short_run
            and short >= options.short_page_min_short_share * len(body)):
        return SHORT_PAGE
    return None


def _item_list_rules(texts: list[str]) -> list[str | None]:
    """For each line, the rule of the list of items it stands in (`itemlists`, `excerptlists`), else None."""
    dated, excerpts = itemlists.list_lines(texts), excerptlists.list_lines(texts)
    return [itemlists.RULE_ID if d else excerptlists.RULE_ID if e else None for d, e in zip(dated, excerpts)]


def _in_long_runs(flags: list[bool], min_run: int) -> list[bool]:
    """The flags that stand in a run of at least min_run set flags in a row."""
    kept = [False] * len(flags)
    i = 0
    while i < len(flags):
        j = i
        while j < len(flags) and flags[j]:
            j += 1
        if j - i >= min_run:
            kept[i:j] = [True] * (j - i)
        i = max(j, i + 1)
    return kept


def _prose_runs(weights: list[int]) -> list[tuple[int, int, int]]:
    """Every maximal run of lines whose weight adds up above zero, as (start, end, total), in line order:
    the maximal scoring subsequences of Ruzzo and Tompa (1999), found in one pass. Prose lines add their
    length and every other line costs a little, so a menu of forty links ends a run but one subheading or
    caption does not (the line-block density idea of cx-extractor)."""
    # [start, end, total before start, total at end, index of the nearest earlier run starting lower]:
    # the last field lets the search below jump over runs it has already passed, which keeps it linear.
    runs: list[list[int]] = []
    total = 0
    for i, w in enumerate(weights):
        if w > 0:
            run = [i, i, total, total + w, -1]
            while True:
                j = len(runs) - 1
                while j >= 0 and runs[j][2] >= run[2]:
                    j = runs[j][4]
                if j < 0 or runs[j][3] >= run[3]:
                    run[4] = j
                    runs.append(run)
                    break
                run = [runs[j][0], i, runs[j][2], run[3], -1]
                del runs[j:]
        total += w
    return [(a, b, right - left) for a, b, left, right, _ in runs]


def _runs_between(weights: list[int], ends: list[bool]) -> list[tuple[int, int, int]]:
    """The runs of prose (`_prose_runs`) of each stretch between two lines that end an article: no run
    holds one (a credit costs a line's weight, which the paragraphs of a teaser below it would outweigh)."""
    runs: list[tuple[int, int, int]] = []
    first = 0
    for i in [n for n, stop in enumerate(ends) if stop] + [len(weights)]:
        runs += [(first + a, first + b, w) for a, b, w in _prose_runs(weights[first:i])]
        first = i
    return runs


def _body_block(weights: list[int], options: ChromeOptions, ends: list[bool] | None = None) -> tuple[int, int]:
    """The heaviest run of prose, joined with each neighbouring run that outweighs a share of the cost of
    the lines between and is not a trifle beside the heaviest (a subheading, a table or an inline box
    splits a body; a footer disclaimer two hundred link lines further down does not belong to it). The
    block never grows down past a line that `ends` an article (its editor's credit, its end mark): the
    prose below one is the page's teasers and promotions."""
    ends = ends or [False] * len(weights)
    runs = _runs_between(weights, ends)
    if not runs:
        return 0, -1
    k = max(range(len(runs)), key=lambda n: runs[n][2])
    lo = hi = k
    start, end, total = runs[k]
    prefix, ended = [0], [0]
    for w, stop in zip(weights, ends):
        prefix.append(prefix[-1] + w)
        ended.append(ended[-1] + stop)
    grown = True
    while grown:
        grown = False
        for n in (lo - 1, hi + 1):
            if not 0 <= n < len(runs):
                continue
            a, b, weight = runs[n]
            if n > hi and ended[a] > ended[end + 1]:
                continue  # below the article's end
            gap = prefix[start] - prefix[b + 1] if n < lo else prefix[a] - prefix[end + 1]
            worth = weight >= -gap or weight >= options.bridge_min_of_heaviest * runs[k][2]
            if worth and weight >= options.bridge_share * -gap:
                start, end = min(start, a), max(end, b)
                lo, hi = min(lo, n), max(hi, n)
                grown = True
    return start, end


class _Sieves(NamedTuple):
    """The sieves the stage asks (`RuleSieve`): of the single-line rules, the joined ones, the single-line rules
    of zone `anywhere` (a line inside the body) and the two that end an article (`ARTICLE_END_RULES`)."""

    single: RuleSieve
    joined: RuleSieve
    anywhere: RuleSieve
    enders: RuleSieve


# What a sieve of the stage is built from, besides the rules themselves (a test may change a rule's gate).
_RULE_STATE = attrgetter("requires", "max_chars", "zone")


def _stage_sieves(rules: RuleSet) -> _Sieves:
    """The stage's sieves, built once for as long as the rules and their gates, limits and zones stay: asked
    per document, so the check runs in C (the same rule objects, compared by identity, and the same states).
    A key of the rules' ids and states, hashed per document, was 5% of the stage's CPU on clean news."""
    single, joined = rules.chrome_single, rules.chrome_joined
    found = rules.sieves.get(_Sieves)
    if (found is None or found[0] != single or found[1] != joined
            or found[2] != list(map(_RULE_STATE, single)) or found[3] != list(map(_RULE_STATE, joined))):
        found = rules.sieves[_Sieves] = (single[:], joined[:], list(map(_RULE_STATE, single)),
                                         list(map(_RULE_STATE, joined)), _Sieves(
            rules.sieve(single), rules.sieve(joined),
            rules.sieve([rule for rule in single if rule.zone == ANYWHERE]),
            rules.sieve([rule for rule in single if rule.id in ARTICLE_END_RULES])))
    return found[4]


class _LineMatches:
    """The rules of a line's sieve (`RuleSieve.worth_trying`) and those of them found to match the line on its
    own, in rule order: `tried` of the rules have been run so far (see `_Scanner.more_matches`)."""

    __slots__ = ("rules", "tried", "matches")

    def __init__(self, rules: list[ChromeRule]):
        self.rules = rules
        self.tried = 0
        self.matches: list[tuple[ChromeRule, object]] = []


# The rules of a line longer than every rule allows.
_NO_RULES = _LineMatches([])


class _Scanner:
    """Classify the lines of one document; `verdict[i]` is the id of the rule that made line i chrome."""

    def __init__(self, doc: Document, rules: RuleSet, options: ChromeOptions,
                 site_lines: dict[bytes, Learned] | None = None):
        self.doc = doc
        self.info: dict[int, dict] = {}
        self.rules = rules
        self.options = options
        self.lines: list[Line] = [line for line in doc.lines() if line.text]
        self.verdict: list[str | None] = [None] * len(self.lines)
        # Whether each line is body-like (`_is_body`): the page's shape, the lines' weights and the body's
        # bounds all ask.
        self.body_like = [_is_body(line.text, options) for line in self.lines]
        self.disabled: set[str] = set()
        # The rules worth trying on a line: it is short enough for them and holds one of the characters each
        # of their matches needs (`ChromeRule.requires`); the others are never run on it.
        self.sieves = _stage_sieves(rules)
        self.single_sieve, self.joined_sieve = self.sieves.single, self.sieves.joined
        self.longest = max(self.single_sieve.longest, self.joined_sieve.longest)
        self.anywhere_sieve = self.sieves.anywhere
        # The rules that match each line (or the line joined with the next one), whatever its zone, in rule
        # order: those of the joined line all, the line's own only up to its first match (`own[i]` holds how
        # far they were run), which is all that `body_bounds` and most lines need: the rest run only when
        # `apply_rules` finds that the first one's zone does not allow it. The pattern time after a line's
        # first match was 11% of the stage's on pages, 32% on the development set. Each line's are found the
        # first time a step asks (`found`): on a full page most lines stand outside the body block, where no
        # step asks (their weight is a line's cost with a match or without), and on the 202 real pages 55% of
        # the pattern calls were made on such lines.
        self.own: list[_LineMatches | None] = [None] * len(self.lines)
        self._found: list[list[tuple[ChromeRule, object]] | None] = [None] * len(self.lines)
        self._joined: list[list[tuple[ChromeRule, object]] | None] = [None] * len(self.lines)
        # What the batch learned about each line's recurrence in the document's site (None: nothing).
        self.learned: list[Learned | None] = ([site_lines.get(line_key(line.text)) for line in self.lines]
                                              if site_lines else [None] * len(self.lines))

    def _match(self, rule: ChromeRule, text: str):
        if rule.id in self.disabled:
            return None
        try:
            return rule.pattern.search(text) if rule.search else rule.pattern.fullmatch(text)
        except RuleTimeout as exc:
            self.disabled.add(rule.id)
            self.doc.warn(Warning.of_timeout(NAME, exc))
            return None

    def found(self, i: int) -> list[tuple[ChromeRule, object]]:
        """The joined line's matches and the line's own first one, in rule order (see `own`)."""
        found = self._found[i]
        if found is None:
            found = self._found[i] = self._candidates(i)
        return found

    def _candidates(self, i: int) -> list[tuple[ChromeRule, object]]:
        text = self.lines[i].text
        if len(text) > self.longest:
            self.own[i] = _NO_RULES
            return []
        own = self.own[i] = self._line_matches(text)
        if not own.matches:
            self.more_matches(own, text)
        found = own.matches[:1] + self.joined(i)
        found.sort(key=lambda rm: self.rules.chrome_order[rm[0].id])
        return found

    def joined(self, i: int) -> list[tuple[ChromeRule, object]]:
        """The rules that match line i joined with the next one (a credit split in two), in sieve order."""
        found = self._joined[i]
        if found is None:
            found = self._joined[i] = []
            # two lines longer together than every joined rule allows (a paragraph and the next) are not joined
            if (self.rules.chrome_joined and i + 1 < len(self.lines)
                    and len(self.lines[i].text) + len(self.lines[i + 1].text) <= self.joined_sieve.longest):
                joined = self.lines[i].text + self.lines[i + 1].text
                for rule in self.joined_sieve.worth_trying(joined):
                    m = self._match(rule, joined)
                    if m:
                        found.append((rule, m))
        return found

    def all_candidates(self, i: int) -> list[tuple[ChromeRule, object]]:
        """Every rule that matches line i (or it joined with the next one), in rule order: the line's own
        rules are all run now."""
        own, text = self.own[i], self.lines[i].text
        while self.more_matches(own, text):
            pass
        found = own.matches + [(rule, m) for rule, m in self.found(i) if rule.join_next]
        found.sort(key=lambda rm: self.rules.chrome_order[rm[0].id])
        return found

    def _line_matches(self, text: str) -> "_LineMatches":
        """The rules that match the line on its own, found so far. Sites repeat their chrome on every page,
        so the answer is remembered per line text (for the rule set's lifetime, within a bound)."""
        cache = self.rules.line_matches
        cached = cache.get(text)
        if cached is not None:
            return cached
        found = _LineMatches(self.single_sieve.worth_trying(text))
        if not self.disabled:  # a rule switched off would leave its matches out of the answer
            if len(cache) >= LINE_CACHE_SIZE:
                cache.clear()
            cache[text] = found
        return found

    def more_matches(self, found: "_LineMatches", text: str) -> bool:
        """Try `found`'s rules on until one more matches `text` (True) or none is left (False)."""
        disabled, rules = len(self.disabled), found.rules
        hit = False
        for n in range(found.tried, len(rules)):
            m = self._match(rules[n], text)
            if m:
                found.tried = n + 1
                found.matches.append((rules[n], m))
                hit = True
                break
        else:
            found.tried = len(rules)
        if (self.disabled or len(self.disabled) != disabled) and self.rules.line_matches.get(text) is found:
            del self.rules.line_matches[text]  # a timed-out answer is not an answer
        return hit

    def body_bounds(self) -> tuple[int, int]:
        """Index of the first and the last body line: prose that no chrome rule could claim.

        A breadcrumb ending in a long title, or a "上一篇：…！…" link, reads like prose; it must not anchor
        the body, or the chrome around it would count as body too.
        """
        size = len(self.lines)
        first = next((i for i in range(size) if self._unclaimed_body(i)), None)
        if first is None:
            return size, -1  # no prose: everything is head and tail at once
        return first, next(i for i in range(size - 1, first - 1, -1) if self._unclaimed_body(i))

    def _unclaimed_body(self, i: int) -> bool:
        """Line i is prose no chrome rule could claim: no verdict, no learned line, no match of its own, and
        not the second line of a split credit (a join of the line above). The cheap tests go first."""
        return (self.verdict[i] is None and self.learned[i] is None and self.body_like[i]
                and not self.found(i) and not (i > 0 and self.joined(i - 1)))

    def apply_rules(self, first_body: int, last_body: int) -> None:
        """Give each line the first rule (in file order) that matches it where it stands."""
        for i in range(len(self.lines)):
            if self.verdict[i] is not None:
                continue
            if first_body <= i <= last_body:
                self._claim_inside(i, first_body, last_body)
                continue
            found = self.found(i)
            if not found:
                continue
            # found[0] is the first of all the line's matches in rule order; the rest are found only if needed
            if not self._claim(i, *found[0], first_body, last_body):
                for rule, m in self.all_candidates(i)[1:]:
                    if self._claim(i, rule, m, first_body, last_body):
                        break

    def _claim_inside(self, i: int, first_body: int, last_body: int) -> None:
        """Line i stands within the body bounds, where only a rule of zone `anywhere` may claim it: the first
        in rule order that matches it (on its own or joined with the next line) does. The other rules are not
        run: on an article most lines are body paragraphs, each of which most rules' length and gate let by."""
        text = self.lines[i].text
        found = [(rule, m) for rule, m in self.joined(i) if rule.zone == ANYWHERE]
        for rule in self.anywhere_sieve.worth_trying(text):
            m = self._match(rule, text)
            if m:
                found.append((rule, m))
                break
        found.sort(key=lambda rm: self.rules.chrome_order[rm[0].id])
        for rule, m in found:
            if self._claim(i, rule, m, first_body, last_body):
                break

    def _claim(self, i: int, rule: ChromeRule, m, first_body: int, last_body: int) -> bool:
        """Make line i (and the next, for a join_next rule) chrome by `rule` if its zone allows it there."""
        if not _zone_allows(rule, i, first_body, last_body):
            return False
        if rule.join_next:
            j = i + 1
            if self.verdict[j] is not None or not _zone_allows(rule, j, first_body, last_body):
                return False
            self.verdict[j] = rule.id
        self.verdict[i] = rule.id
        _record_metadata(self.doc, m)
        return True

    def mark_banners(self, first_body: int) -> None:
        """Short unpunctuated lines at the very top, stacked right above a chrome line (a breadcrumb, a
        byline), are channel headers or newspaper column banners (`浏阳市`, `走在前 作示范`)."""
        limit = self.options.banner_max_chars
        top = 0
        while top < min(first_body, len(self.lines)):
            text = self.lines[top].text
            if self.verdict[top] is not None:
                break
            if len(text.replace(" ", "")) > limit or _PROSE_MARK.search(text) or not _HAN.search(text):
                return
            top += 1
        if 0 < top < len(self.lines) and self.verdict[top] is not None and top <= first_body:
            for i in range(top):
                self.verdict[i] = BANNER
            self.doc.meta.setdefault("channel", " ".join(self.lines[i].text for i in range(top)))

    def mark_outside_block(self) -> None:
        """On a full page, every line outside the body block is chrome (menus, link lists, headline lists,
        comment threads, footers); see `_body_block`."""
        texts = [line.text for line in self.lines]
        shape = self._shape()
        in_list = _item_list_rules(texts)
        if shape is None and not any(in_list):
            return
        # A line a chrome rule could claim (a disclaimer, a copyright footer), or an item of a dated list, is
        # no prose to build on.
        weights = [-self.options.short_line_cost if listed else self._weight(i) for i, listed in enumerate(in_list)]
        start, end = _body_block(weights, self.options, self._article_ends())
        if end < start:
            return  # no prose at all: nothing to stand outside of, so only the rules judge the lines
        self._mark_item_lists(in_list, start, end)
        if shape is None:
            return
        start, end = self._with_edges(start, self._with_lists(end))
        if shape == SHORT_PAGE and not self._holds_most_text(start, end):
            return  # a product sheet, a list of specifications: the lines outside are no menus to take
        outside = [i < start or i > end for i in range(len(texts))]
        if shape == SHORT_PAGE:
            outside = [out and not _SENTENCE.search(t)
                       for out, t in zip(_in_long_runs(outside, self.options.short_page_outside_run), texts)]
        else:
            self._mark_later_posts(texts, weights, in_list, start, end)
        for i in range(len(texts)):
            if outside[i] and self.verdict[i] is None:
                self.verdict[i] = OUTSIDE_BLOCK

    def _weight(self, i: int) -> int:
        """Line i's prose weight (`_prose_weight`), or a line's cost when a chrome rule could claim it. A line
        that costs as much anyway needs no rule asked."""
        cost = -self.options.short_line_cost
        weight = _prose_weight(self.lines[i].text, self.body_like[i], self.options)
        return weight if weight == cost or not self.found(i) else cost

    def _mark_later_posts(self, texts: list[str], weights: list[int], in_list: list[str | None],
                          start: int, end: int) -> None:
        """On a block of posts one below the other (see `posts`), the posts after the first are chrome."""
        for i in range(posts.first_post_end(texts, weights, in_list, start, end) + 1, end + 1):
            if self.verdict[i] is None:
                self.verdict[i] = posts.RULE_ID

    def _article_ends(self) -> list[bool]:
        """The lines a rule of ARTICLE_END_RULES matches on its own: an editor's credit or an end mark. The two
        rules are asked themselves, through their gates: a line's first rule may be another (`meta-fields`
        takes `责任编辑：李四` first), and most lines are asked nothing else (see `found`)."""
        enders = self.sieves.enders
        return [any(self._match(rule, line.text) for rule in enders.worth_trying(line.text)) for line in self.lines]

    def _shape(self) -> str | None:
        """The page shape of the text (see `_page_shape`); none for an article block extracted from HTML."""
        if self.doc.meta.get(EXTRACTOR_FIELD) == BLOCK_EXTRACTOR:
            return None
        return _page_shape(self.body_like, self.options)

    def _mark_item_lists(self, in_list: list[str | None], start: int, end: int) -> None:
        """The lines of item lists (dated items, excerpts) outside the body block are chrome, on any page or
        article: the stamps or the cut-short summaries make them a list whatever the shape of the rest."""
        for i, listed in enumerate(in_list):
            if listed and (i < start or i > end) and self.verdict[i] is None:
                self.verdict[i] = listed

    def _holds_most_text(self, start: int, end: int) -> bool:
        """The block holds short_page_block_share of the document's Han characters or more."""
        inside = sum(self._han(i) for i in range(start, end + 1))
        return inside >= self.options.short_page_block_share * sum(self._han(i) for i in range(len(self.lines)))

    def _han(self, i: int) -> int:
        return len(_HAN.findall(self.lines[i].text))

    def _with_lists(self, end: int) -> int:
        """Widen the block's end over the lists that continue it: items numbered 1, 2, 3... in order right
        below it, each list perhaps announced by a line ending in a colon (`十大新闻分别是：`), and rows of
        a field list (`●显卡： …`). Menus, link and headline lists are neither numbered from one under a body
        nor written as label and value; a list of the body is, and reads as short lines the block leaves out."""
        i, expected, last = end + 1, 1, end
        while i < len(self.lines):
            text = self.lines[i].text
            if item_number(text) == expected and not self.found(i):
                expected, last = expected + 1, i
            elif (expected == 1 or expected > 2) and self._announces_list(i):
                expected = 1
            elif self._field_row(i) and (last == i - 1 and self._field_row(last) or self._field_row(i + 1)):
                last = i
            else:
                break
            i += 1
        return last

    def _field_row(self, i: int) -> bool:
        """Line i is a row of a field list (`●处理器： Intel i5`, `发行日期：2001年12月14日`) no rule claims:
        two or more together below a body are its specifications or record, not a menu."""
        return 0 <= i < len(self.lines) and not self.found(i) and bool(_FIELD_ROW.match(self.lines[i].text))

    def _announces_list(self, i: int) -> bool:
        """Line i ends in a colon and the next line is item number one."""
        return (bool(_INTRODUCES.search(self.lines[i].text)) and not self.found(i) and i + 1 < len(self.lines)
                and item_number(self.lines[i + 1].text) == 1)

    def _with_edges(self, start: int, end: int) -> tuple[int, int]:
        """Widen the block by the lines that belong to a body without being prose: above it a title (past
        the byline, source and time lines that rules claim), below it a sign-off (特此通告, the issuer, the
        date, a name in parentheses). A line too short to be either (a menu item) stops the widening, unless,
        once, a line long enough for a headline stands right above it (the author's name or `昨天` between a title
        and its body), and so does a bulleted line (`· …`, the last items of a list of headlines); below, the first chrome and a line too long for a sign-off (a headline) stop it too; a
        title is a few lines at most, a sign-off fewer."""
        o = self.options
        taken, gapped, i = 0, False, start - 1
        while i >= 0 and taken < o.title_lines:
            if _LIST_BULLET.match(self.lines[i].text):
                break  # the last items of a list of headlines above the title, claimed by a rule or not
            if not self.found(i):
                if self._han(i) < o.title_min_han:
                    if gapped or not (i > 0 and not self.found(i - 1)
                                      and self._han(i - 1) >= o.gapped_title_min_han):
                        break
                    taken, gapped, i = taken + 1, True, i - 1
                taken, start = taken + 1, i
            i -= 1
        taken, i = 0, end + 1
        while i < len(self.lines) and taken < o.signoff_lines and not self.found(i):
            text = self.lines[i].text
            if not o.signoff_min_chars <= len(_WORD.findall(text)) <= o.signoff_max_chars:
                break
            taken, end = taken + 1, i
            i += 1
        return start, end

    def mark_site_lines(self, first_body: int, last_body: int) -> None:
        """Lines the site prints on many of its pages (learned from the batch, see `sitechrome`), where
        they stand before or after the body; each carries the count that made it chrome."""
        for i, learned in enumerate(self.learned):
            if learned is not None and self.verdict[i] is None and (i < first_body or i > last_body):
                self.verdict[i] = SITE_RULE
                self.info[i] = {"documents": learned.docs, "site_documents": learned.site_docs}

    def run(self) -> None:
        self.mark_outside_block()
        first, last = self.body_bounds()
        self.apply_rules(first, last)
        self.mark_site_lines(first, last)
        self.mark_banners(first)


def run(doc: Document, rules: RuleSet, options: ChromeOptions = ChromeOptions(),
        site_lines: dict[bytes, Learned] | None = None) -> None:
    """Remove the chrome lines of `doc`, recording each with the rule that matched it. `site_lines` are
    the recurring lines of the document's site, learned from its batch (`SiteChrome.for_url`)."""
    scanner = _Scanner(doc, rules, options, site_lines)
    scanner.run()
    chrome = [i for i, rule in enumerate(scanner.verdict) if rule]
    if chrome:
        doc.remove_lines([scanner.lines[i] for i in chrome], "chrome", [scanner.verdict[i] for i in chrome],
                         info=[scanner.info.get(i) for i in chrome] if scanner.info else None)


# ---------------------------------------------------------------- registry declaration

# Shared with rejoin, which counts Han characters the same way.
enough_han = _enough_han


def _bind(rules, options: ChromeOptions):
    """run() bound to the rules and options; each document brings its site's learned lines."""
    return lambda doc: run(doc, rules, options, doc.site_lines)


STAGE = Stage(NAME, lambda pipeline: pipeline.chrome, _bind, books={"chrome": "chrome_removed"})
