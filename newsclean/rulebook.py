"""Load and check the rule files (TOML data in `rules/`): chrome patterns and missing-number patterns.

Rule files are untrusted input: every problem names the file and the rule id. A rule file must be a regular
file of at most MAX_RULE_FILE_BYTES (a FIFO would hang the load, /dev/zero fill the memory); `[define]`
pieces are expanded once each and a pattern may expand to at most MAX_PATTERN_CHARS; counted repeats, which
the `regex` module compiles by copying, may multiply out to at most MAX_REPEAT_SIZE pieces; a pattern that
can match the empty string is refused. At run time every pattern call runs under a time limit, every document
under a budget for all its pattern calls together, and a rule that runs out of time in RUN_STRIKES documents
in a row is switched off for the rest of the run (`RegexBudget`). In the main thread one CPU-time watchdog per
document enforces the limits (`_Watchdog`); elsewhere each call carries the `regex` module's own timeout.
"""
from __future__ import annotations

import gzip
from bisect import bisect_left
from functools import lru_cache, reduce
from itertools import repeat
from operator import add, attrgetter, is_, or_
import hashlib
import json
import marshal
import os
import signal
import stat
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import regex

# Matching one line against one pattern never needs more than this; a pattern that does is broken. Searching
# a whole document gets this plus PATTERN_TIMEOUT_PER_MCHAR seconds per million characters, so that a long
# but honest document never runs out of time (`regex` counts the time of a whole `finditer`).
PATTERN_TIMEOUT_S = 0.25
PATTERN_TIMEOUT_PER_MCHAR = 2.0
# All pattern calls of all rules on one document together: far above what honest rules take (a few
# milliseconds for a 2,000-character page), far below a rule that stays just under PATTERN_TIMEOUT_S on
# every line of it.
DOCUMENT_BUDGET_S = 2.0
DOCUMENT_BUDGET_PER_MCHAR = 20.0
# A rule that runs out of time in this many documents in a row is not tried again in this process.
RUN_STRIKES = 3
# A call that ran out of wall time while its document had used less CPU than its limit is run again this often.
LOAD_RETRIES = 2
# Sizes that no honest rule comes near: the shipped files are under 200 KB, their longest pattern is under
# 10,000 characters once expanded and the largest (`staff-credits`) multiplies out to about 62,000 pieces.
# `(?:ab|cd{1000}){1000}`, about 1,000,000 pieces, takes 1.2 s and 290 MB to compile.
MAX_RULE_FILE_BYTES = 4 << 20
MAX_PATTERN_CHARS = 200_000
MAX_REPEAT_SIZE = 500_000

RULE_FILES = ("normalize.toml", "chrome.toml", "numbers.toml")
ZONES = ("anywhere", "edge", "head", "tail")


class RuleError(ValueError):
    """A rule file is malformed: the message names the file, the rule and the problem."""


class RuleTimeout(RuntimeError):
    """A rule's pattern ran past its time limit on some input."""

    def __init__(self, rule_id: str, path: str, limit: float = PATTERN_TIMEOUT_S, why: str = ""):
        super().__init__(f"rule '{rule_id}' ({path}) timed out after {limit:.2f}s and was skipped for the rest "
                         "of the document" + why)
        self.rule_id = rule_id
        self.path = path


def _limit(text: str) -> float:
    return _limit_chars(len(text))


def _limit_chars(chars: int) -> float:
    """The time one pattern call on a text of `chars` characters may take."""
    return PATTERN_TIMEOUT_S + chars * (PATTERN_TIMEOUT_PER_MCHAR / 1e6)


_clock = time.monotonic
_thread_id = threading.get_ident

# How often (in CPU seconds of the process) the watchdog looks at the pattern call under way.
WATCH_TICK_S = 0.01


class _Overrun(TimeoutError):
    """Raised by the watchdog inside a pattern call that ran past its own limit or its document's budget."""

    def __init__(self, limit: float, budget_spent: bool):
        super().__init__("pattern call ran out of CPU time")
        self.limit = limit
        self.budget_spent = budget_spent


class _Watchdog:
    """One CPU-time timer per document for the main thread, instead of a timer on every pattern call.

    Why: the `regex` module's `timeout=` reads the process clock (`clock()`, a system call) on every call,
    which with the bookkeeping around it cost about 30% of all the CPU of a clean. Here the kernel sends
    SIGPROF every WATCH_TICK_S of CPU; the handler does nothing outside pattern calls, and inside one it
    reads the thread's CPU time, charges the document's budget and raises `_Overrun` when the call has used
    more than its limit or the budget is spent. `regex` checks for signals every 65,536 steps of its engine,
    so a backtracking pattern is stopped within a few milliseconds of its limit, as before. Only the main
    thread can take a Python signal handler: other threads (and a process whose SIGPROF is taken, or a
    platform without `setitimer`) keep the per-call timeout.
    """

    def __init__(self) -> None:
        self.armed = False
        self.thread = threading.main_thread().ident
        self.current: "Pattern | None" = None  # the pattern whose call is under way
        self.text_len = 0  # the length of the text it runs on (its limit grows with it)
        self.call = 0  # calls started (tells one long call from many short ones)
        self.seen_call = -1  # the call the last tick landed in
        self.call_cpu = 0.0  # thread CPU time at the first tick of that call
        self.last_cpu = 0.0  # thread CPU time at the last tick
        self.local: Any = None  # the document's budget (RegexBudget's thread-local of the main thread)

    active: "_Watchdog | None" = None  # the watchdog armed in this process (one document at a time)

    @staticmethod
    def usable() -> bool:
        """Whether this thread may arm a watchdog: the main thread, setitimer, SIGPROF not in other use."""
        if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return False
        return signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, None, _on_tick)

    def arm(self, local: Any) -> None:
        self.thread = threading.get_ident()  # the main thread of this process (a forked worker's too)
        self.local = local
        self.current, self.seen_call = None, -1
        self.last_cpu = time.thread_time()
        if signal.getsignal(signal.SIGPROF) is not _on_tick:
            signal.signal(signal.SIGPROF, _on_tick)
            signal.siginterrupt(signal.SIGPROF, False)  # a tick must not fail a system call with EINTR
        _Watchdog.active = self
        signal.setitimer(signal.ITIMER_PROF, WATCH_TICK_S, WATCH_TICK_S)
        self.armed = True

    def disarm(self) -> None:
        if self.armed:
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            self.armed = False
            self.current = None
            if _Watchdog.active is self:
                _Watchdog.active = None

    def settle(self) -> None:
        """Charge the end of a call that a tick landed in: the CPU it spent after its last tick. Without it a
        call's tail went unpaid, and where ticks come late (a loaded machine) a slow rule ran on many more lines
        than the document's budget pays for. The caller checks that a tick saw the call (`seen_call`), so
        that fast calls pay one comparison and no clock read."""
        pattern = self.current
        now = time.thread_time()
        charge = now - self.last_cpu
        self.last_cpu = now
        self.local.left -= charge
        self.local.by_rule[pattern.rule_id] += charge

    def tick(self, signum: int, frame: Any) -> None:
        """The signal handler: charge the call under way, stop it when it is out of time."""
        pattern = self.current
        if pattern is None:
            return
        now = time.thread_time()
        if self.seen_call != self.call:
            self.seen_call, self.call_cpu = self.call, now
            charge = min(now - self.last_cpu, WATCH_TICK_S)  # the part of the tick spent in this call is unknown
        else:
            charge = now - self.last_cpu
        self.last_cpu = now
        local = self.local
        local.left -= charge
        local.by_rule[pattern.rule_id] += charge
        limit = _limit_chars(self.text_len)
        if now - self.call_cpu >= limit or local.left <= 0:
            self.current = None  # one raise per call: a later tick must not raise where it is not caught
            raise _Overrun(limit, local.left <= 0)


def _on_tick(signum: int, frame: Any) -> None:
    """SIGPROF: hand the tick to the armed watchdog (a rule set whose document is under way)."""
    watch = _Watchdog.active
    if watch is not None:
        watch.tick(signum, frame)


