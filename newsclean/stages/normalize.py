"""Stage 1: normalise characters and whitespace without ever touching a digit, a decimal point or `%`.

Each fix is a small named function that turns the current text into a list of edits, so the map back to the
raw input stays exact. Before/after:

    repair_mojibake        他说æµ\\x8fé\\x98³是   -> 他说浏阳是
    decode_html_entities   北京&nbsp;上海&amp;    -> 北京 上海&
    drop_invisible         增长\\u200b35%        -> 增长35%
    to_simplified          經濟增長              -> 经济增长
    widen_punctuation      2月17日,湖南(长沙):   -> 2月17日，湖南（长沙）：
    tidy_whitespace        "  正文  \\n\\n\\n下段"  -> "正文\\n下段"

Digits are never rewritten (`１２.３９亿元` stays as it is): the repair pass needs to see exactly which digits
the scraper kept, and a digit mapped to anything else would hide or invent a gap.
"""
from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache
from itertools import product
from typing import NamedTuple

import re  # the standard engine, for the plain character classes: see _PLAIN
import regex

from ..alignment import Edit
from ..document import Document
from ..io.decode import replace_surrogates
from . import Stage

NAME = "normalize"

# Patterns that are a class of listed characters and ranges (no \\p{..}, no \\s) run in the standard `re`
# engine: it scans such a class three to eight times faster than `regex` does (a big class as a bitmap), and
# for listed characters both engines match exactly the same ones.
_PLAIN = re.compile

# Mojibake of UTF-8 Chinese read as Latin-1/cp1252 always leaves letters from these blocks; a line without
# them is left alone, which keeps ftfy (a few MB/s) off the hot path for clean text.
_MOJIBAKE_HINT = _PLAIN(r"[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2020\u2021\u2030\u2039\u203a\ufffd]")

@lru_cache(maxsize=1)
def ftfy_config():
    """ftfy's settings for the encoding fixes only: its width folding, quote uncurling and NFC would rewrite
    Chinese punctuation and full-width digits. ftfy is imported here, at the first line that looks like
    mojibake, because importing it costs more start-up time (about 0.06 s) than most runs spend in it."""
    import ftfy
    return ftfy.TextFixerConfig(
        unescape_html=False,
        fix_character_width=False,
        uncurl_quotes=False,
        fix_latin_ligatures=False,
        fix_line_breaks=False,
        remove_control_chars=False,
        normalization=None,
        explain=False,
    )


def fix_encoding(line: str) -> str:
    """`line` with ftfy's encoding fixes (`ftfy_config`) applied. ftfy itself is imported only for a line it
    could change (`ftfy_may_change`): most real news has a line with `©`, `·` or `°`, and none of them needs it."""
    if not ftfy_may_change(line):
        return line
    import ftfy
    return ftfy.fix_text(line, ftfy_config())


# What ftfy's other fixes in `ftfy_config` act on besides mojibake: `remove_terminal_escapes` (ESC [ ... letter)
# and `fix_surrogates`; `fix_c1_controls` acts on C1 controls, which `is_bad` counts as mojibake already.
_FTFY_OTHER_FIXES = _PLAIN(r"[\x1b\ud800-\udfff]")

