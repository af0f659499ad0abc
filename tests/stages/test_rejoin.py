"""Stage 4 (rejoin): paragraphs the page layout cut mid-sentence become one paragraph again.

A join needs evidence on both sides; headings, captions, credits, widgets and finished paragraphs stay apart.
Every removed line break is recorded and maps back to the raw text.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from newsclean import clean
from newsclean.stages import chrome as chrome_stage, rejoin as rejoin_stage
from newsclean.stages.rejoin import join_reason, wrap_width

from test_offsets import check_maps_back, check_nothing_lost

STAGES = ("normalize", "rejoin", "numbers")


def rejoin(lines: list[str], **options):
    return clean("\n".join(lines), stages=STAGES, **options)


def layout_breaks(result) -> list[str]:
    return [r["rule"] for r in result.removed if r["reason"] == "layout"]


# ------------------------------------------------------------------ joined

@pytest.mark.parametrize("above, below", [
    # a newspaper column that ends on a comma, the clause going on in the next block
    ("据了解，今年以来该县共梳理出各类改革任务一百余项，其中涉及行政审批的有三十多项，",
     "相关部门正在逐项制定落实方案，明确责任单位和完成时限，确保年底前全部完成，并向社会公开办理结果。"),
    # ... ending on a dash that introduces what follows
    ("市场监管部门对此高度重视，从春节前的一次专项检查就定下了整治的基调——",
     "对问题商户一律停业整改，对屡查屡犯者列入黑名单，并在媒体上公开曝光，形成有力震慑。"),
    # ... ending on a half-width comma, as scraped pages do
    ("一季度全市社会消费品零售总额、网上零售额、餐饮收入同比分别增长、,",
     "消费市场回暖势头明显。家电、汽车等大宗商品销售尤为活跃，节假日消费更是创下历史同期新高。"),
])
def test_a_paragraph_cut_inside_a_sentence_is_joined_to_its_rest(above, below):
    result = rejoin([above, below])
    assert "\n" not in result.text
    assert layout_breaks(result) == ["cut-mid-sentence"]


def test_a_closing_quote_pushed_onto_the_next_line_goes_back_to_its_sentence():
    above = "谈到新赛季的目标，主教练说：“我们先要保证健康，再去争取每一场胜利。"
    below = "”球队将于下周前往客场，开始为期两周的连续作战。"
    result = rejoin([above, below])
    assert result.text == above + below
    assert layout_breaks(result) == ["closing-mark-on-next-line"]


def test_the_join_comes_before_the_numbers_stage_and_flags_map_back_across_it():
    raw = ("今年前三季度，全区规模以上工业企业实现营业收入同比增长%，其中高新技术企业贡献了大部分增量，\n"
           "新增市场主体家，较去年同期明显增加，其中新设立的科技型中小企业占比超过三成，创新活力持续释放。")
    result = clean(raw, stages=STAGES)
    assert "\n" not in result.text
    units = [a["info"]["unit"] for a in result.annotations]
    assert units == ["%", "家"]
    check_maps_back(raw, result)
    check_nothing_lost(raw, result)
    [layout] = [r for r in result.removed if r["reason"] == "layout"]
    assert raw[layout["raw_start"]:layout["raw_end"]] == "\n"


# ------------------------------------------------------------------ kept apart

@pytest.mark.parametrize("above, below", [
    # a heading (short, no clause under way) above its first paragraph
    ("项目建设跑出加速度 九十二个重点项目顺利竣工", "大项目大发展，小项目小发展，没项目难发展。"),
    ("深入实施两个年活动，汇聚再铸辉煌的磅礴力量", "今年以来，全市上下聚焦主业主责，推动各项工作落地见效。"),
    # a finished paragraph, however it ends
    ("会议要求，各地要压实责任，确保各项措施落到实处。", "会议还对下一阶段的重点工作作了部署。"),
    ("他说：“这是我们共同的心愿。”", "随后，双方签署了合作协议。"),
    ("记者从市教育局获悉，今年全市将新建、改扩建中小学十二所：", "城东实验学校、滨江小学、新城第二中学等。"),
    # a credit, a widget or a listing after the last sentence is not an unfinished clause
    ("今年第一季度，全省共完成造林面积三十余万亩。记者 王小明", "省林业局表示，下一步将继续加大投入，巩固绿化成果。"),
    ("专家提醒，消费者购买时应认准正规渠道，谨防上当受骗。（张华） 我要评论", "目前，相关部门已对涉事商家立案调查。"),
    ("该款机型目前在中关村报价较上周略有下调，[商家电话] 010-8266", "另一款入门机型的价格则保持不变，销量平稳。"),
    # a photo caption on either side
    ("▲市民在城南农贸市场选购新鲜蔬菜，各类商品供应充足，价格总体", "平稳，节日市场秩序良好。"),
    ("春节前夕，市区各大商超人头攒动，年货销售迎来高峰，蔬菜、肉类和", "▲市民在城南农贸市场选购新鲜蔬菜。"),
    # a cut whose next line is a short picture caption: the rest of the sentence is not there
    ("当地重点推进产业园区一期土地平整工程等项目十个，已腾出建设用地一千余", "城北污水处理厂预计明年六月建成，年底投入运行。"),
    ("八月初，国内一家领先的新材料研发平台项目正式签约落户，将进一步", "碳纤维生产线项目施工现场。"),
    # a next line that is not running text (no sentence in it)
    ("春节前夕，市区各大商超人头攒动，年货销售迎来高峰，蔬菜、肉类和", "相关新闻"),
    # a line that only lacks its full stop: cut inside a word perhaps, but nothing on the page shows a wrap,
    # and a paragraph whose stop the source dropped, or a headline, looks just the same
    ("据了解，今年以来该县共梳理出各类改革任务一百余项，其中涉及行政审批的有三十多项，相关",
     "部门正在逐项制定落实方案，明确责任单位和完成时限，确保年底前全部完成，并向社会公开办理结果。"),
    ("目前，消防部门已将明火扑灭，控制住了泄漏带来的危害，吊车正在对事故车辆进行清障处理",
     "因为事故路段距离居民点较远，没有引起人员恐慌。"),
    ("专家：当前防控最有效的办法就是早发现、早报告、早隔离、早治疗，切断传播途径",
     "专家指出，早发现、早报告，还有隔离和治疗，是最有效、最基本的防控办法。"),
])
def test_lines_that_are_two_paragraphs_stay_two(above, below):
    result = rejoin([above, below])
    assert result.text == above + "\n" + below
    assert layout_breaks(result) == []


@pytest.mark.parametrize("above, below", [
    ("市交通局有关负责人在发布会上表示，昨晚共有四十六人因参与救援被送往医院…", "，江城晚报"),
    ("所以大家在购买监控杆的时候一定要对管壁厚度进行了解，以免出现安全隐患。...", "；安装工具：扳手、扶梯或登高车"),
])
def test_a_teaser_is_not_joined_to_the_next_item(above, below):
    assert join_reason(above, below) is None


def test_a_short_line_above_a_stray_closing_mark_is_not_taken_for_its_sentence():
    assert join_reason("我要评论。", "”深圳一家企业负责人对记者说。") is None
    assert join_reason("现场观众报以热烈的掌声，“谢谢大家的支持。", "”他说。") == "closing-mark-on-next-line"


def test_the_stage_can_be_left_out():
    lines = ["据了解，今年以来该县共梳理出各类改革任务一百余项，其中涉及行政审批的有三十多项，相关",
             "部门正在逐项制定落实方案，明确责任单位和完成时限，确保年底前全部完成，并向社会公开办理结果。"]
    result = clean("\n".join(lines), stages=("normalize", "numbers"))
    assert result.text == "\n".join(lines)


def test_explain_names_a_joined_line_break(tmp_path):
    from click.testing import CliRunner

    from newsclean.cli import main

    page = tmp_path / "page.txt"
    page.write_text("据了解，今年以来该县共梳理出各类改革任务一百余项，其中涉及行政审批的有三十多项，\n"
                    "相关部门正在逐项制定落实方案，明确责任单位和完成时限，确保年底前全部完成，并向社会公开办理结果。\n",
                    encoding="utf-8")
    result = CliRunner().invoke(main, ["explain", str(page)])
    assert result.exit_code == 0, result.output
    assert "[1] removed layout by cut-mid-sentence: a line break (the paragraphs around it are joined)" in result.output


# ------------------------------------------------------------------ hard-wrapped text

WRAPPED = [  # one paragraph wrapped at 20 characters, then a second one
    "一九八九年春天，我在湖南参加一个全省教学",
    "研究会议。按照惯例，会议安排了一天时间让",
    "与会者去风景点游玩观赏，那一天正好是四月",
    "十五日。",
    "张家界的春天美得让人目眩，长期过着从家门",
    "到校门的生活，一下子置身于翠绿的森林中。",
]


def test_hard_wrapped_lines_are_joined_into_their_paragraphs():
    result = rejoin(WRAPPED)
    assert result.text.split("\n") == ["".join(WRAPPED[:4]), "".join(WRAPPED[4:])]
    assert layout_breaks(result) == ["hard-wrapped"] * 4


def test_a_page_of_headlines_without_full_stops_shows_no_wrap():
    headlines = ["楼市什么时候会下跌？专家：拐点在明年前后，购房者不必恐慌",
                 "正式版今日推送！免费升级方法、最低系统要求公布",
                 "南方罕见高温北方剧烈降温：北方进入深秋模式、江南气温三十五度以上",
                 "假期全部结束：距离元旦仅剩八十六天、还有一百一十七天过春节",
                 "本周天气：冷空气来袭，北方多地迎来降温，南方仍有降雨。"]
    assert wrap_width(headlines) is None
    result = rejoin(headlines)
    assert result.text == "\n".join(headlines)


def test_short_items_above_their_long_paragraphs_show_no_wrap():
    # a news roundup: each item's headline (one width, no full stop) above the item's paragraph
    items = []
    for headline in ["江城地铁三号线今天开通运营", "江城港集装箱吞吐量创新高", "江城国际马拉松明天开跑",
                     "江城图书馆新馆正式对外开放"]:
        items += [headline, "记者从有关部门获悉，" + headline + "，这是今年以来全市重点工程中的又一项，"
                  "市民可通过官方渠道了解详细信息，相关部门将做好服务保障工作。"]
    assert wrap_width(items) is None
    assert layout_breaks(rejoin(items)) == []


def test_link_titles_the_site_cut_at_one_width_are_no_wrap():
    titles = ["江城最大洪峰过境多处广场被淹 城西围墙坍塌", "近四万辆家用轿车因安全气囊存隐患被召回",
              "中秋夜游城市江城排第四 大雨挡不住四百万", "黑校车超载接送学生 外地牌照司机被罚两千",
              "城西新盘少得可怜 翘首以盼的几个楼盘仍未", "热门文章"]
    lines = [t for title in titles for t in (title, title)]  # each title twice, as link lists print them
    assert wrap_width(lines) is None
    assert layout_breaks(rejoin(lines)) == []


# ------------------------------------------------------------------ line endings searched in the tail

ENDINGS = [rejoin_stage._ENDS_SENTENCE, rejoin_stage._ENDS_MID_CLAUSE, rejoin_stage._TEASER_END,
           chrome_stage._CLAUSE_END, chrome_stage._INTRODUCES]


def _same_match(ending, text):
    tail, whole = ending.search(text), ending.pattern.search(text)
    return (tail and tail.span()) == (whole and whole.span())


@pytest.mark.parametrize("text", [
    "据了解，今年以来该县共梳理出各类改革任务一百余项，", "会议强调——", "会议强调—", "……有46人因参…",
    "进行了解。...", "主要内容如下：", "十大新闻分别是:\n", "他说，“我们会继续努力。”", "", "，", "a.",
])
def test_an_ending_searched_in_the_tail_finds_what_the_whole_line_search_finds(text):
    assert all(_same_match(ending, text) for ending in ENDINGS)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("，。；、：:！？!?…—.,”）》]\n 园区项目aZ3")), max_size=12))
def test_every_ending_matches_in_the_tail_as_in_the_whole_line(text):
    assert all(_same_match(ending, text) for ending in ENDINGS)