class RegexBudget:
    """The time the patterns of one rule set may take: per call, per document (all rules together), and per
    run (a rule that keeps running out of time is switched off).

    `start(chars)` opens a document's budget (the pipeline calls it per document, in each thread of its own):
    the wall time spent inside pattern calls is added up. Wall time is cheap to read but grows on a loaded
    machine, so before a call or a document is declared out of time the thread's CPU time decides (read only
    then: it costs a system call): a call whose document has used less CPU than the call's limit was only
    waiting for the processor and runs again (up to LOAD_RETRIES times), and a document's budget is refilled to
    what its CPU time leaves. So an honest document gives the same output on a busy machine, and a hostile rule
    still runs out of time. Outside a document only the per-call limit applies. A document whose budget is
    spent runs no further patterns: the rule that spent it is reported, and the document says so.

    In the main thread a document's calls run without a timer of their own and a `_Watchdog` measures CPU
    time directly (no retries are needed: CPU time does not grow with the load); `finish()` stops it.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        self._watch = _Watchdog()
        self.documents = 0  # documents started
        self.strikes: Counter = Counter()  # rule id -> documents in a row where it ran out of time
        self.last_strike: dict[str, int] = {}  # rule id -> the document of its last strike
        self.off: set[str] = set()  # rules switched off for the rest of the run

    def start(self, chars: int) -> None:
        self.documents += 1
        local = self._local
        local.document = self.documents
        local.total = DOCUMENT_BUDGET_S + chars * (DOCUMENT_BUDGET_PER_MCHAR / 1e6)
        local.left = local.total
        local.cpu_start = time.thread_time()
        local.spent = False
        local.struck = set()
        local.by_rule = Counter()  # rule id -> wall seconds it spent on this document
        if _Watchdog.usable():
            self._watch.arm(local)

    def finish(self) -> None:
        """The document is done: stop its watchdog (pattern calls outside a document keep the call limit)."""
        if threading.get_ident() == self._watch.thread:
            self._watch.disarm()

    def _cpu_used(self) -> float | None:
        """CPU seconds this thread has spent on the current document (None outside a document)."""
        start = getattr(self._local, "cpu_start", None)
        return None if start is None else time.thread_time() - start

    def run(self, pattern: "Pattern", text: str, call: Callable[[float | None], Any]) -> Any:
        """`call(limit)` within the budget: its result, None when the rule may not run, or RuleTimeout."""
        watch = self._watch
        if watch.armed and threading.get_ident() == watch.thread:
            return self._run_watched(pattern, text, call)
        return self._run_timed(pattern, text, call)

    def _run_watched(self, pattern: "Pattern", text: str, call: Callable[[float | None], Any]) -> Any:
        """`call(None)`, no timer of its own: the document's watchdog stops it if it runs out of time."""
        return self.watched(pattern, text, call, None)

    def watched(self, pattern: "Pattern", text: str, method: Callable[..., Any], *args: Any) -> Any:
        """`method(*args)` under the armed watchdog (the caller checked `watching`): its result, None when the
        rule may not run, or RuleTimeout. No closure and no clock read per call: this is the hot path."""
        local = self._local
        if pattern.rule_id in self.off or local.spent:
            return None
        watch = self._watch
        watch.text_len = len(text)
        watch.call += 1
        watch.current = pattern
        try:
            found = method(*args)
            if watch.seen_call == watch.call:  # a tick landed in this call: charge its tail too
                watch.settle()
            watch.current = None  # from here on no tick raises, so nothing escapes the except below
            return found
        except _Overrun as exc:
            watch.current = None
            raise self.timed_out(pattern, exc.limit, exc.budget_spent) from None
        except BaseException:
            watch.current = None
            raise

    def _run_timed(self, pattern: "Pattern", text: str, call: Callable[[float | None], Any]) -> Any:
        """`call(limit)` with the `regex` module's per-call timeout (any thread, no watchdog)."""
        for attempt in range(LOAD_RETRIES + 1):
            allowed = self._allowance(pattern, text)
            if allowed is None:
                return None
            limit, started = allowed
            try:
                found = call(limit)
            except TimeoutError:
                self._charge(pattern, started)
                if attempt < LOAD_RETRIES and self._only_waited(limit):
                    continue
                raise self.timed_out(pattern, limit) from None
            if self._charge(pattern, started) > limit and not self._only_waited(limit):
                # a call that returned after its limit (the `regex` timeout is checked only every so often)
                raise self.timed_out(pattern, limit)
            return found
        raise AssertionError("unreachable")  # pragma: no cover

    def _allowance(self, pattern: "Pattern", text: str) -> tuple[float, float] | None:
        """(time limit of this call, clock now), or None when the rule may not run (switched off, or the
        document's budget is spent)."""
        local = self._local
        if pattern.rule_id in self.off or getattr(local, "spent", False):
            return None
        limit = _limit(text)
        left = getattr(local, "left", None)
        if left is not None and left < limit:
            cpu = self._cpu_used()
            local.left = left = max(left, local.total - cpu)  # wall time spent waiting is given back
            if left <= 0:
                local.spent = True
                return None
            limit = min(limit, left)
        return limit, _clock()

    def _charge(self, pattern: "Pattern", started: float) -> float:
        took = _clock() - started
        local = self._local
        if getattr(local, "left", None) is not None:
            local.left -= took
            local.by_rule[pattern.rule_id] += took
        return took

    def _only_waited(self, limit: float) -> bool:
        """Whether a call that ran past `limit` of wall time was only waiting for the processor: the whole
        document so far has used less CPU than the limit (or than its budget, for a call the budget cut)."""
        cpu = self._cpu_used()
        if cpu is None:
            return False
        if cpu < limit * 0.9:
            return True
        local = self._local
        capped = local.left <= 0.01
        if capped and cpu < local.total * 0.9:
            local.left = local.total - cpu
            return True
        return False

    def timed_out(self, pattern: "Pattern", limit: float, budget_spent: bool = False) -> RuleTimeout:
        """The error for a call of `pattern` that ran out of time; counts the strike."""
        why = ""
        local = self._local
        left = getattr(local, "left", None)
        if left is not None and (left <= 0.01 or budget_spent) and not local.spent:
            local.left = 0.0
            local.spent = True
            # The call that finds the budget spent may belong to an honest rule: name the one that spent it.
            spender, spent = local.by_rule.most_common(1)[0]
            why += (f"; the document's time budget for all rules ({DOCUMENT_BUDGET_S:.2f}s and "
                    f"{DOCUMENT_BUDGET_PER_MCHAR:.0f}s per million characters) ran out, so no rule ran on the rest "
                    f"of it (rule '{spender}' spent {spent:.2f}s of it)")
        struck = getattr(local, "struck", None)
        if struck is not None and pattern.rule_id not in struck:
            # Only documents in a row count: an honest rule may run out of time now and then (switching it off
            # would change every later document), a hostile one does on every document.
            struck.add(pattern.rule_id)
            in_a_row = self.last_strike.get(pattern.rule_id) == local.document - 1
            self.strikes[pattern.rule_id] = self.strikes[pattern.rule_id] + 1 if in_a_row else 1
            self.last_strike[pattern.rule_id] = local.document
        if self.strikes[pattern.rule_id] >= RUN_STRIKES:
            self.off.add(pattern.rule_id)
            why += (f"; it ran out of time in {self.strikes[pattern.rule_id]} documents in a row and is switched "
                    "off for the rest of the run")
        return RuleTimeout(pattern.rule_id, pattern.path, limit, why)


def default_rules_dir() -> Path:
    """The rule files shipped with the package (inside the wheel), or `rules/` beside a source checkout."""
    packaged = Path(__file__).parent / "rules"  # what importlib.resources gives for an installed package's folder
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


class Pattern:
    """A compiled pattern that remembers where it came from and runs within its rule set's time budget. (A
    plain class with slots, like `ChromeRule`, `GapRule`, `RuleSet` and `Gates`; `Gate`, `RuleSource` and
    `RulesCache` are named tuples: the dataclass decorator compiled each class's methods at every start.)"""

    __slots__ = ("rule_id", "path", "compiled", "budget")

    def __init__(self, rule_id: str, path: str, compiled: Any, budget: RegexBudget | None = None):
        self.rule_id = rule_id
        self.path = path
        self.compiled = compiled
        self.budget = RegexBudget() if budget is None else budget

    # Each method tests inline whether its call runs under the document's watchdog (armed, and this is its
    # thread: the main thread, inside a document): they run on every line (every text) a gate lets by.
    def search(self, text: str, pos: int = 0):
        budget = self.budget
        watch = budget._watch
        if watch.armed and _thread_id() == watch.thread:
            return budget.watched(self, text, self.compiled.search, text, pos)
        return budget.run(self, text, lambda limit: self.compiled.search(text, pos, timeout=limit))

    def fullmatch(self, text: str):
        budget = self.budget
        watch = budget._watch
        if watch.armed and _thread_id() == watch.thread:
            return budget.watched(self, text, self.compiled.fullmatch, text)
        return budget.run(self, text, lambda limit: self.compiled.fullmatch(text, timeout=limit))

    def finditer(self, text: str) -> Iterator[Any]:
        # All matches at once (a gap rule's matches are few), so that a call the machine's load made run out of
        # time can be made again whole.
        budget = self.budget
        watch = budget._watch
        if watch.armed and _thread_id() == watch.thread:
            found = budget.watched(self, text, _all_matches, self.compiled, text)
        else:
            found = budget.run(self, text, lambda limit: list(self.compiled.finditer(text, timeout=limit)))
        return iter(found or ())


def _all_matches(compiled: Any, text: str) -> list:
    return list(compiled.finditer(text))


class ChromeRule:
    """A chrome rule as loaded."""

    __slots__ = ("id", "description", "pattern", "zone", "max_chars", "join_next", "search", "requires",
                 "examples", "keeps")

    def __init__(self, id: str, description: str, pattern: Pattern, zone: str = "edge", max_chars: int = 200,
                 join_next: bool = False, search: bool = False, requires: frozenset | None = None,
                 examples: tuple[str, ...] = (), keeps: tuple[str, ...] = ()):
        self.id = id
        self.description = description
        self.pattern = pattern
        self.zone = zone
        self.max_chars = max_chars
        self.join_next = join_next
        self.search = search  # match = "search": the pattern may occur anywhere in the line
        # Keys (one character or two in a row) of which every match holds at least one (`required_keys`); a
        # line with none of them is not tried. None: the pattern guarantees no such set (it is tried on every
        # line).
        self.requires = requires
        self.examples = examples  # lines it removes (a join_next rule's: two lines, split by a newline)
        self.keeps = keeps  # look-alike lines it must not remove

    def takes(self, line: str) -> bool:
        """Whether the pattern claims `line` (a join_next rule: the line and the next, split by a newline),
        within max_chars; the zone is the stage's business.

        >>> rule = ChromeRule("x", "", Pattern("x", "", regex.compile("编辑：.{2}")), max_chars=10)
        >>> rule.takes("编辑：何立"), rule.takes("编辑：何立说")
        (True, False)
        """
        text = line.replace("\n", "", 1) if self.join_next else line
        if len(text) > self.max_chars:
            return False
        return bool(self.pattern.search(text) if self.search else self.pattern.fullmatch(text))