# Every alternative of ftfy's `badness.BADNESS_RE` needs one character of this class (for each alternative, one
# of its characters that must match a listed set, the set that is rarest in the clean-news train part):
# `is_bad` is False on a line without one. `©`, `·`, `°`, which most real news holds, are not in it, so such a
# line is decided without importing ftfy's badness (its pattern costs about 0.02-0.035 s to build).
# `tests/stages/test_normalize.py` derives it from the parse tree of ftfy's pattern; the class is used only
# with the `badness.py` it was derived from (its SHA-256 below), and any other ftfy asks `is_bad` every time.
_FTFY_BAD_NEEDS = _PLAIN(
    "["
    "\x80-\x9f\xa2-\xa8\xaa\xac\xaf\xb1-\xb3\xb5-\xb6\xb8-\xba\xbc-\xbe\xc0-\xd1\xd7-\xd9\xdc-\xf1"
    "\xf7\xfc\u0100-\u0107\u010c-\u0113\u0116-\u011b\u011e-\u011f\u0122-\u0123\u012a-\u012b"
    "\u012f-\u0130\u0136-\u0137\u0139-\u013e\u0141-\u0143\u0145\u0147\u0152-\u0153\u0155\u0158"
    "\u015a-\u015b\u015e-\u0162\u0164-\u0165\u016e\u0170\u0178-\u017e\u0192\u02c6-\u02c7\u02d8"
    "\u02db-\u02dc\u0386\u0388-\u038a\u038c\u038e-\u038f\u0391-\u03c9\u0401-\u045f\u0490-\u0491\u201a"
    "\u2020-\u2021\u2030\u2044\u20a7\u20ac\u2116\u2202\u2206\u220f\u2211\u221a\u221e\u2229\u222b"
    "\u2248\u2260-\u2261\u2264-\u2265\u2310\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c"
    "\u2550-\u256c\u2580\u2584\u2588\u258c\u2590-\u2593\u25ca\ufb01-\ufb02\ufffd"
    "]")
_FTFY_BADNESS_SHA256 = "8ce47eb9c01f5fa2d38e650fe047474bde5537beba5971b722ca6b4079df6fd3"  # ftfy 6.3.1


def ftfy_may_change(line: str) -> bool:
    """Whether `ftfy.fix_text(line, ftfy_config())` could differ from `line`: ftfy decides by its own test,
    `ftfy.badness.is_bad` (its encoding fix returns a line that test passes unchanged; ASCII passes it), and its
    other fixes in `ftfy_config` act only on the characters of _FTFY_OTHER_FIXES. A line longer than ftfy's
    segment is fixed in pieces, whose starts its test reads as line starts (`^`): ftfy decides those."""
    return (len(line) > _FTFY_SEGMENT or bool(_FTFY_OTHER_FIXES.search(line))
            or (_ftfy_may_be_bad(line) and _ftfy_is_bad()(line)))


def _ftfy_may_be_bad(line: str) -> bool:
    """False only where ftfy's `is_bad` is False: the line holds no character of _FTFY_BAD_NEEDS, and the
    installed `badness.py` is the one that class was derived from."""
    return not _ftfy_badness_known() or _FTFY_BAD_NEEDS.search(line) is not None


@lru_cache(maxsize=1)
def _ftfy_badness_source():
    """The path of ftfy's `badness.py`, without importing ftfy (None when it is not found there)."""
    from importlib.util import find_spec
    from pathlib import Path

    try:
        package = find_spec("ftfy")
        source = Path(next(iter(package.submodule_search_locations))) / "badness.py"
    except Exception:  # noqa: BLE001 - any other layout of ftfy
        return None
    return source if source.is_file() else None


@lru_cache(maxsize=1)
def _ftfy_badness_known() -> bool:
    """Whether the installed ftfy's `badness.py` is the one _FTFY_BAD_NEEDS was derived from."""
    import hashlib

    source = _ftfy_badness_source()
    return source is not None and hashlib.sha256(source.read_bytes()).hexdigest() == _FTFY_BADNESS_SHA256


_FTFY_SEGMENT = 1_000_000  # ftfy's TextFixerConfig.max_decode_length, which `ftfy_config` leaves as it is


