"""Stage 3 (repeats): repeated captions and paragraphs collapse to their first occurrence.

Exact and near repeats (a few characters different) go, each removal recording which line it duplicates;
different paragraphs that merely share a long phrase, and very short lines, stay.
"""
from __future__ import annotations

import unicodedata
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from newsclean import clean
from newsclean.nfkc import WIDE_PUNCTUATION, nfkc
from newsclean.stages.repeats import RepeatOptions

P1 = "春节前夕，市区各大商超人头攒动，年货销售迎来高峰，蔬菜、肉类和水果供应充足，价格总体保持平稳。"
P2 = "市商务局表示，将持续做好节日期间市场保供稳价工作，加强重点商品价格监测，确保节日市场平稳有序。"
P3 = "据介绍，今年全市共设立平价蔬菜直销点一百二十个，每天投放平价蔬菜约三十吨，惠及群众近十万人。"
CAPTION = "▲市民在城南农贸市场选购新鲜蔬菜。"


def dedupe(lines, **options):
    return clean("\n".join(lines), stages=("normalize", "repeats"), **options)


def repeats(result):
    return [(r["text"], r["rule"]) for r in result.removed if r["reason"] == "repeat"]


def kept_line(result, removal):
    """The line of the clean text that a removal says it duplicates, found through both of its pointers."""
    dup = removal["duplicate_of"]
    lines = result.text.split("\n")
    by_start = result.text[dup["start"]:].split("\n", 1)[0]
    assert lines[dup["paragraph"]] == by_start
    return by_start


# ------------------------------------------------------------------ exact repeats

def test_repeated_caption_collapses_to_its_first_occurrence():
    result = dedupe([P1, CAPTION, P2, CAPTION, P3, CAPTION])
    assert result.text == "\n".join([P1, CAPTION, P2, P3])
    assert repeats(result) == [(CAPTION, "exact-repeat-caption")] * 2
    for r in result.removed:
        assert kept_line(result, r) == CAPTION
        assert r["duplicate_of"]["paragraph"] == 1


def test_repeated_paragraph_collapses_to_its_first_occurrence():
    result = dedupe([P1, P2, P3, P2])
    assert result.text == "\n".join([P1, P2, P3])
    [removal] = result.removed
    assert (removal["text"], removal["rule"], removal["reason"]) == (P2, "exact-repeat-paragraph", "repeat")
    assert kept_line(result, removal) == P2
    assert removal["duplicate_of"]["paragraph"] == 1


@pytest.mark.parametrize("copy", [
    "▲市民在城南农贸市场选购新鲜蔬菜",       # punctuation dropped
    "▲ 市民在城南农贸市场选购新鲜蔬菜。",     # a space added
    "▲市民在城南农贸市场选购新鲜蔬菜.",       # half-width full stop
    "  ▲市民在城南农贸市场选购新鲜蔬菜。\u200b",  # edge spaces and a zero-width space
])
def test_copies_that_differ_only_in_spaces_and_punctuation_are_exact_repeats(copy):
    result = dedupe([P1, CAPTION, P2, copy])
    assert result.text.rstrip("\n") == "\n".join([P1, CAPTION, P2])
    assert [rule for _, rule in repeats(result)] == ["exact-repeat-caption"]


def test_removal_records_point_at_the_raw_input_and_the_clean_position():
    raw = "\n".join([P1, CAPTION, P2, CAPTION, P3])
    result = clean(raw, stages=("normalize", "repeats"))
    [removal] = result.removed
    assert raw[removal["raw_start"]:removal["raw_end"]] == CAPTION
    assert removal["duplicate_of"]["raw_start"] == raw.index(CAPTION)
    # The removed copy used to sit where P3 now starts.
    assert removal["start"] == removal["end"] == result.text.index(P3)


# ------------------------------------------------------------------ near repeats

@pytest.mark.parametrize("original, copy, rule", [
    # a caption marker more or less
    ("图为市民在花市选购年宵花。", "上图为市民在花市选购年宵花。", "near-repeat-caption"),
    ("市民在城南农贸市场选购新鲜蔬菜，摊位前人头攒动。", "图为市民在城南农贸市场选购新鲜蔬菜，摊位前人头攒动。", "near-repeat-caption"),
    # digits the later copy lost
    ("全市共设立平价蔬菜直销点120个，每天投放平价蔬菜约30吨，惠及群众近10万人。",
     "全市共设立平价蔬菜直销点个，每天投放平价蔬菜约30吨，惠及群众近万人。", "near-repeat-caption"),
])
def test_near_repeat_collapses_to_the_first_occurrence(original, copy, rule):
    result = dedupe([P2, original, P3 if original != P3 else P1, copy])
    assert copy not in result.text.split("\n")
    assert original in result.text.split("\n")
    [removal] = result.removed
    assert (removal["text"], removal["rule"]) == (copy, rule)
    assert kept_line(result, removal) == original


