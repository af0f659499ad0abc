"""Full-page text (a WET record, the visible text of a page from another scraper): the chrome stage finds the
body by structure, the densest block of prose, and drops the menus, link lists, headline lists, comment
threads and footers around it without losing a body line.

Every page here is written for the test (江城网 and its invented story), in the shape real pages have.
"""
from __future__ import annotations

from newsclean import clean

MENU = ["江城网", "首页", "新闻", "本地", "国内", "国际", "财经", "体育", "娱乐", "汽车", "房产", "教育",
        "健康", "旅游", "文化", "视频", "图片", "专题", "评论", "政务", "民生", "科技", "数码", "女性", "登录"]
TITLE = "江城新建三座城市书房 市民家门口读书更方便"
META = "2024-05-12 09:30 来源：江城日报"
BODY = [
    "记者从江城市文化和旅游局获悉，今年以来，全市新建的三座城市书房已经全部对外开放，每座书房藏书超过一万册。",
    "城市书房实行自助借还，市民刷身份证或者读者证即可入内，开放时间从早上八点一直延续到晚上十点。",
    "“下班以后带孩子过来看书，走路只要五分钟。”家住江城新区的市民王女士说，书房里还设有少儿阅读区和自习区。",
    "市文化和旅游局相关负责人表示，下一步将根据市民的借阅数据调整图书配置，并在更多社区推广城市书房建设。",
]
SUBHEAD = "书房里有什么"
RELATED = ["相关新闻", "江城图书馆推出夜间阅读服务", "2024-05-10", "江城举办第五届全民阅读节", "2024-05-08",
           "社区书屋如何留住读者", "2024-05-02", "江城新增两条公交线路", "2024-04-30",
           "江城公园夏季开放时间调整", "2024-04-28", "老旧小区改造进入第二批", "2024-04-25"]
COMMENTS = ["网友评论", "江城老李", "2024-05-12 10:02", "回复", "12", "城南小王", "2024-05-12 11:15", "回复", "3"]
FOOTER = ["关于我们", "联系我们", "广告服务", "网站地图", "版权声明", "Copyright © 2024 江城网 版权所有",
          "江ICP备12345678号"]


def page(*parts):
    return "\n".join(line for part in parts for line in part)


def removed_by(result, rule):
    return [r["text"] for r in result.removed if r["rule"] == rule]


def test_menus_link_lists_comments_and_footer_around_the_body_go():
    result = clean(page(MENU, [TITLE, META], BODY, RELATED, COMMENTS, FOOTER))
    kept = result.text.split("\n")
    for paragraph in BODY:
        assert paragraph in kept
    assert TITLE in kept
    outside = removed_by(result, "outside-prose-block")
    assert "财经" in outside and "江城举办第五届全民阅读节" in outside and "城南小王" in outside
    for line in MENU + RELATED[1:] + COMMENTS[1:]:
        assert line not in kept
    assert result.metadata["published"] == "2024-05-12T09:30:00"