@lru_cache(maxsize=1)
def _ftfy_is_bad():
    """ftfy's `badness.is_bad`, read from its module without importing the rest of ftfy (its codecs, tables
    and wcwidth cost about 0.1 s of CPU, `badness` about 0.01 s: it needs only `re`). If that module ever
    needs more of its package, or ftfy is imported already, it comes through the package instead."""
    import sys

    source = _ftfy_badness_source()
    if "ftfy" not in sys.modules and source is not None:
        try:
            from importlib.util import module_from_spec, spec_from_file_location

            spec = spec_from_file_location("newsclean.stages._ftfy_badness", source)
            module = module_from_spec(spec)
            spec.loader.exec_module(module)
            return module.is_bad
        except Exception:  # noqa: BLE001 - any other layout of ftfy: its package import, as before
            pass
    from ftfy.badness import is_bad
    return is_bad

_HTML_ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Zero-width characters, the BOM, soft hyphens, bidi controls and C0/C1 controls other than \n and \t.
_INVISIBLE_CHAR = r"[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_INVISIBLE = _PLAIN(_INVISIBLE_CHAR + "+")
# Searched first: the standard engine finds one character of a class three times faster than a run of them
# (its fast scan applies to a pattern that is the class alone), and most texts hold none.
_ANY_INVISIBLE = _PLAIN(_INVISIBLE_CHAR)

_CR = _PLAIN(r"\r\n?")