def test_the_copy_that_kept_its_digits_stays_where_it_stands():
    lost = "据统计，今年前三季度全市完成固定资产投资亿元，同比增长%，增速比上半年加快个百分点。"
    full = "据统计，今年前三季度全市完成固定资产投资356亿元，同比增长8.2%，增速比上半年加快1.5个百分点。"
    result = dedupe([P1, lost, P2, full, P3])
    assert result.text == "\n".join([P1, P2, full, P3])
    [removal] = result.removed
    assert (removal["text"], removal["rule"]) == (lost, "near-repeat-paragraph")
    assert kept_line(result, removal) == full


def test_a_copy_that_the_page_merged_with_its_title_goes():
    # the later copy carries the title along; the title stands on its own line too
    title = "节日市场供应充足，价格总体平稳。"
    result = dedupe([title, P1 + P3, P2, title[:-1] + P1 + P3])
    assert result.text == "\n".join([title, P1 + P3, P2])
    assert [rule for _, rule in repeats(result)] == ["near-repeat-paragraph"]


def test_a_tiny_edit_inside_a_long_paragraph_is_a_copy():
    long = P1 + P2[:-1] + "，" + P3
    edited = long.replace("每天投放", "每日投放")
    result = dedupe([long, "江城市气象台预计，节日期间全市以晴好天气为主，气温略高于常年同期。", edited])
    assert edited not in result.text.split("\n")
    assert [rule for _, rule in repeats(result)] == ["near-repeat-paragraph"]


@pytest.mark.parametrize("first, second", [
    # names: two facts that share a template
    ("国务院副总理韩正参加会见。", "国务院副总理张明参加会见。"),
    ("王建国同志任江城市委委员、常委、书记，不再担任江北县委书记职务；",
     "李志强同志任江北县委委员、常委、书记，不再担任江城市委书记职务；"),
    ("会议听取了法律委员会副主任委员张华作的关于食品安全法修正草案审议结果的报告。",
     "会议听取了法律委员会副主任委员李明作的关于安全生产法修正草案审议结果的报告。"),
    # a word edited in a short line
    ("▲市民在城南农贸市场选购新鲜蔬菜。", "▲市民在城南农贸市场选购新鲜的蔬菜。"),
    ("江城市第一届迎春灯会在滨江公园开幕", "江城市第一届迎春灯会在滨江公园隆重开幕"),
    # a subtitle and the body sentence it condenses
    ("专家：城市更新要留住烟火气", "专家指出，城市更新要留住烟火气。"),
    # Latin words
    ("唱片公司：YS Entertainment", "唱片公司：SM Entertainment"),
    # figures present in both that differ
    ("地点：江城会议中心201会议室", "地点：江城会议中心306会议室"),
])
def test_similar_lines_that_say_something_else_both_stay(first, second):
    result = dedupe([P1, first, P2, second, P3])
    assert result.text == "\n".join([P1, first, P2, second, P3])
    assert result.removed == []


@pytest.mark.parametrize("cells", [
    [P1, "日期", "节目名称", "获奖", "2015年3月", "江城电视台", "年度歌手", "2016年5月", "江城电视台", "最佳新人", P2],
    ["（一）项目概况", "（二）建设内容", P1, "（一）项目概况", P2, "（二）建设内容", P3],
    ["专家点评", P1, "专家点评", P2, "专家点评", P3],
])
def test_cells_labels_and_headings_that_repeat_stay(cells):
    result = dedupe(cells)
    assert result.text == "\n".join(cells)
    assert result.removed == []
    assert result.counts["repeat_kept:label"] >= 1


def test_a_menu_repeated_above_and_below_the_story_collapses():
    menu = ["首页", "新闻中心", "政务公开", "办事服务"]
    result = dedupe([*menu, P1, P2, P3, *menu])
    assert result.text == "\n".join([*menu, P1, P2, P3])
    assert [rule for _, rule in repeats(result)] == ["exact-repeat-caption"] * 4