def gate_masks(rules: list) -> tuple[dict[str, int], int]:
    """For rules with gates (`requires`: keys a match holds one of, or None): each key's bit mask of the rules
    whose gate holds it, and the mask of the rules without a gate (always worth trying)."""
    by_key: dict[str, int] = {}
    ungated = 0
    for n, rule in enumerate(rules):
        if rule.requires is None:
            ungated |= 1 << n
            continue
        for key in rule.requires:
            by_key[key] = by_key.get(key, 0) | 1 << n
    return by_key, ungated


def text_keys(text: str, pairs: bool = True) -> set[str]:
    """The gate keys a text holds: its characters and (with `pairs`) every two characters in a row."""
    keys = set(text)
    if pairs:
        keys.update(map(add, text, text[1:]))
    return keys


def meets(requires: frozenset | None, text: str) -> bool:
    """Whether `text` holds one of the keys of the gate `requires` (every text meets no gate)."""
    return requires is None or any(map(text.__contains__, requires))


class RuleSieve:
    """Which rules of a list could match a text, found in one pass over the text's keys (`text_keys`: its
    characters, and its pairs of characters when a gate holds such a pair): each key maps to the bit mask of
    the rules whose gate (`ChromeRule.requires`) holds it, the masks of a text's keys are or-ed together (with
    the rules that have no gate) and cut to the rules whose `max_chars` the text fits; the rules of each mask
    are listed once. The same answer as testing each rule's gate and length in turn (rule order kept), which
    cost more than the patterns themselves on most lines."""

    CHOSEN_LIMIT = 1 << 14  # masks remembered (a bound on memory; real pages give a few thousand)
    FEW = 15  # up to this many rules allow a line's length (101+ characters): their gates in turn cost no more

    def __init__(self, rules: list[ChromeRule]):
        self.rules = list(rules)
        self.by_key, self.ungated = gate_masks(self.rules)
        self.pairs = any(len(key) > 1 for key in self.by_key)  # whether a line's pairs of characters are keys
        # fits[k]: the rules whose max_chars is at least limits[k] (a text of up to limits[k] characters fits them)
        self.limits = sorted({rule.max_chars for rule in self.rules})
        self.longest = self.limits[-1] if self.limits else 0  # the most characters any of the rules allows
        self.fits = [sum(1 << n for n, r in enumerate(self.rules) if r.max_chars >= limit) for limit in self.limits]
        self.fits.append(0)  # longer than every rule allows
        self.fitting = [[r for r in self.rules if r.max_chars >= limit] for limit in self.limits] + [[]]
        # whether the gates of the rules a length allows have so few keys that looking each up in the text costs
        # less than listing the text's keys (a paragraph that two or three rules are long enough for)
        self.direct = [sum(len(r.requires or ()) for r in fitting) <= self.DIRECT_KEYS for fitting in self.fitting]
        self.chosen: dict[int, list[ChromeRule]] = {}

    DIRECT_KEYS = 24

    def worth_trying(self, text: str) -> list[ChromeRule]:
        size = bisect_left(self.limits, len(text))
        fitting = self.fitting[size]
        if not fitting:  # longer than every rule allows (two paragraphs joined, for the joined rules)
            return fitting
        if len(fitting) <= self.FEW:  # a long line that few rules allow: their gates one by one cost less
            if self.direct[size]:
                return [r for r in fitting if r.requires is None or any(map(text.__contains__, r.requires))]
            keys = text_keys(text, self.pairs)
            return [r for r in fitting if r.requires is None or not r.requires.isdisjoint(keys)]
        mask = reduce(or_, map(self.by_key.get, text_keys(text, self.pairs), repeat(0)), self.ungated)
        return rules_of_mask(self.chosen, self.rules, mask & self.fits[size], self.CHOSEN_LIMIT)

    @staticmethod
    def key(rules: list[ChromeRule]) -> tuple:
        """What a sieve is built from: a rule list whose gates or limits changed needs another sieve."""
        return tuple((id(r), r.requires, r.max_chars) for r in rules)


def rules_of_mask(chosen: dict[int, list], rules: list, mask: int, limit: int) -> list:
    """The rules whose bits `mask` sets, in rule order, remembered in `chosen` (at most `limit` masks: a bound
    on memory) so that each mask's list is built once."""
    found = chosen.get(mask)
    if found is None:
        if len(chosen) >= limit:
            chosen.clear()
        found = chosen[mask] = [r for n, r in enumerate(rules) if mask >> n & 1]
    return found


class GapGate:
    """Which gap rules could match a text, found with one substring test per gate character: each of the
    characters of the rules' gates (`GapRule.requires`) the text holds adds the bit mask of the rules whose
    gate holds it (the rules without a gate are always in); the rules of each mask are listed once, in rule
    order. The same rules as testing each rule's gate against the gate characters the text holds (which built
    the gates' union and tested every gate again on each document). From the PAIRS_AFTER-th text on, the mask
    is cut to the rules the text holds a (character before, first character) pair of (`gappairs.PairGate`)."""

    CHOSEN_LIMIT = 1 << 12  # masks remembered (a bound on memory; real news gives a few hundred)
    # Texts asked about before the pair gate (`gappairs.PairGate`) is made (from the shipped `rules/gap_pairs.json`
    # in about a millisecond): a one-record run does not make it.
    PAIRS_AFTER = 20

    def __init__(self, rules: list[GapRule]):
        self.rules = list(rules)
        self.requires = [rule.requires for rule in self.rules]  # the gates it was built from (`fits`)
        self.by_char, self.ungated = gate_masks(self.rules)
        self.chars = list(self.by_char.items())
        self.chosen: dict[int, list[GapRule]] = {}
        self.asked = 0  # texts asked about so far
        self.pairs = None  # the pair gate, once PAIRS_AFTER texts were asked about

    def worth_trying(self, text: str) -> list[GapRule]:
        mask = self.ungated
        for char, rules in self.chars:  # a few dozen substring tests: cheaper than a set of a long text's characters
            if char in text:
                mask |= rules
        pairs = self.pairs
        if pairs is None:
            self.asked += 1
            if self.asked > self.PAIRS_AFTER:
                from .gappairs import PairGate

                pairs = self.pairs = PairGate(self.rules)
        if pairs is not None and mask:  # both gates only let by rules that could match: either may rule one out
            mask &= pairs.mask(text)
        return rules_of_mask(self.chosen, self.rules, mask, self.CHOSEN_LIMIT)

    def fits(self, rules: list[GapRule]) -> bool:
        """Whether this gate was built from these very rules with these very gates (a rule list whose rules or
        gates changed needs another gate). Asked per document, so in C: building a key of the 71 rules and
        their gates cost about as much as the gate's own tests."""
        return (len(rules) == len(self.rules) and all(map(is_, rules, self.rules))
                and all(map(is_, map(_REQUIRES, rules), self.requires)))


_REQUIRES = attrgetter("requires")


def required_chars(compiled: Any) -> frozenset | None:
    """A set of characters every match of `compiled` contains at least one of, or None if none is known.

    Read from the parse tree of the `regex` module's own parser (the one that compiled the pattern, so it
    reads every construct the same way): a literal character needs itself; a sequence needs what any one of
    its parts that must occur needs (the smallest such set); an alternation the union of what each branch
    needs; a repeat with a minimum of one or more what its body needs; a character class of literal
    characters (and short ranges) its members. Anything else (lookarounds, properties such as \\p{Han},
    case-insensitive letters, fuzzy matching, references, or a parser this version of `regex` does not have)
    needs nothing known, so the answer errs towards None, which only costs time.
    """
    return _read_tree(compiled, _needs)


def _read_tree(compiled: Any, read: Callable[[Any, Any], Any]) -> Any:
    """`read(tree, core)` of the parse tree the `regex` module's own parser gives `compiled`'s pattern, or None
    where that fails (a private API: any change in it must cost speed, never a match)."""
    try:
        from regex import _regex_core as core

        source = core.Source(compiled.pattern)
        info = core.Info(compiled.flags, source.char_type, {})
        tree = core._parse_pattern(source, info)
        if not source.at_end():
            return None
        return read(tree, core)
    except Exception:
        return None


def _needs(node: Any, core: Any) -> frozenset | None:
    """What `required_chars` says of one node of the parse tree."""
    kind = type(node)
    if kind is core.Character:
        char = chr(node.value)
        if not node.positive or node.zerowidth or (node.case_flags and char.lower() != char.upper()):
            return None
        return frozenset(char)
    if kind is core.Sequence:
        best = None
        for item in node.items:
            needs = _needs(item, core)
            if needs is not None and (best is None or len(needs) < len(best)):
                best = needs
        return best
    if kind is core.Branch:
        return _union([_needs(b, core) for b in node.branches])
    if kind in (core.Group, core.Atomic):
        return _needs(node.subpattern, core)
    if kind in (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat):
        return _needs(node.subpattern, core) if node.min_count >= 1 else None
    if kind is core.Range:  # a class of one range, `[A-C]`
        return None if node.zerowidth else _member_chars(node, core)
    if kind is core.SetUnion and node.positive and not node.zerowidth:
        return _union([_member_chars(m, core) for m in node.items])
    return None


def _member_chars(member: Any, core: Any) -> frozenset | None:
    """The characters a member of a character class stands for: a literal, or a range of up to 64."""
    if type(member) is core.Range:
        if member.positive and not member.case_flags and member.upper - member.lower < 64:
            return frozenset(map(chr, range(member.lower, member.upper + 1)))
        return None
    return _needs(member, core)


