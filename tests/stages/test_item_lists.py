"""Lists of dated items (recommended headlines with their stamps, comment threads) go from an article or a page,
wherever the rest of the text leaves them; a body's own dates, a chronicle dated by day and a live report
timed by the minute stay.

Every text here is written for the test (江城网 and its invented stories), in the shape real pages have.
"""
from __future__ import annotations

from newsclean import clean
from newsclean.stages import itemlists

from test_page_text import BODY, META, TITLE  # the same article of 江城网, here with lists below it

# Recommended stories: a headline, a summary cut short, the stamp below (digits and date glued as pages print them).
RECOMMENDED = [
    "为你推荐",
    "江城图书馆推出夜间阅读服务", "图书馆延长开放时间后，夜间到馆读者比去年同期增加了三成。", "2024-05-1008:12",
    "江城举办第五届全民阅读节", "阅读节期间，全市各图书馆将举办讲座、展览和亲子活动一百余场。", "2024-05-0817:40",
    "社区书屋如何留住读者", "有的书屋一年借不出几本书，有的却天天满座，差别在哪里？", "2024-05-0207:55",
    "江城新增两条公交线路", "两条线路串起城东的五个社区和两所中学，早晚高峰加密班次。", "2024-04-3016:20",
]
# A comment thread: a handle with a place, the comment, a stamp with 举报 and the like count.
COMMENTS = [
    "江城老李江城新区", "书房离我家很近，周末常带孩子去。", "今天10:02举报赞12回复",
    "城南小王江城城南", "希望城南也建一座。", "今天11:15举报赞3回复",
    "读书人江城江北", "自习区的座位经常不够用，建议增加。", "昨天21:40举报赞8回复",
]


def article(*parts):
    return "\n".join(line for part in parts for line in part)


def removed_by(result, rule):
    return [r["text"] for r in result.removed if r["rule"] == rule]


def test_recommended_headlines_with_stamps_below_an_article_go():
    result = clean(article([TITLE, META], BODY, RECOMMENDED))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY
    gone = removed_by(result, itemlists.RULE_ID)
    assert "江城举办第五届全民阅读节" in gone and "2024-04-3016:20" in gone
    assert RECOMMENDED[2] in gone  # a summary is a sentence, but it stands in the list
    assert not any(line in kept for line in RECOMMENDED[1:])


def test_a_comment_thread_below_an_article_goes():
    result = clean(article([TITLE, META], BODY, ["网友评论"], COMMENTS))
    kept = result.text.split("\n")
    assert [line for line in kept if line in BODY] == BODY
    assert "希望城南也建一座。" in removed_by(result, itemlists.RULE_ID)
    assert "今天11:15举报赞3回复" not in kept


def test_the_body_above_a_list_is_never_taken_for_its_first_item():
    """The first item's lines stand above the first stamp; the body's last paragraph, longer than any line of
    the list, is not one of them."""
    result = clean(article([TITLE, META], BODY, RECOMMENDED[1:]))
    assert result.text.split("\n")[-1] == BODY[-1]


def test_two_stamps_are_no_list():
    result = clean(article([TITLE, META], BODY, RECOMMENDED[:7]))
    assert not removed_by(result, itemlists.RULE_ID)


def test_a_chronicle_dated_by_day_stays():
    chronicle = ["2024年3月1日", "江城第一座城市书房开工建设。", "2024年4月15日", "第二座、第三座书房同时开工。",
                 "2024年5月10日", "三座书房全部建成并对外开放。"]
    result = clean(article([TITLE, META], BODY[:2], chronicle, BODY[2:]))
    assert chronicle[3] in result.text.split("\n")
    assert not removed_by(result, itemlists.RULE_ID)


def test_a_live_report_timed_by_the_minute_stays():
    """Bare times of day (`10:30`) date a live report's entries, not a list of links: they are no stamps."""
    live = ["10:30", "开放仪式开始，市领导为城南书房揭牌。", "10:45", "首批读者进入书房，少儿阅读区坐满了孩子。",
            "11:00", "志愿者向市民介绍自助借还机的使用方法。", "11:20", "仪式结束，书房正式对外开放。"]
    result = clean(article([TITLE, META], BODY[:1], live, BODY[1:]))
    kept = result.text.split("\n")
    assert all(line in kept for line in live[1::2])
    assert not removed_by(result, itemlists.RULE_ID)


def test_stamp_lines_and_lists_found_by_the_module():
    assert itemlists.is_stamp_line("2024-05-1008:12")
    assert itemlists.is_stamp_line("新京报 ⋅ 80评论 ⋅ 2分钟前")
    assert itemlists.is_stamp_line("今天 08:14")
    assert itemlists.is_stamp_line("昨天 21：05 江城网")  # a full-width colon
    assert itemlists.is_stamp_line("海之声322 1小时前")
    assert not itemlists.is_stamp_line("10:30")
    assert not itemlists.is_stamp_line("2024-05-12 09:30，记者来到城南书房。开放第一天，书房里坐满了读者。")
    texts = [*BODY, *RECOMMENDED]
    assert itemlists.item_lists(texts) == [(len(BODY) + 1, len(texts) - 1)]


def test_a_closing_quote_with_its_speaker_above_a_comment_thread_stays():
    """On a full page, `“……”——王女士` ends a statement (the speaker follows the quote): the body's last line,
    not a headline to leave outside the block with the comments below it."""
    closing = "“书房建好以后，我希望每个周末都能带孩子来这里看书。”——王女士"
    menu = ["江城网", "首页", "新闻", "本地", "国内", "国际", "财经", "体育", "娱乐", "汽车", "房产", "教育",
            "健康", "旅游", "文化", "视频", "图片", "专题", "评论", "政务", "民生", "科技", "数码", "登录"]
    result = clean(article(menu, [TITLE, META], BODY, [closing, "来源：江城日报", "网友评论"], COMMENTS))
    kept = result.text.split("\n")
    assert closing in kept
    assert "希望城南也建一座。" not in kept
