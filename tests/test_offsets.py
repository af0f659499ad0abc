"""Property tests of the offset map: every annotation and every removal points back to the raw input.

The checks are plain functions (`check_maps_back`, `check_gains_nothing`, `check_nothing_lost`) so that the
fuzz tests (`tests/test_fuzz.py`) and the fuzz campaign (`benchmarks/fuzz.py`) state the same properties.
"""
from __future__ import annotations

import html
import time
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

import ftfy.bad_codecs  # noqa: F401 - registers sloppy-windows-1252
from ftfy.fixes import fix_c1_controls
from hypothesis import given, settings, strategies as st

from newsclean import RuleSet, clean
from newsclean.alignment import AlignedText, Edit
from newsclean.stages.numbers import MARKER
from newsclean.stages.normalize import fix_encoding

# The full-width marks rules/normalize.toml may write into the text.
PUNCTUATION = frozenset(RuleSet.load().normalize.get("widen_punctuation", {}).values())


def _norm(s: str) -> str:
    """NFKC without spaces and without the invisible characters normalisation drops."""
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cf", "Cc"))
    return "".join(unicodedata.normalize("NFKC", s).split())


@lru_cache(maxsize=1)
def _t2s_converter():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(s: str) -> str:
    return _t2s_converter().convert(s)


def _unmojibake(s: str, depth: int = 2) -> list[str]:
    """`s` read back as the UTF-8 it was before being misread as Latin-1 or Windows-1252 (once or twice)."""
    out = []
    for enc in ("latin-1", "sloppy-windows-1252"):
        try:
            once = s.encode(enc).decode("utf-8")
        except UnicodeError:
            continue
        out.append(once)
        if depth > 1:
            out += _unmojibake(once, depth - 1)
    return out


def _repairs(raw: str, t2s: bool) -> list[str]:
    """`raw` and what the documented repairs can make of it: lone surrogates as U+FFFD, mojibake repaired
    line by line (ftfy; a short piece also by reading it back as UTF-8), HTML entities decoded, traditional
    characters simplified. Without any of those, that is just `raw`."""
    if _has_surrogate(raw):
        raw = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in raw)
    forms = [raw]
    repaired = "\n".join(fix_encoding(line) for line in raw.split("\n"))
    forms.append(repaired)
    forms.append(fix_c1_controls(raw))  # what ftfy does to a line it cannot decode as a whole
    if len(raw) <= 64:
        forms += _unmojibake(raw)
    if "&" in repaired:
        forms += [html.unescape(raw), html.unescape(repaired)]
    if t2s:
        forms += [_t2s(f) for f in forms]
    return forms


def _has_surrogate(s: str) -> bool:
    try:
        s.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _parts(result: Any) -> tuple[str, list[dict], list[dict]]:
    if isinstance(result, dict):
        return result["text"], result["annotations"], result["removed"]
    return result.text, result.annotations, result.removed


def check_maps_back(raw: str, result: Any, mark: bool = False, t2s: bool = False) -> None:
    """Every annotation and every removal of `result` (a `Result` or an output record) lies inside `raw`,
    and the raw span is the text it says it came from (up to normalisation and the documented repairs)."""
    text, annotations, removed = _parts(result)
    for a in annotations:
        assert 0 <= a["start"] < a["end"] <= len(text), f"annotation outside the clean text: {a}"
        assert 0 <= a["raw_start"] < a["raw_end"] <= len(raw), f"annotation outside the raw text: {a}"
        unit = text[a["start"]:a["end"]]
        if mark:
            assert unit.startswith(MARKER), f"annotation does not start with its marker: {unit!r}"
            unit = unit[len(MARKER):]
        if "unit" in a.get("info", {}):
            assert unit == a["info"]["unit"], f"annotation span is not its unit: {unit!r} != {a['info']['unit']!r}"
        # the unit left behind is the raw characters it came from (up to full-width punctuation)
        piece = raw[a["raw_start"]:a["raw_end"]]
        assert _norm(unit) == _norm(piece) or _norm(unit) in {_norm(f) for f in _repairs(piece, t2s)}, \
            f"annotation raw slice is not its unit: {piece!r} -> {unit!r}"
    previous = -1
    for r in removed:
        assert 0 <= r["start"] == r["end"] <= len(text), f"removal outside the clean text: {r}"
        assert 0 <= r["raw_start"] <= r["raw_end"] <= len(raw), f"removal outside the raw text: {r}"
        assert r["raw_start"] >= previous, "removals out of raw order"
        previous = r["raw_start"]
        # the removed line is the raw line it came from, after normalisation
        piece = raw[r["raw_start"]:r["raw_end"]]
        if _norm(r["text"]) != _norm(piece):
            forms = _repairs(piece, t2s) + _repaired_in_its_line(raw, r["raw_start"], r["raw_end"], t2s)
            assert _norm(r["text"]) in {_norm(f) for f in forms}, \
                f"removal raw slice is not its text: {piece!r} -> {r['text']!r}"