def _union(sets: Iterable[frozenset | None]) -> frozenset | None:
    """The union of character sets, or None if any of them is not known."""
    found: frozenset = frozenset()
    for part in sets:
        if part is None:
            return None
        found |= part
    return found


# The most strings an exact set of `_literals` may hold: a run of character classes multiplies out fast.
LITERALS_LIMIT = 64
_NOTHING = frozenset({""})  # what a zero-width node consumes


def required_literals(compiled: Any) -> frozenset | None:
    """A set of strings every match of `compiled` contains at least one of, or None if none is known: the
    gate of a chrome rule, stronger than `required_chars` where the pattern spells words (`转载请注明`,
    `ICP备`: a paragraph holds `转` or `I` far more often than those).

    Read from the same parse tree as `required_chars`, with the same caution (anything it does not know
    needs nothing, so the answer errs towards a weaker gate). Each node gives what it matches exactly (a
    finite set of strings, when it is small: a literal, a class of literal characters, an alternation or a
    sequence of such, an optional one, a zero-width assertion, which matches the empty string) and what its
    matches need; a sequence needs what any one of its parts needs, and a run of exact parts in a row
    needs their concatenations. Of the sets a sequence offers, the one whose shortest string is longest is
    kept (the fewest strings on a tie): a set of single characters is `required_chars`'s own answer.
    """
    return _read_tree(compiled, lambda tree, core: _literals(tree, core)[1])


def _literals(node: Any, core: Any) -> tuple[frozenset | None, frozenset | None]:
    """(the strings `node` matches exactly, or None; strings its every match contains one of, or None)."""
    kind = type(node)
    if kind is core.Character or kind is core.Range or kind is core.SetUnion:
        chars = _exact_chars(node, core)
        return chars, chars
    if kind in _zero_width(core):
        return _NOTHING, None
    if kind is core.Sequence:
        return _sequence_literals(node.items, core)
    if kind is core.Branch:
        parts = [_literals(b, core) for b in node.branches]
        exact = _union([e for e, _ in parts])
        return (exact if exact is not None and len(exact) <= LITERALS_LIMIT else None,
                _needed(_union([n for _, n in parts])))
    if kind in (core.Group, core.Atomic):
        return _literals(node.subpattern, core)
    if kind in (core.GreedyRepeat, core.LazyRepeat, core.PossessiveRepeat):
        exact, needs = _literals(node.subpattern, core)
        low, high = node.min_count, node.max_count
        if exact is not None and high is not None and high <= 1:
            exact = exact | _NOTHING if low == 0 else exact
        elif exact is not None and low == high:
            exact = _product([exact] * low)
        else:
            exact = None
        return exact, needs if low >= 1 else _needed(exact)
    return None, None


def required_keys(compiled: Any) -> frozenset | None:
    """The gate of a chrome rule: keys of one or two characters of which every match holds at least one, read
    from `required_literals` (each word gives the pair of its characters that most of the words hold, so few
    keys stand for all; a single character stands for itself). A pair is as cheap to look up in a line as a
    character (`RuleSieve`), and far rarer: `载请` or `CP` against `转` or `I`."""
    return gate_keys(required_literals(compiled))


def gate_keys(words: frozenset | None) -> frozenset | None:
    """`required_keys` of the words a match holds one of."""
    if words is None:
        return None
    def pairs(word: str) -> set[str]:
        return {word[i:i + 2] for i in range(len(word) - 1)} or {word}
    counts = Counter(pair for word in words for pair in pairs(word))
    return _needed(frozenset(max(sorted(pairs(word)), key=counts.__getitem__) for word in words))


def _exact_chars(node: Any, core: Any) -> frozenset | None:
    """The characters a literal, a range or a class of literal characters matches (each is one of them)."""
    if node.zerowidth or not node.positive:
        return None
    if type(node) is core.SetUnion:
        chars = _union([_member_chars(m, core) for m in node.items])
    else:
        chars = _member_chars(node, core) if type(node) is core.Range else _needs(node, core)
    if chars is None or (node.case_flags and any(c.lower() != c.upper() for c in chars)):
        return None
    return chars


@lru_cache(maxsize=1)
def _zero_width(core: Any) -> frozenset:
    """The parse-tree nodes that consume nothing (anchors, boundaries, lookarounds)."""
    names = ("LookAround", "StartOfLine", "StartOfLineU", "StartOfString", "EndOfLine", "EndOfLineU",
             "EndOfString", "EndOfStringLine", "EndOfStringLineU", "Boundary", "DefaultBoundary",
             "StartOfWord", "EndOfWord", "DefaultStartOfWord", "DefaultEndOfWord", "SearchAnchor")
    return frozenset(getattr(core, name) for name in names if hasattr(core, name))


def _sequence_literals(items: list, core: Any) -> tuple[frozenset | None, frozenset | None]:
    """`_literals` of a sequence: exact when all its parts are; it needs the best set any part or run of
    exact parts in a row needs (a run whose concatenations would pass LITERALS_LIMIT starts again)."""
    offers: list[frozenset] = []
    run, whole = _NOTHING, _NOTHING
    for item in items:
        exact, needs = _literals(item, core)
        if exact is None:
            offers += [run] + ([needs] if needs is not None else [])
            run, whole = _NOTHING, None
            continue
        joined = _product([run, exact])
        if joined is None:
            offers.append(run)
            run = exact
        else:
            run = joined
        whole = None if whole is None else _product([whole, exact])
    offers.append(run)
    usable = [needs for needs in map(_needed, offers) if needs is not None]
    best = max(usable, key=lambda s: (min(map(len, s)), -len(s)), default=None)
    return whole, best


def _product(parts: list[frozenset]) -> frozenset | None:
    """Every concatenation of one string of each part, or None past LITERALS_LIMIT strings."""
    out = _NOTHING
    for part in parts:
        if len(out) * len(part) > LITERALS_LIMIT:
            return None
        out = frozenset(a + b for a in out for b in part)
    return out


def _needed(strings: frozenset | None) -> frozenset | None:
    """`strings` as a requirement, without the strings that hold another of them (a text that holds `转载请注明`
    holds `转载`); None when it is empty or holds the empty string (which every text holds)."""
    if not strings or "" in strings:
        return None
    return frozenset(s for s in strings if not any(t != s and t in s for t in strings))


class GapRule:
    """A gap rule as loaded."""

    __slots__ = ("id", "description", "pattern", "kind", "examples", "keeps", "requires")

    def __init__(self, id: str, description: str, pattern: Pattern, kind: str, examples: tuple[str, ...] = (),
                 keeps: tuple[str, ...] = (), requires: frozenset | None = None):
        self.id = id
        self.description = description
        self.pattern = pattern
        self.kind = kind
        self.examples = examples  # texts with the gap marked: `总投资⟨亿元⟩，` (GAP_MARKS)
        self.keeps = keeps  # look-alike texts where it finds no gap
        # Characters every match holds one of (`required_chars`), or None: a text holding none of them is not
        # searched.
        self.requires = requires

    def gaps(self, text: str) -> list[tuple[int, int]]:
        """The (start, end) of the unit of every gap the pattern finds in `text`.

        >>> rule = GapRule("x", "", Pattern("x", "", regex.compile("(?<=达)(?P<unit>亿元)")), "amount")
        >>> rule.gaps("总投资达亿元，达5亿元")
        [(4, 6)]
        """
        return [m.span("unit") for m in self.pattern.finditer(text)]


# How a gap rule's example marks the gap it finds: `总投资⟨亿元⟩，` (characters no news text holds).
GAP_MARKS = ("⟨", "⟩")


def marked_gap(example: str) -> tuple[str, tuple[int, int]]:
    """The text of a gap example and the span of its marked unit.

    >>> marked_gap("总投资⟨亿元⟩，")
    ('总投资亿元，', (3, 5))
    """
    open_, close = GAP_MARKS
    start = example.index(open_)
    end = example.index(close) - 1
    return example.replace(open_, "").replace(close, ""), (start, end)


