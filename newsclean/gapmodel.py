"""The learned missing-number detector: candidate places, their features, and the linear model that scores them.

One pass (`candidates`) finds every place where a scraper could have dropped digits: a character that can
follow a number (年 月 日 万 亿 % 个 名 岁 届 … — the set is learned from clean news) or `.` before digits, with
no digit, Latin letter or `-_/.%` right before it. A cascade then decides: its cheap first stage rules out a
place whose (character before, unit) or (unit, character after) pair stood, in training, at almost no gap
though seen often (`的年`, `人民`: one set lookup each; about 87% of places go), unless a hand-written pattern
fired there. Each place that is left gets sparse features (`features`): the characters on both sides (digits
folded to `0`, so intact numbers nearby count as such), the dictionary words of a real segmenter (jieba's
dictionary) that span the place or start at it, whether a digit stands nearby, and which hand-written rule of
`rules/numbers.toml` fired there. A logistic regression, trained self-supervised on clean news and page text by
`training/train_numbers.py`, turns them into a probability that digits are missing there. At run time scoring
is a sum of weights: no scikit-learn, no segmenter, nothing downloaded.

The model file (`newsclean/models/numbers-gap.json.gz`) is gzip of a JSON header line (format version,
training metadata, bias, threshold, section lengths, SHA-256 of the payload) and a binary payload (each string
list as UTF-8, its items joined by a character none of them holds, which the header names; weights as
float64), so that it loads in a few hundredths of a second; format 2 (string lists with their end offsets) is
still read. `GapModel.load` refuses a missing, corrupt or foreign file with a `ModelError` that names it.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import re
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from pathlib import Path
from itertools import compress, repeat
from operator import not_
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # numpy is imported where the cascade first needs it, not by every start of the command
    import numpy as np

FORMAT = "newsclean-gap-model/3"   # 3: string lists split on a separator (one `str.split` each, not a slice per item)
FORMATS_READ = (FORMAT, "newsclean-gap-model/2")   # 2: the cascade's first-stage pairs, lists with end offsets
MODEL_PATH = Path(__file__).resolve().parent / "models" / "numbers-gap.json.gz"

# What may stand right before the digits of a number that a scraper can lose (as in shared/real/drops.py):
# anything but a digit, a Latin letter, or `. - _ / %` (those make codes, versions and URLs, not numbers).
_NOT_BEFORE_A_NUMBER = "0-9０-９A-Za-zＡ-Ｚａ-ｚ.\\-_/%％"
# Dictionary words are looked up at most this long (jieba's words that span a gap are short).
MAX_WORD = 4


# The weight of a feature the model does not know (an endless supply for `map`).
NO_WEIGHT = repeat(0.0)


class ModelError(RuntimeError):
    """The model file is missing, unreadable, corrupt or of another format; the message names the file."""


def _fold_table() -> dict[int, str]:
    """Context characters folded so that features generalise: digits -> 0, Latin letters -> a, half-width
    punctuation -> full-width (the normalise stage does the same to running text)."""
    table = {ord(c): "0" for c in "0123456789０１２３４５６７８９"}
    for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ":
        table[ord(c)] = "a"
    for half, full in zip(",:;()!?％\t\u3000\xa0", "，：；（）！？%   "):
        table[ord(half)] = full
    return table


FOLD = _fold_table()


def _fold_steps(table: dict[int, str]) -> tuple[tuple[re.Pattern, str], ...]:
    """FOLD as substitutions, one per target character: a regex class of its sources (`[1-9０-９]` -> `0`), or a
    `str.replace` of one. `str.translate` looks every character of the text up in the table's dict (about
    0.18 microseconds a character, Han text included); these run in C over the text and act only where a
    source stands. Their order does not matter because no target is another step's source."""
    sources: dict[str, list[str]] = {}
    for code, target in table.items():
        if chr(code) != target:
            sources.setdefault(target, []).append(chr(code))
    if not set(sources).isdisjoint(c for chars in sources.values() for c in chars):
        raise ValueError("a fold target is also a fold source: the substitutions would depend on their order")
    return tuple((re.compile("[" + "".join(map(re.escape, sorted(chars))) + "]") if len(chars) > 1 else chars[0],
                  target) for target, chars in sorted(sources.items()))


FOLD_STEPS = _fold_steps(FOLD)


def fold(text: str) -> str:
    """`text` with the context folding applied (`text.translate(FOLD)`, the same string); same length, so
    offsets stay valid."""
    for source, target in FOLD_STEPS:
        if type(source) is str:
            if source in text:
                text = text.replace(source, target)
        else:
            text = source.sub(target, text)
    return text


def candidate_pattern(units: str) -> re.Pattern:
    """One regex for every candidate place: a unit character, or `.` before digits, not right after a number.

    A percent sign right before a letter or digit is URL encoding (`%E4`) or a format code (`%Y`), not a unit."""
    unit_class = "".join(re.escape(u) for u in sorted(set(units)))
    return re.compile(f"(?<![{_NOT_BEFORE_A_NUMBER}])(?:(?![%％][0-9A-Za-z])[{unit_class}]|\\.(?=[0-9]))")


