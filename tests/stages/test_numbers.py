"""Stage 4 (numbers): `missing_number` annotations where a scraper dropped the digits of a number.

Each gap is an annotation whose `start` is the gap, whose span covers the unit left behind and whose `rule`
is `model+<id>` when a pattern of rules/numbers.toml fired there and the learned model agreed (`model` when the
model flagged it alone). Recall tables list sentences with a gap and the (unit, pattern) expected, so they check
the patterns as well as the model's decision; precision tables list natural sentences with no gap at all,
which must not be flagged. tests/test_gapmodel.py has the model's own tests.
"""
from __future__ import annotations

import pytest

from newsclean import clean

MARKER = "〔?〕"


def gaps(sentence: str, **options):
    result = clean(sentence, stages=("normalize", "numbers"), **options)
    return result, [(a["start"], result.text[a["start"]:a["end"]], a["rule"].removeprefix("model+"))
                    for a in result.annotations]


def xfail(reason):
    return pytest.mark.xfail(strict=True, reason=reason)


# Where the learned model, trained on real news, overrules a pattern that real news showed to be imprecise
# (amount-without-number, yuan-without-number, count-after-quantity-word, counter-after-collective,
# times-closing-a-clause, bare-amount-after-quantity-word, year-after-word are not trusted beyond the fit):
# these gaps score below the default threshold. Strict, so a model that finds them again says so.
OVERRULED = xfail("the model scores this gap below the default threshold")
CASCADE_MISSES = xfail("round two's model (cascade, page text in training, trust bonus 12) scores this gap below "
                       "its default threshold 0.93; round one's flagged it")


# ------------------------------------------------------------------ recall
# (sentence, the text right before the gap, unit, rule)