class RuleSet:
    """Everything the stages read from `rules/`."""

    __slots__ = ("source", "normalize", "chrome", "chrome_lexicons", "gaps", "chrome_single", "chrome_joined",
                 "chrome_order", "line_matches", "sieves", "gap_gates", "budget", "gates")

    def __init__(self, source: str, normalize: dict[str, Any] | None = None, chrome: list[ChromeRule] | None = None,
                 chrome_lexicons: dict[str, list[str]] | None = None, gaps: list[GapRule] | None = None,
                 gates: "Gates | None" = None):
        self.source = source
        self.normalize = {} if normalize is None else normalize
        self.chrome = [] if chrome is None else chrome
        self.chrome_lexicons = {} if chrome_lexicons is None else chrome_lexicons
        self.gaps = [] if gaps is None else gaps
        # The chrome rules that look at one line, those that look at a line joined with the next, and each
        # rule's position (candidates are reported in rule order): `_index_chrome`.
        self.chrome_single: list[ChromeRule] = []
        self.chrome_joined: list[ChromeRule] = []
        self.chrome_order: dict[str, int] = {}
        # line text -> the single-line rules that match it (filled by the chrome stage)
        self.line_matches: dict[str, tuple] = {}
        # RuleSieve.key of a rule list -> its sieve (built by `sieve` on first use); the chrome stage keeps its
        # bundle of sieves here too, under a key of its own (`chrome._stage_sieves`)
        self.sieves: dict[tuple, Any] = {}
        # the gate of the gap rules (built by `gap_gate` on first use, again when they change: `GapGate.fits`)
        self.gap_gates: "GapGate | None" = None
        # the time every pattern of this rule set may take (per call, per document, per run)
        self.budget = RegexBudget()
        # what is known of each pattern without compiling it (the shipped gate table), and what this load learned
        self.gates = shipped_gates() if gates is None else gates

    @classmethod
    def load(cls, directory: "str | Path | RuleSource | None" = None, gates: "Gates | None" = None) -> "RuleSet":
        """Load the shipped rules; files present in `directory` replace the shipped file of the same name. A
        `RuleSource` also adds the rules of its extra files and leaves out the rules it disables. `gates`
        (default: the table shipped next to the rules) lists the patterns that need not be compiled yet."""
        source = directory if isinstance(directory, RuleSource) else RuleSource(directory)
        default = default_rules_dir()
        user = Path(source.directory) if source.directory is not None else None
        if user is not None and not user.is_dir():
            raise RuleError(f"{user}: rules directory not found")
        if source.extra is not None and not Path(source.extra).is_dir():
            raise RuleError(f"{source.extra}: extra rules directory not found")
        label = str(user or default) + (f" + {source.extra}" if source.extra else "")
        files = [(path, read_rule_file(path)) for path in source.files()]
        # A table given is a load that must compile and check every pattern it lacks (`build_gates`): no cache.
        cache = RulesCache.of(files, source.disabled) if gates is None else None
        cached = cache.read(label) if cache is not None else None
        if cached is not None:
            return cached
        parts: dict[str, list[tuple[str, dict]]] = {}
        for path, data in files:
            parts.setdefault(path.name, []).append((str(path), _parse_toml(path, data)))
        rules = cls(source=label, gates=gates if gates is not None else shipped_gates())
        (base_path, base), *extras = parts["normalize.toml"]
        _check_normalize(base_path, base)
        rules.normalize = {**base, "widen_punctuation": dict(base.get("widen_punctuation", {}))}
        for path, doc in extras:  # an extra file adds marks to the table (or maps one differently)
            _check_normalize(path, doc)
            rules.normalize["widen_punctuation"].update(doc.get("widen_punctuation", {}))
        rules._load_chrome(parts["chrome.toml"])
        rules._load_gaps(parts["numbers.toml"])
        rules._disable(source.disabled)
        rules._index_chrome()
        if cache is not None:
            cache.write(rules)
        return rules

    def _index_chrome(self) -> None:
        """The single-line and joined chrome rules, and each rule's position."""
        self.chrome_single = [r for r in self.chrome if not r.join_next]
        self.chrome_joined = [r for r in self.chrome if r.join_next]
        self.chrome_order = {r.id: n for n, r in enumerate(self.chrome)}

    def sieve(self, rules: list[ChromeRule]) -> RuleSieve:
        """The sieve of `rules` (`chrome_single` or `chrome_joined`), built once for as long as their gates stay."""
        key = RuleSieve.key(rules)
        found = self.sieves.get(key)
        if found is None:
            if len(self.sieves) >= 8:
                self.sieves.clear()
            found = self.sieves[key] = RuleSieve(rules)
        return found

    def gap_gate(self) -> GapGate:
        """The gate of the gap rules, built once for as long as the rules and their gates stay."""
        gate = self.gap_gates
        if gate is None or not gate.fits(self.gaps):
            gate = self.gap_gates = GapGate(self.gaps)
        return gate

    def _load_chrome(self, parts: list[tuple[str, dict]]) -> None:
        names, self.chrome_lexicons = _shared_names(parts, ("define", "lexicon", "rule"))
        defines = _Defines(parts[0][0], names)
        for path, entry in _entries_of(parts, "rule", CHROME_KEYS):
            rid = entry["id"]
            zone = entry.get("zone", "edge")
            if zone not in ZONES:
                raise RuleError(f"{path}: rule {rid!r}: zone must be one of {', '.join(ZONES)}, not {zone!r}")
            max_chars = entry.get("max_chars", 200)
            if not isinstance(max_chars, int) or isinstance(max_chars, bool) or max_chars < 1:
                raise RuleError(f"{path}: rule {rid!r}: max_chars must be a positive integer, not {max_chars!r}")
            match = entry.get("match", "full")
            if match not in ("full", "search"):
                raise RuleError(f"{path}: rule {rid!r}: match must be 'full' or 'search', not {match!r}")
            join_next = entry.get("join_next", False)
            if not isinstance(join_next, bool):
                raise RuleError(f"{path}: rule {rid!r}: join_next must be true or false, not {join_next!r}")
            pattern, requires = self._pattern(path, rid, entry["pattern"], defines, self.chrome_lexicons, match)
            examples, keeps = _examples(path, rid, entry, lines=2 if join_next else 1)
            self.chrome.append(ChromeRule(
                id=rid, description=entry["description"], pattern=pattern, zone=zone, max_chars=max_chars,
                join_next=join_next, search=match == "search", requires=requires,
                examples=examples, keeps=keeps,
            ))

    def _load_gaps(self, parts: list[tuple[str, dict]]) -> None:
        names, lexicons = _shared_names(parts, ("define", "lexicon", "gap"))
        defines = _Defines(parts[0][0], names)
        for path, entry in _entries_of(parts, "gap", GAP_KEYS):
            rid = entry["id"]
            kind = entry.get("kind", rid)
            if not isinstance(kind, str) or not kind:
                raise RuleError(f"{path}: rule {rid!r}: kind must be a non-empty string, not {kind!r}")
            # Gap patterns run over the whole text, where ^ and $ should mean the start and end of a line.
            pattern, requires = self._pattern(path, rid, entry["pattern"], defines, lexicons, "gap",
                                              flags=regex.MULTILINE)
            examples, keeps = _examples(path, rid, entry, gap=True)
            self.gaps.append(GapRule(rid, entry["description"], pattern, kind, examples, keeps, requires))

    def _pattern(self, path: str, rid: str, source: str, defines: "_Defines", lexicons: dict[str, list[str]],
                 use: str, flags: int = 0) -> tuple[Pattern, frozenset | None]:
        """A rule's pattern and its gate, `required_chars`. `use` is how the rule uses it:
        `full`, `search` (a chrome rule's `match`) or `gap`; the checks of that use run at load. A pattern the
        gate table holds is not parsed again: it is rebuilt from the engine code the table keeps, and its
        checks passed when the table was built."""
        expanded = _expand_rule(path, rid, source, defines, lexicons)
        key = gate_key(use, flags, expanded)
        known = self.gates.known.get(key)
        if known is not None and known.engine is not None:
            pattern = Pattern(rid, path, known.compiled(expanded), self.budget)
            requires = known.requires
        else:
            pattern = _compile_expanded(path, rid, expanded, flags, self.budget)
            _check_use(path, rid, pattern, use)
            requires = required_chars(pattern.compiled) if use == "gap" else required_keys(pattern.compiled)
        self.gates.learned[key] = Gate.of(pattern.compiled, requires)
        return pattern, requires

    def _disable(self, ids: tuple[str, ...]) -> None:
        """Leave out the rules named; an id that is no rule of the files, or a built-in one, is an error."""
        from .builtin_rules import BUILTIN_RULES

        known = {r.id for r in self.chrome} | {g.id for g in self.gaps}
        for rid in ids:
            if rid in known:
                continue
            builtin = next((b for b in BUILTIN_RULES if b.id == rid), None)
            if builtin is not None:
                raise RuleError(f"rule {rid!r} is built into the {builtin.stage} stage and cannot be disabled "
                                f"alone; leave the stage out with --stages")
            raise RuleError(f"no rule {rid!r} to disable (`newsclean rules` lists every rule in force)")
        self.chrome = [r for r in self.chrome if r.id not in ids]
        self.gaps = [g for g in self.gaps if g.id not in ids]


# The pattern table shipped next to the rule files: `python training/rule_gates.py` writes it from the shipped rules.
GATES_FILE = "gates.json.gz"


def gate_key(use: str, flags: int, expanded: str) -> str:
    """The table's key of a pattern: a hash of its expanded text, its flags and its use (which checks it passed),
    so an entry holds for that pattern in any file (a user's copy of a rule file, `--extra-rules`) and a
    pattern changed by a single character is compiled and checked again."""
    return hashlib.sha256(f"{use}\0{flags}\0{expanded}".encode()).hexdigest()[:32]


class Gate(NamedTuple):
    """What the table keeps of one pattern: its gate (`required_chars`) and the engine code `regex` compiled
    it to (the state its compiled patterns pickle to, less the pattern text), or None where the code cannot be
    kept (named lists). Rebuilding a pattern from its code takes about 0.2 ms; parsing and compiling it again
    takes 1-100 ms, which over the 135 shipped patterns was most of the start-up of a short run."""

    requires: frozenset | None
    engine: tuple | None

    @classmethod
    def of(cls, compiled: Any, requires: frozenset | None) -> "Gate":
        state = getattr(compiled, "_pickled_data", None)
        keep = isinstance(state, tuple) and len(state) == 11 and not state[5] and not state[6]
        # (pattern, flags, code, group_index, index_group, named_lists, named_list_indexes, req_offset,
        #  req_chars, req_flags, group_count): the pattern text is the key's, named lists are never kept
        return cls(requires, (state[1], state[2], state[3], state[4]) + state[7:] if keep else None)

    def compiled(self, expanded: str) -> Any:
        """The compiled pattern of `expanded`, the pattern text this entry was made from."""
        from regex import _regex

        flags, code, group_index, index_group, req_offset, req_chars, req_flags, group_count = self.engine
        return _regex.compile(expanded, flags, code, group_index, index_group, {}, [], req_offset, req_chars,
                              req_flags, group_count)

    def to_json(self) -> list:
        import base64  # the table's form only: a load from the rules cache reads no table

        engine = None
        if self.engine is not None:
            flags, code, group_index, index_group, *rest = self.engine
            engine = [flags, base64.b64encode(code).decode("ascii"), group_index, sorted(index_group.items()),
                      *(list(x) if isinstance(x, tuple) else x for x in rest)]
        # a gate of single characters is one string of them; a gate of words (`required_literals`) their list
        requires = self.requires if self.requires is None else sorted(self.requires)
        if requires is not None and all(len(s) == 1 for s in requires):
            requires = "".join(requires)
        return [requires, engine]

    @classmethod
    def from_json(cls, row: list) -> "Gate":
        import base64

        requires, engine = row
        if engine is not None:
            flags, code, group_index, index_group, req_offset, req_chars, req_flags, group_count = engine
            engine = (int(flags), base64.b64decode(code), {str(k): int(v) for k, v in group_index.items()},
                      {int(k): str(v) for k, v in index_group}, int(req_offset), tuple(map(int, req_chars)),
                      int(req_flags), int(group_count))
        return cls(None if requires is None else frozenset(requires), engine)


