"""Stage 2 (chrome): site chrome is removed line by line, where it stands; body prose is never touched.

All chrome here is written for sites other than the seeds (江城网, 江城日报, portals, a forum archive, a
content farm), around body paragraphs of an invented story.
"""
from __future__ import annotations

import pytest

from newsclean import clean

BODY = [
    "今年以来，江城市坚持把稳就业放在更加突出的位置，全年城镇新增就业人数超过预期目标。",
    "市人社局相关负责人介绍，下一步将继续加大职业技能培训力度，帮助高校毕业生等重点群体实现就业。",
    "据了解，全市已建成零工市场十二家，为灵活就业人员提供岗位信息、技能培训和权益保障等服务。",
]


def page(head=(), tail=(), body=BODY, **options):
    return clean("\n".join([*head, *body, *tail]), **options)


def chrome_rules(result):
    return [(r["text"], r["rule"]) for r in result.removed if r["reason"] == "chrome"]


# ------------------------------------------------------------------ lines before the body

HEAD_CHROME = [
    # breadcrumbs with each separator
    ("首页 > 新闻中心 > 本地要闻 > 正文", "breadcrumb"),
    ("当前位置：首页 ＞ 社会 ＞ 民生", "breadcrumb"),
    ("网站首页 » 财经 » 宏观经济", "breadcrumb"),
    ("您现在的位置：首页 > 经济 > 正文", "breadcrumb"),
    ("首页 > 要闻 > 江城城镇新增就业人数超预期", "breadcrumb"),
    ("江城日报 > 城事 > 民生", "breadcrumb"),
    ("首页 >> 民生 >> 就业", "breadcrumb"),
    ("首页 / 国内 / 时政", "breadcrumb-slash"),
    ("新闻 | 体育 | 财经 | 娱乐 | 科技", "breadcrumb-slash"),
    # channel names alone at the top
    ("要闻", "channel-name"),
    ("民生频道", "channel-name"),
    # author handle and timestamp of a content farm
    ("xinwen_lao8 - 2023/07/12 08:05:33", "handle-timestamp"),
    # datelines and bylines
    ("江城网讯（记者 周晓雯 通讯员 林立 黄海）", "dateline-agency"),
    ("东南网3月15日讯（记者 陈思远）", "dateline-agency"),
    ("本报讯（通讯员 刘洋）", "dateline-agency"),
    ("新华社北京3月15日电（记者 王浩 李丹）", "dateline-agency"),
    ("江城网3月5日讯", "dateline-agency"),
    ("央视网消息：", "site-dateline"),
    ("江城时刻记者周晓雯通讯员林立报道", "reporter-report"),
    ("● 周晓雯", "byline-bullet"),
    ("记者 周晓雯 通讯员 林立", "byline-labelled"),
    ("本报记者 周晓雯 实习生 何佳", "byline-labelled"),
    ("通讯员 林立 刘洋", "byline-labelled"),
    ("文/周晓雯 图/林立", "byline-labelled"),
    ("澎湃新闻记者 周晓雯", "site-byline"),
    ("江城晚报全媒体记者 周晓雯 通讯员 林立", "site-byline"),
    # time and meta lines
    ("2024-03-15 09:30", "meta-fields"),
    ("发布时间：2024-03-15 09:30:12 来源：江城晚报 作者：周晓雯 浏览次数：312", "meta-fields"),
    ("导读：今年全市城镇新增就业超过预期。", "labelled-summary"),
    ("原标题：江城零工市场覆盖全部城区", "original-title"),
    ("分享到：微信 微博 QQ空间", "share-widget"),
    ("字号：大 中 小", "font-size-widget"),
]