def test_near_repeats_can_be_switched_off_by_similarity():
    full = "全市共设立平价蔬菜直销点120个，每天投放平价蔬菜约30吨，惠及群众近10万人。"
    copy = "全市共设立平价蔬菜直销点个，每天投放平价蔬菜约30吨，惠及群众近万人。"
    assert dedupe([full, P2, copy]).text == "\n".join([full, P2])
    result = dedupe([full, P2, copy], repeats=RepeatOptions(min_similarity=1.0))
    assert result.text == "\n".join([full, P2, copy])


# ------------------------------------------------------------------ what must not collapse

SHARED_PHRASE = [
    ("会议强调，要深入学习贯彻党的二十大精神，坚持稳中求进工作总基调，扎实推进乡村振兴，持续抓好粮食生产和重要农产品稳定安全供给。",
     "会议指出，要深入学习贯彻党的二十大精神，坚持稳中求进工作总基调，全力做好安全生产工作，坚决遏制重特大事故发生。"),
    ("江城市气象台发布暴雨蓝色预警信号，预计未来六小时城区降雨量将达五十毫米以上，请市民注意防范。",
     "江城市气象台发布大风黄色预警信号，预计今天夜间沿江地区将出现八级以上阵风，请过往船只回港避风。"),
    ("▲市民在城南农贸市场选购新鲜蔬菜。", "▲工作人员在城南农贸市场检测蔬菜农药残留。"),
    ("▲滨江公园的樱花进入盛花期。", "▲植物园的郁金香进入盛花期。"),
    ("城东区：全年完成固定资产投资120亿元，同比增长8.5%。", "城西区：全年完成固定资产投资98亿元，同比增长6.1%。"),
    ("1月份，全市规模以上工业增加值同比增长5.2%，增速比上月加快0.3个百分点。",
     "2月份，全市规模以上工业增加值同比增长6.8%，增速比上月加快1.6个百分点。"),
    ("获得一等奖的是江城市第三中学代表队。", "获得二等奖的是江城市第五中学代表队。"),
    ("1号线首班车发车时间为早上6:00，末班车为晚上22:30。", "2号线首班车发车时间为早上6:30，末班车为晚上23:00。"),
]


@pytest.mark.parametrize("first, second", SHARED_PHRASE)
def test_different_lines_sharing_a_long_phrase_stay(first, second):
    result = dedupe([first, P2, second])
    assert result.text == "\n".join([first, P2, second])
    assert result.removed == []


@pytest.mark.parametrize("first, second", [
    ("我要评论", "（完）我要评论"),
    ("返回顶部", "返回首页"),
    ("相关新闻", "相关阅读"),
    ("（完）", "（完）。"),
    ("1", "1"),
    ("”", "”"),
])
def test_very_short_lines_are_not_near_repeats(first, second):
    lines = [P1, first, P2, second, P3]
    result = dedupe(lines)
    assert result.text == "\n".join(lines)


def test_repeats_run_after_chrome_and_before_numbers():
    raw = "\n".join(["首页 > 民生 > 物价", P1, "▲市民选购年货，蔬菜价格同比增长%。", P2,
                     "▲市民选购年货，蔬菜价格同比增长%。", P3])
    result = clean(raw)
    assert result.text == "\n".join([P1, "▲市民选购年货，蔬菜价格同比增长%。", P2, P3])
    assert [r["reason"] for r in result.removed] == ["chrome", "repeat"]
    # One gap, in the copy that was kept.
    assert [a["rule"] for a in result.annotations] == ["model+percent-without-number"]
    assert raw[result.annotations[0]["raw_start"]] == "%"
    assert result.annotations[0]["raw_start"] < raw.index(P2)


def test_removing_the_last_two_copies_leaves_no_trailing_newline():
    assert dedupe([P1, CAPTION, P2, CAPTION, CAPTION]).text == "\n".join([P1, CAPTION, P2])


# ------------------------------------------------------------------ copies of a part of an earlier paragraph

def test_a_paragraph_repeated_after_the_page_merged_it_into_a_longer_line_goes():
    merged = "节日市场供应充足 价格平稳" + P1 + P2
    result = dedupe([merged, P3, P1])
    assert result.text == "\n".join([merged, P3])
    [(text, rule)] = repeats(result)
    assert (text, rule) == (P1, "contained-repeat-paragraph")
    [removal] = [r for r in result.removed if r["reason"] == "repeat"]
    assert kept_line(result, removal) == merged