class Gates:
    """Patterns known without parsing them again: gate key -> `Gate`. Built by compiling and checking each
    pattern with one version of `regex` (`regex_version`): under another version the table is not used (its
    engine code and its parser, which `required_chars` reads, may differ), and every pattern is compiled at
    load as without a table: slower, the same output. `learned` is filled by a load: every pattern it read,
    for writing a new table."""

    __slots__ = ("known", "learned")

    def __init__(self, known: dict[str, Gate] | None = None, learned: dict[str, Gate] | None = None):
        self.known = {} if known is None else known
        self.learned = {} if learned is None else learned

    def to_bytes(self) -> bytes:
        """The learned entries as the table's file: JSON, one pattern a line, sorted, gzip without a time
        stamp."""
        rows = ",\n".join(f"{json.dumps(k)}: {json.dumps(g.to_json(), ensure_ascii=False)}"
                          for k, g in sorted(self.learned.items()) if g.engine is not None)
        text = f'{{"regex_version": {json.dumps(regex.__version__)}, "patterns": {{\n{rows}\n}}}}\n'
        return gzip.compress(text.encode("utf-8"), mtime=0)

    def same_patterns(self, learned: dict[str, Gate]) -> bool:
        """Whether the table lists exactly the patterns of `learned` (a load's) with the same gates, flags and
        groups: all but the engine code, whose bytes vary from process to process (see training/rule_gates.py)."""
        def fixed(gates: dict[str, Gate]) -> dict:
            return {k: (g.requires, g.engine and (g.engine[0],) + g.engine[2:]) for k, g in gates.items()
                    if g.engine is not None}
        return fixed(self.known) == fixed(learned)

    @classmethod
    def read(cls, path: Path) -> "Gates":
        """The table in `path`; an empty one if it is missing, unreadable or built with another `regex`."""
        try:
            doc = json.loads(gzip.decompress(path.read_bytes()))
            if doc.get("regex_version") != regex.__version__:
                return cls()
            return cls({k: Gate.from_json(row) for k, row in doc["patterns"].items()})
        except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return cls()


_shipped_gates: dict[str, dict[str, Gate]] = {}


def shipped_gates() -> Gates:
    """A fresh `Gates` over the shipped table (read once per process)."""
    if "known" not in _shipped_gates:
        _shipped_gates["known"] = Gates.read(default_rules_dir() / GATES_FILE).known
    return Gates(_shipped_gates["known"])


def build_gates(directory: "str | Path | RuleSource | None" = None) -> Gates:
    """The gate table of the rules in `directory` (default: the shipped ones), every pattern compiled and checked."""
    return RuleSet.load(directory, gates=Gates()).gates


class RuleSource(NamedTuple):
    """Where the rules come from: the shipped files (each replaced by a file of the same name in `directory`),
    the files of `extra` adding rules, words and pattern pieces to them, and the rule ids left out."""

    directory: str | None = None
    extra: str | None = None
    disabled: tuple[str, ...] = ()

    def files(self) -> list[Path]:
        """Every rule file read, in the order read: the base files, then the extra files present."""
        base = rule_files(self.directory)
        if self.extra is None:
            return base
        return base + [Path(self.extra) / name for name in RULE_FILES if (Path(self.extra) / name).exists()]

    def digest(self) -> str:
        """A fingerprint of every file read and of the rules disabled: the rules in force, for resume checks
        and caches."""
        digest = hashlib.sha256()
        for path in self.files():
            try:  # with the loader's limits: a FIFO or /dev/zero must not hang or fill the fingerprint
                digest.update(str(path).encode() + b"\0" + read_rule_file(path) + b"\0")
            except (OSError, RuleError):  # the loader reports it, naming the file
                digest.update(str(path).encode() + b"\0?\0")
        if self.disabled:
            digest.update(b"disabled\0" + "\0".join(sorted(self.disabled)).encode())
        return digest.hexdigest()


class _Unbuilt:
    """The compiled pattern of a rule read from the rules cache, until its first use: any attribute asked of it
    (`search`, `pattern`, `groupindex`…) rebuilds the pattern from its engine code and puts it in its
    `Pattern`'s place, so later calls meet the compiled pattern itself. A short run rebuilds only the patterns
    its gates let run (rebuilding all 137 was most of a cached load). Its own names start with `_`, which no
    attribute of a compiled pattern does."""

    __slots__ = ("_owner", "_gate", "_expanded")

    def __init__(self, owner: "Pattern", gate: "Gate", expanded: str):
        self._owner, self._gate, self._expanded = owner, gate, expanded

    def __getattr__(self, name: str) -> Any:
        compiled = self._owner.compiled = self._gate.compiled(self._expanded)
        return getattr(compiled, name)


def _deferred(rid: str, path: str, gate: "Gate", expanded: str, budget: RegexBudget) -> "Pattern":
    """A `Pattern` whose compiled pattern is rebuilt from `gate` at its first use (`_Unbuilt`)."""
    found = Pattern(rid, path, None, budget)
    found.compiled = _Unbuilt(found, gate, expanded)
    return found


# The folder of the cached rules sets (`RulesCache`): NEWSCLEAN_CACHE_DIR, else $XDG_CACHE_HOME/newsclean, else
# ~/.cache/newsclean; NEWSCLEAN_CACHE_DIR set to nothing turns the cache off.
CACHE_DIR_ENV = "NEWSCLEAN_CACHE_DIR"
# The shape of a cached rules set; another number is another key, so an old file is parsed over, never misread.
CACHE_FORMAT = 2