RECALL = [
    # years
    ("年4月底，城南污水处理厂二期工程正式投入运行。", "", "年", "year-before-month"),
    ("年12月，该公司在深交所创业板挂牌上市。", "", "年", "year-before-month"),
    ("据介绍，年6月以来，全区累计发放消费券2000万元。", "据介绍，", "年", "year-before-month"),
    ("据统计：年园区新增规模以上企业46家。", "据统计：", "年", "year-after-preposition"),
    ("江城经开区（高新区）年第一季度实现地区生产总值312亿元。", "江城经开区（高新区）", "年", "year-after-preposition"),
    ("该项目于年开工建设，预计明年竣工。", "该项目于", "年", "year-after-preposition"),
    ("截至年，全省高速公路通车里程将突破8000公里。", "截至", "年", "year-after-preposition"),
    ("年，全市地区生产总值迈上新台阶。", "", "年", "year-after-preposition"),
    ("庆祝建党周年文艺汇演在市文化中心举行。", "庆祝建党", "周年", "anniversary-without-number"),
    ("纪念中国人民抗日战争胜利周年大会隆重举行。", "纪念中国人民抗日战争胜利", "周年", "anniversary-without-number"),
    # percent and decimals
    ("全市社会消费品零售总额同比增长%，增速居全省第二。", "全市社会消费品零售总额同比增长", "%", "percent-without-number"),
    ("外贸进出口总额同比下降%，降幅比上月收窄1.2个百分点。", "外贸进出口总额同比下降", "%", "percent-without-number"),
    ("公司去年实现营业收入达到.39亿元，同比增长12.6%。", "公司去年实现营业收入达到", ".39", "decimal-without-integer"),
    ("全年完成固定资产投资约.6亿元。", "全年完成固定资产投资约", ".6", "decimal-without-integer"),
    ("公司股价盘中上涨.85%，报收于每股12.3元。", "公司股价盘中上涨", ".85", "decimal-without-integer"),
    # money
    ("该项目总投资亿元，建成后年产值可达50亿元。", "该项目总投资", "亿元", "amount-without-number"),
    ("一季度全市实际使用外资万美元，同比增长7.1%。", "一季度全市实际使用外资", "万美元", "amount-without-number"),
    ("去年全市共引进外资亿美元，同比增长9%。", "去年全市共引进外资", "亿美元", "amount-without-number"),
    pytest.param("项目建成后，每年可为村集体增收万元。", "项目建成后，每年可为村集体增收", "万元", "amount-without-number",
                 marks=CASCADE_MISSES),
    pytest.param("累计为企业减税降费亿元。", "累计为企业减税降费", "亿元", "amount-without-number", marks=OVERRULED),
    pytest.param("这款新机型在国内的售价为元，将于下月上市。", "这款新机型在国内的售价为", "元", "yuan-without-number", marks=OVERRULED),
    pytest.param("这批新款电动车的售价为元，比上一代便宜了不少。", "这批新款电动车的售价为", "元", "yuan-without-number", marks=OVERRULED),
    ("全市常住人口万人，城镇化率达到70%。", "全市常住人口", "万", "ten-thousand-without-number"),
    ("2023年，全市新增就业岗位万个。", "2023年，全市新增就业岗位", "万", "ten-thousand-without-number"),
    ("项目占地面积平方米，建筑面积3.2万平方米。", "项目占地面积", "平方米", "area-without-number"),
    # counts
    ("截至目前，全区规模以上工业企业总数达家。", "截至目前，全区规模以上工业企业总数达", "家", "count-after-quantity-word"),
    pytest.param("去年全市发明专利申请件、授权件，均创历史新高。", "去年全市发明专利申请", "件", "count-after-quantity-word", marks=OVERRULED),
    pytest.param("今年以来，全市共受理商标注册申请件。", "今年以来，全市共受理商标注册申请", "件", "count-after-quantity-word", marks=OVERRULED),
    ("当天，全市共有名考生参加考试。", "当天，全市共有", "名", "count-after-quantity-word"),
    ("共有12个项目入选省个重大科技专项。", "共有12个项目入选省", "个", "count-at-admin-level"),
    ("该市有5个项目入选国家级个示范工程。", "该市有5个项目入选国家级", "个", "count-at-admin-level"),
    ("全年新开工项目58个；个产业项目实现竣工投产。", "全年新开工项目58个；", "个", "count-after-punctuation"),
    ("。家企业获评省级专精特新“小巨人”。", "。", "家", "count-after-punctuation"),
    ("园区已集聚电子信息企业。余家企业形成完整产业链。", "园区已集聚电子信息企业。", "余", "about-more-than"),
    ("目前，孵化器内共有余家初创企业入驻。", "目前，孵化器内共有", "余", "about-more-than"),
    ("经过优化，需要加盖的公章从23枚精简到枚。", "经过优化，需要加盖的公章从23枚精简到", "枚", "counter-after-collective"),
    pytest.param("远处，一簇栋白墙灰瓦的民居依山而建。", "远处，一簇", "栋", "counter-after-collective", marks=OVERRULED),
    ("张伟全场得到10分个篮板，帮助球队逆转取胜。", "张伟全场得到10分", "个", "sports-stat-without-number"),
    ("园区累计引进项目个，总投资超过500亿元。", "园区累计引进项目", "个", "count-before-punctuation"),
    ("一季度全市GDP增速比全国高出个百分点。", "一季度全市GDP增速比全国高出", "个", "numeral-only-measures"),
    # recall added after the first round of these tests (rule None: any rule may find it)
    ("该市外贸出口额同比增长倍。", "该市外贸出口额同比增长", "倍", None),
    ("这座古桥距今已有年历史。", "这座古桥距今已有", "年", None),
    ("公司现有名员工，其中研发人员占三成。", "公司现有", "名", None),
    ("目前全市已有所中小学开设了人工智能课程。", "目前全市已有", "所", None),
    ("全市新增市场主体家，其中企业2.1万户。", "全市新增市场主体", "家", None),
    ("全省共有高新技术企业家，较上年增加1200家。", "全省共有高新技术企业", "家", None),
    ("全年粮食总产量达吨，再创历史新高。", "全年粮食总产量达", "吨", None),
    ("大桥全长米，主跨采用斜拉结构。", "大桥全长", "米", None),
    ("今年全市新建改建农村公路公里。", "今年全市新建改建农村公路", "公里", None),
    ("新大桥主跨米，为双塔斜拉桥。", "新大桥主跨", "米", None),
    ("全县改造城镇供水管网公里。", "全县改造城镇供水管网", "公里", None),
    ("施工队仅用天就完成了路面修复。", "施工队仅用", "天", None),
    # kinds of gaps that text the rules were not tuned on showed up (benchmarks/numbers_probe.py)
    ("这支球队在联赛中排名第名，创造了队史最好成绩。", "这支球队在联赛中排名第", "名", "ordinal-without-number"),
    ("这是她职业生涯第次登上领奖台。", "这是她职业生涯第", "次", "ordinal-without-number"),
    ("这次公益活动吸引了名中学生参加。", "这次公益活动吸引了", "名", "head-count-before-people"),
    ("今年该校计划在省外招收研究生名，比去年略有增加。", "今年该校计划在省外招收研究生", "名", "head-count-closing-a-clause"),
    ("该公司今年计划在校园招聘名，以技术岗位为主。", "该公司今年计划在校园招聘", "名", "head-count-after-recruiting"),
    ("全县现有农村小学所，教学点32个。", "全县现有农村小学", "所", "schools-closing-a-clause"),
    ("全市共有所公办幼儿园，在园幼儿4万人。", "全市共有", "所", "schools-after-count-word"),
    ("目前全省已有家本土企业在海外设立研发中心。", "目前全省已有", "家", "firms-after-have"),
    ("这条新修的公路全长多公里，沿途设有3个服务区。", "这条新修的公路全长", "多", "more-than-before-measure"),
    ("该小区的房价从多元涨到了现在的两万元。", "该小区的房价从", "多", "more-than-before-measure"),
    ("本届博览会吸引了逾多家企业参展。", "本届博览会吸引了逾", "多", "more-than-after-quantity-word"),
    ("警方在行动中查获各类假冒商品多件，涉案金额巨大。", "警方在行动中查获各类假冒商品", "多", "more-than-closing-a-clause"),
    ("这款应用上线一个月，下载量就超过了万次。", "这款应用上线一个月，下载量就超过了", "万", "big-number-before-measure"),
    ("该平台每天产生的交易记录超过亿条。", "该平台每天产生的交易记录超过", "亿", "big-number-before-measure"),
    ("全县仍有万农村人口居住在危房里。", "全县仍有", "万", "ten-thousand-people"),
    ("网店数量从万增加到12万，翻了一番。", "网店数量从", "万", "range-start-without-number"),
    ("新建的体育馆可容纳人，将于明年投入使用。", "新建的体育馆可容纳", "人", "people-capacity"),
    pytest.param("他本赛季为球队出战次，贡献了9个进球。", "他本赛季为球队出战", "次", "times-closing-a-clause", marks=OVERRULED),
    ("这次展会的参展商来自个国家和地区。", "这次展会的参展商来自", "个", "count-of-places"),
    pytest.param("该校在全球大学排行榜上首次跻身前名。", "该校在全球大学排行榜上首次跻身前", "名", "rank-without-number",
                 marks=CASCADE_MISSES),
    ("这次培训班共有人报名参加。", "这次培训班共有", "人", "head-count-before-verb"),
    pytest.param("学校为此每月发放元生活补贴。", "学校为此每月发放", "元", "bare-amount-after-quantity-word", marks=OVERRULED),
    # kinds that a second probe (benchmarks/numbers_probe_b.txt, dev half) showed up
    ("今年该连锁品牌在华南新开药店家，员工增至800人。", "今年该连锁品牌在华南新开药店", "家", "outlets-closing-a-clause"),
    ("截至上月末，辖区共有持牌消费金融公司家。", "截至上月末，辖区共有持牌消费金融公司", "家", None),
    ("其中城商行支行家，农商行网点家。", "其中城商行支行", "家", "outlets-closing-a-clause"),
    ("去年全区新设外资企业家，同比增长三成。", "去年全区新设外资企业", "家", "firm-count-closing-a-clause"),
    ("本次股东大会应到董事9名，实到名，会议合法有效。", "本次股东大会应到董事9名，实到", "名", "head-count-at-a-meeting"),
    ("区人大常委会组成人员列席名。", "区人大常委会组成人员列席", "名", "head-count-at-a-meeting"),
    ("目前全省已有个地市开通了跨省通办服务。", "目前全省已有", "个", "count-after-have-already"),
    ("老两口经营这家面馆已有年，从未涨过价。", "老两口经营这家面馆已有", "年", "years-closing-a-clause"),
    ("这项手艺在他家传承已经有年。", "这项手艺在他家传承已经有", "年", "years-closing-a-clause"),
    ("该队曾次打进决赛。", "该队曾", "次", "times-before-feat"),
    ("他先后三次参赛，次登上领奖台。", "他先后三次参赛，", "次", "times-before-feat"),
    ("今年该市中考报名人数比上年增加人。", "今年该市中考报名人数比上年增加", "人", "count-after-change-verb"),
    ("景区接待量较去年同期净增人，增幅居全省首位。", "景区接待量较去年同期净增", "人", "count-after-change-verb"),
    ("这家快递公司在全国家网点实现了当日达。", "这家快递公司在全国", "家", "firms-across-a-region"),
    ("今年以来已有余家银行下调了存款利率。", "今年以来已有", "余", "about-more-than"),
    ("警方破获此类案件余起。", "警方破获此类案件", "余", "about-more-than"),
    ("获救的村民中，儿童有多名。", "获救的村民中，儿童有", "多", "more-than-closing-a-clause"),
    ("慈善机构为名留守儿童送去了冬衣。", "慈善机构为", "名", "head-count-before-people"),
    ("基金会今年将资助名贫困大学生完成学业。", "基金会今年将资助", "名", "head-count-before-people"),
    ("这款茶叶的价格从每斤多元到上千元不等。", "这款茶叶的价格从每斤", "多", "more-than-before-measure"),
    # years in more contexts
    ("《王者荣耀》年正式上线，很快成为现象级手游。", "《王者荣耀》", "年", "year-after-preposition"),
    ("年“618”期间，这家电商平台的家电销售额同比增长两成。", "", "年", "year-after-preposition"),
    pytest.param("该市年《政府工作报告》提出，全年新增城镇就业12万人。", "该市", "年", "year-after-word", marks=OVERRULED),
    ("比年同期少了三成，景区门票收入明显下滑。", "比", "年", "year-after-preposition"),
    ("受年金融危机冲击，这家外贸工厂一度停产。", "受", "年", "year-before-word-read-as-year-word"),
    ("。年中秋节前后，月饼礼盒的价格普遍下调。", "。", "年", "year-before-word-read-as-year-word"),
    ("该省提出，力争年前实现碳达峰。", "该省提出，力争", "年", "year-before-carbon-target"),
    ("钢铁行业有望年前碳达峰。", "钢铁行业有望", "年", "year-before-carbon-target"),
    ("2019年上半年和年底，该行两次下调贷款利率。", "2019年上半年和", "年", "year-paired-with-a-dated-period"),
    ("2015年第三季度与年末相比，库存下降了一成。", "2015年第三季度与", "年", "year-paired-with-a-dated-period"),
    ("宝钢股份年度实现营业收入3000亿元。", "宝钢股份", "年", "fiscal-year-result"),
    ("这家乳企年度共完成销售收入48亿元。", "这家乳企", "年", "fiscal-year-result"),
    ("乐队的主唱年出生于成都。", "乐队的主唱", "年", "year-after-described-subject"),
]