def test_a_short_line_found_inside_a_paragraph_stays():
    # a subheading that the paragraph above happens to contain is not a copy of it
    heading = "年货销售迎来高峰"
    result = dedupe([P1, heading, P2])
    assert result.text == "\n".join([P1, heading, P2])


def test_a_line_is_not_taken_for_a_copy_of_a_line_that_is_itself_removed():
    # The longer line goes as a near copy of the first; the shorter one, found only inside it, must stay, or
    # its text would be gone from the page.
    title = "节日市场供应充足，价格总体保持平稳态势"
    first = P1 + P2
    near_copy = title + P1 + P2.replace("，", "、")
    result = dedupe([first, P3, near_copy, title])
    assert repeats(result) == [(near_copy, "near-repeat-paragraph")]
    assert result.text == "\n".join([first, P3, title])


def test_a_line_spanning_the_end_of_one_line_and_the_start_of_the_next_is_not_a_copy():
    # Without the normalise stage a line can hold a NUL, the separator the search puts between lines: the
    # match must still lie inside one earlier line.
    straddling = P1[-12:] + "\0" + P2[:12]
    result = clean("\n".join([P1, P2, straddling]), stages=("repeats",))
    assert repeats(result) == []


# ------------------------------------------------------------------ what a user sees

def test_the_summary_and_explain_show_what_went_and_what_stayed_and_why(tmp_path):
    import json

    from click.testing import CliRunner

    from newsclean.cli import main

    page = [P1, "专家点评", CAPTION, P2, "专家点评", "国务院副总理韩正参加会见。", "国务院副总理张明参加会见。", CAPTION, P3]
    path = tmp_path / "page.txt"
    path.write_text("\n".join(page), encoding="utf-8")
    stats = tmp_path / "stats.json"
    result = CliRunner().invoke(main, ["clean", str(path), "-o", str(tmp_path / "out.jsonl"), "--stats", str(stats),
                                       "--no-progress"])
    assert result.exit_code == 0, result.output
    books = json.loads(stats.read_text(encoding="utf-8"))
    assert books["repeats_by_rule"] == {"exact-repeat-caption": 1}
    assert books["repeats_kept_by_reason"] == {"distinct-content": 1, "label": 1}
    assert "lines like another that stay, by why: distinct-content 1, label 1" in result.stderr

    shown = CliRunner().invoke(main, ["explain", str(path), "--no-color"]).output
    assert ("removed repeat by exact-repeat-caption, repeats paragraph 2: " + CAPTION
            + "  (the same text (spaces and punctuation aside) stands in the kept paragraph)") in shown
    assert "kept: 1 line(s) like another, distinct-content: like another line, but it differs in a name" in shown
    assert "kept: 1 line(s) like another, label: a repeated cell, field label, list item or heading" in shown


def test_a_sentence_with_its_credit_in_brackets_is_no_label_and_collapses():
    line = "两名老师全程监考，考毕试卷密封寄回。（记者：张明）"
    result = dedupe([P1, line, P2, line, P3])
    assert result.text == "\n".join([P1, line, P2, P3])
    assert [rule for _, rule in repeats(result)] == ["exact-repeat-caption"]


def test_a_link_list_printed_twice_inside_the_story_collapses():
    links = ["糖友别喝三种汤", "花生不妨这样吃", "饮食误区大揭秘"]
    result = dedupe([P1, *links, P2, *links, P3])
    assert result.text == "\n".join([P1, *links, P2, P3])
    assert len(repeats(result)) == 3


def test_the_bigram_index_of_a_long_page_answers_as_the_search_does(monkeypatch):
    """`_Elsewhere` answers from a bigram index on long pages: the same answers as the plain search."""
    from newsclean.stages import repeats as stage

    sentences = ["江城市今年新建城市书房三座", "全市新增公交线路两条", "园区签约项目总投资稳步增长",
                 "市民可以在夜间借阅图书", "高校毕业生就业服务持续加强", "零工市场为灵活就业人员提供岗位"]
    keys = [stage._key(f"{a}，{b}。第{n}段") for n, (a, b) in
            enumerate((x, y) for x in sentences for y in sentences)]
    questions = [s for s in sentences] + ["城市书房三座全市", "第3段", "第35段", "不在页中的一句话", "段"]
    page = stage._Elsewhere(keys)
    for exclude in [(), (0, 1), (3, 18), (35,)]:
        monkeypatch.setattr(stage, "ELSEWHERE_INDEX_CHARS", 10**9)  # the plain search
        want = [page.test(*exclude)(q) for q in questions]
        monkeypatch.setattr(stage, "ELSEWHERE_INDEX_CHARS", 0)  # the index
        assert [page.test(*exclude)(q) for q in questions] == want, exclude
    assert page._bigrams is not None  # the index did answer
    assert True in want and False in want