def cache_dir() -> Path | None:
    """Where newsclean keeps its caches, or None when the cache is off (or there is no home to keep it in)."""
    chosen = os.environ.get(CACHE_DIR_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser(os.path.join("~", ".cache"))
    return None if base.startswith("~") else Path(base) / "newsclean"


class RulesCache(NamedTuple):
    """A rules set as its load left it, kept in a file of `cache_dir()` for the next run: every field of every
    rule and each pattern's engine code (`Gate`), written with `marshal` and read back in a few milliseconds
    where a load parses the TOML (about 0.03 s of CPU), expands, hashes and checks the patterns and reads the
    gate table (0.03 s more).

    The rule files stay the source: the cached form is used only when its key, a hash of every file's path and
    bytes, the rules disabled, this module's own code, the shipped gate table and the versions of Python and
    `regex`, is the key of the
    files read now; else the files are parsed and the file written again. One file per rules set (its files'
    paths and the ids disabled), so editing a rule file replaces its cached form. A folder that cannot be
    written or a file that cannot be read or is damaged costs the parse, as without a cache, and says nothing;
    a rule file that does not load is never cached (its error comes from the parse)."""

    path: Path
    key: str

    @classmethod
    def of(cls, files: list[tuple[Path, bytes]], disabled: tuple[str, ...]) -> "RulesCache | None":
        """The cache of the rules set read from `files` ((path, bytes), in load order), or None when off."""
        where = cache_dir()
        if where is None:
            return None
        try:
            code = Path(__file__).read_bytes()
            # the cached patterns' engine code and gates come from the shipped table: a table rebuilt (by
            # `training/rule_gates.py`) replaces the cached form as an edited rule file does
            code += (default_rules_dir() / GATES_FILE).read_bytes()
        except OSError:
            return None
        which = hashlib.sha256()
        content = hashlib.sha256(f"{CACHE_FORMAT}\0{sys.version}\0{regex.__version__}\0".encode() + code)
        for path, data in files:
            which.update(str(path).encode() + b"\0")
            content.update(str(path).encode() + b"\0" + hashlib.sha256(data).digest())
        ids = b"\0disabled\0" + "\0".join(sorted(disabled)).encode()
        which.update(ids)
        content.update(ids)
        return cls(where / f"rules-{which.hexdigest()[:24]}.marshal", content.hexdigest())

    def read(self, label: str) -> "RuleSet | None":
        """The cached rules set (named `label`), or None when there is none for this key or it cannot be read."""
        try:
            stored = self.path.read_bytes()
            # the engine code goes to `regex` unchecked at first use: a file changed on disk by anything but
            # `write` (a bad sector, a copy cut short) is refused whole, before marshal reads it
            digest, body = stored[:_DIGEST_BYTES], stored[_DIGEST_BYTES:]
            if hashlib.sha256(body).digest() != digest:
                return None
            key, normalize, lexicons, chrome, gaps = marshal.loads(body)
            if key != self.key:
                return None
            return self._rules(label, normalize, lexicons, chrome, gaps)
        except Exception:  # noqa: BLE001 - missing, unreadable or damaged: the files are parsed instead
            return None

    @staticmethod
    def _rules(label: str, normalize: dict, lexicons: dict, chrome: list, gaps: list) -> "RuleSet":
        # A load from the cache compiled nothing and learned no gates: `Gates()` (and no shipped table read).
        rules = RuleSet(source=label, normalize=normalize, chrome_lexicons=lexicons, gates=Gates())
        budget = rules.budget
        for (rid, description, path, expanded, engine, requires, zone, max_chars, join_next, search, examples,
             keeps) in chrome:
            rules.chrome.append(ChromeRule(
                id=rid, description=description,
                pattern=_deferred(rid, path, Gate(requires, engine), expanded, budget),
                zone=zone, max_chars=max_chars, join_next=join_next, search=search, requires=requires,
                examples=examples, keeps=keeps))
        for rid, description, path, expanded, engine, requires, kind, examples, keeps in gaps:
            rules.gaps.append(GapRule(
                id=rid, description=description,
                pattern=_deferred(rid, path, Gate(requires, engine), expanded, budget),
                kind=kind, examples=examples, keeps=keeps, requires=requires))
        rules._index_chrome()
        return rules

    def write(self, rules: "RuleSet") -> None:
        """Keep `rules` (just loaded from the files this cache is keyed by) for the next run, if it can be."""
        def engine(rule: "ChromeRule | GapRule") -> tuple | None:
            return Gate.of(rule.pattern.compiled, rule.requires).engine

        chrome = [(r.id, r.description, r.pattern.path, r.pattern.compiled.pattern, engine(r), r.requires, r.zone,
                   r.max_chars, r.join_next, r.search, r.examples, r.keeps) for r in rules.chrome]
        gaps = [(g.id, g.description, g.pattern.path, g.pattern.compiled.pattern, engine(g), g.requires, g.kind,
                 g.examples, g.keeps) for g in rules.gaps]
        if any(row[4] is None for row in chrome + gaps):
            return  # a pattern whose engine code cannot be kept (named lists) is compiled at every load
        try:
            data = marshal.dumps((self.key, rules.normalize, rules.chrome_lexicons, chrome, gaps))
        except ValueError:  # a value marshal cannot write (a TOML date in normalize.toml): not cached
            return
        import tempfile  # only a run that writes the cache needs it

        temporary = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # a name no other writer has (processes of other hosts or containers may share the folder)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            with os.fdopen(handle, "wb") as out:
                out.write(hashlib.sha256(data).digest() + data)
            os.replace(temporary, self.path)  # whole or not at all, whoever else writes it at the same time
        except OSError:
            if temporary is not None:
                try:
                    os.unlink(temporary)
                except OSError:
                    pass


_DIGEST_BYTES = 32  # a cached form starts with the SHA-256 of the rest


def _shared_names(parts: list[tuple[str, dict]], known: tuple[str, ...]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The [define] and [lexicon] entries of a rule file and its extra files: an extra file adds pattern
    pieces (redefining one is an error, it would change rules it cannot see) and adds words to word lists."""
    defines: dict[str, str] = {}
    lexicons: dict[str, list[str]] = {}
    for path, doc in parts:
        _top_level(path, doc, known)
        for name, pattern in _defines(path, doc).items():
            if name in defines:
                raise RuleError(f"{path}: define {name!r} exists already in the rules it adds to; give it another name")
            defines[name] = pattern
        for name, words in _lexicons(path, doc).items():
            lexicons.setdefault(name, []).extend(w for w in words if w not in lexicons.get(name, ()))
    return defines, lexicons


def _entries_of(parts: list[tuple[str, dict]], key: str, known: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    """(file, entry) for the rules of a file and its extra files, ids unique across all of them."""
    seen: dict[str, str] = {}
    for path, doc in parts:
        for entry in _entries(path, doc, key, known):
            if entry["id"] in seen:
                raise RuleError(f"{path}: rule {entry['id']!r}: {seen[entry['id']]} has a rule of that id already; "
                                "give it another id (or --disable-rule the other one and name yours differently)")
            seen[entry["id"]] = path
            yield path, entry


# Short texts on which a pattern must not find an empty match: an empty match after a character
# (`(?<=.)(?P<unit>)`) flags or removes as much as one at the start of a text.
_EMPTY_PROBES = ("", "a", "中", "年", "1", " ", "\n", "a\n中", "首页 新闻。", "2024年增长%")


def _matches_empty(pattern: Pattern, group: str | None = None) -> bool:
    """Whether the pattern (or its `group`) matches the empty string somewhere in a short text."""
    try:
        for probe in _EMPTY_PROBES:
            for m in pattern.compiled.finditer(probe, timeout=PATTERN_TIMEOUT_S):
                if m.start() == m.end() or (group is not None and m.start(group) == m.end(group)):
                    return True
    except TimeoutError:
        return False
    return False


def _top_level(path: str, doc: dict, known: tuple[str, ...]) -> None:
    for key in doc:
        if key not in known:
            raise RuleError(f"{path}: unknown table or key {key!r} (expected {', '.join(known)})")


def _lexicons(path: str, doc: dict) -> dict[str, list[str]]:
    lexicons = doc.get("lexicon", {})
    if not isinstance(lexicons, dict):
        raise RuleError(f"{path}: [lexicon] must be a table of word lists")
    for k, words in lexicons.items():
        if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
            raise RuleError(f"{path}: lexicon {k!r}: must be a list of non-empty strings")
    return {k: list(v) for k, v in lexicons.items()}


def _check_normalize(path: str, doc: dict) -> None:
    """`[widen_punctuation]` maps one half-width mark to one full-width mark, and never touches a number."""
    table = doc.get("widen_punctuation", {})
    if not isinstance(table, dict):
        raise RuleError(f"{path}: [widen_punctuation] must be a table")
    for k, v in table.items():
        if not isinstance(v, str) or len(k) != 1 or len(v) != 1:
            raise RuleError(f"{path}: widen_punctuation {k!r}: must map one character to one character, not {v!r}")
        if k.isdigit() or k in ".%" or v.isdigit() or v in ".%":
            raise RuleError(f"{path}: widen_punctuation {k!r}: digits, '.' and '%' belong to numbers and are never "
                            "rewritten")


def rule_files(directory: str | Path | None = None) -> list[Path]:
    """The rule files a `RuleSet.load(directory)` reads: the user's where present, else the shipped ones."""
    default = default_rules_dir()
    user = Path(directory) if directory is not None else None
    return [user / name if user is not None and (user / name).exists() else default / name for name in RULE_FILES]


def read_rule_file(path: Path) -> bytes:
    """The bytes of a rule file: a regular file of at most MAX_RULE_FILE_BYTES, or a RuleError naming it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block the open
    except FileNotFoundError:
        raise RuleError(f"{path}: rule file not found") from None
    except OSError as exc:
        raise RuleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise RuleError(f"{path}: not a regular file (a rule file is read whole; a device or pipe is not)")
        try:
            data = fh.read(MAX_RULE_FILE_BYTES + 1)
        except OSError as exc:
            raise RuleError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_RULE_FILE_BYTES:
        raise RuleError(f"{path}: larger than {MAX_RULE_FILE_BYTES} bytes, the limit for a rule file")
    return data


def _parse_toml(path: Path, data: bytes) -> dict:
    """The TOML document of a rule file's bytes (`read_rule_file`), or a RuleError naming the file."""
    import tomllib  # only a load that finds no cached form parses (`RulesCache`)

    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RuleError(f"{path}: not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        near = _rule_near(data.decode("utf-8"), str(exc))
        raise RuleError(f"{path}: {near}not valid TOML: {exc}") from None


_TABLE_HEADER = regex.compile(r"^\s*\[\[\s*(\w+)\s*\]\]")
_ID_LINE = regex.compile(r"""^\s*id\s*=\s*(?:"([^"\n]*)"|'([^'\n]*)')""")


def _rule_near(text: str, message: str) -> str:
    """"rule 'x': " for the [[rule]]/[[gap]] table a TOML syntax error sits in, when its id can be read."""
    m = regex.search(r"at line (\d+)", message)
    if not m:
        return ""
    lines = text.splitlines()
    line_no = min(int(m.group(1)), len(lines)) - 1
    start = next((i for i in range(line_no, -1, -1) if _TABLE_HEADER.match(lines[i])), None)
    if start is None:
        return ""
    for i in range(start + 1, len(lines)):
        if i > start + 1 and (_TABLE_HEADER.match(lines[i]) or lines[i].lstrip().startswith("[")):
            break
        found = _ID_LINE.match(lines[i])
        if found:
            return f"rule {found.group(1) if found.group(1) is not None else found.group(2)!r}: "
    return ""


def _defines(path: str, doc: dict) -> dict[str, str]:
    defines = doc.get("define", {})
    if not isinstance(defines, dict) or not all(isinstance(v, str) for v in defines.values()):
        raise RuleError(f"{path}: [define] must map names to pattern strings")
    return defines


CHROME_KEYS = ("id", "description", "examples", "keeps", "pattern", "zone", "max_chars", "join_next", "match")
GAP_KEYS = ("id", "description", "examples", "keeps", "pattern", "kind")


def _examples(path: str, rid: str, entry: dict, lines: int = 1, gap: bool = False
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A rule's `examples` and `keeps`, checked for shape: lists of non-empty strings; a chrome example or
    keep is one line (a join_next rule's two); a gap example marks exactly one gap (GAP_MARKS), a keep none."""
    found = []
    for key in ("examples", "keeps"):
        texts = entry.get(key, [])
        if not isinstance(texts, list) or not all(isinstance(t, str) and t.strip() for t in texts):
            raise RuleError(f"{path}: rule {rid!r}: {key} must be a list of non-empty strings")
        for text in texts:
            if gap:
                marks = [text.count(m) for m in GAP_MARKS]
                want = [1, 1] if key == "examples" else [0, 0]
                if marks != want or (key == "examples" and not _marked_unit(text)):
                    raise RuleError(f"{path}: rule {rid!r}: {key} {text!r}: "
                                    + ("mark the gap's unit once, as 总投资⟨亿元⟩" if key == "examples"
                                       else "a keep marks no gap"))
            elif text.count("\n") != lines - 1 and not (key == "keeps" and "\n" not in text):  # a keep may be one line
                raise RuleError(f"{path}: rule {rid!r}: {key} {text!r}: must be "
                                + ("two lines (the rule joins a line with the next)" if lines == 2 else "one line"))
        found.append(tuple(texts))
    return found[0], found[1]


def _marked_unit(example: str) -> str:
    open_, close = GAP_MARKS
    start, end = example.find(open_), example.find(close)
    return example[start + 1:end] if 0 <= start < end else ""
_RULE_ID = regex.compile(r"[\w][\w.\-]*")


def _entries(path: str, doc: dict, key: str, known: tuple[str, ...]) -> Iterator[dict]:
    entries = doc.get(key, [])
    if not isinstance(entries, list):
        raise RuleError(f"{path}: [[{key}]] must be an array of tables")
    seen: set[str] = set()
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise RuleError(f"{path}: [[{key}]] number {n}: must be a table")
        rid = entry.get("id")
        if not isinstance(rid, str) or not rid:
            raise RuleError(f"{path}: [[{key}]] number {n}: missing 'id'")
        if not _RULE_ID.fullmatch(rid):
            raise RuleError(f"{path}: rule {rid!r}: an id is letters, digits, '_', '.' and '-'")
        if rid in seen:
            raise RuleError(f"{path}: rule {rid!r}: duplicate id")
        seen.add(rid)
        unknown = [k for k in entry if k not in known]
        if unknown:
            raise RuleError(f"{path}: rule {rid!r}: unknown key {unknown[0]!r} (a rule has {', '.join(known)})")
        for required in ("description", "pattern"):
            if not isinstance(entry.get(required), str) or not entry[required].strip():
                raise RuleError(f"{path}: rule {rid!r}: missing or empty {required!r}")
        yield entry


class _Defines:
    """A file's [define] pieces, each expanded once (a piece used twice in a piece used twice is not
    expanded four times: nesting is linear, not exponential), with loops and oversized results refused."""

    def __init__(self, path: str, sources: dict[str, str]):
        self.path = path
        self.sources = sources
        self.expanded: dict[str, str] = {}
        self.visiting: list[str] = []

    def get(self, name: str, lexicons: dict[str, list[str]]) -> str:
        if name in self.expanded:
            return self.expanded[name]
        if name not in self.sources:
            raise KeyError(name)
        if name in self.visiting:
            raise _DefineLoop(self.visiting[self.visiting.index(name):] + [name])
        self.visiting.append(name)
        try:
            self.expanded[name] = _expand(self.sources[name], self, lexicons, what=f"[define] {name!r}")
        finally:
            self.visiting.pop()
        return self.expanded[name]


class _DefineLoop(Exception):
    def __init__(self, names: list[str]):
        super().__init__(" -> ".join(names))


class _TooLong(Exception):
    def __init__(self, what: str):
        super().__init__(what)


@lru_cache(maxsize=256)
def _alternation(words: tuple[str, ...]) -> str:
    """A lexicon as one alternation of its escaped words, longest first (equal lengths in file order): built
    once per lexicon for all the rules that use it (escaping every word for every rule was 8,000 calls a load)."""
    return "(?:" + "|".join(regex.escape(w) for w in sorted(dict.fromkeys(words), key=len, reverse=True)) + ")"


def _expand(template: str, defines: "_Defines | dict[str, str]", lexicons: dict[str, list[str]],
            what: str = "pattern") -> str:
    """Replace `{name}` by a [define] pattern and `{lexicon:name}` by an alternation of its (escaped) words.

    Longer words come first so that alternation prefers them. Raises `_TooLong` past MAX_PATTERN_CHARS.
    """
    if isinstance(defines, dict):
        defines = _Defines("", defines)
    size = 0

    def sub(m: "regex.Match") -> str:
        nonlocal size
        name = m.group(1)
        if name.startswith("lexicon:"):
            words = lexicons.get(name[8:])
            if words is None:
                raise KeyError(name)
            # Equal-length words in file order (a set's order changes from process to process with the string
            # hash, and with it the pattern text the gate table is keyed by; which of them matches cannot).
            piece = _alternation(tuple(words))
        else:
            piece = "(?:" + defines.get(name, lexicons) + ")"
        size += len(piece)
        if size > MAX_PATTERN_CHARS:
            raise _TooLong(what)
        return piece

    out = regex.sub(r"\{([a-z_][a-z0-9_:]*)\}", sub, template)
    if len(out) > MAX_PATTERN_CHARS:
        raise _TooLong(what)
    return out


def repeat_size(pattern: str) -> int:
    """About how many pieces a pattern compiles to once its counted repeats are copied out (`regex` copies
    `x{1000}` a thousand times): every literal, class or escape counts 1, a repeated piece its size times the
    repeat's largest bound, a group the sum of its parts. An upper estimate, read from the pattern text."""
    stack = [0]  # size of each open group so far
    last = 0  # size of the piece just read (what a quantifier repeats)
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            if i <= n and pattern[i - 1] in "pPNxuUg" and i < n and pattern[i] == "{":
                i = pattern.find("}", i) + 1 or n
            last = 1
            stack[-1] += 1
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            last = 1
            stack[-1] += 1
            continue
        if c == "(":
            stack.append(0)
            i += 1
            if i < n and pattern[i] == "?":  # skip the group's flags or name, up to its body
                m = regex.match(r"\?(?:<[=!]|P?<[^>]*>|'[^']*'|[:=!>|]|[a-zA-Z\-]*[:)])", pattern[i:])
                if m:
                    i += m.end()
                    if m.group().endswith(")"):
                        stack.pop()
                        last = 0
            continue
        if c == ")":
            last = stack.pop() if len(stack) > 1 else stack[0]
            stack[-1] += last
            i += 1
            continue
        if c == "{":
            m = regex.match(r"\{(\d*)(?:,(\d*))?\}", pattern[i:])
            if m and (m.group(1) or m.group(2)):
                bound = max(int(m.group(1) or 0), int(m.group(2) or 0))
                stack[-1] += last * (bound - 1)
                last *= bound
                i += m.end()
                continue
        if c in "*+?|":
            i += 1
            continue
        last = 1
        stack[-1] += 1
        i += 1
    return sum(stack)


def _check_use(path: str, rid: str, pattern: Pattern, use: str) -> None:
    """The load's checks of a pattern for its use (`full`, `search` or `gap`): a RuleError naming the rule."""
    if use == "search" and _matches_empty(pattern):
        raise RuleError(f"{path}: rule {rid!r}: a match = 'search' pattern must not match the empty "
                        "string (it would remove every short line)")
    if use == "gap":
        if "unit" not in pattern.compiled.groupindex:
            raise RuleError(f"{path}: rule {rid!r}: pattern needs a named group (?P<unit>...) at the gap")
        if _matches_empty(pattern, "unit"):
            raise RuleError(f"{path}: rule {rid!r}: pattern (or its unit) matches the empty string (it would "
                            "flag a gap everywhere)")


def _expand_rule(path: str, rid: str, source: str, defines: "_Defines | dict[str, str]",
                 lexicons: dict[str, list[str]]) -> str:
    """A rule's pattern with its [define] pieces and lexicons put in, or a RuleError naming the rule."""
    try:
        return _expand(source, defines, lexicons)
    except KeyError as exc:
        raise RuleError(f"{path}: rule {rid!r}: unknown name {exc.args[0]!r} in pattern") from None
    except _DefineLoop as exc:
        raise RuleError(f"{path}: rule {rid!r}: [define] entries refer to each other in a loop ({exc})") from None
    except _TooLong as exc:
        raise RuleError(f"{path}: rule {rid!r}: {exc} expands to more than {MAX_PATTERN_CHARS} characters "
                        "(too long)") from None
    except RecursionError:
        raise RuleError(f"{path}: rule {rid!r}: [define] entries nest too deeply") from None


def _compile_expanded(path: str, rid: str, expanded: str, flags: int = 0, budget: RegexBudget | None = None
                      ) -> Pattern:
    """The compiled pattern of a rule, within the size limits, or a RuleError naming the rule."""
    size = repeat_size(expanded)
    if size > MAX_REPEAT_SIZE:
        raise RuleError(f"{path}: rule {rid!r}: counted repeats multiply out to about {size} pieces (limit "
                        f"{MAX_REPEAT_SIZE}); the regex engine would copy each repeat out in memory")
    try:
        compiled = regex.compile(expanded, flags)
    except regex.error as exc:
        raise RuleError(f"{path}: rule {rid!r}: bad pattern: {exc}") from None
    except (OverflowError, ValueError, RecursionError, MemoryError) as exc:
        raise RuleError(f"{path}: rule {rid!r}: bad pattern: {type(exc).__name__}: {exc}") from None
    return Pattern(rid, path, compiled, budget if budget is not None else RegexBudget())
