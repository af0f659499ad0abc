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

import difflib
import html
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

import ftfy
import regex

from ..alignment import Edit
from ..document import Document

NAME = "normalize"

# Mojibake of UTF-8 Chinese read as Latin-1/cp1252 always leaves letters from these blocks; a line without
# them is left alone, which keeps ftfy (a few MB/s) off the hot path for clean text.
_MOJIBAKE_HINT = regex.compile(r"[\x80-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2020\u2021\u2030\u2039\u203a\ufffd]")

# Only the encoding fixes: ftfy's width folding, quote uncurling and NFC would rewrite Chinese punctuation
# and full-width digits.
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_latin_ligatures=False,
    fix_line_breaks=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)

_HTML_ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")

# Zero-width characters, the BOM, soft hyphens, bidi controls and C0/C1 controls other than \n and \t.
_INVISIBLE = regex.compile(r"[\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\ufeff\u00ad\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+")

_CR = regex.compile(r"\r\n?")

_HSPACE = r"[^\S\n]"  # whitespace other than a line break (includes \u3000 and \xa0)
# A trailing run is only tried from its first space: tried from every space of a long run in the middle of a
# line, `{_HSPACE}+$` would take time quadratic in the run's length.
_LINE_EDGE_SPACE = regex.compile(rf"^{_HSPACE}++|(?<!{_HSPACE}){_HSPACE}++$", regex.MULTILINE)
_SPACE_RUN = regex.compile(rf"{_HSPACE}{{2,}}|[\t\u3000\xa0]")
_BLANK_LINES = regex.compile(r"\n{2,}")


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    t2s: bool = True


@lru_cache(maxsize=1)
def _t2s_converter():
    import opencc

    return opencc.OpenCC("t2s")


def _diff_edits(old: str, new: str, offset: int) -> list[Edit]:
    """The smallest edits that turn `old` (found at `offset`) into `new`, so untouched characters keep their map."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        Edit(offset + i1, offset + i2, new[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


_SURROGATE = regex.compile("[\ud800-\udfff]")


def replace_lone_surrogates(doc: Document) -> None:
    """Lone surrogates (a `str` can hold them, UTF-8 cannot; every later step would fail on them) become
    U+FFFD one for one, so every offset stays the same. The pipeline does this before any stage runs."""
    text = doc.text
    if _SURROGATE.search(text) is None:
        return
    fixed, n = _SURROGATE.subn("\ufffd", text)
    doc.aligned.substitute(fixed)
    doc.count(f"{NAME}:replace_lone_surrogates", n)


def repair_mojibake(text: str) -> list[Edit]:
    """UTF-8 read as Latin-1/cp1252 (`æµ\\x8fé\\x98³` -> `浏阳`), line by line, with ftfy."""
    edits: list[Edit] = []
    if not _MOJIBAKE_HINT.search(text):
        return edits
    start = 0
    for line in text.split("\n"):
        if _MOJIBAKE_HINT.search(line):
            fixed = ftfy.fix_text(line, _FTFY_CONFIG)
            if fixed != line:
                edits.extend(_diff_edits(line, fixed, start))
        start += len(line) + 1
    return edits


def decode_html_entities(text: str) -> list[Edit]:
    """HTML entities left by the scraper (`&nbsp;`, `&ldquo;`, `&#8220;`) become the characters they name."""
    if "&" not in text:
        return []
    edits = []
    for m in _HTML_ENTITY.finditer(text):
        decoded = html.unescape(m.group())
        if decoded != m.group():
            edits.append(Edit(m.start(), m.end(), " " if decoded == "\xa0" else decoded))
    return edits


def drop_invisible(text: str) -> list[Edit]:
    """Zero-width, bidi and control characters carry nothing a reader sees; `\\r\\n` becomes `\\n`."""
    edits = [Edit(m.start(), m.end(), "") for m in _INVISIBLE.finditer(text)]
    edits += [Edit(m.start(), m.end(), "\n") for m in _CR.finditer(text)]
    return _non_overlapping(edits)


def to_simplified(text: str) -> str | list[Edit]:
    """Traditional characters to simplified ones with OpenCC `t2s` (a same-length rewrite in practice)."""
    converted = _t2s_converter().convert(text)
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


_CJK_CHAR = regex.compile(r"[\p{Han}\u3000-\u303f\uff01-\uff0f\uff1a-\uff20\u201c\u201d\u2018\u2019《》【】…—]")
_PAREN_PAIR = regex.compile(r"\(([^()\n]{0,80})\)")
_HAS_CJK = regex.compile(r"\p{Han}")


def widen_punctuation(text: str, table: dict[str, str]) -> list[Edit]:
    """Half-width `,:;?!()` in Chinese text become full-width `，：；？！（）`; numbers are never touched."""
    if not any(ch in text for ch in table):
        return []
    edits: list[Edit] = []
    marks = "".join(k for k in table if k not in "()")
    for m in regex.finditer(f"[{regex.escape(marks)}]", text):
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


def tidy_whitespace(text: str) -> list[Edit]:
    """Trim each line, fold runs of spaces (and tabs, \\u3000, \\xa0) to one space, drop blank lines."""
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
            doc.count(f"{NAME}:{name}", n)
    if options.t2s:
        result = to_simplified(doc.text)
        if isinstance(result, str):
            doc.count(f"{NAME}:to_simplified", sum(a != b for a, b in zip(result, doc.text)))
            doc.aligned.substitute(result)
        elif result:
            doc.count(f"{NAME}:to_simplified", doc.edit(result))
    n = doc.edit(widen_punctuation(doc.text, table))
    if n:
        doc.count(f"{NAME}:widen_punctuation", n)
    n = doc.edit(tidy_whitespace(doc.text))
    if n:
        doc.count(f"{NAME}:tidy_whitespace", n)
    _drop_blank_lines(doc)