def written_apart(text: str, p: int) -> bool:
    """A place after a space that follows a digit or a Latin letter (`5000 万英镑`, `txt 天…` in a list of
    links) ends a number or word written apart: a veto at run time, never flagged whatever the score."""
    return p >= 2 and text[p - 1] == " " and text[p - 2].isascii() and text[p - 2].isalnum()


def candidates(text: str, pattern: re.Pattern) -> list[int]:
    """Every position in `text` where digits could have been dropped, in text order."""
    return [m.start() for m in pattern.finditer(text)]


def char_class(c: str) -> str:
    """A coarse class of a context character: Han, digit, Latin, line start or break, or the mark itself."""
    if not c or c == "\n":
        return "^"
    if "\u4e00" <= c <= "\u9fff":
        return "H"
    return c if c in "0a " else "P" + c


def cascade_keys(folded: str, p: int) -> tuple[str, str]:
    """The two keys of the cheap first stage: (character before, unit) and (unit, character after)."""
    return (folded[p - 1] if p else "^") + folded[p], folded[p:p + 2]


def features(folded: str, p: int, words: frozenset[str] | set[str], rule: str | None) -> list[str]:
    """The sparse features of the candidate place `p` of a folded text (see the module docstring).

    Written for speed (it runs for every place the cascade's first stage lets through): each slice is taken
    once, the character class once, no `max()` calls."""
    end = len(folded)
    u1 = folded[p:p + 1]
    u2 = folded[p:p + 2]
    u3 = folded[p:p + 3]
    w3 = p - 3 if p >= 3 else 0
    l3 = folded[w3:p]
    l2 = l3[-2:]
    l1 = l3[-1:] if p else "^"
    c = char_class(l1)
    feats = ["u1:" + u1, "u2:" + u2, "u3:" + u3, "u4:" + folded[p:p + 4], "l1:" + l1, "l2:" + l2, "l3:" + l3,
             "l1u1:" + l1 + u1, "l2u1:" + l2 + u1, "l1u2:" + l1 + u2, "l2u2:" + l2 + u2, "l3u1:" + l3 + u1,
             "l1u3:" + l1 + u3, "l2r:" + l2 + "|" + folded[p + 1:p + 3],
             "l4:" + folded[p - 4 if p >= 4 else 0:p - 2] + "|" + u1,
             "cu:" + c + u1, "cu2:" + c + u2, "cu3:" + c + u3]
    if "0" in folded[p - 6 if p >= 6 else 0:p]:
        feats.append("dl:" + u1)
    if "0" in folded[p + 1:p + 7]:
        feats.append("dr:" + u1)
    if "0" in folded[p - 24 if p >= 24 else 0:p + 24]:
        feats.append("dn:" + u1)
    # A dictionary word ending right before the place (增长|%, 泸定|级) puts the place at a word boundary.
    for i in range(p - MAX_WORD if p >= MAX_WORD else 0, p - 1):
        word = folded[i:p]
        if word in words:
            feats.append(f"wel:{p - i}|{u1}")
            feats.append("we:" + word)
            break
    # A dictionary word across the place (享年, 企业家, 去年, 到位) says the unit belongs to the word before it.
    for i in range(w3, p):
        for j in range(p + 1, min(end, i + MAX_WORD) + 1):
            word = folded[i:j]
            if word in words:
                feats.append("cw:" + word)
                feats.append(f"ck:{p - i}{j - p}|{u1}")
    # A dictionary word starting at the place (年度, 年宵花, 万一) says the unit starts a word of its own.
    for j in range(p + 2, min(end, p + MAX_WORD) + 1):
        word = folded[p:j]
        if word in words:
            feats.append("sw:" + word)
            feats.append(f"sk:{j - p}|{u1}")
    if rule is not None:
        feats.append("rule")
        feats.append("r:" + rule)
    return feats


# Lookups a `Weights` table answers by binary search before it builds its dict: a dict of the 167,103 features
# costs about 0.06 s to build, more than the whole clean of one short document spends looking weights up
# (about 1.5 microseconds a search, a few thousand of them); past this many, a long run gets the dict.
SEARCHES_BEFORE_DICT = 20_000


