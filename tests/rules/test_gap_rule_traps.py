"""The gap patterns narrowed after measuring them on real clean news (training/rule_precision.py): whole
sentences, written for these tests in the shape of news, where no digit is missing (traps: no pattern may fire
at the marked unit) and where one is (the pattern must still fire). All patterns run, as `find_gaps` runs them,
so a trap another pattern picks up fails too."""
from __future__ import annotations

import pytest

from newsclean.rulebook import RuleSet, marked_gap
from newsclean.stages.numbers import find_gaps

RULES = RuleSet.load()

# (sentence with the unit a pattern used to fire at marked, the pattern that fired there)
TRAPS = [
    ("会议强调，要坚持固本培⟨元⟩，增强发展的内生动力。", "yuan-without-number"),
    ("这些芯片被称为人工智能里的“神经⟨元⟩”，运算很快。", "yuan-without-number"),
    ("春节期间，在四川广⟨元⟩，游客逛庙会看花灯。", "yuan-without-number"),
    ("当地全年博彩收入达到300亿澳门⟨元⟩，比上年增长。", "yuan-without-number"),
    ("欧盟委员会宣布对“⟨元⟩”公司处以罚款。", "yuan-without-number"),
    ("两只股票的收盘价分别为⟨元⟩３．１２元／股、４．５元／股。", "bare-amount-after-quantity-word"),
    ("商品价格：１００ｍｌ／２８０　⟨元⟩，买二送一。", "yuan-without-number"),
    ("经专家测产，试验田平均⟨亩⟩产达到650公斤。", "bare-amount-after-quantity-word"),
    ("展出文物从汉代至⟨元⟩明时期，共有300余件。", "bare-amount-after-quantity-word"),
    ("前三季度的出口额已超过去⟨年⟩全年的水平。", "year-after-preposition"),
    ("机场扩建后，⟨年⟩旅客吞吐量可达1200万人次。", "year-after-preposition"),
    ("花市开张，⟨年⟩宵花卖得红火。", "year-after-preposition"),
    ("这位老艺术家于昨天在上海逝世，享⟨年⟩88岁。", "year-after-word"),
    ("现⟨年⟩52岁的李先生是一名厨师。", "year-after-word"),
    ("刚开⟨年⟩，港口的集装箱码头就忙了起来。", "year-after-word"),
    ("两国商定共同办好中意文化⟨年⟩，推动人文交流。", "year-after-word"),
    ("欧元区通胀率按⟨年⟩率计算为3%。", "year-after-word"),
    ("新版《鲁迅⟨年⟩谱》近日出版。", "year-after-word"),
    ("我们欢迎更多青⟨年⟩来华学习交流。", "years-since"),
    ("全省累计接种新冠疫苗9876.5万剂⟨次⟩。", "times-closing-a-clause"),
    ("一季度检查餐饮单位2.3万家⟨次⟩，查处问题300起。", "times-closing-a-clause"),
    ("受台风影响，铁路停运旅客列车120列⟨次⟩。", "times-closing-a-clause"),
    ("如今，荒滩上建起了一座⟨座⟩新城。", "counter-after-collective"),
    ("我国近海发现⟨亿⟩吨级大油田。", "hundred-million-without-number"),
    ("他在郊外买下了一块80英⟨亩⟩的农场。", "mu-without-number"),
    ("节前，年货礼盒的销量翻⟨倍⟩增长。", "multiple-without-number"),
]

# (sentence with a dropped number's unit marked, the pattern that must still find it)
GAPS = [
    ("景区门票每张⟨元⟩，学生半价。", "yuan-without-number"),
    ("回顾过去⟨年⟩，我们取得了很大成绩。", "year-after-preposition"),
    ("省里计划到⟨年⟩年底建成全部项目。", "year-after-preposition"),
    ("这条高速公路预计⟨年⟩建成通车。", "year-after-word"),
    ("两大机构在华盛顿举行⟨年⟩春季会议。", "year-after-word"),
    ("一部纪录片展现⟨年⟩来的巨大变化。", "years-since"),
    ("今年以来，该市出口额同比增长⟨倍⟩。", "multiple-without-number"),
]


@pytest.mark.parametrize("marked, rule_id", TRAPS, ids=[t for t, _ in TRAPS])
def test_no_pattern_fires_at_a_word_that_holds_the_unit(marked, rule_id):
    text, (start, _) = marked_gap(marked)
    fired = {at: rule for at, _, rule in find_gaps(text, RULES)}
    assert start not in fired, f"{fired[start]} fires at {marked!r} (was {rule_id})"


@pytest.mark.parametrize("marked, rule_id", GAPS, ids=[t for t, _ in GAPS])
def test_the_narrowed_pattern_still_finds_a_dropped_number(marked, rule_id):
    text, (start, _) = marked_gap(marked)
    rule = next(r for r in RULES.gaps if r.id == rule_id)
    assert start in {at for at, _ in rule.gaps(text)}