@pytest.mark.parametrize("sentence, before, unit, rule", RECALL)
def test_gap_is_flagged_at_the_gap_with_its_unit_and_rule(sentence, before, unit, rule):
    result, found = gaps(sentence)
    assert (len(before), unit) in [(start, u) for start, u, _ in found]
    if rule is not None:
        assert (len(before), unit, rule) in found
    assert result.text.startswith(before)
    [ann] = [a for a in result.annotations if a["start"] == len(before)]
    assert ann["type"] == "missing_number"
    assert ann["end"] == ann["start"] + len(unit)
    assert sentence[ann["raw_start"]:ann["raw_end"]] == unit
    assert ann["info"]["unit"] == unit


def test_several_gaps_in_one_sentence_are_flagged_in_order():
    _, found = gaps("全年实现旅游收入亿元，同比增长了%，接待游客万人次。")
    assert found == [(8, "亿元", "amount-without-number"), (16, "%", "percent-without-number"),
                     (22, "万", "ten-thousand-without-number")]


def test_box_score_with_two_dropped_numbers():
    _, found = gaps("他在比赛中拿下25分个篮板次助攻。")
    assert [(u, r) for _, u, r in found] == [("个", "sports-stat-without-number"), ("次", "sports-stat-without-number")]


def test_gap_in_traditional_text_is_found_after_simplification():
    # 總投資億元 alone scores below the threshold; the sure percentage gap of the same text lowers its bar.
    raw = "該項目總投資億元，同比增長%。"
    result, found = gaps(raw)
    assert [(u, r) for _, u, r in found] == [("亿元", "amount-without-number"), ("%", "percent-without-number")]
    assert [raw[a["raw_start"]:a["raw_end"]] for a in result.annotations] == ["億元", "%"]