# ------------------------------------------------------------------ small pages without numpy

NEAR_PAGES = [
    [P1, CAPTION, P2, CAPTION, P3],
    [P2, "图为市民在花市选购年宵花。", P3, "上图为市民在花市选购年宵花。"],
    [P1, "全市共设立平价蔬菜直销点120个，每天投放平价蔬菜约30吨，惠及群众近10万人。", P2,
     "全市共设立平价蔬菜直销点个，每天投放平价蔬菜约30吨，惠及群众近万人。"],
    [P1, "国务院副总理韩正参加会见。", P2, "国务院副总理刘鹤参加会见。", P3],
    [P1, "专家点评", P2, "专家点评", "（一）生理发展方面", P3, "（一）生理发展方面"],
    [P1, P1.replace("，", ", "), P2 + P3, P3, "　" * 3, "Ａｂｃ\u200bdef ghi", "abcdefghi"],
]


@pytest.mark.parametrize("page", NEAR_PAGES)
def test_a_small_page_paired_in_pure_python_loses_the_same_repeats(page, monkeypatch):
    """While numpy is not loaded, small pages are signed and paired in pure Python (`minhash_pure`): the same
    candidate pairs, repeats and kept lines as the numpy path, which the process of these tests has loaded."""
    from newsclean.stages import repeats as stage

    lines = "\n".join(page)
    monkeypatch.setattr(stage, "_in_pure_python", lambda n, options: False)
    want = dedupe(page)
    monkeypatch.setattr(stage, "_in_pure_python", lambda n, options: True)
    got = dedupe(page)
    assert (got.text, got.removed, got.counts) == (want.text, want.removed, want.counts)
    keys = [stage._key(line) for line in lines.split("\n") if line.strip()]
    monkeypatch.setattr(stage, "_in_pure_python", lambda n, options: True)
    pure = stage._near_pairs(keys, RepeatOptions())
    monkeypatch.setattr(stage, "_in_pure_python", lambda n, options: False)
    assert pure == stage._near_pairs(keys, RepeatOptions())


def test_pure_python_pairing_is_only_for_pages_the_numpy_path_compares_pair_by_pair(monkeypatch):
    """A page longer than `direct_max_lines` is banded through LSH buckets, which pure Python does not do."""
    import sys

    from newsclean.stages import repeats as stage

    monkeypatch.delitem(sys.modules, "numpy")  # as in a process that has not loaded it (restored after)
    monkeypatch.setattr(stage, "_pages_pure", 0)
    assert stage._in_pure_python(10, RepeatOptions())
    assert not stage._in_pure_python(10, RepeatOptions(direct_max_lines=8))
    assert not stage._in_pure_python(stage.PURE_MAX_LINES + 1, RepeatOptions())
    monkeypatch.setattr(stage, "_pages_pure", stage.PURE_FIRST_PAGES)
    assert not stage._in_pure_python(10, RepeatOptions())


# ------------------------------------------------------------------ the keys' NFKC

def test_each_wide_mark_put_in_place_decomposes_to_its_one_ascii_character():
    """The premise of `nfkc`: a mark's whole compatibility decomposition is the character put in its place,
    a starter, so the decomposed text (and so its NFKC) is the same."""
    for wide, narrow in WIDE_PUNCTUATION:
        assert unicodedata.decomposition(wide) == f"<wide> {ord(narrow):04X}"
        assert narrow.isascii() and unicodedata.combining(narrow) == 0


@pytest.mark.parametrize("line", [
    "据介绍，今年全市共设立平价蔬菜直销点（含社区网点）１２０个：每天投放约三十吨；惠及群众！",
    "ＣＰＩ同比上涨２．１％，其中食品价格上涨３．２％。",
    "㈱东方公司发布公告，称ｅ\u0301ｔé版“Ⅱ期”项目按计划推进？",
    "",
])
def test_nfkc_of_real_shaped_lines_is_unicodedatas(line):
    assert nfkc(line) == unicodedata.normalize("NFKC", line)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [w for w, _ in WIDE_PUNCTUATION] + list(",()!?:; 　春节前夕市区\u3099\u309a\u0301\u0308\u0327ae"
                                         "ＡＣ１２ｶﾞｶﾞ㈱①Ⅱﬁ\u1100\u1161\u11a8가\ufb01…。"))))