class JoinedNames:
    """Sorted strings as the model file stores them, joined by a separator no string holds (UTF-8), with the
    position of a string found without splitting them: a binary search over the first string of every stretch
    of about STRIDE bytes, then one `find` in that stretch. Splitting the 167,103 feature names into a list
    took about 0.02 s of CPU and 11 MB at every start, more than a short clean spends looking weights up."""

    STRIDE = 4096

    def __init__(self, joined: bytes, separator: str, count: int):
        self.separator = separator
        self.count = count
        self._data = joined
        sep = self._sep = separator.encode("utf-8")
        self._starts: list[int] = []  # where each stretch's first string starts
        self._firsts: list[bytes] = []  # that string
        self._before: list[int] = []  # how many strings come before it
        at = before = 0
        while count:
            self._starts.append(at)
            end = joined.find(sep, at)
            self._firsts.append(joined[at:end if end >= 0 else len(joined)])
            self._before.append(before)
            cut = joined.find(sep, at + self.STRIDE)  # the end of the string the stride lands in
            if cut < 0:
                break
            before += joined.count(sep, at, cut + 1)
            at = cut + len(sep)
        found = before + joined.count(sep, at) + 1 if count else 0
        if found != count:
            raise ValueError(f"{found} items where the header says {count}")

    def index(self, name: str) -> int | None:
        """The position of `name` among the strings, or None if it is not one of them."""
        key = name.encode("utf-8", "surrogatepass")
        if self._sep in key:  # it would match across two stored strings; no stored string holds the separator
            return None
        k = bisect_right(self._firsts, key) - 1
        if k < 0:
            return None
        if self._firsts[k] == key:
            return self._before[k]
        data, sep = self._data, self._sep
        low = self._starts[k]
        last = k + 1 == len(self._starts)
        high = len(data) if last else self._starts[k + 1]
        found = data.find(sep + key + sep, low, high)  # a string after the stretch's first one
        if found >= 0:
            return self._before[k] + data.count(sep, low, found + len(sep))
        if last and data.endswith(sep + key, low, high):  # the last string, with no separator after it
            return self.count - 1
        return None

    def __len__(self) -> int:
        return self.count

    def split(self) -> list[str]:
        """Every string, in order (what a load made of them before)."""
        return str(self._data, "utf-8").split(self.separator) if self.count else []


class Weights(Mapping):
    """The model's feature weights: a read-only mapping over the sorted feature names (a list, or the file's
    `JoinedNames`) and their float64 weights as the file stores them. `get` answers by binary search at first
    and, from the SEARCHES_BEFORE_DICT-th lookup on, from a dict built then: the same floats either way."""

    def __init__(self, names: "list[str] | JoinedNames", values: array):
        if isinstance(names, JoinedNames):
            self._joined: JoinedNames | None = names
            names = []
        else:
            self._joined = None
        self._names = names
        self._values = values
        self._dict: dict[str, float] | None = None
        self._searches = 0

    def _listed(self) -> list[str]:
        """The names as a list (split from the joined names the first time one asks for them all)."""
        if self._joined is not None:
            self._names, self._joined = self._joined.split(), None
        return self._names

    @property
    def get(self):
        """`dict.get` of the table (what a scorer fetches once and then calls per feature)."""
        return self._search if self._dict is None else self._dict.get

    def _search(self, name: str, default: float | None = None) -> float | None:
        if self._dict is not None:  # a scorer that fetched `get` before the dict was built
            return self._dict.get(name, default)
        self._searches += 1
        if self._joined is not None:
            i = self._joined.index(name)
            value = default if i is None else self._values[i]
        else:
            i = bisect_left(self._names, name)
            value = self._values[i] if i < len(self._names) and self._names[i] == name else default
        if self._searches == SEARCHES_BEFORE_DICT:  # from here on the dict alone (the names and array go)
            self._dict = dict(zip(self._listed(), self._values.tolist()))
            self._names, self._values = [], array("d")
        return value

    def __getitem__(self, name: str) -> float:
        value = self._search(name)
        if value is None:
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return iter(self._listed() if self._dict is None else self._dict)

    def items(self):
        """(name, weight) pairs, read straight from the table: no search per name (which would count as
        lookups and build the dict part way through the iteration)."""
        return zip(self._listed(), self._values) if self._dict is None else self._dict.items()

    def __len__(self) -> int:
        if self._dict is not None:
            return len(self._dict)
        return self._joined.count if self._joined is not None else len(self._names)


# The fast path of the sum of weights (`place_weights`): the features of `features`, in its order, looked up in
# one dict per feature family (`u1`, `l2u1`, `cw`…) keyed by the feature name without its family, so that most
# keys are a slice of the folded text and no feature list is built. Splitting the 167,000 weights into families
# takes about 0.1 s, so a process scores its first BULK_PLACES places the reference way and then splits them
# (a short run never pays for it).
BULK_PLACES = 4000
# The families `place_weights` looks up, in the order it unpacks them.
FAMILIES = ("u1", "u2", "u3", "u4", "l1", "l2", "l3", "l1u1", "l2u1", "l1u2", "l2u2", "l3u1", "l1u3", "l2r", "l4",
            "cu", "cu2", "cu3", "dl", "dr", "dn", "wel", "we", "cw", "ck", "sw", "sk", "rule", "r")
# The spans of the words across a place, in the order `features` tries them: (characters before, after).
ACROSS = ((3, 1), (2, 1), (2, 2), (1, 1), (1, 2), (1, 3))