# ------------------------------------------------------------------ precision

PRECISION = [
    # the words the issue names
    "今年以来，全市经济运行稳中向好。",
    "去年，该区新增城镇就业岗位两万多个。",
    "这是实施“十四五”规划的关键之年。",
    "项目预计年底建成，明年年初投入使用。",
    "该企业年产值超过30亿元，是全省纳税大户。",
    "论坛吸引了众多企业家和专家学者参加。",
    "这是国家重大战略部署，意义深远。",
    "每个社区都配备了专职网格员。",
    "这个项目的落地凝聚了各方心血。",
    "公司主要生产汽车电子元器件和传感器件。",
    "今年是该校建校30周年。",
    "工作组共排查整改隐患1600余个。",
    "越来越多的年轻人选择返乡创业。",
    "不少高管的年薪出现了下调。",
    "受美元走软影响，国际金价继续上涨。",
    "元旦假期，全市共接待游客120万人次。",
    "清洁能源正在走进千家万户。",
    "他凭借这部作品扬名立万。",
    "这么大的工程，动辄几个亿的投入。",
    "你知道完成这项工程需要多少个月吗？",
    "这个月的雨水明显偏多。",
    # numbers written in full, in every form
    "公司净利润１２.３９亿元，同比增长３５.６％。",
    "营收2.39亿元，增长35.6%，员工1,000人，上午10:30开盘。",
    "全市共有规模以上工业企业1200余家，其中高新技术企业600多家。",
    "一季度全市GDP增长5.2%，比全国高0.9个百分点。",
    "2024年3月，全市新增市场主体1.2万户。",
    "项目总投资约三十亿元，分两期建设。",
    "这座古桥已有八百多年的历史。",
    "他在比赛中拿下25分、12个篮板和8次助攻。",
    # everyday words that contain a unit character
    "许多家庭选择在家门口的社区食堂用餐。",
    "个人所得税专项附加扣除标准提高了。",
    "这件事在当地引起了广泛关注。",
    "新年伊始，全市各地年味渐浓。",
    "青年人才驿站为来江城求职的大学生提供免费住宿。",
    "近年来，全市持续推进老旧小区改造。",
    "他年近七旬，仍坚持每天锻炼身体。",
    "新春佳节，他给邻居们拜年送祝福。",
    "这位老人的晚年生活过得充实而快乐。",
    "多元化的文化消费需求日益增长。",
    "单元楼道里堆放的杂物已被全部清理。",
    "公元前的青铜器在博物馆展出。",
    "人民币对美元汇率中间价小幅上调。",
    "一年一度的龙舟赛吸引了众多市民观看。",
    "有关部门将逐个排查、逐项整改。",
    "各个部门要各司其职、密切配合。",
    # natural phrases an earlier round of the rules flagged
    "农历乙巳年正月初一，市民纷纷走上街头赏花灯。",
    "今年又是一个丰收年，全县粮食总产量再创新高。",
    "各级各部门要确保困难群众温暖过冬、欢欢喜喜过个好年。",
    "今年是乡村振兴的攻坚年，也是全面推进的关键年。",
    "市商务局将加强价格监测，确保群众过一个祥和年。",
    "商场周年庆期间，部分家电商品打五折销售。",
    "每逢结婚周年纪念日，老两口都会去照相馆拍一张合影。",
    "全市将于下月举办万人健步走活动。",
    "港区新建万吨级泊位两个，年吞吐能力大幅提升。",
    "越来越多的年轻人喜欢二次元的动漫文化。",
    "老党员刘志元的家里挂满了奖状。",
    "节后首个交易日，沪深两市三大指数集体高开。",
    "新车上市首个月，订单量就超过了预期。",
    "今年水稻亩产达到650公斤，比去年提高了20公斤。",
    "去年园区亩均税收超过40万元，居全省前列。",
    "宁德时代和亿纬锂能的股价双双上涨。",
    "学校从外地聘请名师为学生授课。",
    "产业园去年吸引名企入驻，带动就业超过千人。",
    "我市将着力培育名企名品，打造名城名镇。",
    "投资环境持续优化，去年新签约台企12家。",
    "群众反映的问题做到事事有回应，件件有着落。",
    "连队的战士，个个都是训练场上的尖子。",
    "从2024年到年底，全市计划新建充电桩3000个。",
    "表1 主要经济指标（单位：亿元）",
    "高速公路公里数已居全国前列。",
    "主跨米字形钢架结构的设计获得了专利。",
    "城市道路米黄色的路灯十分醒目。",
    "注：表中增速单位为%。",
    # words next to the units of the rules added for unseen text: 名, 多, 所, 家, 次, 万, 第, 前
    "他在全国中学生数学竞赛中获得第一名，这名学生目前就读于市一中。",
    "该名男子随后被带回派出所接受调查，每名考生须提前半小时入场。",
    "这位知名演员和几名著名导演一同出席了发布会，报名学生人数创新高。",
    "事故发生后，有多名乘客受伤，多家医院参与了救治。",
    "很多人认为，一个或多个指标出现异常就需要警惕。",
    "前名誉主席出席了开幕式，该队目前名列积分榜首位。",
    "这批瓷器的年代从元代到明代不等。",
    "已有人表示愿意出资修缮这座老宅，共有人的同意书也已备齐。",
    "最近多家银行上调了房贷利率，附近多个小区的房价也随之上涨。",
    "记者接近多位知情人士获悉，并购谈判已经进入尾声。",
    "他们在雨中等了半个多小时，又过了一个多月才收到回复。",
    "万部长在会上强调，要切实做好民生保障工作。",
    "该货币基金每万份收益为0.85元，七日年化收益率为3.1%。",
    "他平易近人，在同事中很有威信。",
    "比赛的场次安排已经公布，各队的名次也随之确定。",
    "各项工作要分清主次，按照轮次依次推进。",
    "春天来了，各种鲜花次第开放，书香门第人家的院子里格外热闹。",
    "双方就房屋所有权问题达成一致，已有所改善的学校将继续获得资助。",
    "请考生核对考生名单，学生名册已经在教务处备案。",
    "这位老人已经九十多岁了，身体依然硬朗。",
    "从一家小作坊发展到如今的上市公司，他用了三十多年。",
    "他们在多个国家和地区设立了分支机构，业务覆盖多个行业。",
    "本场比赛他首发出场，这是他本赛季第二次首发。",
    "该店出售的商品多元化，价格从几元到上千元不等。",
    "文化多元，社会多样，城市才有活力。",
    "他们从万里之外赶来，只为看一眼这座古城。",
    "根据计划，万科将在此建设一个大型社区。",
    "这种病多发于中老年人，多数患者早期没有明显症状。",
    "新大桥每天可分流过江车辆约3.5万辆次，往返航班也增至每周120架次。",
    # traps next to the kinds the second probe showed up
    "这位著名银行家，一生经历了三次金融危机。",
    "他是一位成功的企业家，也是一名慈善家。",
    "园区入驻企业家纷纷表示看好当地营商环境。",
    "今年以来，全区新开餐厅和书店家数明显增加。",
    "这位银行家在公司家属院住了三十年。",
    "出席名单已于会前公布，列席名额另行通知。",
    "已有个别商户开始涨价，现有个人账户余额可以随时查询。",
    "这家老店已有年头了，已有年轻人慕名而来。",
    "他在外打拼多年，如今已有年薪百万的收入。",
    "次日，他再次获得了机会。",
    "比赛依次进入决赛阶段，他屡次打破全国纪录。",
    "次年，他入选国家队，此后多次获得全国冠军。",
    "企业计划增加人手，扩大生产，新增人员已全部到岗。",
    "减少人为干扰，增加人气，是景区今年的两大目标。",
    "全国家庭平均收入有所提高，全国家具行业和全国家电下乡也在推进。",
    "他应对这类场面已是游刃有余，时间也绰绰有余。",
    "空余场地将用于停车，课余时间他喜欢打球，他还有余力帮助别人。",
    "一名或多名，视情况而定；到场的人很多。",
    "该校以名师培养青年教师著称，这所名牌大学毕业生就业率很高。",
    "他是当地一名优秀教师，也是著名青年作家。",
    "万人同唱一首歌的场面令人动容。",
    "从一元到多元，企业经营日益多元。",
    "今年是万一不能出错的一年，千万不能大意，亿万群众都在看着。",
    # year-words next to the new year rules
    "受去年金融危机余波影响，今年出口订单依然偏少。",
    "今年中秋节恰逢周末，不少市民选择短途游。",
    "企业年金融入养老保障体系，已覆盖三千多万职工。",
    "年前实现回款，是不少小企业主眼下最大的心愿。",
    "工地负责人说，力争年前完工，让工人们安心回家过年。",
    "今年上半年和年底，公司将分两次发放奖金。",
    "年初和年底，这家商场都会举办大型促销活动。",
    "本年度实现的利润将全部用于扩大再生产。",
    "公司全年度完成产量两百万吨，上年度完成一百八十万吨。",
    "企业年度完成情况将纳入考核，确保企业年度实现盈利目标。",
    "这个村是全县脱贫攻坚的决胜年里最早摘帽的村子之一。",
    "她的童年是在外婆家度过的，成年后才回到城里。",
    "北京冬奥会闭幕两周年之际，冰雪运动持续升温。",
    "这位青年作家的新作讲述了几个少年在八十年代的成长故事。",
    "嘉年华活动为期三天，跨年夜当晚还有烟花表演。",
    "春节前，他给老师拜年，顺便带去了自家做的年货。",
]