_HSPACE = r"[^\S\n]"  # whitespace other than a line break (includes \u3000 and \xa0)
# A trailing run is only tried from its first space: tried from every space of a long run in the middle of a
# line, `{_HSPACE}+$` would take time quadratic in the run's length. (In `regex`: the standard engine tries
# these alternatives at every position, two to three times slower.)
_LINE_EDGE_SPACE = regex.compile(rf"^{_HSPACE}++|(?<!{_HSPACE}){_HSPACE}++$", regex.MULTILINE)
_SPACE_RUN = regex.compile(rf"{_HSPACE}{{2,}}|[\t\u3000\xa0]")
# Any character of _HSPACE, listed for the standard engine (its own \s also takes \x1c-\x1f; a test compares
# the two over every code point): most news texts hold none, and then there is nothing to tidy.
_ANY_HSPACE = _PLAIN("[\t\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_BLANK_LINES = _PLAIN(r"\n{2,}")


class NormalizeOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    t2s: bool = True


@lru_cache(maxsize=1)
def _t2s_converter():
    import opencc

    return opencc.OpenCC("t2s")


# The single-byte encodings UTF-8 gets misread in (ftfy's list): how a repaired character looked before.
_MISREAD_ENCODINGS = ("latin-1", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
                      "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2", "macroman",
                      "cp437")


@lru_cache(maxsize=8192)
def _misread_forms(ch: str) -> tuple[str, ...]:
    """What `ch` may have looked like before ftfy repaired it, likeliest first: its UTF-8 bytes read in a
    single-byte encoding (its mojibake); that mojibake misread once more, wholly or character by character
    (Latin-1 or Windows-1252 the second time); a C1 control standing for a Windows-1252 character (`\\x85`
    for `…`), itself misread or not."""
    once = _misread_once(ch)
    twice: set[str] = set()
    for form in once:
        twice |= _misread_once(form, _MISREAD_ENCODINGS[:2])
        if len(form) <= 4 and form in _misread_once(ch, _MISREAD_ENCODINGS[:2]):
            choices = [(c, *_misread_once(c, _MISREAD_ENCODINGS[:2])) for c in form]
            twice |= {"".join(p) for p in product(*choices)}
    try:
        byte = ch.encode("cp1252")
    except UnicodeEncodeError:
        byte = b""
    c1 = {chr(byte[0])} if len(byte) == 1 and 0x80 <= byte[0] <= 0x9F else set()
    c1 |= {f for c in c1 for f in _misread_once(c, _MISREAD_ENCODINGS[:2])}  # `Â\x80` for `€`
    return (tuple(sorted(once, key=len)) + tuple(sorted(twice - once, key=len))
            + tuple(sorted(c1 - once - twice, key=len)))


def _misread_once(s: str, encodings: tuple[str, ...] = _MISREAD_ENCODINGS) -> set[str]:
    """`s` as it reads when its UTF-8 bytes are decoded in each of `encodings`."""
    data = s.encode("utf-8", "surrogatepass")
    if len(data) == len(s):
        return set()  # ASCII reads the same in every one of these encodings
    forms: set[str] = set()
    for enc in encodings:
        try:
            form = data.decode(enc)
        except UnicodeDecodeError:
            continue
        forms.add(form)
        if "\xa0" in form:
            forms.add(form.replace("\xa0", " "))  # ftfy's restore_byte_a0: the no-break byte became a space
    return forms


# A run of mojibake that lost bytes to `�` or `?` (or to `ï¿½`, the mojibake of `�`) before it was misread
# again: ftfy replaces such a run, at most a few characters long, by one `�`.
_LOSSY = regex.compile("\ufffd|\\?|ï¿½")
_LOSSY_MAX = 8


@lru_cache(maxsize=8192)
def _misread_index(ch: str) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """`ch`'s mojibake forms by the character they start with, and by the one they end with."""
    by_first: dict[str, list[str]] = {}
    by_last: dict[str, list[str]] = {}
    for form in _misread_forms(ch):
        by_first.setdefault(form[0], []).append(form)
        by_last.setdefault(form[-1], []).append(form)
    return ({c: tuple(fs) for c, fs in by_first.items()}, {c: tuple(fs) for c, fs in by_last.items()})


def _steps(old: str, i: int, lo: int, hi: int, ch: str, backward: bool) -> list[int]:
    """How many characters of `old` from `i` on (backward: up to `i`) can stand for the repaired `ch`,
    likeliest first: `ch` itself, its mojibake, or -- for a U+FFFD, which ftfy puts in place of a run of
    mojibake already partly lost to `�` or `?` (`å�‘` -> `�`) -- such a run."""
    if (i <= lo) if backward else (i >= hi):
        return []
    here = old[i - 1] if backward else old[i]
    ks = [1] if here == ch else []
    forms = _misread_index(ch)[1 if backward else 0].get(here, ())
    ks += [len(f) for f in forms if (old.endswith(f, lo, i) if backward else old.startswith(f, i, hi))]
    if ch == "\ufffd":
        for k in range(1, _LOSSY_MAX + 1):  # the shortest run after which the next character lines up
            start, end = (i - k, i) if backward else (i, i + k)
            if start >= lo and end <= hi and k not in ks and _LOSSY.search(old, start, end):
                ks.append(k)
    return ks


def _walk(old: str, new: str, lo: int, hi: int, jlo: int, jhi: int, backward: bool
          ) -> tuple[int, int, list[tuple[int, int, str]]]:
    """Match `old[lo:hi]` with `new[jlo:jhi]` character by character from one end (see `_steps`); where a
    character can be matched more than one way, the way after which the next character still matches wins.
    Returns where the match stopped and the (start, end, replacement) edits found on the way."""
    out = []
    i, j = (hi, jhi) if backward else (lo, jlo)
    i_end, j_end = (lo, jlo) if backward else (hi, jhi)
    while i != i_end and j != j_end:
        ch = new[j - 1] if backward else new[j]
        if ch == (old[i - 1] if backward else old[i]):
            # Nothing else can stand for ASCII; and an equal character followed by an equal one needs no
            # weighing of other readings.
            ni, nj = (i - 1, j - 1) if backward else (i + 1, j + 1)
            if ch < "\x80" or nj == j_end or (ni != i_end and (new[nj - 1] == old[ni - 1] if backward
                                                                 else new[nj] == old[ni])):
                i, j = ni, nj
                continue
        ks = _steps(old, i, lo, hi, ch, backward)
        if not ks:
            break
        k = ks[0]
        if len(ks) > 1:
            nj = j - 1 if backward else j + 1
            for cand in ks:
                if _fits(old, new, i - cand if backward else i + cand, nj, lo, hi, j_end, backward, _LOOKAHEAD):
                    k = cand
                    break
        start, end = (i - k, i) if backward else (i, i + k)
        if old[start:end] != ch:
            out.append((start, end, ch))
        i, j = (i - k, j - 1) if backward else (i + k, j + 1)
    return i, j, out[::-1] if backward else out


# How many repaired characters a reading must leave room for: one is not always enough, since a stray byte
# left by a damaged run can make a wrong reading look as good as the right one for the next character.
_LOOKAHEAD = 2


def _fits(old: str, new: str, i: int, j: int, lo: int, hi: int, j_end: int, backward: bool, depth: int) -> bool:
    """Whether the next `depth` repaired characters from `new[j]` on can be read from `old` at `i`."""
    i_end = lo if backward else hi
    if j == j_end:
        return i == i_end
    if depth == 0:
        return True
    nj = j - 1 if backward else j + 1
    for k in _steps(old, i, lo, hi, new[j - 1] if backward else new[j], backward):
        if _fits(old, new, i - k if backward else i + k, nj, lo, hi, j_end, backward, depth - 1):
            return True
    return False


def _resync(old: str, new: str, i: int, j: int, hi: int, jhi: int) -> tuple[int, int] | None:
    """Where `old[i:hi]` and `new[j:jhi]` agree again after a change neither walk could explain: the nearest
    (di, dj) after which `_RESYNC_RUN` characters are equal (or both ends are reached), replacements of
    similar length first. None when there is no such place within `_RESYNC_REACH` characters."""
    for total in range(1, 2 * _RESYNC_REACH + 1):
        for di, dj in sorted(((d, total - d) for d in range(total + 1)), key=lambda p: abs(p[0] - p[1])):
            if di > _RESYNC_REACH or dj > _RESYNC_REACH or i + di > hi or j + dj > jhi:
                continue
            a, b = i + di, j + dj
            if (a == hi and b == jhi) or (old[a:a + _RESYNC_RUN] == new[b:b + _RESYNC_RUN]
                                          and min(hi - a, jhi - b) >= _RESYNC_RUN):
                return di, dj
    return None


_RESYNC_REACH = 12
_RESYNC_RUN = 3


def _diff_edits(old: str, new: str, offset: int) -> list[Edit]:
    """The smallest edits that turn `old` (found at `offset`) into `new`, so untouched characters keep their map.

    A repaired character replaces exactly its own mojibake (`æµ\\x8f` -> `浏`), so an annotation on it maps
    back to those raw characters and not to the whole run of mojibake around it. Linear in the length of the
    line (SequenceMatcher is quadratic, and worse on long runs of one character): a walk from each end, and in
    between, where a change is not mojibake, a short edit up to where the two agree again.
    """
    i, j, head = _walk(old, new, 0, len(old), 0, len(new), backward=False)
    i2, j2, tail = _walk(old, new, i, len(old), j, len(new), backward=True)
    middle: list[tuple[int, int, str]] = []
    while i < i2 or j < j2:
        found = _resync(old, new, i, j, i2, j2)
        if found is None:
            middle.append((i, i2, new[j:j2]))
            break
        middle.append((i, i + found[0], new[j:j + found[1]]))
        i, j, more = _walk(old, new, i + found[0], i2, j + found[1], j2, backward=False)
        middle += more
    return _anchor_insertions(old, head + middle + tail, offset)


def _anchor_insertions(old: str, edits: list[tuple[int, int, str]], offset: int) -> list[Edit]:
    """Edits in order, where text inserted from nowhere takes a neighbouring character with it: every clean
    character then maps back to some raw character (an insertion alone would map to an empty raw span)."""
    out: list[list] = []
    for k, (a, b, r) in enumerate(edits):
        if a == b and r:
            nxt = edits[k + 1] if k + 1 < len(edits) else None
            if out and out[-1][1] == a:
                out[-1][2] += r
                continue
            if a > 0:
                a, r = a - 1, old[a - 1] + r
            elif nxt is not None and nxt[0] == a:
                edits[k + 1] = (a, nxt[1], r + nxt[2])
                continue
            elif a < len(old):
                b, r = a + 1, r + old[a]
        if out and out[-1][1] > a:  # cannot happen for edits in order; kept as a guard
            raise ValueError("overlapping edits")
        out.append([a, b, r])
    return [Edit(offset + a, offset + b, r) for a, b, r in out if old[a:b] != r]


def replace_lone_surrogates(doc: Document) -> None:
    """Lone surrogates (a `str` can hold them, UTF-8 cannot; every later step would fail on them) become
    U+FFFD one for one, so every offset stays the same. The pipeline does this before any stage runs."""
    # The reader's repair (`io.decode.replace_surrogates`), counted here.
    fixed, n = replace_surrogates(doc.text)
    if not n:
        return
    doc.aligned.substitute(fixed)
    doc.count(NAME, "replace_lone_surrogates", n)


def repair_mojibake(text: str) -> list[Edit]:
    """UTF-8 read as Latin-1/cp1252 (`æµ\\x8fé\\x98³` -> `浏阳`), line by line, with ftfy."""
    edits: list[Edit] = []
    if not _MOJIBAKE_HINT.search(text):
        return edits
    start = 0
    for line in text.split("\n"):
        if _MOJIBAKE_HINT.search(line):
            fixed = fix_encoding(line)
            if fixed != line:
                edits.extend(_diff_edits(line, fixed, start))
        start += len(line) + 1
    return edits


def decode_html_entities(text: str) -> list[Edit]:
    """HTML entities left by the scraper (`&nbsp;`, `&ldquo;`, `&#8220;`) become the characters they name.

    >>> decode_html_entities("江城&amp;新闻")
    [Edit(start=2, end=7, replacement='&')]
    """
    if "&" not in text:
        return []
    import html  # here: its entity table costs start-up, and most texts hold no `&`

    edits = []
    for m in _HTML_ENTITY.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group():
            edits.append(Edit(m.start(), m.end(), " " if decoded == "\xa0" else decoded))
    return edits


def drop_invisible(text: str) -> list[Edit]:
    """Zero-width, bidi and control characters carry nothing a reader sees; `\\r\\n` becomes `\\n`.

    >>> drop_invisible("江城\\u200b新闻")
    [Edit(start=2, end=3, replacement='')]
    """
    edits = []
    if _ANY_INVISIBLE.search(text) is not None:
        edits = [Edit(m.start(), m.end(), "") for m in _INVISIBLE.finditer(text)]
    if "\r" in text:
        edits += [Edit(m.start(), m.end(), "\n") for m in _CR.finditer(text)]
    return _non_overlapping(edits) if edits else edits


def to_simplified(text: str) -> str | list[Edit]:
    """Traditional characters to simplified ones with OpenCC `t2s` (a same-length rewrite in practice)."""
    converted = simplified(text)
    if converted == text:
        return []
    if len(converted) == len(text):
        return converted
    # Rare phrase conversions change the length: fall back to a line-by-line diff.
    edits: list[Edit] = []
    start = 0
    for line in text.split("\n"):
        new = _t2s_converter().convert(line)
        if new != line:
            edits.extend(_diff_edits(line, new, start))
        start += len(line) + 1
    return edits


def simplified(text: str) -> str:
    """`_t2s_converter().convert(text)`, with OpenCC asked only about the lines that hold a character of one of
    its keys (`_t2s_triggers`): it leaves every other line as it is, and no key holds a line break, so a key
    never matches across one. Most lines of simplified news hold none (on the clean-news train part 9 in 10)."""
    triggers = _t2s_triggers(len(text))
    if triggers is None:
        return _t2s_converter().convert(text)
    spans = []
    found = triggers.search(text)
    while found is not None:
        start = text.rfind("\n", 0, found.start()) + 1
        end = text.find("\n", found.start())
        if end < 0:
            spans.append((start, len(text)))
            break
        spans.append((start, end))
        found = triggers.search(text, end + 1)
    if not spans:
        return text
    if spans[0] == (0, len(text)):
        return _t2s_converter().convert(text)
    converted = _t2s_converter().convert("\n".join(text[a:b] for a, b in spans)).split("\n")
    if len(converted) != len(spans):  # a value with a line break (none in OpenCC's dictionaries): all at once
        return _t2s_converter().convert(text)
    pieces, at = [], 0
    for (a, b), line in zip(spans, converted):
        pieces += (text[at:a], line)
        at = b
    pieces.append(text[at:])
    return "".join(pieces)


# The trigger class costs about 0.013 s to build (5,000 characters), the time OpenCC takes for some 400,000
# characters: a process converts that much whole before it builds the class, so a short run never pays for it.
T2S_GATE_AFTER_CHARS = 400_000
_t2s_chars = 0


def _t2s_triggers(chars: int):
    """The class of `models/t2s-triggers.txt` (one character of every key of OpenCC's `t2s` dictionaries,
    written by `training/t2s_triggers.py`) and every character beyond the BMP, once this process has
    converted T2S_GATE_AFTER_CHARS characters; None before, and when the installed OpenCC's files are not
    the ones the file was made from (their SHA-256 in its first line)."""
    global _t2s_chars
    if _t2s_chars < T2S_GATE_AFTER_CHARS:
        _t2s_chars += chars
        return None
    return _t2s_trigger_class()


@lru_cache(maxsize=1)
def _t2s_trigger_class():
    """The compiled class of `_t2s_triggers`, or None when the installed dictionaries differ."""
    import hashlib
    import json
    from pathlib import Path

    import opencc

    share = Path(opencc.__file__).parent / "clib" / "share" / "opencc"
    header, chars = (Path(__file__).parent.parent / "models" / "t2s-triggers.txt").read_text(
        encoding="utf-8").split("\n")[:2]
    for name, digest in json.loads(header)["sha256"].items():
        try:
            if hashlib.sha256((share / name).read_bytes()).hexdigest() != digest:
                return None
        except OSError:
            return None
    listed = "".join(re.escape(ch) for ch in chars if ch <= "\uffff")
    return re.compile(f"[{listed}\U00010000-\U0010ffff]")


_CJK_CHAR = regex.compile(r"[\p{Han}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019《》【】…—]")
_PAREN_PAIR = _PLAIN(r"\(([^()\n]{0,80})\)")
_HAS_CJK = regex.compile(r"\p{Han}")


def widen_punctuation(text: str, table: dict[str, str]) -> list[Edit]:
    """Half-width `,:;?!()` in Chinese text become full-width `，：；？！（）`; numbers are never touched."""
    if not table or _marks_class(tuple(table), brackets=True).search(text) is None:
        return []
    edits: list[Edit] = []
    for m in _marks_class(tuple(table)).finditer(text):
        i = m.start()
        left = text[i - 1] if i > 0 else ""
        right = text[i + 1] if i + 1 < len(text) else ""
        if left.isdigit() and right.isdigit():
            continue  # 1,000 and 10:30 stay as they are
        if (left and _CJK_CHAR.match(left)) or (right and _CJK_CHAR.match(right)):
            edits.append(Edit(i, i + 1, table[m.group()]))
    if "(" in table and ")" in table:
        for m in _PAREN_PAIR.finditer(text):
            i, j = m.start(), m.end() - 1
            left = text[i - 1] if i > 0 else ""
            right = text[j + 1] if j + 1 < len(text) else ""
            if _HAS_CJK.search(m.group(1)) or (left and _HAS_CJK.match(left)) or (right and _HAS_CJK.match(right)):
                edits.append(Edit(i, i + 1, table["("]))
                edits.append(Edit(j, j + 1, table[")"]))
    return edits


@lru_cache(maxsize=8)
def _marks_class(marks: tuple[str, ...], brackets: bool = False):
    """The class of the table's marks (each one character), the brackets left out unless asked for (they go
    in pairs, `_PAREN_PAIR`)."""
    listed = "".join(k for k in marks if brackets or k not in "()")
    return re.compile(f"[{re.escape(listed)}]" if listed else "(?!)")


def tidy_whitespace(text: str) -> list[Edit]:
    """Trim each line, fold runs of spaces (and tabs, \\u3000, \\xa0) to one space, drop blank lines.

    >>> tidy_whitespace(" 江城  新闻")
    [Edit(start=0, end=1, replacement=''), Edit(start=3, end=5, replacement=' ')]
    """
    if _ANY_HSPACE.search(text) is None:
        return []
    edits = [Edit(m.start(), m.end(), "") for m in _LINE_EDGE_SPACE.finditer(text)]
    edits = _non_overlapping(edits)
    starts = [e.start for e in edits]  # sorted, and the edits do not overlap
    for m in _SPACE_RUN.finditer(text):
        k = bisect_right(starts, m.start()) - 1
        if k < 0 or m.start() >= edits[k].end:
            edits.append(Edit(m.start(), m.end(), " "))
    return _non_overlapping(edits)


def _non_overlapping(edits: list[Edit]) -> list[Edit]:
    """Keep the first of any edits that overlap (patterns can match the same characters twice)."""
    kept: list[Edit] = []
    end = -1
    for e in sorted(edits):
        if e.start >= end:
            kept.append(e)
            end = max(e.end, e.start + (e.start == e.end))
    return kept


def _drop_blank_lines(doc: Document) -> None:
    text = doc.text
    if "\n\n" not in text and not text.startswith("\n") and not text.endswith("\n"):
        return  # no blank line, none leading or trailing: nothing to drop
    edits = [Edit(m.start(), m.end(), "\n") for m in _BLANK_LINES.finditer(text)]
    if text.startswith("\n"):
        edits = [e for e in edits if e.start != 0] + [Edit(0, len(text) - len(text.lstrip("\n")), "")]
    if text.endswith("\n") and text.strip("\n"):
        tail = len(text) - len(text.rstrip("\n"))
        edits = [e for e in edits if e.end != len(text)] + [Edit(len(text) - tail, len(text), "")]
    doc.edit(_non_overlapping(edits))


def run(doc: Document, rules, options: NormalizeOptions = NormalizeOptions()) -> None:
    """Apply every normalisation fix to `doc`, in order, counting what each one changed."""
    table = rules.normalize.get("widen_punctuation", {})
    fixes = [
        ("repair_mojibake", repair_mojibake),
        ("decode_html_entities", decode_html_entities),
        ("drop_invisible", drop_invisible),
    ]
    for name, fix in fixes:
        n = doc.edit(fix(doc.text))
        if n:
            doc.count(NAME, name, n)
    if options.t2s:
        result = to_simplified(doc.text)
        if isinstance(result, str):
            doc.count(NAME, "to_simplified", sum(a != b for a, b in zip(result, doc.text)))
            doc.aligned.substitute(result)
        elif result:
            doc.count(NAME, "to_simplified", doc.edit(result))
    n = doc.edit(widen_punctuation(doc.text, table))
    if n:
        doc.count(NAME, "widen_punctuation", n)
    n = doc.edit(tidy_whitespace(doc.text))
    if n:
        doc.count(NAME, "tidy_whitespace", n)
    _drop_blank_lines(doc)


# ---------------------------------------------------------------- registry declaration

def _bind(rules, options: NormalizeOptions):
    """run() bound to the rules and options."""
    return lambda doc: run(doc, rules, options)


STAGE = Stage(NAME, lambda pipeline: NormalizeOptions(t2s=pipeline.t2s), _bind, books={NAME: "normalized"})
