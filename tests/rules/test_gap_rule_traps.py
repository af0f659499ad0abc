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
    # round six (issue 10): the patterns still misfiring on train clean text
    ("检查发现，一些单位安全责任落实不到⟨位⟩，隐患整改迟缓。", "count-after-quantity-word"),
    ("演习中，多艘舰艇抵近⟨台⟩岛周边海域巡航。", "count-after-quantity-word"),
    ("街道将减少⟨名⟩目繁多的工作群，为基层减负。", "count-after-quantity-word"),
    ("国产汽车的出口量去年大约⟨只⟩占全球的一成。", "count-after-quantity-word"),
    ("今年春运客流明显回升，⟨年⟩度旅客发送量有望创新高。", "year-of-award"),
    ("全省重点项目进展顺利，⟨年⟩度计划投资完成九成。", "year-of-award"),
    ("目前，全市⟨万⟩元地区生产总值能耗持续下降。", "amount-without-number"),
    ("三省携手打造⟨万⟩亿元级产业集群。", "amount-without-number"),
    ("前三季度，计划总投资⟨亿⟩元及以上项目投资增长8%。", "amount-without-number"),
    ("一艘国产⟨万⟩吨大驱日前完成远海训练。", "ten-thousand-without-number"),
    ("开⟨年⟩以来，各地重大项目陆续开工。", "year-after-word"),
    ("新开⟨年⟩，村里的合作社又忙起来了。", "year-after-word"),
    ("两国互办的文化旅游⟨年⟩框架下将举办多场展演。", "year-after-word"),
    ("青年们表示，要不负韶光、不负华⟨年⟩。", "year-after-word"),
    ("在外打工的小李终于回家过团圆⟨年⟩。", "year-after-word"),
    ("研发人员全时当量达到85万人⟨年⟩。", "year-after-word"),
    ("扩建后，港口⟨年⟩通过能力达到800万吨。", "year-after-word"),
    ("三峡枢纽⟨年⟩通过货运量再创新高。", "year-after-word"),
    ("这家健身馆靠会员⟨年⟩卡收入维持运营。", "year-after-word"),
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
    ("截至目前，全区高新技术企业总数达⟨家⟩，", "count-after-quantity-word"),
    ("。⟨年⟩度十大科技新闻评选揭晓", "year-of-award"),
    ("项目总投资⟨亿元⟩，建设周期三年。", "amount-without-number"),
    ("这家公司去年亏了⟨万⟩，今年扭亏为盈。", "ten-thousand-without-number"),
    ("区里召开⟨年⟩工作会议，部署全年任务。", "year-after-word"),
    ("该项目计划⟨年⟩年底前全部完工。", "year-after-word"),
    ("博鳌亚洲论坛⟨年⟩年会今天开幕。", "year-after-word"),
    ("展会吸引了近⟨家⟩国内外企业参展。", "count-after-quantity-word"),
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