@pytest.mark.parametrize("sentence", PRECISION)
def test_natural_sentence_is_not_flagged(sentence):
    _, found = gaps(sentence)
    assert found == []


# ------------------------------------------------------------------ mark

def test_mark_puts_a_marker_before_each_gap_and_the_annotation_covers_it():
    sentence = "年3月，全区同比增长%，总投资亿元。"
    result = clean(sentence, stages=("normalize", "numbers"), mark=True)
    assert result.text == "〔?〕年3月，全区同比增长〔?〕%，总投资〔?〕亿元。"
    spans = [result.text[a["start"]:a["end"]] for a in result.annotations]
    assert spans == ["〔?〕年", "〔?〕%", "〔?〕亿元"]
    # The raw side still points at the unit the scraper left behind.
    assert [sentence[a["raw_start"]:a["raw_end"]] for a in result.annotations] == ["年", "%", "亿元"]


def test_mark_off_by_default_leaves_the_text_alone():
    sentence = "年3月，全区同比增长%，总投资亿元。"
    result = clean(sentence, stages=("normalize", "numbers"))
    assert result.text == sentence
    assert [(a["start"], a["end"]) for a in result.annotations] == [(0, 1), (10, 11), (15, 17)]


def test_mark_without_gaps_changes_nothing():
    sentence = "一季度全市GDP增长5.2%，总投资30亿元。"
    assert clean(sentence, stages=("normalize", "numbers"), mark=True).text == sentence