@pytest.mark.parametrize("line, rule", HEAD_CHROME)
def test_chrome_above_the_body_is_removed(line, rule):
    result = page(head=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


# ------------------------------------------------------------------ lines after the body

TAIL_CHROME = [
    ("责任编辑：孙雅琪", "meta-fields"),
    ("（编辑：孙雅琪 审核：高峰）", "staff-credits"),
    ("【责任编辑：孙雅琪】", "staff-credits"),
    ("责编：孙雅琪 校对：何佳", "staff-credits"),
    ("审核：高峰", "staff-credits"),
    ("来源：江城日报", "meta-fields"),
    ("本文来源：南方网", "source-line"),
    ("（原标题：江城零工市场覆盖全部城区）", "original-title"),
    ("【打印本页】 【关闭窗口】", "font-size-widget"),
    ("打印本页 | 关闭窗口", "widget-words"),
    ("返回顶部", "widget-words"),
    ("扫码阅读", "widget-words"),
    ("分享到:", "share-widget"),
    ("扫一扫在手机打开当前页", "app-promo"),
    ("打开APP阅读全文", "app-promo"),
    ("上一篇：城西新建三所幼儿园", "prev-next"),
    ("下一篇：没有了", "prev-next"),
    ("上一篇", "prev-next"),
    ("Copyright © 2008-2024 江城网 All Rights Reserved", "copyright"),
    ("版权所有：江城日报社 未经授权禁止转载", "copyright"),
    ("京公网安备 11010502030143号", "copyright"),
    ("共3页 1 2 3 下一页", "pagination"),
    ("«上一页 1 2 下一页»", "pagination"),
    ("第2页", "pagination"),
    ("1", "pagination"),
    ("查看完整版本: 江城零工市场覆盖全部城区", "full-version-footer"),
    ("本版图片均为 林立 摄", "photo-credit"),
    ("摄影：林立", "photo-credit"),
    ("（林立 摄）", "photo-credit"),
    ("图片由受访者提供", "photo-credit"),
    ("免责声明：本文仅代表作者观点，与本网无关。", "disclaimer"),
    ("转载请注明出处", "disclaimer"),
    ("微信公众号：江城发布", "follow-promo"),
    ("相关新闻", "related-header"),
    ("推荐阅读：", "related-header"),
    ("阅读 1,286", "reading-stats"),
    ("已有 35 人参与", "reading-stats"),
    ("标签：就业 技能培训", "tags-line"),
]


@pytest.mark.parametrize("line, rule", TAIL_CHROME)
def test_chrome_below_the_body_is_removed(line, rule):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    [(text, got)] = chrome_rules(result)
    assert got == rule
    assert text.replace("：", ":") == line.replace("：", ":")


# The first two lines also match an earlier rule of another zone (copyright, byline-labelled), which the stage
# evaluates first: in the body the later anywhere rule must still claim them.
@pytest.mark.parametrize("line, rule", [
    ("鄂ICP备12345678号-1", "icp-licence"),
    ("图：林立", "image-credit"),
    ("【字号 大 中 小】", "font-size-widget"),
    ("【纠错】 【打印】", "font-size-widget"),
    ("查看完整版本: 江城零工市场覆盖全部城区", "full-version-footer"),
])
def test_anywhere_rules_fire_between_body_paragraphs(line, rule):
    result = page(body=[BODY[0], line, BODY[1], BODY[2]])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


def test_a_line_above_the_body_takes_its_first_matching_rule():
    result = page(head=["图：林立"])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == ["byline-labelled"]


@pytest.mark.parametrize("line", [
    "【字号 大 中 小】【打印】【关闭】",
])
def test_font_size_widget_followed_by_print_and_close(line):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)


# ------------------------------------------------------------------ a credit split over two lines

def test_split_photo_credit_between_captions_is_removed():
    body = [BODY[0], "▲江城零工市场内，求职者正在查看招聘信息。", "本版图片均", "为 林立 摄", BODY[1], BODY[2]]
    result = page(body=body)
    assert result.text == "\n".join([BODY[0], "▲江城零工市场内，求职者正在查看招聘信息。", BODY[1], BODY[2]])
    assert chrome_rules(result) == [("本版图片均", "photo-credit-split"), ("为 林立 摄", "photo-credit-split")]
    assert result.metadata["photographer"] == "林立"


def test_split_photo_credit_at_the_end_is_removed():
    result = page(tail=["本组图片均", "由 林立 拍摄"])
    assert result.text.rstrip("\n") == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == ["photo-credit-split"] * 2


def test_half_of_a_credit_alone_is_not_removed():
    # "为 林立 摄" is only a credit together with the line above it.
    body = [BODY[0], "本市将继续推动零工市场建设，为 林立 等求职者提供更多机会，切实稳定就业预期。", BODY[1]]
    result = page(body=body)
    assert result.text == "\n".join(body)


# ------------------------------------------------------------------ newspaper column banners

def test_column_banners_stacked_above_a_byline_are_removed():
    result = page(head=["城市周刊", "民生观察", "● 周晓雯"])
    assert result.text == "\n".join(BODY)
    assert chrome_rules(result) == [("城市周刊", "channel-or-column-banner"),
                                    ("民生观察", "channel-or-column-banner"),
                                    ("● 周晓雯", "byline-bullet")]
    assert result.metadata["channel"] == "城市周刊 民生观察"
    assert result.metadata["author"] == "周晓雯"


def test_banner_with_a_space_above_a_dateline_is_removed():
    result = page(head=["奋进新征程 建功新时代", "江城网讯（记者 周晓雯）"])
    assert result.text == "\n".join(BODY)
    assert result.metadata["channel"] == "奋进新征程 建功新时代"


def test_short_title_directly_above_the_body_is_kept():
    result = page(head=["零工市场暖人心"])
    assert result.text == "\n".join(["零工市场暖人心", *BODY])
    assert result.removed == []


