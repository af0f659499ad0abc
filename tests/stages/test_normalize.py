"""Stage 1 (normalize): mojibake, traditional -> simplified, punctuation width, invisible characters, whitespace.

The one rule this stage must never break: a digit, a decimal point inside a number and `%` come out exactly as
they went in, because the numbers stage decides from them whether a scraper dropped digits.
"""
from __future__ import annotations

import time
from pathlib import Path

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec used below)
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsclean import clean


SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def norm(text: str, **options) -> str:
    return clean(text, stages=("normalize",), **options).text


def as_mojibake(text: str, codec: str) -> str:
    """What a scraper shows when it reads the UTF-8 bytes of `text` as `codec`."""
    return text.encode("utf-8").decode(codec)


# ------------------------------------------------------------------ mojibake

MOJIBAKE_SENTENCES = [
    "市政府今天召开新闻发布会，通报一季度经济运行情况。",
    "记者从市交通局获悉，地铁三号线将于年底通车。",
    "营收达到2.39亿元，同比增长35.6%。",
    "公司净利润１２.３９亿元，员工1,000人，上午10:30开盘。",
    "暴雨导致城西多处路段积水，交警部门已实施临时交通管制。",
]


@pytest.mark.parametrize("codec", ["sloppy-windows-1252", "latin-1"])
@pytest.mark.parametrize("sentence", MOJIBAKE_SENTENCES)
def test_utf8_read_as_cp1252_or_latin1_is_repaired(sentence, codec):
    broken = as_mojibake(sentence, codec)
    assert broken != sentence
    assert norm(broken) == sentence


def test_traditional_mojibake_is_repaired_then_simplified():
    broken = as_mojibake("據報道，台北市長表示經濟增長", "sloppy-windows-1252")
    assert norm(broken) == "据报道，台北市长表示经济增长"
    assert norm(broken, t2s=False) == "據報道，台北市長表示經濟增長"


def test_only_the_broken_line_is_repaired():
    good = "城东片区改造提速，三年新增绿地超过百亩。"
    broken = as_mojibake("居民出行更加方便。", "sloppy-windows-1252")
    assert norm(f"{good}\n{broken}\n{good}") == f"{good}\n居民出行更加方便。\n{good}"


@pytest.mark.parametrize("text", [
    "今天气温−5°C至3°C，体感寒冷。",
    "买买提·艾力说，合作社的收入增长了。",
    "展板尺寸为3×4米，误差±0.5毫米。",
    "他说“Pokémon”系列游戏在当地很受欢迎。",
    "门票价格为￥199元，约合£20。",
    "©2024 江城新闻网",
])
def test_real_latin1_characters_are_not_mistaken_for_mojibake(text):
    assert norm(text) == text


# Characters of ftfy's mojibake categories (`ftfy.badness`), the C1 controls, an escape and a surrogate, with
# Han and ASCII around them: lines on which its test and its other fixes are easy to get wrong.
_MOJIBAKE_PRONE = st.text(st.sampled_from(list("江城新闻报道年月日 ，。aZ1[m;") + list(
    "©·°®±×²³µ¶§¢£¥€ÂÃÎÐØÙàáâãäåæçèéêëìíîïñòóôõöøùúûüýþÿŒœŠšŸŽžƒˆ˜†‡‰‹›¦¤¨¬¯¸–—‘’“”•…│┌═▀"
    "ВГРСΒΓΞΟβ€√≈‚ā\x80\x85\x9f\x1b\ud800\ufffd\xa0")), max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_MOJIBAKE_PRONE,
                 st.builds(as_mojibake, st.sampled_from(MOJIBAKE_SENTENCES + ["©2024 江城新闻网", "气温5°C"]),
                           st.sampled_from(["sloppy-windows-1252", "latin-1", "sloppy-windows-1251", "macroman"]))))
def test_a_line_ftfy_is_not_asked_about_is_one_ftfy_leaves_as_it_is(line):
    from newsclean.stages.normalize import ftfy_config, ftfy_may_change

    if not ftfy_may_change(line):
        assert ftfy.fix_text(line, ftfy_config()) == line


@pytest.mark.parametrize("line", ["©2024 江城新闻网 版权所有", "买买提·艾力说，合作社的收入增长了。",
                                  "今天气温−5°C至3°C，体感寒冷。", "门票价格为￥199元，约合£20。"])
def test_the_usual_latin1_marks_of_news_do_not_need_ftfy(line):
    from newsclean.stages.normalize import ftfy_may_change

    assert not ftfy_may_change(line)


@pytest.mark.parametrize("line", [as_mojibake("居民出行更加方便。", "sloppy-windows-1252"), "江城\x1b[31m新闻©",
                                  "江城\x85新闻"])