def test_mark_after_chrome_and_normalisation_keeps_the_raw_map():
    raw = "首页 > 经济 > 正文\n據統計,全區總投資億元,同比增長%。\n责任编辑：孙雅琪"
    result = clean(raw, mark=True)
    assert result.text == "据统计，全区总投资〔?〕亿元，同比增长〔?〕%。"
    assert [result.text[a["start"]:a["end"]] for a in result.annotations] == ["〔?〕亿元", "〔?〕%"]
    assert [raw[a["raw_start"]:a["raw_end"]] for a in result.annotations] == ["億元", "%"]


def test_annotation_context_shows_the_gap():
    result, _ = gaps("据市商务局最新发布的统计数据显示，一季度全市实际使用外资万美元，同比增长了百分之七点一，增速居全省第一。")
    [ann] = result.annotations
    # Twelve characters either side of the gap and its unit.
    assert ann["info"]["context"] == "，一季度全市实际使用外资" + MARKER + "万美元，同比增长了百分之七点一"


def test_annotation_context_at_the_start_of_a_text():
    result, _ = gaps("一季度全市实际使用外资万美元，同比增长7.1%。")
    [ann] = result.annotations
    assert ann["info"]["context"] == "一季度全市实际使用外资" + MARKER + "万美元，同比增长7.1%。"
