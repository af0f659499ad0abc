"""Which gap rules could match a text, told by the pairs of characters where a match could start.

A gap pattern's match starts at a character of a known set (its unit's first character: `年`, `[家个件…]`, or
`第` of `第(?P<unit>…)`), and most patterns say what may stand right before that character: a lookbehind of
the words that announce a quantity (`(?<={lexicon:count_verbs})` lets only their last characters stand there),
punctuation or a line start, or one character that may not (`(?<![0-9０-９〇零一二…])`). So a pattern cannot
match a text that holds none of its (character before, first character) pairs, and running it would find
nothing. `PairGate.mask` finds the pairs of a text in one pass and answers for all rules at once; on the clean
news of the test part it leaves 39% of the pattern runs the character gate (`rulebook.GapGate`) lets by.

The sets are read from the parse tree of the `regex` module's own parser, as `rulebook.required_chars` reads
its gates; whatever this reader does not know (a property such as `\\p{Han}`, a named list, a reverse or
case-insensitive pattern, a construct of another `regex` version) leaves a rule without a pair gate, so a
misreading can only cost time, never a match. Parsing the 71 shipped patterns takes about 0.1 s (0.57 G
instructions), more than the gate saves in a thousand news articles, so what the reader says of them is shipped
in `rules/gap_pairs.json` (written by `python training/gap_pairs.py`) under a hash of each pattern and its
flags; a pattern the file does not hold (a user's rule, a rule changed since) is parsed when the gate is made.
"""
from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

import regex

from .rulebook import _read_tree, _union

# The key of the first character of a text, which has no character before it.
START = ""
# A character class wider than this is not enumerated (the rule keeps no gate).
MAX_CLASS = 4096
# The file of what `start_constraints` says of the shipped gap patterns, in the rules folder.
PAIRS_FILE = "gap_pairs.json"
PAIRS_FORMAT = "newsclean-gap-pairs/1"

Starts = "tuple[frozenset, frozenset | None, frozenset] | None"


class PairGate:
    """For rules (anything with a `.pattern.compiled` `regex` pattern), in list order as bits of a mask:
    `mask(text)` has the bit of every rule that could match `text`."""

    def __init__(self, rules: list, known: "Mapping[str, Starts] | None" = None):
        """`known`: `start_constraints` by `pattern_key` (default: the shipped file); other patterns are parsed."""
        known = shipped_starts() if known is None else known
        self.ungated = 0  # rules whose first characters are unknown: always worth trying
        self.units: dict[str, int] = {}  # first character -> rules with no pair constraint
        self.pairs: dict[str, int] = {}  # (before + first) -> all the rules it lets by, where it differs from units
        allowed: dict[str, int] = {}  # (before + first) -> rules whose lookbehind allows that pair
        denied: dict[str, int] = {}  # (before + first) -> rules whose negative lookbehind forbids it
        for n, rule in enumerate(rules):
            bit = 1 << n
            compiled = rule.pattern.compiled
            key = pattern_key(compiled)
            starts = known[key] if key in known else start_constraints(compiled)
            if starts is None:
                self.ungated |= bit
                continue
            firsts, before, forbidden = starts
            for first in firsts:
                if before is None:
                    self.units[first] = self.units.get(first, 0) | bit
                    for b in forbidden:
                        denied[b + first] = denied.get(b + first, 0) | bit
                else:
                    self.units.setdefault(first, 0)
                    for b in before - forbidden:
                        allowed[b + first] = allowed.get(b + first, 0) | bit
        for key in allowed.keys() | denied.keys():
            first = key[-1]
            self.pairs[key] = allowed.get(key, 0) | (self.units[first] & ~denied.get(key, 0))
        chars = "".join(sorted(self.units))
        # One pass of a character class (an empty class would match nothing: no rule has known first characters)
        self._find = re.compile("[" + "".join(map(re.escape, chars)) + "]").finditer if chars else None

    def mask(self, text: str) -> int:
        """The rules that could match `text`: those it holds a (before, first) pair of, and the ungated."""
        mask = self.ungated
        if self._find is None:
            return mask
        units, pairs = self.units, self.pairs
        for found in self._find(text):
            p = found.start()
            key = text[p - 1:p + 1] if p else text[0]
            allowed = pairs.get(key)
            mask |= units[text[p]] if allowed is None else allowed
        return mask