def test_mojibake_an_escape_or_a_c1_control_is_left_to_ftfy(line):
    from newsclean.stages.normalize import fix_encoding, ftfy_config, ftfy_may_change

    assert ftfy_may_change(line)
    assert fix_encoding(line) == ftfy.fix_text(line, ftfy_config()) != line


def _badness_branch_sets():
    """For each alternative of ftfy's BADNESS_RE, the character sets its items must match (items that are a
    list of characters and ranges; a category, a negated class, `.` or an optional item gives none)."""
    from re import _constants as C
    from re import _parser

    from ftfy.badness import BADNESS_RE

    (op, av), = _parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags).data
    assert op is C.BRANCH

    def listed(item):
        op, av = item
        if op is C.LITERAL:
            return {chr(av)}
        if op is not C.IN:
            return None
        chars = set()
        for o, a in av:
            if o is C.LITERAL:
                chars.add(chr(a))
            elif o is C.RANGE:
                chars |= {chr(c) for c in range(a[0], a[1] + 1)}
            else:
                return None
        return chars

    return [[s for s in map(listed, branch.data) if s] for branch in av[1]]


def test_every_alternative_of_ftfys_badness_needs_a_character_of_the_precheck():
    from newsclean.stages import normalize

    assert normalize._ftfy_badness_known(), "ftfy's badness.py changed: derive _FTFY_BAD_NEEDS again"
    needs = {chr(c) for c in range(0x110000) if normalize._FTFY_BAD_NEEDS.match(chr(c))}
    for sets in _badness_branch_sets():
        assert any(chars <= needs for chars in sets)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from(
    [chr(c) for c in range(0x80, 0x600)] + [chr(c) for c in range(0x2000, 0x2600)] + list("abzAZ .,?!江城°©·\n")),
    max_size=12))
def test_a_line_the_precheck_passes_is_one_ftfy_calls_good(line):
    from ftfy.badness import is_bad

    from newsclean.stages.normalize import _ftfy_may_be_bad

    if not _ftfy_may_be_bad(line):
        assert not is_bad(line)


def test_a_news_line_with_the_usual_latin1_marks_is_decided_without_ftfy():
    from newsclean.stages.normalize import _ftfy_may_be_bad

    assert not _ftfy_may_be_bad("©2024 江城新闻网 版权所有 买买提·艾力说，气温5°C。")
    assert _ftfy_may_be_bad(as_mojibake("居民出行更加方便。", "sloppy-windows-1252"))


def test_repaired_mojibake_keeps_the_map_to_the_raw_input():
    raw = as_mojibake("今年全市社会消费品零售总额同比增长%。", "sloppy-windows-1252")
    result = clean(raw, stages=("normalize", "numbers"))
    assert result.text == "今年全市社会消费品零售总额同比增长%。"
    [gap] = result.annotations
    assert result.text[gap["start"]:gap["end"]] == "%"
    assert raw[gap["raw_start"]:gap["raw_end"]] == "%"


# ------------------------------------------------------------------ traditional -> simplified

T2S = [
    ("後來這裡的乾燥氣候逐漸改善", "后来这里的干燥气候逐渐改善"),
    ("臺灣地區的颱風預警已經解除", "台湾地区的台风预警已经解除"),
    ("總投資１２.３９億元，同比增長35.6%", "总投资１２.３９亿元，同比增长35.6%"),
    ("醫院門診量較去年同期增加兩成", "医院门诊量较去年同期增加两成"),
]


@pytest.mark.parametrize("traditional, simplified", T2S)
def test_traditional_becomes_simplified_by_default(traditional, simplified):
    assert norm(traditional) == simplified


@pytest.mark.parametrize("traditional, simplified", T2S)
def test_t2s_false_keeps_traditional(traditional, simplified):
    assert norm(traditional, t2s=False) == traditional


def test_simplification_keeps_the_map_to_the_raw_input():
    raw = "該項目總投資億元。"
    # Every candidate is flagged at threshold 0: this test is about the map, not about the model's decision.
    result = clean(raw, stages=("normalize", "numbers"), gap_threshold=0.0)
    assert result.text == "该项目总投资亿元。"
    [gap] = [a for a in result.annotations if a["info"]["unit"] == "亿元"]
    assert raw[gap["raw_start"]:gap["raw_end"]] == "億元"


def _t2s_keys():
    """Traditional phrases and characters of OpenCC's dictionaries, mixed with simplified text and line breaks."""
    return ["經濟", "頭髮", "乾隆", "著作", "么麼", "傢俱", "想像", "回覆", "有序", "深沈", "瞭解", "豐", "裡",
            "\uf900", "\U0002f800", "𫐷"]