@pytest.mark.parametrize("title", [
    "2024年全市经济运行情况",
    "春运首日 全市发送旅客12万人次",
    "编辑部的故事：一份地方报纸的七十年",
    "新能源汽车销量>燃油车意味着什么",
    "张家界 > 九寨沟？今年国庆热门景区排行出炉",
])
def test_headline_above_the_body_is_kept(title):
    result = page(head=[title])
    assert result.text == "\n".join([title, *BODY])


@pytest.mark.parametrize("line", [
    # a headline or subheading with a date in it (issue 12: dated-line took these from clean news)
    "全市地铁2025年1月5日实行新的列车运行图",
    "2023年1月1日起 我市调整部分公交线路",
    "《江城市物业管理条例》2024年5月1日起施行",
    # the date under a speech's title, and an adoption note
    "（2023年9月7日）",
    "（2024年3月15日江城市第十六届人民代表大会第三次会议通过）",
])
@pytest.mark.parametrize("where", ["head", "tail"])
def test_a_heading_or_note_with_a_date_in_it_is_not_a_meta_line(line, where):
    # (a labelled date, 回复日期：2024-04-18 or 【发布日期：2024-04-18】, stays chrome: see the tables above)
    result = page(head=[line]) if where == "head" else page(tail=[line])
    expected = [line, *BODY] if where == "head" else [*BODY, line]
    assert result.text == "\n".join(expected)
    assert chrome_rules(result) == []


# ------------------------------------------------------------------ position: body sentences stay

MENTIONS = [
    "该报编辑孙雅琪说，来源可靠的线索很重要，记者核实之后才能发稿。",
    "江城日报编辑部收到读者来信，反映部分零工市场信息更新不及时的问题。",
    "据了解，这批求职者主要来源于周边县市，以建筑和家政行业为主。",
    "记者从市人社局获悉，全市零工市场累计服务求职者超过五万人次。",
]


@pytest.mark.parametrize("sentence", MENTIONS)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_body_sentence_that_mentions_editor_or_source_stays(sentence, where):
    body = {"first": [sentence, *BODY], "middle": [BODY[0], sentence, *BODY[1:]], "last": [*BODY, sentence]}[where]
    result = page(head=["首页 > 民生 > 就业"], tail=["责任编辑：孙雅琪"], body=body)
    assert result.text == "\n".join(body)
    assert [r for _, r in chrome_rules(result)] == ["breadcrumb", "meta-fields"]


@pytest.mark.parametrize("line", ["责任编辑：孙雅琪", "来源：江城日报", "记者 周晓雯 通讯员 林立", "上一篇：城西新建三所幼儿园"])
def test_edge_rules_do_not_fire_between_body_paragraphs(line):
    body = [BODY[0], line, BODY[1], BODY[2]]
    result = page(body=body)
    assert result.text == "\n".join(body)
    assert result.removed == []


def test_interview_question_at_the_top_is_body():
    body = ["记者：今年的招生政策有哪些新变化？",
            "张校长：最大的变化是取消了特长生加分，所有学生一律按照中考成绩统一录取。",
            "记者：家长最关心的学位问题怎么解决？",
            "张校长：今年秋季新建的两所学校投入使用后，全区将新增初中学位两千多个。"]
    assert page(body=body).text == "\n".join(body)


def test_editor_credit_without_colon_is_removed():
    result = page(tail=["责任编辑 孙雅琪"])
    assert result.text == "\n".join(BODY)


# ------------------------------------------------------------------ metadata

@pytest.mark.parametrize("head, tail, expected", [
    (["2024/3/5 9:05"], [], {"published": "2024-03-05T09:05:00"}),
    (["发布时间：2024年03月05日 09:05"], [], {"published": "2024-03-05T09:05:00"}),
    (["时间：2024.03.05"], [], {"published": "2024-03-05"}),
    (["2024-03-05 09:05:07 来源：江城网"], [], {"published": "2024-03-05T09:05:07", "source": "江城网"}),
    (["作者：周晓雯 2024-03-05 09:05"], [], {"author": "周晓雯", "published": "2024-03-05T09:05:00"}),
    (["xinwen_lao8 - 2023/07/12 08:05:33"], [], {"author": "xinwen_lao8", "published": "2023-07-12T08:05:33"}),
    (["李华 | 2023-07-12 08:05"], [], {"author": "李华", "published": "2023-07-12T08:05:00"}),
    ([], ["来源：江城日报客户端"], {"source": "江城日报客户端"}),
    ([], ["本文来源：南方网"], {"source": "南方网"}),
    ([], ["责任编辑：孙雅琪"], {"editor": "孙雅琪"}),
    ([], ["（编辑：孙雅琪 审核：高峰）"], {"editor": "孙雅琪"}),
    ([], ["原标题：江城零工市场覆盖全部城区"], {"original_title": "江城零工市场覆盖全部城区"}),
    (["本报记者 周晓雯"], [], {"reporter": "周晓雯"}),
    (["东南网3月15日讯（记者 陈思远）"], [], {"site": "东南网", "reporter": "陈思远"}),
    (["江城网讯（记者 周晓雯 通讯员 林立 黄海）"], [], {"reporter": "周晓雯"}),
    (["◆ 本报记者 周晓雯"], [], {"author": "周晓雯"}),
    ([], ["审核：高峰"], {"reviewer": "高峰"}),
    ([], ["【纠错】 【责任编辑：孙雅琪】"], {"editor": "孙雅琪"}),
])
def test_metadata_is_extracted(head, tail, expected):
    result = page(head=head, tail=tail)
    assert result.text == "\n".join(BODY)
    assert {k: result.metadata.get(k) for k in expected} == expected