def pattern_key(compiled: Any) -> str:
    """The key of a compiled pattern in the pairs file: a hash of its flags and text."""
    return hashlib.sha256(f"{int(compiled.flags)}\0{compiled.pattern}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def starts_to_json(starts: "Mapping[str, Starts]") -> str:
    """The pairs file's text (sorted, so the same patterns always give the same bytes)."""
    rows = {key: None if s is None else {"first": "".join(sorted(s[0])),
                                          "before": None if s[1] is None else sorted(s[1]),
                                          "forbidden": "".join(sorted(s[2]))}
            for key, s in sorted(starts.items())}
    lines = [f"{json.dumps(key)}: {json.dumps(row, ensure_ascii=False, sort_keys=True)}" for key, row in rows.items()]
    return f'{{"format": {json.dumps(PAIRS_FORMAT)}, "patterns": {{\n' + ",\n".join(lines) + "\n}}\n"


def starts_from_json(text: str) -> "dict[str, Starts]":
    """What `starts_to_json` wrote; a file of another format holds nothing."""
    data = json.loads(text)
    if data.get("format") != PAIRS_FORMAT:
        return {}
    return {key: None if row is None else (frozenset(row["first"]),
                                           None if row["before"] is None else frozenset(row["before"]),
                                           frozenset(row["forbidden"]))
            for key, row in data["patterns"].items()}


@lru_cache(maxsize=1)
def shipped_starts() -> "dict[str, Starts]":
    """The pairs file shipped beside the rule files; a missing or unreadable one holds nothing (then every
    pattern is parsed: slower, the same gate)."""
    from .rulebook import default_rules_dir

    try:
        return starts_from_json((Path(default_rules_dir()) / PAIRS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def start_constraints(compiled: Any) -> tuple[frozenset, frozenset | None, frozenset] | None:
    """What a pattern says of where a match can start: (the characters its first consumed character is one of,
    the characters that must stand right before it or None if any may (START for the text's start), those that
    may not), or None if the first characters are not known."""
    if compiled.flags & (regex.IGNORECASE | regex.REVERSE):
        return None

    def read(tree: Any, core: Any):
        reader = _Reader(core, bool(compiled.flags & regex.MULTILINE))
        firsts = reader.first(tree)
        if firsts is None or firsts[1] or not firsts[0]:
            return None
        before, forbidden = reader.at_start(tree.items if type(tree) is core.Sequence else [tree])
        return firsts[0], before, frozenset(forbidden)

    return _read_tree(compiled, read)


class _Reader:
    """Reads nodes of a `regex` parse tree; every method answers None where it does not know."""

    def __init__(self, core: Any, multiline: bool):
        self.core = core
        self.multiline = multiline
        self.zero_width = (core.LookAround, core.StartOfLine, core.StartOfString, core.EndOfLine,
                           core.EndOfString, core.EndOfStringLine, core.Boundary, core.DefaultBoundary,
                           core.StartOfWord, core.EndOfWord, core.SearchAnchor)
        self.repeats = (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat)

    def chars(self, node: Any, last: bool = False) -> frozenset | None:
        """The characters one consuming leaf (a character, a short range, a class of them) stands for."""
        core = self.core
        kind = type(node)
        if getattr(node, "case_flags", 0) or getattr(node, "zerowidth", False) or not getattr(node, "positive", False):
            return None
        if kind is core.Character:
            return frozenset(chr(node.value))
        if kind is core.Range:
            return frozenset(map(chr, range(node.lower, node.upper + 1))) if node.upper - node.lower < MAX_CLASS else None
        if kind is core.SetUnion:
            return _union(map(self.chars, node.items))
        return None

    def first(self, node: Any, from_end: bool = False) -> tuple[frozenset, bool] | None:
        """(the characters a match of `node` can start with, or end with when `from_end`; whether it can match
        empty). A zero-width node consumes nothing and can match empty."""
        core = self.core
        kind = type(node)
        if kind in self.zero_width:
            return frozenset(), True
        if kind is core.Sequence:
            found: frozenset = frozenset()
            for item in (reversed(node.items) if from_end else node.items):
                part = self.first(item, from_end)
                if part is None:
                    return None
                found |= part[0]
                if not part[1]:
                    return found, False
            return found, True
        if kind is core.Branch:
            found, empty = frozenset(), False
            for branch in node.branches:
                part = self.first(branch, from_end)
                if part is None:
                    return None
                found |= part[0]
                empty = empty or part[1]
            return found, empty
        if kind in (core.Group, core.Atomic):
            return self.first(node.subpattern, from_end)
        if kind in self.repeats:
            part = self.first(node.subpattern, from_end)
            return None if part is None else (part[0], part[1] or node.min_count == 0)
        chars = self.chars(node)
        return None if chars is None else (chars, False)

    def is_zero_width(self, node: Any) -> bool:
        return self.first(node) == (frozenset(), True)

    def at_start(self, items: list) -> tuple[frozenset | None, set]:
        """What the zero-width items before a pattern's first consumed character say of the character before
        it: the set it must be one of (the smallest such set; None if none is known), and the characters it
        may not be."""
        before: frozenset | None = None
        forbidden: set = set()
        for item in items:
            if not self.is_zero_width(item):
                break
            if type(item) is self.core.Sequence:
                inner, more = self.at_start(item.items)
                forbidden |= more
            else:
                inner = self.must_precede(item)
                forbidden |= self.may_not_precede(item)
            if inner is not None and (before is None or len(inner) < len(before)):
                before = inner
        return before, forbidden

    def must_precede(self, node: Any) -> frozenset | None:
        """The characters a zero-width assertion requires right before its position, or None if not known."""
        core = self.core
        kind = type(node)
        if kind is core.LookAround and node.behind and node.positive:
            ends = self.first(node.subpattern, from_end=True)
            return None if ends is None or ends[1] else ends[0]
        if kind is core.StartOfLine and self.multiline:  # `^` under MULTILINE: the text's start or after "\n"
            return frozenset({START, "\n"})
        if kind is core.StartOfString:
            return frozenset({START})
        if kind is core.Branch:
            return _union(map(self.must_precede, node.branches))
        if kind is core.Sequence:  # every item holds: any one of them bounds the character
            best = None
            for item in node.items:
                if not self.is_zero_width(item):
                    return None
                part = self.must_precede(item)
                if part is not None and (best is None or len(part) < len(best)):
                    best = part
            return best
        if kind is core.Group:
            return self.must_precede(node.subpattern)
        return None

    def may_not_precede(self, node: Any) -> frozenset:
        """The characters a negative lookbehind of one character (`(?<![0-9今去])`) forbids before its position."""
        core = self.core
        if type(node) is not core.LookAround or not node.behind or node.positive:
            return frozenset()
        body = node.subpattern
        while type(body) is core.Sequence and len(body.items) == 1:
            body = body.items[0]
        return self.chars(body) or frozenset()