class WeightFamilies:
    """The model's weights split by feature family (the part of a feature name before its first `:`): for each
    of FAMILIES the `get` of its dict, in that order; the coarse class of each character seen before a unit; the
    weights each unit character takes whatever its context (`unit_weights`); and the shapes of the dictionary's
    words (`word_shapes`) that tell `place_weights` when no word can end at, span or start at a place."""

    def __init__(self, weights: dict[str, float]):
        tables: dict[str, dict[str, float]] = {}
        for name, weight in weights.items():
            family, _, key = name.partition(":")
            table = tables.get(family)
            if table is None:
                table = tables[family] = {}
            table[key] = weight
        self.lookups = tuple(tables.get(family, {}).get for family in FAMILIES)
        self.classes: dict[str, str] = {}
        self.units: dict[str, tuple[float, ...]] = {}  # unit character -> `unit_weights`
        self.rule_weight = tables.get("rule", {}).get("", 0.0)  # the feature `rule` (a pattern fired here)
        self._words: object = None  # the words `_shapes` was made from
        self._shapes: tuple[set[str], set[str], set[str]] = (set(), set(), set())

    def unit_weights(self, u1: str) -> tuple[float, ...]:
        """The weights of the features whose key is the unit and a fixed part, in UNIT_WEIGHTS order: `u1`,
        `dl`, `dr`, `dn`, `wel` (a word of 4, 3, 2 characters before), `ck` (a word across, ACROSS), `sk` (a word
        of 2, 3, 4 characters from it); remembered per unit (a few hundred)."""
        found = self.units.get(u1)
        if found is None:
            get = dict(zip(FAMILIES, self.lookups))
            found = self.units[u1] = (
                get["u1"](u1, 0.0), get["dl"](u1, 0.0), get["dr"](u1, 0.0), get["dn"](u1, 0.0),
                *(get["wel"](f"{n}|{u1}", 0.0) for n in WORD_BEFORE),
                *(get["ck"](f"{a}{b}|{u1}", 0.0) for a, b in ACROSS),
                *(get["sk"](f"{n}|{u1}", 0.0) for n in WORD_AFTER))
        return found

    def word_shapes(self, words) -> tuple[set[str], set[str], set[str]]:
        """(the last two characters, the first two, and every two characters in a row) of the words of two
        characters or more: a place whose two characters before it are no word's end has no word of 2-4
        characters ending there, and so on. Made again when another word set is asked about."""
        if words is not self._words:
            long = [w for w in words if len(w) >= 2]
            self._shapes = ({w[-2:] for w in long}, {w[:2] for w in long},
                            {w[i:i + 2] for w in long for i in range(len(w) - 1)})
            self._words = words
        return self._shapes


# The dictionary words `features` looks for at a place: ending right before it (longest first; the first found
# counts) and starting at it, by length.
WORD_BEFORE = (4, 3, 2)
WORD_AFTER = (2, 3, 4)
# Where each weight of `WeightFamilies.unit_weights` stands in its tuple.
UNIT_WEL = 4
UNIT_CK = UNIT_WEL + len(WORD_BEFORE)
UNIT_SK = UNIT_CK + len(ACROSS)
# ACROSS with the place of each span's `ck` weight in `unit_weights`.
ACROSS_AT = tuple((a, b, UNIT_CK + k) for k, (a, b) in enumerate(ACROSS))


def place_weights(families: WeightFamilies, folded: str, p: int, words, rule: str | None) -> list[float]:
    """The weights of `features(folded, p, words, rule)`, in the same order, 0.0 for a feature the model does not
    know, for a place with four characters on either side (4 <= p <= len(folded) - 4); so the sum is the same.

    The features keyed by the unit alone come from one tuple per unit (`unit_weights`); the dictionary is asked
    about the words before, across and after the place only when the two characters there are a word's end, a
    pair inside a word or a word's start (`word_shapes`: on real news about two places in three have no such
    word); the digits near the place are looked for in the 6 characters either side only when there are some
    within 24."""
    (_, u2w, u3w, u4w, l1w, l2w, l3w, l1u1w, l2u1w, l1u2w, l2u2w, l3u1w, l1u3w, l2rw, l4w, cuw, cu2w, cu3w,
     _, _, _, _, wew, cww, _, sww, _, _, rw) = families.lookups
    u1 = folded[p]
    unit = families.units.get(u1)
    if unit is None:
        unit = families.unit_weights(u1)
    u2 = folded[p:p + 2]
    u3 = folded[p:p + 3]
    l1 = folded[p - 1]
    l2 = folded[p - 2:p]
    l1u1 = folded[p - 1:p + 1]
    c = families.classes.get(l1)
    if c is None:
        c = families.classes[l1] = char_class(l1)
    ws = [unit[0], u2w(u2, 0.0), u3w(u3, 0.0), u4w(folded[p:p + 4], 0.0), l1w(l1, 0.0), l2w(l2, 0.0),
          l3w(folded[p - 3:p], 0.0), l1u1w(l1u1, 0.0), l2u1w(folded[p - 2:p + 1], 0.0),
          l1u2w(folded[p - 1:p + 2], 0.0), l2u2w(folded[p - 2:p + 2], 0.0), l3u1w(folded[p - 3:p + 1], 0.0),
          l1u3w(folded[p - 1:p + 3], 0.0), l2rw(l2 + "|" + folded[p + 1:p + 3], 0.0),
          l4w(folded[p - 4:p - 2] + "|" + u1, 0.0), cuw(c + u1, 0.0), cu2w(c + u2, 0.0), cu3w(c + u3, 0.0)]
    if "0" in folded[p - 24 if p >= 24 else 0:p + 24]:  # the windows of dl and dr lie inside this one
        if "0" in folded[p - 6 if p >= 6 else 0:p]:
            ws.append(unit[1])
        if "0" in folded[p + 1:p + 7]:
            ws.append(unit[2])
        ws.append(unit[3])
    ends, starts, pairs = families.word_shapes(words)
    if l2 in ends:
        for k, n in enumerate(WORD_BEFORE):
            word = folded[p - n:p]
            if word in words:
                ws.append(unit[UNIT_WEL + k])
                ws.append(wew(word, 0.0))
                break
    if l1u1 in pairs:
        for a, b, at in ACROSS_AT:
            word = folded[p - a:p + b]
            if word in words:
                ws.append(cww(word, 0.0))
                ws.append(unit[at])
    if u2 in starts:
        for k, n in enumerate(WORD_AFTER):
            word = folded[p:p + n]
            if word in words:
                ws.append(sww(word, 0.0))
                ws.append(unit[UNIT_SK + k])
    if rule is not None:
        ws.append(families.rule_weight)
        ws.append(rw(rule, 0.0))
    return ws