@pytest.fixture
def t2s_gate(monkeypatch):
    from newsclean.stages import normalize

    monkeypatch.setattr(normalize, "_t2s_chars", normalize.T2S_GATE_AFTER_CHARS)
    assert normalize._t2s_trigger_class() is not None, "OpenCC's dictionaries changed: run training/t2s_triggers.py"
    return normalize


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(_t2s_keys()), st.sampled_from(list("的一是了在人有我他这中大来上国\n 1a")),
                          st.text(alphabet=st.characters(min_codepoint=0x4e00, max_codepoint=0x9fff), max_size=3)),
                max_size=30))
def test_converting_only_the_lines_with_a_trigger_is_converting_all(t2s_gate, parts):
    text = "".join(parts)
    assert t2s_gate.simplified(text) == t2s_gate._t2s_converter().convert(text)


def test_every_key_of_the_t2s_dictionaries_holds_a_trigger(t2s_gate):
    """The premise of the gate: each key (dumped by the tool OpenCC ships) holds a character of the class."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "training"))
    import t2s_triggers

    share = t2s_triggers.opencc_share()
    if not (share.parent.parent / "bin" / "opencc_dict").is_file():
        pytest.skip("this OpenCC install has no opencc_dict tool to dump its dictionaries with")
    pattern = t2s_gate._t2s_trigger_class()
    for name in t2s_triggers.dictionary_files(share):
        keys = t2s_triggers.keys(share, name)
        assert keys and all(pattern.search(key) for key in keys)


def test_a_line_without_a_trigger_is_left_as_it_is_and_one_with_is_converted(t2s_gate):
    text = "今天天气很好。\n頭髮與經濟\n我们在这里工作。"
    assert t2s_gate._t2s_trigger_class().search("今天天气很好。我们在这里工作。") is None
    assert t2s_gate.simplified(text) == "今天天气很好。\n头发与经济\n我们在这里工作。"


def test_whitespace_precheck_lists_regexs_whitespace_but_the_line_break():
    import regex

    from newsclean.stages.normalize import _ANY_HSPACE

    hspace = regex.compile(r"[^\S\n]")
    assert [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
            and bool(hspace.match(chr(c))) != bool(_ANY_HSPACE.match(chr(c)))] == []


# ------------------------------------------------------------------ punctuation width

@pytest.mark.parametrize("text, expected", [
    ("3月5日,江城市召开全市就业工作会议", "3月5日，江城市召开全市就业工作会议"),
    ("他表示:要把稳就业放在首位", "他表示：要把稳就业放在首位"),
    ("一是稳岗位;二是促创业", "一是稳岗位；二是促创业"),
    ("今年的目标能完成吗?能!", "今年的目标能完成吗？能！"),
    ("江城经开区(高新区)管委会", "江城经开区（高新区）管委会"),
    ("会议提出:(1)稳岗位;(2)促创业", "会议提出：（1）稳岗位；（2）促创业"),
    ("(记者 周晓雯)本报消息", "（记者 周晓雯）本报消息"),
])
def test_half_width_marks_in_chinese_text_become_full_width(text, expected):
    assert norm(text) == expected


@pytest.mark.parametrize("text", [
    "He said: OK, fine (yes)!",
    "score 3:1, ratio 1:2",
    "Python 3.11 (final)",
])
def test_half_width_marks_in_latin_text_stay(text):
    assert norm(text) == text


# ------------------------------------------------------------------ numbers never change

NUMBER_TOKENS = ["１２.３９亿元", "2.39亿元", "35.6%", "1,000", "10:30", "1,000,000元", "3:1", "０.５%", "－3.5℃"]


@pytest.mark.parametrize("token", NUMBER_TOKENS)
@pytest.mark.parametrize("template", [
    "公司去年净利润{},同比增长",
    "据統計,{}。",
    "截至目前{}(预计)",
    "{}",
    "  \u3000{}\u200b  ",
])
def test_numbers_survive_exactly(token, template):
    assert token in norm(template.format(token))


def test_numbers_survive_in_a_paragraph():
    text = "公司净利润１２.３９亿元,同比增长35.6%;营收2.39亿元,员工1,000人,上午10:30开盘。"
    assert norm(text) == "公司净利润１２.３９亿元，同比增长35.6%；营收2.39亿元，员工1,000人，上午10:30开盘。"


_CJK = "经济增长亿元万人年月日今去總額億萬與"
_NUMBERISH = "0123456789０１２３４５６７８９.．%％"
_MARKS = ",:;?!()，。"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_CJK + _NUMBERISH + _MARKS + " \n\t\u3000\u200b", max_size=60))
def test_digits_points_and_percent_signs_are_never_rewritten(text):
    keep = set(_NUMBERISH)
    out = norm(text)
    assert [c for c in out if c in keep] == [c for c in text if c in keep]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=_CJK + "0123456789,:", max_size=40))
def test_a_comma_or_colon_between_digits_is_never_widened(text):
    import re

    pattern = re.compile(r"(?=([0-9][,:][0-9]))")
    assert pattern.findall(norm(text)) == pattern.findall(text)


# ------------------------------------------------------------------ invisible characters

@pytest.mark.parametrize("invisible", [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u2060", "\ufeff", "\u00ad", "\u202e", "\x07", "\x0b", "\x1b", "\x1f",
])
def test_zero_width_and_control_characters_are_removed(invisible):
    text = f"同比{invisible}增长35.6%{invisible}，{invisible}居全省第一。"
    assert norm(text) == "同比增长35.6%，居全省第一。"


def test_removed_invisible_characters_keep_the_map_to_the_raw_input():
    raw = "\ufeff外贸进出口总额同比下降\u200b\u200b%。"
    result = clean(raw, stages=("normalize", "numbers"))
    assert result.text == "外贸进出口总额同比下降%。"
    [gap] = result.annotations
    assert raw[gap["raw_start"]:gap["raw_end"]] == "%"


def test_html_entities_are_decoded():
    assert norm("江城&nbsp;新闻&amp;资讯&ldquo;稳就业&rdquo;&#8220;行动&#x4e2d;") == "江城 新闻&资讯“稳就业”“行动中"


# ------------------------------------------------------------------ whitespace

@pytest.mark.parametrize("text, expected", [
    ("\u3000\u3000今年以来，全市就业形势稳定。", "今年以来，全市就业形势稳定。"),
    ("今年以来，全市就业形势稳定。   ", "今年以来，全市就业形势稳定。"),
    ("第一段。\n\n\n\n第二段。", "第一段。\n第二段。"),
    ("\n\n第一段。\n \n\t\n第二段。\n\n", "第一段。\n第二段。"),
    ("记者  周晓雯\t\t通讯员\u3000\u3000林立", "记者 周晓雯 通讯员 林立"),
    ("价格为\xa0\xa015元", "价格为 15元"),
    ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
    ("iPhone 15 Pro 售价 7,999 元", "iPhone 15 Pro 售价 7,999 元"),
])
def test_whitespace_is_tidied(text, expected):
    assert norm(text) == expected


def test_normalize_counts_what_it_changed():
    result = clean("據報道,江城\u200b新聞", stages=("normalize",))
    assert result.text == "据报道，江城新闻"
    assert result.counts.get("normalize:to_simplified", 0) > 0
    assert result.counts.get("normalize:widen_punctuation", 0) == 1
    assert result.counts.get("normalize:drop_invisible", 0) == 1


# ------------------------------------------------------------------ lone surrogates (found by benchmarks/fuzz.py)

def _replaced(raw: str) -> str:
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in raw)


@pytest.mark.parametrize("raw, t2s", [
    ("\ud800", True),  # OpenCC encodes to UTF-8: UnicodeEncodeError in to_simplified
    ("\udcc2", True),
    ("\udc8c\udced\udcbf\udcbf\udc83区生态\n阳经开区高新区底", False),  # the MinHash kernel encodes to UTF-32
])
def test_lone_surrogates_become_replacement_characters_one_for_one(raw, t2s):
    # A `str` from `bytes.decode(errors="surrogateescape")` or from JSON with `\ud800` escapes: the library
    # call must not fail on it, whatever stages run, and the output must be writable as UTF-8.
    for stages in (("normalize", "chrome", "repeats", "numbers"), ("repeats",), ("chrome", "numbers")):
        result = clean(raw, t2s=t2s, mark=True, stages=stages)
        result.text.encode("utf-8")
        assert "\ufffd" in result.text
    result = clean(raw, t2s=t2s, stages=("repeats",))
    assert result.text == _replaced(raw)  # one for one: every offset stays where it was
    assert result.counts["normalize:replace_lone_surrogates"] == sum("\ud800" <= ch <= "\udfff" for ch in raw)


def test_a_gap_after_a_lone_surrogate_keeps_its_raw_offsets():
    raw = "园区\udce8\udcbf外贸进出口总额同比下降%。"
    result = clean(raw, mark=True)
    [gap] = result.annotations
    assert result.text[gap["start"]:gap["end"]] == "〔?〕%"
    assert raw[gap["raw_start"]:gap["raw_end"]] == "%"


def test_a_long_run_of_spaces_inside_a_line_is_folded_without_a_hang():
    # Found by benchmarks/fuzz.py: a seed paragraph with 136,967 ideographic spaces in the middle of a line.
    # The trailing-space pattern was tried from every space of the run, which took time quadratic in its
    # length (minutes; 10 s for 30,000 spaces). It now takes milliseconds.
    head, tail = "只争朝夕,与时间赛跑。短短一年时间,作", "为长沙“一体两翼”的东翼,浏阳经开区(高新区)聚焦“三主两特三链”产业。"
    start = time.perf_counter()
    text = norm(head + "\u3000" * 136_967 + tail, t2s=False)
    assert time.perf_counter() - start < 5  # a hang guard, not a speed target
    assert text == "只争朝夕，与时间赛跑。短短一年时间，作 为长沙“一体两翼”的东翼，浏阳经开区（高新区）聚焦“三主两特三链”产业。"


# ------------------------------------------------------------------ repaired mojibake maps back character by character

@pytest.mark.parametrize("raw, options, unit, source", [
    # Reproducers from benchmarks/fuzz.py. A repaired run of mojibake used to map back as one block: a flag on
    # 枚 pointed at the mojibake of 到枚, and when the diff split a run into an insertion and a deletion, a
    # flag on 年 pointed at nothing (raw_start == raw_end).
    ("å\x88°æ\x9e\x9a,", {"t2s": False}, "枚", "æ\x9e\x9a"),
    ("å¹´çº\x90å", {"mark": True}, "年", "å¹´"),
    ("º)å¹´ç¬¬ä¸»å", {}, "年", "å¹´"),
    ("é¢�11äº„ä¸Žå…ƒåœ�ä�Žé�ž", {"t2s": True}, "元", "å…ƒ"),  # a run partly lost to �
    ("Ââ\x80\x9eÃ¤Â¸â\x80¡Ã§Â¾Å½Ã¥â\x80¦Æ\x92", {}, "万美元", "Ã¤Â¸â\x80¡Ã§Â¾Å½Ã¥â\x80¦Æ\x92"),  # misread twice
    ("Ã¥ï¿½Å\xa0Ã¥ï¿½Â¥ÂÂ¿Ã¥â\x80¦Æ\x92Â\x80", {"t2s": True}, "元", "Ã¥â\x80¦Æ\x92"),  # and `Â\x80` -> `€`
    # a stray `Ã` before a run lost to `�` let the run be read one character too short, so 元 could not end there
    ("ÂÅ¡ÃÂ¿Ã¥â\x80¦Æ\x92ÃÃ¦ï¿½ï¿½", {"t2s": True}, "元", "Ã¥â\x80¦Æ\x92"),
])
def test_each_repaired_character_maps_back_to_its_own_mojibake(raw, options, unit, source):
    # Every candidate is flagged at threshold 0: this test is about the map, not about the model's decision.
    result = clean(raw, gap_threshold=0.0, **options)
    [gap] = [a for a in result.annotations if a["info"]["unit"] == unit]
    assert raw[gap["raw_start"]:gap["raw_end"]] == source


def test_a_removed_line_of_mojibake_keeps_all_its_raw_characters():
    # From benchmarks/fuzz.py: the repeat removed here started one raw character late, so `å` was neither in
    # the clean text nor in the removal. (The fuzz case's copy had words of its own, which since issue 12 keep
    # both lines; this copy of the first line in mojibake only lost its digits.)
    copy = "医疗设备制造商年项目已进入装修收尾和设备调试阶段。".encode("utf-8").decode("cp1252", errors="replace")
    assert copy.startswith("åŒ»")
    raw = "医疗设备制造商2022年项目已进入装修收尾和设备调试阶段。\n" + copy
    result = clean(raw, mark=True)
    [removed] = result.removed
    assert raw[removed["raw_start"]:removed["raw_end"]] == raw.split("\n")[1]


def test_a_long_line_of_mojibake_is_repaired_without_a_hang():
    # From benchmarks/fuzz.py: seeds/expected.jsonl read as Latin-1. SequenceMatcher took 6.7 s on its second
    # line (26,153 characters) and a dump of such lines hung; the repair now walks the line once.
    line = (SEEDS / "expected.jsonl").read_bytes().splitlines()[1].decode("latin-1")
    start = time.perf_counter()
    result = clean("\n".join([line] * 3), stages=("normalize",), t2s=False)
    assert time.perf_counter() - start < 5  # a hang guard, not a speed target
    assert result.text == norm("\n".join([line.encode("latin-1").decode("utf-8")] * 3), t2s=False)