def test_a_subheading_and_a_table_between_parts_of_the_body_stay():
    table = ["馆名", "开放时间", "藏书", "城南书房", "8:00-22:00", "一万二千册", "江北书房", "8:00-21:00", "一万册",
             "新区书房", "9:00-22:00", "一万一千册"]
    result = clean(page(MENU, [TITLE], BODY[:2], [SUBHEAD], table, BODY[2:], RELATED, FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY
    assert SUBHEAD in kept and "江北书房" in kept and "一万一千册" in kept
    assert "江城举办第五届全民阅读节" not in kept


def test_text_broken_into_short_clauses_for_phones_is_body():
    broken = ["下周一，", "城南书房将延长开放时间，", "晚上也能来看书！", "为什么要延长？", "因为读者太多了。",
              "书房工作人员介绍，", "周末的读者比平时多了一倍。"]
    result = clean(page(MENU, [TITLE], broken, BODY, RELATED, FOOTER))
    kept = result.text.split("\n")
    for line in broken + BODY:
        assert line in kept


def test_a_sign_off_below_the_body_stays():
    result = clean(page(MENU, [TITLE], BODY, ["（江城日报记者 周晓雯）"], RELATED, FOOTER))
    assert result.text.split("\n")[-1] != RELATED[-1]
    assert BODY[-1] in result.text


def test_an_article_is_not_a_page():
    """A news bundle alternates headlines and paragraphs; a short article has few lines: neither is cut."""
    places = ["江城", "江北", "城南", "新区", "河西", "湖东", "山前", "港口", "高新", "临江", "东湖", "西山",
              "南湾", "北岸", "中关", "老城", "滨海", "云岭", "花溪", "石门"]
    bundle = [line for n, place in enumerate(places)
              for line in (f"{place}新建城市书房", f"{place}区" + BODY[n % len(BODY)])]
    assert len(bundle) >= 40
    result = clean("\n".join(bundle))
    assert not removed_by(result, "outside-prose-block")
    assert clean("\n".join([TITLE, *BODY[:2]])).removed == []


def test_an_article_with_a_long_list_keeps_the_list():
    """A list of names in an article is body: a document of prose with one list is not a page."""
    names = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴强", "徐丽", "孙涛"]
    result = clean("\n".join([TITLE, *BODY, "获奖读者名单如下：", *names, *BODY]))
    assert all(name in result.text.split("\n") for name in names)
    assert not removed_by(result, "outside-prose-block")


def test_a_page_without_prose_keeps_what_it_has():
    """A page of links only: no block, nothing is judged outside it (the lexicon rules still apply)."""
    result = clean(page(MENU, RELATED, FOOTER))
    assert not removed_by(result, "outside-prose-block")


def test_a_list_of_headlines_with_inner_commas_is_not_body():
    """Recommended stories: headline, source, comment count, again and again. A headline has a comma but
    no sentence end, so the list does not read as prose and does not join the body."""
    recommended = ["为您推荐"]
    for n, place in enumerate(["城南", "江北", "新区", "河西", "湖东", "山前", "港口", "临江"]):
        recommended += [f"{place}老街改造完成，百年骑楼重现昔日风貌引来众多市民打卡", "江城晚报", str(n)]
    result = clean(page(MENU, [TITLE, META], BODY, recommended, FOOTER))
    kept = result.text.split("\n")
    assert all(paragraph in kept for paragraph in BODY)
    assert not any("老街改造完成" in line for line in kept)


def test_the_rest_of_a_body_after_lines_broken_without_punctuation_stays():
    """Text laid out for phones: clauses without punctuation, one a line, between paragraphs. The part of
    the body after them is its own run of prose and joins the block."""
    broken = ["城南书房", "位于老城区中心", "紧邻地铁二号线", "步行三分钟即到", "周边还有两所小学", "一座社区公园"]
    result = clean(page(MENU, [TITLE], BODY[:2], broken, BODY[2:], RELATED, FOOTER))
    kept = result.text.split("\n")
    assert all(paragraph in kept for paragraph in BODY) and all(line in kept for line in broken)


def test_a_footer_notice_below_the_body_does_not_join_it():
    """A liability notice at the foot of a portal page is prose and outweighs a share of the link list
    between, but it is light beside the body: it and the list stay out."""
    notice = "本网站所提供的行情数据仅供参考，本网站及其合作伙伴不对数据内容的错误或延误承担任何责任。"
    long_paragraph = ("据统计，三座书房开放首月共接待读者四万余人次，借出图书两万多册，其中少儿图书最受欢迎，"
                      "绘本和科普读物常常一上架就被借走。为方便上班族，书房还推出了线上预约座位服务，读者可以"
                      "通过江城文旅公众号提前选座，到店后扫码签到即可入座。书房管理员说，周末上午的座位往往在"
                      "前一天晚上就被约满，不少家长带着孩子一待就是一整天，中午在附近简单吃点东西再回来接着看。"
                      "针对读者提出的增加自习座位、延长夜间开放时间等建议，市文化和旅游局表示将认真研究，"
                      "并计划在明年新建的五座书房中全部设置独立自习区，同时配备饮水机、储物柜和无障碍通道。")
    body = BODY + [long_paragraph]
    result = clean(page(MENU, [TITLE], body, RELATED, [notice]))
    kept = result.text.split("\n")
    assert all(paragraph in kept for paragraph in body)
    assert notice not in kept and "江城举办第五届全民阅读节" not in kept


def test_the_runs_of_prose_are_the_maximal_scoring_stretches():
    """Prose lines weigh, other lines cost; a run ends where its total would fall back, and a later run that
    climbs above an earlier one's peak absorbs it (Ruzzo-Tompa)."""
    from newsclean.stages.chrome import _prose_runs

    assert _prose_runs([5, -3, 4, -20, 10, -1, -1, 3, -50, 2]) == [(0, 2, 6), (4, 7, 11), (9, 9, 2)]
    assert _prose_runs([5, -2, 9]) == [(0, 2, 12)]
    assert _prose_runs([-12, -12]) == []


# A shorter page (an app's article page): a few header links, the title, the author, a time line, a short body,
# then the author's latest articles and related headlines.
SHORT_HEADER = ["到江城号首页", "江城号首页", "登录小城读者", "个人中心帐号设置意见反馈退出"]
SHORT_LISTS = ["作者最新文章", "江城公园夏季开放时间调整，市民可以夜游了！", "05-1118:40",
               "老旧小区改造进入第二批，你家在名单里吗？", "05-1017:52", "相关文章", "江城新增两条公交线路",
               "社区书屋如何留住读者", "江城举办第五届全民阅读节", "江城图书馆推出夜间阅读服务", "江城公园新增儿童乐园"]


def test_a_shorter_page_loses_its_headline_lists_but_keeps_title_and_body():
    result = clean(page(SHORT_HEADER, [TITLE, "江城日报", "发布时间：05-1209:30"], BODY[:3], SHORT_LISTS))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY[:3]
    assert TITLE in kept  # one short line (the author) between title and body does not cut the title off
    outside = removed_by(result, "outside-prose-block")
    assert "作者最新文章" in outside and "江城新增两条公交线路" in outside and "江城公园新增儿童乐园" in outside
    assert "江城号首页" in kept  # four header lines are too short a run to take on a short page


def test_on_a_shorter_page_a_sentence_outside_the_block_stays():
    stray = "馆长表示，书房还将举办读书会。江城日报记者 王明/文并摄"
    result = clean(page(SHORT_HEADER, [TITLE, "江城日报", "发布时间：05-1209:30"], BODY[:3], [stray], SHORT_LISTS))
    assert stray in result.text.split("\n")
    assert "江城新增两条公交线路" in removed_by(result, "outside-prose-block")


def test_a_short_text_of_specifications_is_no_page_to_cut_around():
    # Its one sentence is the only prose: the block around it holds too little of the text to cut around.
    specs = ["江城牌台灯", "这款台灯采用护眼光源，适合学生和上班族在夜间阅读使用。", "120 x 80 x 400 mm",
             "全铝合金灯臂", "三档无极调光", "色温 3000K - 5000K", "显色指数 Ra95", "USB 充电接口",
             "触摸开关", "定时关灯 30 分钟", "产品特点", "节能", "护眼", "静音", "底座防滑硅胶垫",
             "一年质保", "江城牌台灯"]
    result = clean("\n".join(specs))
    assert removed_by(result, "outside-prose-block") == []


NUMBERED_LIST = ["2024江城十件大事分别是：", "1.江城新建三座城市书房", "2.江城新增两条公交线路",
                 "3.老旧小区改造进入第二批", "4.江城举办第五届全民阅读节", "5.江城公园夏季开放时间调整",
                 "十件民生实事包括：", "1.社区食堂覆盖全部街道", "2.城南医院新院区启用"]


def test_a_numbered_list_below_the_body_stays_with_it():
    result = clean(page(MENU, [TITLE], BODY, NUMBERED_LIST, RELATED, FOOTER))
    kept = result.text.split("\n")
    for line in NUMBERED_LIST:
        assert line in kept
    assert "4.江城举办第五届全民阅读节" in kept  # the list's item stays, the same headline in the related list goes
    assert "江城举办第五届全民阅读节" not in kept and "社区书屋如何留住读者" not in kept


def test_field_rows_below_the_body_stay_but_a_headline_list_does_not():
    fields = ["●开放时间： 8:00-22:00", "●藏书： 一万二千册", "●地址： 江城新区文化路8号"]
    result = clean(page(MENU, [TITLE], BODY, fields, RELATED, FOOTER))
    kept = result.text.split("\n")
    assert all(line.replace("： ", "：") in kept or line in kept for line in fields), kept
    assert "江城图书馆推出夜间阅读服务" not in kept


def test_item_numbers_in_their_written_forms():
    from newsclean.stages.chrome import item_number

    assert [item_number(t) for t in ("1.书房", "10. 公交", "（三）加强", "十二、结语", "⑤ 节能", "7.2024年")] == \
        [1, 10, 3, 12, 5, 7]
    assert item_number("2024年江城") is None and item_number("十十、乱") is None and item_number("书房") is None


def test_a_long_body_under_a_menu_of_twenty_lines_is_a_page():
    articles = [f"第{n}条 {BODY[n % len(BODY)]}" for n in range(1, 41)]  # a law of forty articles: mostly prose
    result = clean(page(MENU[:22], [TITLE], articles))
    kept = result.text.split("\n")
    assert [line for line in kept if line.startswith("第")] == articles
    assert "财经" not in kept and "江城网" in removed_by(result, "outside-prose-block")


def test_a_long_article_with_a_short_list_inside_is_no_page():
    names = ["王一", "李二", "张三", "赵四", "钱五", "孙六", "周七", "吴八", "郑九", "冯十", "陈十一", "褚十二"]
    text = "\n".join([TITLE] + BODY * 5 + ["获奖名单："] + names + BODY[:2])
    result = clean(text)
    assert removed_by(result, "outside-prose-block") == []


# Below an article's editor credit, a list of teasers: each a headline, the story's first paragraph in full
# (no cut-short mark) and its counters.
TEASERS = []
for _title, _lead in (("江城地铁三号线年底通车", "记者从江城地铁集团获悉，地铁三号线全线已经完成铺轨，预计年底开通运营，沿线将设二十二座车站。"),
                      ("江城公园夏季开放时间调整", "自六月一日起，江城市区的十二座公园将延长开放时间至晚上十点，方便市民夜间散步和纳凉。"),
                      ("老旧小区改造进入第二批", "今年第二批老旧小区改造名单已经公布，共涉及八十六个小区，改造内容包括加装电梯和雨污分流。"),
                      ("江城新增两条公交线路", "为方便新区居民出行，江城公交集团下周起开通两条新线路，连接新区和地铁一号线的三座车站。")):
    TEASERS += [_title, _lead, "18", "2", "37"]


def test_the_block_does_not_grow_past_the_articles_editor_credit():
    credit = "责任编辑：李四"
    result = clean(page(MENU, [TITLE, META], BODY, [credit, "最热文章"], TEASERS, FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY and TITLE in kept
    outside = removed_by(result, "outside-prose-block")
    assert TEASERS[1] in outside and TEASERS[-4] in outside and "江城地铁三号线年底通车" in outside


def test_comments_heavier_than_the_body_below_its_credit_do_not_take_the_body_away():
    comments = [f"{line}我觉得说得很对，希望相关部门继续努力，把好事办好。" for line in BODY * 2]
    result = clean(page(MENU, [TITLE, META], BODY, ["（责任编辑：李四）"], comments, FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY


def test_the_title_is_not_taken_from_a_bulleted_list_of_headlines_above_it():
    headlines = ["今日视点", "· 江城地铁三号线年底通车", "· 江城公园夏季开放时间调整", "· 老旧小区改造进入第二批"]
    result = clean(page(MENU, headlines, [TITLE, META], BODY, RELATED, FOOTER))
    kept = result.text.split("\n")
    assert TITLE in kept and [line for line in kept if line in BODY] == BODY
    assert not any(line in kept for line in headlines)