def test_first_value_of_a_field_wins():
    result = page(head=["来源：江城日报"], tail=["来源：江城晚报"])
    assert result.metadata["source"] == "江城日报"


# ------------------------------------------------------------------ whole pages

def test_portal_page():
    head = ["您当前的位置：首页 > 新闻中心 > 本地要闻",
            "江城零工市场覆盖全部城区",
            "发布时间：2024-03-15 09:30:12 来源：江城晚报 作者：周晓雯",
            "【字号 大 中 小】"]
    tail = ["（编辑：孙雅琪 审核：高峰）",
            "分享到：微信 微博 QQ空间",
            "上一篇：城西新建三所幼儿园",
            "下一篇：江城地铁三号线年底通车",
            "Copyright © 2008-2024 江城网 All Rights Reserved",
            "鄂ICP备12345678号-1"]
    result = page(head=head, tail=tail)
    assert result.text.rstrip("\n") == "\n".join(["江城零工市场覆盖全部城区", *BODY])
    assert len(result.removed) == len(head) + len(tail) - 1
    assert {k: result.metadata[k] for k in ("published", "source", "author", "editor")} == {
        "published": "2024-03-15T09:30:12", "source": "江城晚报", "author": "周晓雯", "editor": "孙雅琪"}


def test_content_farm_page():
    head = ["江城资讯网", "首页 » 民生 » 就业 » 江城零工市场覆盖全部城区求职", "bbx2024 - 2024/3/16 22:05:40"]
    tail = ["1", "查看完整版本: 江城零工市场覆盖全部城区求职"]
    result = page(head=head, tail=tail)
    assert result.text.rstrip("\n") == "\n".join(BODY)
    assert result.metadata["published"] == "2024-03-16T22:05:40"
    assert result.metadata["author"] == "bbx2024"
    assert result.metadata["channel"] == "江城资讯网"


def test_newspaper_page():
    head = ["走基层 看变化", "江城日报记者 周晓雯"]
    body = [BODY[0], "▲求职者在零工市场查看招聘信息。", BODY[1], BODY[2]]
    tail = ["本版图片均", "为 林立 摄"]
    result = page(head=head, tail=tail, body=body)
    assert result.text.rstrip("\n") == "\n".join(body)
    assert result.metadata["reporter"] == "周晓雯"
    assert result.metadata["photographer"] == "林立"


def test_removed_records_point_at_the_raw_input():
    raw = "\n".join(["首页 > 民生 > 就业", *BODY, "责任编辑：孙雅琪"])
    result = clean(raw)
    assert [r["reason"] for r in result.removed] == ["chrome", "chrome"]
    for r in result.removed:
        assert raw[r["raw_start"]:r["raw_end"]] == r["text"]
    assert [r["start"] for r in result.removed] == [0, len(result.text)]


@pytest.mark.parametrize("tail", [
    ["责任编辑：孙雅琪", "来源：江城日报"],
    ["本版图片均", "为 林立 摄"],
    ["相关新闻", "返回顶部"],
])
def test_removing_the_last_lines_leaves_no_trailing_newline(tail):
    assert page(tail=tail).text == "\n".join(BODY)


def test_chrome_can_be_switched_off():
    raw = "\n".join(["首页 > 民生 > 就业", *BODY, "责任编辑：孙雅琪"])
    result = clean(raw, stages=("normalize", "repeats", "numbers"))
    assert result.text == raw
    assert result.removed == []


# ------------------------------------------------------------------ chrome of other kinds of sites
# Portals, app and WeChat reposts, forums, government pages, e-paper pages: one example per rule, written for
# this test (benchmarks/chrome_probe.jsonl holds other examples of the same kinds).