def _repaired_in_its_line(raw: str, start: int, end: int, t2s: bool) -> list[str]:
    """`raw[start:end]` repaired as the stage repairs it: ftfy decides from a whole line (what stands beside
    the slice can tip it), so repair the line and take off the repaired text before and after the slice --
    when that text is the start and the end of the repaired line (else the slice is not a part of it)."""
    line_start = raw.rfind("\n", 0, start) + 1
    line_end = raw.find("\n", end)
    line_end = len(raw) if line_end < 0 else line_end
    whole = fix_encoding(raw[line_start:line_end])
    before = fix_encoding(raw[line_start:start])
    after = fix_encoding(raw[end:line_end])
    if len(before) + len(after) > len(whole) or not (whole.startswith(before) and whole.endswith(after)):
        return []
    middle = whole[len(before):len(whole) - len(after)]
    return [middle, html.unescape(middle)] + ([_t2s(middle)] if t2s else [])


def check_gains_nothing(raw: str, text: str, mark: bool = False, t2s: bool = False) -> None:
    """The clean text has no character that is not in `raw`, other than full-width punctuation, spaces, line
    breaks, the `--mark` marker and what the documented repairs of `raw` produce."""
    allowed = set(raw) | PUNCTUATION | set("\n ") | (set(MARKER) if mark else set())
    gained = set(text) - allowed
    if gained:
        gained -= set().union(*map(set, _repairs(raw, t2s)))
    assert not gained, f"clean text gained characters: {sorted(gained)!r}"


def check_nothing_lost(raw: str, result: Any, mark: bool = False) -> None:
    """Every visible character of `raw` is in the clean text or in a removal (for text that the repairs and
    t2s leave alone: those rewrite characters on purpose)."""
    text, annotations, removed = _parts(result)
    if mark:
        text = text.replace(MARKER, "", len(annotations))
    have = Counter(_norm(text))
    for r in removed:
        have.update(_norm(r["text"]))
    want = Counter(_norm(raw))
    assert have == want, f"characters lost {dict(want - have)!r}, gained {dict(have - want)!r}"


def repairs_apply(raw: str) -> bool:
    """Whether a documented repair (mojibake, HTML entities) could rewrite characters of `raw`."""
    return "&" in raw or any(fix_encoding(line) != line for line in raw.split("\n"))


LINES = [
    "首页 » 新闻 » 本地 » 江城零工市场覆盖全部城区", "江城网讯（记者 周晓雯 通讯员 林立）", "责任编辑：孙雅琪",
    "全市新增就业岗位万个，同比增长%。", "项目总投资亿元,建成后年产值可达50亿元。", "年4月底,工程正式投入运行。",
    "▲市民在城南农贸市场选购新鲜蔬菜。", "上一篇：江城地铁3号线开通", "1", "2", "下一页",
    "今年以来，全市经济运行总体平稳，企业家信心明显增强，消费市场持续回暖。",
    "本版图片均", "为 林立 摄", "版权所有 © 2024 江城网 湘ICP备12345678号", "  　", "",
]
PIECES = st.one_of(
    st.sampled_from(LINES),
    st.text(alphabet="年万亿元%.,:;()（）个家 　\t\u200b\r0123456789经济增长达到约", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=14), st.booleans())
def test_offsets_point_back_to_the_raw_input(parts, mark):
    raw = "\n".join(parts)
    result = clean(raw, t2s=False, mark=mark)
    check_maps_back(raw, result, mark=mark)
    check_nothing_lost(raw, result, mark=mark)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=14))
def test_clean_text_gains_no_characters_but_normalised_punctuation(parts):
    raw = "\n".join(parts)
    check_gains_nothing(raw, clean(raw, t2s=False).text)


def test_placing_many_removals_among_many_segments_takes_linear_time():
    # From benchmarks/fuzz.py: a page read as Latin-1 with its first lines repeated 4,422 times (702,157
    # characters). Every repaired character is a segment of the map, and placing each of the 22,149 removals
    # scanned the segments from the first: 36 of the call's 50 s. Here: 20,000 one-character repairs, then a
    # lookup for each (14 s before, milliseconds now).
    n = 20_000
    aligned = AlignedText("Ã©" * n)  # é read as Latin-1, n times
    aligned.apply([Edit(2 * k, 2 * k + 2, "é") for k in range(n)])
    start = time.perf_counter()
    assert [aligned.clean_offset(2 * k) for k in range(n + 1)] == list(range(n + 1))
    assert [aligned.clean_offset(2 * k + 1) for k in range(n)] == list(range(n))  # inside a repair: its start
    assert time.perf_counter() - start < 5  # a hang guard, not a speed target