class GapModel:
    """A trained detector: unit characters, dictionary words, feature weights and the default threshold.

    A plain class with slots, not a dataclass (the decorator, and the `dataclasses` import it needs, cost every
    start); treat it as read-only: only its caches below change after loading."""

    __slots__ = ("units", "words", "dead_left", "dead_right", "weights", "bias", "threshold", "supported_threshold",
                 "meta", "path", "pattern", "_codes", "families", "scored")

    def __init__(self, units: str, words: frozenset[str], dead_left: frozenset[str], dead_right: frozenset[str],
                 weights: Mapping[str, float], bias: float, threshold: float, meta: dict, path: str,
                 pattern: re.Pattern, supported_threshold: float | None = None):
        self.units = units
        self.words = words
        # The first stage of the cascade: (before, unit) and (unit, after) pairs that, in training, stood at
        # almost no gap though seen often; a place with either is scored 0 without its full features.
        self.dead_left = dead_left
        self.dead_right = dead_right
        self.weights = weights
        self.bias = bias
        self.threshold = threshold
        # The lower score that flags a place in a document where another place reached `threshold` (scrapers
        # lose digits throughout a page, not once; see `document_support`); a file without one has no support.
        self.supported_threshold = threshold if supported_threshold is None else supported_threshold
        self.meta = meta
        self.path = path
        self.pattern = pattern
        # dead_left and dead_right as sorted pair codes (`pair_codes`), for the lookup of all places at once:
        # built at the first lookup, so that loading the model (which the command does to fail fast) needs no numpy
        self._codes: dict = {}
        # the weights split by feature family (`WeightFamilies`), made once the process has scored BULK_PLACES places
        self.families: "WeightFamilies | None" = None
        # places scored so far in this process
        self.scored = 0

    def __repr__(self) -> str:
        return f"GapModel(path={self.path!r}, units={self.units!r}, threshold={self.threshold!r})"

    @property
    def dead_left_codes(self) -> np.ndarray:
        if "left" not in self._codes:
            self._codes["left"] = pair_codes(self.dead_left)
        return self._codes["left"]

    @property
    def dead_right_codes(self) -> np.ndarray:
        if "right" not in self._codes:
            self._codes["right"] = pair_codes(self.dead_right)
        return self._codes["right"]

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> "GapModel":
        """Read and check a model file; a `ModelError` naming the file if it is missing, corrupt or foreign."""
        path = Path(path)
        try:
            raw = gunzip(path.read_bytes())
            cut = raw.find(b"\n")
            # The payload is read through a view of the decompressed bytes: its 4 MB are not copied (once by
            # a partition, once more into its sections), whose page faults were system time at every start.
            head, body = (raw, memoryview(b"")) if cut < 0 else (raw[:cut], memoryview(raw)[cut + 1:])
            header = json.loads(head)
        except FileNotFoundError:
            raise ModelError(f"{path}: missing-number model file not found (rebuild it with "
                             "`python training/train_numbers.py`)") from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: missing-number model file is corrupt ({exc})") from None
        if not isinstance(header, dict) or header.get("format") not in FORMATS_READ:
            raise ModelError(f"{path}: not a {FORMAT} model file")
        if header.get("sha256") != hashlib.sha256(body).hexdigest():
            raise ModelError(f"{path}: missing-number model file is corrupt (payload hash mismatch)")
        try:
            lists = _read_lists(body, header, joined=("features",))
            names = lists["features"]
            values = _numbers("d", body[len(body) - header["sections"][-1]:])
            if len(names) != len(values):
                raise ValueError("features and weights differ in number")
            units = lists["units"]
            return cls(units=units, words=frozenset(lists["words"]), dead_left=frozenset(lists["dead_left"]),
                       dead_right=frozenset(lists["dead_right"]), weights=Weights(names, values),
                       bias=float(header["bias"]), threshold=float(header["threshold"]),
                       meta=dict(header.get("meta", {})), path=str(path), pattern=candidate_pattern(units),
                       supported_threshold=_optional_score(header.get("supported_threshold")))
        except (KeyError, TypeError, ValueError, AttributeError, UnicodeDecodeError) as exc:
            raise ModelError(f"{path}: missing-number model file lacks a valid field ({exc})") from None

    def places(self, text: str) -> list[int]:
        """The candidate places of `text` (one pass of the candidate pattern), in text order."""
        return candidates(text, self.pattern)

    def score_text(self, text: str, rule_hits: dict[int, str] | None = None, places: list[int] | None = None,
                   ruled_out: bool = True) -> list[tuple[int, float]]:
        """(position, probability that digits are missing there) for every candidate place of `text` (`places`,
        if the caller has found them already); a pattern that fired at a place (`rule_hits`: position -> rule
        id) is one of its features. A place the first stage of the cascade rules out (and no pattern fired at)
        scores 0 without computing its features; with `ruled_out=False` it is left out of the list."""
        rule_hits = rule_hits or {}
        places = self.places(text) if places is None else places
        if not places:
            return []
        folded = fold(text)
        dead = self._ruled_out(folded, places)
        if not ruled_out:  # only the places to weigh are listed: picked out in C, not place by place
            places, dead = _weighed_places(places, dead, rule_hits), repeat(False)
        weigh = self._weigher(folded)
        bias = self.bias
        out = []
        weighed = 0
        for p, is_dead in zip(places, dead):
            if is_dead and p not in rule_hits:
                if ruled_out and not written_apart(text, p):
                    out.append((p, 0.0))
                continue
            if written_apart(text, p):
                continue
            out.append((p, _sigmoid(bias + sum(weigh(p, rule_hits.get(p))))))
            weighed += 1
        self.scored += weighed
        return out

    def _weigher(self, folded: str):
        """(place, rule) -> the weights of its features, for places of `folded`: the reference (`features`,
        then the weights dict) until the process has scored BULK_PLACES places, then `place_weights` on the
        weight families for every place with four characters on either side."""
        words, get = self.words, self.weights.get
        families = self.families
        if families is None and self.scored >= BULK_PLACES:
            families = WeightFamilies(self.weights)
            self.families = families
        if families is None:
            return lambda p, rule: list(map(get, features(folded, p, words, rule), NO_WEIGHT))
        last = len(folded) - 4
        return lambda p, rule: (place_weights(families, folded, p, words, rule) if 4 <= p <= last
                                else list(map(get, features(folded, p, words, rule), NO_WEIGHT)))

    def _ruled_out(self, folded: str, places: list[int]) -> list[bool]:
        """Whether the cascade's first stage rules out each place: its (before, unit) or (unit, after) pair is
        one of the dead pairs (`cascade_keys`). Two set lookups a place; a text of NUMPY_PLACES places or more
        looks them all up at once on the code points (about twice as fast there, and numpy is loaded only then)."""
        if len(places) < NUMPY_PLACES:
            left_dead, right_dead = self.dead_left, self.dead_right
            # cascade_keys inlined: (folded[p - 1] or "^") + folded[p], folded[p:p + 2]
            return [(folded[p - 1:p + 1] if p else "^" + folded[0]) in left_dead or folded[p:p + 2] in right_dead
                    for p in places]
        import numpy as np

        codes = np.frombuffer(folded.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
        at = np.asarray(places, dtype=np.int64)
        before = np.where(at > 0, codes[at - 1], ord("^"))
        unit = codes[at]
        after = np.where(at + 1 < len(codes), codes[np.minimum(at + 1, len(codes) - 1)], TEXT_END)
        dead = _member((before << 21) | unit, self.dead_left_codes) | _member((unit << 21) | after, self.dead_right_codes)
        return dead.tolist()


def _weighed_places(places: list[int], dead: list[bool], rule_hits: dict[int, str]) -> list[int]:
    """The places the cascade's first stage lets through and those it rules out where a pattern fired, in text
    order (most places are ruled out: on news 95%)."""
    kept = list(compress(places, map(not_, dead)))
    revived = []
    for p in rule_hits:
        at = bisect_left(places, p)
        if at < len(places) and places[at] == p and dead[at]:
            revived.append(p)
    return sorted(kept + revived) if revived else kept


# A text with this many candidate places or more takes the cascade's first stage in numpy (`_ruled_out`).
NUMPY_PLACES = 1000
# A pair is coded as (first code point << 21) | second; a right key of one character (a unit at the end of the
# text) has this in place of the second (code points end at 0x10FFFF, below it).
TEXT_END = 0x110000


def pair_codes(keys: Iterable[str]) -> "np.ndarray":
    """The sorted codes of the cascade's pair keys (see TEXT_END), for `_member`."""
    import numpy as np

    keys = [k for k in keys if 1 <= len(k) <= 2]
    if not keys:
        return np.zeros(0, dtype=np.int64)
    # All keys at once on their code points (a set of 19,000 pairs built in Python was a third of the load).
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
    points = np.frombuffer("".join(keys).encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    firsts = np.cumsum(lengths) - lengths
    seconds = np.where(lengths == 2, points[np.minimum(firsts + 1, len(points) - 1)], TEXT_END)
    return np.unique((points[firsts] << 21) | seconds)


def _member(values: "np.ndarray", sorted_codes: "np.ndarray") -> "np.ndarray":
    """Which of `values` are in `sorted_codes` (a binary search each)."""
    import numpy as np

    if not len(sorted_codes):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(sorted_codes, values)
    return sorted_codes[np.minimum(at, len(sorted_codes) - 1)] == values


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


# The payload's sections, in file order: the unit characters, each list of strings, the weights (float64 LE).
# Format 3 stores a list as its items joined by the header's `separator` (a character no item holds);
# format 2 stored its UTF-8 concatenation and the end offset (in characters) of each item as uint32 LE.
LISTS = ("words", "dead_left", "dead_right", "features")
SECTIONS = ("units",) + LISTS + ("weights",)
SECTIONS_2 = ("units",) + tuple(f"{name}{part}" for name in LISTS for part in ("", "_ends")) + ("weights",)


def gunzip(data: bytes) -> bytes:
    """The bytes of a gzip stream's first member, its CRC and length checked, by ISA-L's inflate where the
    `fast` extra's `isal` is installed (its bare `igzip_lib`: importing `isal.igzip`, its file API, took longer
    than the unpacking), else by zlib (not the `gzip` module's file object, which copies the 4 MB once more):
    about 0.008 s instead of 0.016 s for the model's 4 MB, which every start of the command unpacks. A stream
    that is not gzip, is cut short or fails its check raises ValueError (`load` names it a `ModelError`)."""
    try:
        from isal import igzip_lib
    except ImportError:
        import zlib

        try:
            return zlib.decompress(data, wbits=31)  # 16 + 15: a gzip header and trailer, a 32 KB window
        except zlib.error as exc:
            raise ValueError(f"not a whole gzip stream: {exc}") from None
    try:
        return igzip_lib.decompress(data, flag=igzip_lib.DECOMP_GZIP)
    except igzip_lib.IsalError as exc:
        raise ValueError(f"not a whole gzip stream: {exc}") from None


def _split_sections(body: memoryview, lengths: list[int], names: tuple[str, ...]) -> dict[str, memoryview]:
    """The payload cut into its sections (`names`) by the lengths the header gives (views, not copies)."""
    if len(lengths) != len(names) or sum(lengths) != len(body):
        raise ValueError("section lengths do not match the payload")
    parts, at = {}, 0
    for name, n in zip(names, lengths):
        parts[name] = body[at:at + n]
        at += n
    return parts


def _read_lists(body: memoryview, header: dict, joined: tuple[str, ...] = ()
                ) -> "dict[str, str | list[str] | JoinedNames]":
    """The unit characters and the string LISTS of a format 3 or format 2 payload; in format 3 the lists
    named in `joined` as `JoinedNames` (not split: their items are only counted)."""
    if header["format"] != FORMAT:
        parts = _split_sections(body, header["sections"], SECTIONS_2)
        return {"units": str(parts["units"], "utf-8"), **{name: _unpack(parts, name) for name in LISTS}}
    parts = _split_sections(body, header["sections"], SECTIONS)
    separator, counts = header["separator"], header["counts"]
    if len(separator) != 1:
        raise ValueError("the separator is not one character")
    lists: dict = {"units": str(parts["units"], "utf-8")}
    for name in LISTS:
        if name in joined:
            try:
                lists[name] = JoinedNames(bytes(parts[name]), separator, counts[name])  # it checks the count
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
            continue
        text = str(parts[name], "utf-8")
        items = text.split(separator) if counts[name] else []
        if len(items) != counts[name]:
            raise ValueError(f"{name}: {len(items)} items where the header says {counts[name]}")
        lists[name] = items
    return lists


def separator_for(lists: Iterable[list[str]]) -> str:
    """The first character from U+0000 up that no item of `lists` holds: what format 3 joins their items with."""
    used = set().union(*map(set, (item for items in lists for item in items)))
    return next(chr(c) for c in range(0x110000) if chr(c) not in used)


def _numbers(kind: str, raw: bytes | memoryview) -> array:
    """An array of `kind` ('I' or 'd') read from little-endian bytes."""
    values = array(kind)
    values.frombytes(raw)
    if sys.byteorder != "little":
        values.byteswap()
    return values


def _little_endian(values: array) -> bytes:
    if sys.byteorder != "little":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def _unpack(parts: dict[str, memoryview], name: str) -> list[str]:
    """The list of strings stored as section `name` and its `_ends`."""
    text = str(parts[name], "utf-8")
    ends = _numbers("I", parts[name + "_ends"])
    if (ends[-1] if ends else 0) != len(text):
        raise ValueError(f"{name}: offsets do not match its text")
    starts = [0, *ends[:-1]] if ends else []
    return [text[i:j] for i, j in zip(starts, ends)]


def write_model(path: str | Path, units: str, words: Iterable[str], weights: dict[str, float], bias: float,
                threshold: float, meta: dict, dead_left: Iterable[str] = (), dead_right: Iterable[str] = (),
                supported_threshold: float | None = None) -> None:
    """Write a model file deterministically: gzip (no timestamp) of a JSON header line (format, bias, threshold,
    metadata, section lengths, list separator and lengths, SHA-256 of the payload) and the binary payload
    (SECTIONS: sorted lists as text, the weights of the sorted features as float64), which loads in a few
    hundredths of a second."""
    names = sorted(weights)
    lists = dict(zip(LISTS, (sorted(words), sorted(dead_left), sorted(dead_right), names)))
    separator = separator_for(lists.values())
    sections = [units.encode("utf-8")] + [separator.join(items).encode("utf-8") for items in lists.values()]
    sections.append(_little_endian(array("d", (float(weights[n]) for n in names))))
    payload = b"".join(sections)
    header = {"format": FORMAT, "bias": bias, "threshold": threshold, "meta": meta,
              "sections": [len(x) for x in sections], "separator": separator,
              "counts": {name: len(items) for name, items in lists.items()},
              "sha256": hashlib.sha256(payload).hexdigest()}
    if supported_threshold is not None:
        header["supported_threshold"] = supported_threshold
    data = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" + payload
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def rewrite_model(source: str | Path, out: str | Path, **changes) -> None:
    """The model file `source`, of any format `GapModel.load` reads, written again in the current FORMAT with
    the same contents (no retraining): `python training/train_numbers.py --convert FILE`; `changes` replaces
    header values (`supported_threshold=`, `meta=`), as its `--calibrate-support` does."""
    model = GapModel.load(source)
    values = {"threshold": model.threshold, "meta": model.meta,
              "supported_threshold": model.supported_threshold if model.supported_threshold != model.threshold
              else None, **changes}
    write_model(out, model.units, model.words, model.weights, model.bias, values["threshold"], values["meta"],
                model.dead_left, model.dead_right, supported_threshold=values["supported_threshold"])


def _optional_score(value) -> float | None:
    """A header's optional score: None where absent, else a float in [0, 1] (a ValueError otherwise)."""
    if value is None:
        return None
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"score {value} outside [0, 1]")
    return value


_loaded: dict[str, GapModel] = {}


def model_digest(path: str | Path | None = None) -> str:
    """SHA-256 of the model file's bytes (`missing` if it cannot be read): what a resumed run must share."""
    try:
        return hashlib.sha256(Path(path or MODEL_PATH).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def shipped_model(path: str | Path | None = None) -> GapModel:
    """The model at `path` (default: the one shipped in the package), loaded once per process."""
    key = str(path or MODEL_PATH)
    if key not in _loaded:
        _loaded[key] = GapModel.load(key)
    return _loaded[key]


def iter_words(lines: Iterable[str]) -> Iterable[str]:
    """The words of a jieba-format dictionary (`word freq [tag]` per line)."""
    for line in lines:
        parts = line.split()
        if parts:
            yield parts[0]


def _support_clause(model: GapModel) -> str:
    """What `describe_model` says of the supported threshold: nothing for a model without one."""
    if model.supported_threshold >= model.threshold:
        return ""
    return (f", and at >= {model.supported_threshold} in a document that has a flag at the first "
            "(--gap-support-threshold)")


def describe_model(model: GapModel) -> str:
    """One line for `newsclean rules`: what the detector is, how it was trained, its default threshold."""
    meta = model.meta
    return (f"[learned] a cascade over every place digits could be missing: a first stage rules out "
            f"{len(model.dead_left) + len(model.dead_right)} (before, unit) and (unit, after) character pairs "
            f"that almost never stand at a gap, then a logistic regression ({len(model.units)} unit characters, "
            f"{len(model.weights)} weighted features, {len(model.words)} jieba dictionary words, the patterns "
            f"below as features, trusted patterns with a bonus), trained self-supervised by "
            f"{meta.get('script', '?')} on {meta.get('fit_articles', '?')} clean news articles and "
            f"{meta.get('fit_pages', 0)} web pages with digits dropped on purpose; flags at score >= "
            f"{model.threshold} (--gap-threshold){_support_clause(model)}; file {model.path}, trained on data sha256 "
            f"{str(meta.get('train_data_sha256', '?'))[:12]}")