OTHER_HEAD_CHROME = [
    ("江城网首页 | 时政 | 民生 | 文旅 | 视频 | 更多", "pipe-menu"),
    ("第B02版：城事", "epaper-page"),
    ("C05 文体", "epaper-page"),
    ("江城晚报 2024-03-15 09:30", "dated-line"),
    ("原创 2024-03-15 09:30·城事观察", "dated-line"),
    ("发表于 2024-3-15 21:05:44 | 只看该作者", "dated-line"),
    ("2024年03月15日 星期五", "dated-line"),
    ("《 江城日报 》（ 2024年03月15日 06 版）", "dated-line"),
    ("IP属地：湖北", "ip-location"),
    ("索引号：11420100MB1234567X/2024-01234", "record-fields"),
    ("主题分类：劳动、人事、监察", "record-fields"),
    ("江城网新闻中心", "channel-name"),
    ("江城台消息（晚间新闻）：", "site-dateline"),
    ("【江城网报道 记者 周晓雯】", "dateline-agency"),
    ("【作者】 周晓雯 【来源】 江城+", "meta-fields"),
    ("【编者的话】", "labelled-summary"),
    ("+ 关注", "widget-words"),
    ("查看: 2048|回复: 17", "reading-stats"),
]


@pytest.mark.parametrize("line, rule", OTHER_HEAD_CHROME)
def test_other_sites_chrome_above_the_body_is_removed(line, rule):
    result = page(head=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


OTHER_TAIL_CHROME = [
    ("关于本站 | 广告刊例 | 招聘英才 | 隐私保护 | English", "pipe-menu"),
    ("江城网 | 江城+客户端", "pipe-menu"),
    ("网站标识码：4201000003", "record-fields"),
    ("主办：江城市人民政府办公厅 技术支持：江城市信息中心", "site-owner"),
    ("江城晚报记者 周晓雯 编辑 孙雅琪 校对 何佳", "byline-with-staff"),
    ("编辑 | 孙雅琪", "staff-credits"),
    ("责编/孙雅琪", "staff-credits"),
    ("图片编辑：林立 责任编辑：孙雅琪", "staff-credits"),
    ("2024-03-15 09:30 来源：江城网 作者：周晓雯 选稿：何佳", "meta-fields"),
    ("本文来源：江城晚报 作者：周晓雯 责任编辑：孙雅琪_JC0012", "meta-fields"),
    ("江城日报APP", "app-name"),
    ("海量资讯，尽在江城新闻客户端", "app-name"),
    ("关注江城号", "follow-account"),
    ("江城网、江城日报联合出品", "production-credit"),
    ("点赞、转发、在看，一键三连", "engagement-call"),
    ("返回江城网，查看更多", "more-link"),
    ("两会全景报道，详情请戳>>", "more-link"),
    ("江城晚报报料热线：0710-88886666", "tip-line"),
    ("—— 全文完 ——", "end-mark"),
    ("· 城西新建三所幼儿园", "related-item"),
    ("微信扫一扫赞赏作者", "wechat-ui"),
    ("收录于话题 #民生 8个", "tags-line"),
    ("文章关键词：就业 技能培训", "tags-line"),
    ("阅读 3.5万", "reading-stats"),
    ("56 条评论", "reading-stats"),
    ("10万+", "reading-stats"),
    ("评论 12 | 点赞 30", "reading-stats"),
    ("返回列表 发新帖", "widget-words"),
    ("上一版 下一版", "widget-words"),
    ("我要反馈", "widget-words"),
    ("上一篇 下一篇", "prev-next"),
    ("收藏本文 小 中 大", "font-size-widget"),
    ("阅读剩余全文（）", "full-version-footer"),
    ("Powered by PHPWind v9.0", "copyright"),
    ("凡本网注明“来源：江城网”的作品，版权均属于江城网。", "disclaimer"),
    ("本网站所刊载信息，不代表本网观点。", "disclaimer"),
    ("未经书面授权，严禁转载或镜像", "disclaimer"),
    ("区县新闻精选：", "related-header"),
    ("相关稿件", "related-header"),
    ("您需要登录后才可以发帖", "forum-post"),
]


@pytest.mark.parametrize("line, rule", OTHER_TAIL_CHROME)
def test_other_sites_chrome_below_the_body_is_removed(line, rule):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


@pytest.mark.parametrize("line, rule", [
    ("（图片来源：江城日报）", "image-credit"),
    ("图源：东方IC", "image-credit"),
    ("视频来源：江城台", "image-credit"),
    ("（资料图片）", "image-credit"),
    ("江城晚报记者 林立 供图", "photo-byline"),
    ("图/CFP", "image-credit"),
    ("（江城日报 图）", "image-credit"),
    ("▲资料图", "image-credit"),
    ("本文图片均来自网络", "image-credit"),
    ("新华社记者 林立 摄", "photo-byline"),
    ("本报记者 林立/摄", "photo-byline"),
    ("本帖最后由 江城老李 于 2024-3-15 10:20 编辑", "forum-post"),
    ("↓↓↓", "arrow-line"),
])
def test_credits_and_marks_between_body_paragraphs_are_removed(line, rule):
    result = page(body=[BODY[0], line, BODY[1], BODY[2]])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


def test_metadata_from_other_meta_lines():
    result = page(head=["【作者】 周晓雯 【来源】 江城+", "江城晚报 2024-03-15 09:30"], tail=["编辑 | 孙雅琪"])
    assert result.text == "\n".join(BODY)
    assert {k: result.metadata.get(k) for k in ("source", "published", "editor")} == {
        "source": None, "published": "2024-03-15T09:30:00", "editor": "孙雅琪"}


# Body lines that mention what chrome is made of, short paragraphs and the lines articles themselves end with:
# they must stay first, in the middle and last.
KEEP_LINES = [
    "打开手机APP，就能预约挂号。",
    "关注我们的还有不少外地游客。",
    "欢迎关注我们的后续报道。",
    "来源：市统计局的数据显示，一季度全市GDP同比增长。",
    "时间：3月20日至22日",
    "地点：江城国际博览中心",
    "点赞、转发、评论，她一样不落。",
    "收藏家李先生说，这幅画至少有两百年历史。",
    "编辑部主任何佳说，今年将推出更多融媒体产品。",
    "下载量突破百万后，团队开始筹划新版本。",
    "声明发出后，双方均未再作回应。",
    "2024年3月15日，这一天他一直记得。",
    "微信、支付宝都能缴纳水电费。",
    "他说。",
    "“回来吧！”",
    "（完）",
    "（记者：周晓雯）",
    "（来源：江城日报）",
    "何佳/文",
    "图为江城大桥夜景。",
]


@pytest.mark.parametrize("line", KEEP_LINES)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_body_lines_that_look_like_chrome_stay(line, where):
    body = {"first": [line, *BODY], "middle": [BODY[0], line, *BODY[1:]], "last": [*BODY, line]}[where]
    result = page(head=["首页 > 民生 > 就业", "江城晚报 2024-03-15 09:30"], tail=["江城日报APP", "编辑 | 孙雅琪"],
                  body=body)
    assert result.text == "\n".join(body)


# ------------------------------------------------------------------ more site styles: self-media, portals' tabs,
# university and government footers, finance notices, English-mixed chrome

MORE_HEAD_CHROME = [
    ("江城师范学院新闻网 > 校园动态", "breadcrumb"),
    ("财经 | 宏观", "breadcrumb-slash"),
    ("行情", "channel-name"),
    ("第B06版：体育 上一版 下一版", "epaper-page"),
]


@pytest.mark.parametrize("line, rule", MORE_HEAD_CHROME)
def test_more_chrome_above_the_body_is_removed(line, rule):
    result = page(head=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


MORE_TAIL_CHROME = [
    ("版面编辑：孙雅琪", "staff-credits"),
    ("本版编辑：孙雅琪 美术编辑：何佳", "staff-credits"),
    ("供稿：城建学院", "staff-credits"),
    ("撰稿：周晓雯 摄影：林立 终审：高峰", "staff-credits"),
    ("（责任编辑：JC027）", "staff-credits"),
    ("一审一校：何佳", "staff-credits"),
    ("Editor: Zhou Xiaowen", "english-credits"),
    ("Source: Jiangcheng Evening News", "english-credits"),
    ("Share", "widget-words"),
    ("Back to top", "widget-words"),
    ("选择字体大小：", "widget-words"),
    ("申请转载", "widget-words"),
    ("Related News", "related-header"),
    ("微博热搜榜", "related-header"),
    ("相关个股：", "related-header"),
    ("写下您的评论…", "comment-box"),
    ("说说你的看法", "comment-box"),
    ("共 36 条评论", "reading-stats"),
    ("赞同 88", "reading-stats"),
    ("#江城美食# #春日出游", "hashtag-line"),
    ("本文被以下合集收录", "tags-line"),
    ("政府网站标识码 4201000003", "licence-number"),
    ("广播电视节目制作经营许可证（鄂）字第01234号", "licence-number"),
    ("您是本站第 8,812 位访客", "visitor-counter"),
    ("通讯地址：江城市解放大道88号 邮政编码：430010", "site-contact"),
    ("风险提示：以上内容仅供参考，不作为买卖依据。", "disclaimer"),
    ("基金有风险，投资需谨慎", "disclaimer"),
    ("本文来自微信公众号“江城财经”（ID：jccj2020），作者：周晓雯。", "disclaimer"),
    ("著作权归江城晚报所有", "disclaimer"),
    ("转载请与本网联系", "disclaimer"),
    ("订阅本报电子早报", "follow-promo"),
    ("更多财经资讯请关注江城晚报", "more-link"),
    ("更多内容详见本报明日第五版", "more-link"),
    ("江城晚报社主办", "production-credit"),
    ("字号 A- A+", "font-size-widget"),
    ("分享这篇文章：", "share-widget"),
    ("« 上一篇 下一篇 »", "prev-next"),
    ("积分榜", "channel-name"),
    ("↓↓ 点击阅读原文报名", "app-promo"),
]


@pytest.mark.parametrize("line, rule", MORE_TAIL_CHROME)
def test_more_chrome_below_the_body_is_removed(line, rule):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


@pytest.mark.parametrize("line, rule", [
    ("▲点击查看大图", "media-placeholder"),
    ("音频加载中…", "media-placeholder"),
    ("长按扫描二维码", "media-placeholder"),
    ("点击播放视频", "media-placeholder"),
    ("15楼 2024-03-15 09:30", "forum-post"),
    ("来自 iPad 客户端", "forum-post"),
])
def test_placeholders_and_forum_floors_between_paragraphs_are_removed(line, rule):
    result = page(body=[BODY[0], line, BODY[1], BODY[2]])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


def test_english_credits_and_editor_code_are_metadata():
    result = page(tail=["（责任编辑：JC027）"])
    assert result.metadata["editor"] == "JC027"
    result = page(tail=["撰稿：周晓雯 摄影：林立 终审：高峰"])
    assert result.metadata["photographer"] == "林立"
    assert result.metadata["reviewer"] == "高峰"


# Body lines that look like the chrome above: a sentence about a 免责声明, a list of dates, an event notice's
# 主办单位 or 地址 alone, labels followed by prose, calls that end a sentence.
MORE_LOOKALIKES = [
    "公司在免责声明中称，上述数据仅供投资者参考。",
    "2023年3月15日、4月2日、5月20日",
    "风险提示函发出后，多家机构下调了评级。",
    "著作权归作者所有，这是法律的基本原则。",
    "更多详情请见市政府网站。",
    "更多精彩，敬请期待。",
    "主办单位：江城市文化和旅游局",
    "地址：江城市人民路1号",
    "本版编辑部今年新招了三名记者。",
    "一审判决后，被告当庭表示上诉。",
    "赞同的人占到了六成。",
    "喜欢读书的孩子越来越多。",
    "说什么也不能让老人寒心。",
    "15楼的住户最先发现了火情。",
    "来自客户端的订单量同比增长三成。",
    "点击查看大图后，市民可以放大地图上的每一条街道。",
    "江城晚报社主办的征文活动，已收到稿件两千余篇。",
    "第二届读书节由市图书馆承办。",
    "许可证到期后，企业须重新申请。",
]


@pytest.mark.parametrize("sentence", MORE_LOOKALIKES)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_body_lines_like_the_new_chrome_stay(sentence, where):
    body = {"first": [sentence, *BODY], "middle": [BODY[0], sentence, *BODY[1:]], "last": [*BODY, sentence]}[where]
    result = page(head=["首页 > 民生 > 就业"], tail=["责任编辑：孙雅琪"], body=body)
    assert result.text == "\n".join(body)


@pytest.mark.parametrize("sentence", [
    "“Copyright一词最早出现在十八世纪的英国。”讲座上，教授这样开场。",
    "协会随即发表声明：“我们将全力配合调查。”",
    "市政府随后作出声明：相关传言不实。",
])
@pytest.mark.parametrize("where", ["first", "last"])
def test_sentences_quoting_copyright_or_a_statement_stay(sentence, where):
    body = [sentence, *BODY] if where == "first" else [*BODY, sentence]
    result = page(head=["首页 > 民生 > 就业"], tail=["责任编辑：孙雅琪"], body=body)
    assert result.text == "\n".join(body)


@pytest.mark.parametrize("line", ["Copyright 2008-2024 江城网", "郑重声明：本网转载稿件均注明来源。", "平台声明：该文观点仅代表作者本人。"])
def test_copyright_and_site_statements_still_go(line):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)


# ------------------------------------------------------------------ the same kinds of chrome in other wordings:
# share widgets, credits, prev/next links, full-page links, breadcrumbs, datelines, bylines, photo credits,
# pagination, font-size widgets, licence footers

VARIANT_HEAD_CHROME = [
    ("首页->民生->就业", "breadcrumb"),
    ("首页 》 民生 》 就业", "breadcrumb"),
    ("您所在的位置：首页 > 民生", "breadcrumb"),
    ("首页 - 民生 - 正文", "breadcrumb-slash"),
    ("所在栏目：工作动态", "breadcrumb-labelled"),
    ("【江城网讯】", "dateline-agency"),
    ("晚报讯 记者 周晓雯 通讯员 林立", "dateline-agency"),
    ("【江城网讯】（记者 周晓雯）", "dateline-agency"),
    ("(记者 周晓雯 实习生 何佳)", "byline-labelled"),
    ("本报记者 周晓雯 文/图", "byline-labelled"),
    ("本报评论员 林立", "byline-labelled"),
    ("◎ 本报评论员 林立", "byline-bullet"),
    ("字号：T|T", "font-size-widget"),
    ("字体：【大】【中】【小】", "font-size-widget"),
    ("字体大小：大 中 小", "font-size-widget"),
    ("综合新闻", "channel-name"),
]


@pytest.mark.parametrize("line, rule", VARIANT_HEAD_CHROME)
def test_variant_chrome_above_the_body_is_removed(line, rule):
    result = page(head=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


VARIANT_TAIL_CHROME = [
    ("把本文分享到：", "share-widget"),
    ("【分享到】", "share-widget"),
    ("(本期编辑 孙雅琪)", "staff-credits"),
    ("编辑：孙雅琪 实习生：何佳", "staff-credits"),
    ("编校：孙雅琪 组版：林立", "staff-credits"),
    ("← 上一篇", "prev-next"),
    ("下一条 →", "prev-next"),
    ("上一篇文章：江城地铁三号线年底通车", "prev-next"),
    ("【下一篇】江城地铁三号线年底通车", "prev-next"),
    ("切换到电脑版", "full-version-footer"),
    ("返回网页版", "full-version-footer"),
    ("展开阅读全文", "full-version-footer"),
    ("[1] [2] [3] 下一页", "pagination"),
    ("第2页/共4页", "pagination"),
    ("页次：1/3", "pagination"),
    ("增值电信业务经营许可证：鄂B2-20090123", "licence-number"),
    ("鄂网文〔2020〕4321-088号", "icp-licence"),
    ("本站内容未经书面授权，谢绝转载", "disclaimer"),
]


@pytest.mark.parametrize("line, rule", VARIANT_TAIL_CHROME)
def test_variant_chrome_below_the_body_is_removed(line, rule):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == [rule]


@pytest.mark.parametrize("line", ["（摄影：林立）", "林立/摄", "林立 摄", "图：林立", "摄影/林立", "本版图片由江城市文旅局提供"])
def test_variant_photo_credits_between_paragraphs_are_removed(line):
    result = page(body=[BODY[0], line, BODY[1], BODY[2]])
    assert result.text == "\n".join(BODY)
    assert [r for _, r in chrome_rules(result)] == ["image-credit"]


# Body lines like those variants: a sentence about infringement, a compiled report's credit, bracketed words in
# prose, a sentence that starts like a share button, a prev link or a staff label.
VARIANT_LOOKALIKES = [
    "他说，未经许可擅自使用他人作品属于侵权行为。",
    "未经批准擅自施工的企业将被处罚。",
    "（本报记者 周敏 整理）",
    "（记者：周晓雯）",
    "【上一篇】与【下一篇】之间还有一段故事。",
    "把本文分享给朋友，是对作者最大的支持。",
    "上一篇报道刊发后，引起了广泛关注。",
    "继续阅读的习惯让她受益匪浅。",
    "返回网页版后，用户体验明显改善。",
    "本报评论员文章指出，改革必须坚持问题导向。",
    "复核：三天内完成",
    "所在栏目：少儿读物",
    "首页 - 这是孩子们写的第一个词",
    "大中小企业都能享受这项政策。",
    "图片由市民拍摄后上传至网络平台。",
    "编校质量是出版物的生命线。",
]


@pytest.mark.parametrize("sentence", VARIANT_LOOKALIKES)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_body_lines_like_the_variants_stay(sentence, where):
    body = {"first": [sentence, *BODY], "middle": [BODY[0], sentence, *BODY[1:]], "last": [*BODY, sentence]}[where]
    result = page(head=["首页 > 民生 > 就业"], tail=["责任编辑：孙雅琪"], body=body)
    assert result.text == "\n".join(body)


def test_the_date_under_a_notices_signature_stays():
    notice = [*BODY, "江城市人民政府", "2024年3月15日"]
    result = page(body=notice)
    assert result.text == "\n".join(notice)


@pytest.mark.parametrize("line", ["回复日期：2024-04-18 19:35", "【作者：王敏】【发布日期：2024-04-18】【点击：123】"])
def test_a_labelled_date_below_the_story_is_chrome(line):
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    assert len(chrome_rules(result)) == 1


@pytest.mark.parametrize("line", ["央行调高房贷利率 温州人谨慎对待房产投资2005-03-28 11:29:36", "少年时代（1）(2004/10/10 17:06)"])
def test_a_link_with_its_timestamp_below_the_story_is_chrome(line):
    # a date with a clock is a timestamp even glued to the title it follows
    result = page(tail=[line])
    assert result.text == "\n".join(BODY)
    assert chrome_rules(result) == [(line, "dated-line")]