def test_nfkc_is_unicodedatas_on_any_mix_of_wide_marks_combining_marks_and_jamo(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


# ------------------------------------------------------------------ the standard engine's classes

def _bmp_listing(pattern) -> str:
    """The ranges of the BMP code points `pattern` matches (one character), for a message to copy from."""
    chars = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and pattern.match(chr(c))]
    ranges, start = [], None
    for k, c in enumerate(chars):
        start = c if start is None else start
        if k + 1 == len(chars) or chars[k + 1] != c + 1:
            ranges.append(f"\\u{start:04x}" + (f"-\\u{c:04x}" if c > start else ""))
            start = None
    return "".join(ranges)


def test_the_listed_class_is_regexs_class_of_spaces_punctuation_and_symbols_over_the_bmp():
    import re

    import regex

    from newsclean.stages import repeats

    wanted = regex.compile(r"[\s\p{P}\p{S}]")
    listed = re.compile(repeats._NOT_TEXT_BMP.pattern[:-1])  # one character of the class
    assert _bmp_listing(listed) == _bmp_listing(wanted), "regex's Unicode tables changed: list the class again"


def test_the_listed_spaces_are_regexs_spaces():
    import regex

    from newsclean.stages import repeats

    spaces = regex.compile(r"\s")
    assert [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
            and bool(spaces.match(chr(c))) != bool(repeats._SPACES.match(chr(c)))] == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("江城新闻，。！？、“”（）《》 \t\u3000ab12.%$€©·…—") + ["😀", "𠀀", "𝟙", "\u20e3"]),
               max_size=30))
def test_a_key_is_the_same_with_either_engine(text):
    import regex

    from newsclean.stages import repeats

    assert repeats._key.__wrapped__(text) == regex.sub(r"[\s\p{P}\p{S}]+", "", nfkc(text))


def test_the_similarity_precheck_lets_a_pair_exactly_at_the_threshold_through():
    import numpy  # noqa: F401  (the precheck is asked while numpy is loaded)

    from rapidfuzz.distance import Indel

    from newsclean.stages.repeats import _some_pair_similar

    options = RepeatOptions()
    # 45 and 45 characters, Indel distance 18: similarity exactly 0.8 (rapidfuzz's score_cutoff gave 0 here)
    first = "江城市政府今天召开新闻发布会通报一季度经济运行情况全市生产总值同比增长百分之五点二居民收入稳步提高"[:45]
    second = first[:36] + "交通局获悉地铁三号线"[:9]
    assert len(first) == len(second) == 45 and Indel.distance(first, second) == 18
    assert Indel.normalized_similarity(first, second) == options.min_similarity
    assert _some_pair_similar(["不相干的另一段话讲的是天气预报明天有雨", first, second], options)
    assert not _some_pair_similar(["市政府今天召开新闻发布会通报经济运行情况", "记者从交通局获悉地铁三号线将于年底通车"],
                                  options)


@pytest.mark.parametrize("page", [
    "江城市政府今天召开新闻发布会。\n记者从市交通局获悉，地铁三号线将于年底通车。\n江城市政府今天召开了新闻发布会。",
    "国务院副总理刘鹤参加会见。\n国务院副总理韩正参加会见。\n会议还研究了其他事项。",
    "▲浏阳全力打造烟花产业集群。\n正文第一段，讲的是烟花产业的发展。\n▲浏阳全力打造烟花产业集群",
])
def test_repeats_are_the_same_with_and_without_the_similarity_precheck(page, monkeypatch):
    import numpy  # noqa: F401

    from newsclean.document import Document
    from newsclean.stages import repeats

    lines = [line for line in Document(page).lines() if line.text]
    asked, kept = repeats.find_repeats(lines), Counter()
    asked_kept = Counter()
    repeats.find_repeats(lines, kept_apart=asked_kept)
    monkeypatch.setattr(repeats, "_some_pair_similar", lambda keys, options: True)
    assert repeats.find_repeats(lines, kept_apart=kept) == asked and kept == asked_kept
