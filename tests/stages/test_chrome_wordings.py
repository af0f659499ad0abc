"""Chrome in wordings the older rules were not written for: credits split over two lines and times printed
without their year. Each case stands above or below an invented story, as pages print it."""
from __future__ import annotations

import pytest

from newsclean import Pipeline, clean

BODY = ["今年以来，江城市坚持把稳就业放在更加突出的位置，全年城镇新增就业人数超过预期目标。",
        "市人社局相关负责人介绍，下一步将继续加大职业技能培训力度，帮助高校毕业生等重点群体实现就业。"]

SPLIT_CREDITS = [["摄影", "／周晓雯"], ["摄影", "/ 周晓雯"], ["摄影：", "周晓雯"], ["图", "／周晓雯"],
                 ["文", "／周晓雯"], ["文／图", "周晓雯"], ["视觉江城 摄影", "周晓雯"], ["记者", "周晓雯"],
                 ["撰文", "／周晓雯 林立"], ["图片来源", "视觉中国"]]
TIMES = ["9月1日15:49", "09-01 15:49", "9月1日 15:49", "昨天 15:49", "15:49", "发布于 9月1日 15:49",
         "09月01日 15:49 来源：江城日报", "2小时前"]


def kept_lines(text):
    return clean(text).text.split("\n")


@pytest.mark.parametrize("credit", SPLIT_CREDITS, ids=lambda c: "".join(c))
@pytest.mark.parametrize("where", ["head", "tail"])
def test_a_credit_split_over_two_lines_goes_at_either_edge(credit, where):
    lines = credit + BODY if where == "head" else BODY + credit
    assert kept_lines("\n".join(lines)) == BODY


@pytest.mark.parametrize("stamp", TIMES)
@pytest.mark.parametrize("where", ["head", "tail"])
def test_a_time_without_its_year_goes(stamp, where):
    lines = [stamp, *BODY] if where == "head" else [*BODY, stamp]
    assert kept_lines("\n".join(lines)) == BODY


def test_a_day_without_its_year_goes_above_the_story_only():
    """Below the story a bare day may close a notice (the issuer, then the day): it stays."""
    assert kept_lines("\n".join(["9月1日 星期日", *BODY])) == BODY
    assert kept_lines("\n".join([*BODY, "江城市人民政府", "9月1日"]))[-1] == "9月1日"


def test_body_lines_that_start_like_a_credit_or_a_time_stay():
    lines = ["记者", "周晓雯在现场看到，零工市场里前来求职的市民排起了长队，工作人员逐一登记求职意向。", *BODY,
             "15:49，最后一批求职者完成了登记，现场招聘会圆满结束，共有三百多人达成就业意向。"]
    kept = kept_lines("\n".join(lines))
    assert lines[1] in kept and lines[-1] in kept


@pytest.mark.parametrize("notice", ["未经江城新闻网书面特别授权，请勿转载或建立镜像，违者依法必究",
                                    "原创版权禁止商业转载 授权>>", "转载申请事宜以及报告侵权行为，请联系我们：0000-1234567"])
def test_reprint_notices_in_other_wordings_go(notice):
    assert kept_lines("\n".join([*BODY, notice])) == BODY


def test_a_sentence_about_reprinting_stays_in_the_body():
    sentence = "市版权局提醒，网站转载新闻作品应当取得著作权人许可，并在显著位置注明来源。"
    assert kept_lines("\n".join([BODY[0], sentence, BODY[1]])) == [BODY[0], sentence, BODY[1]]


def test_links_to_the_neighbouring_article_go_and_a_sentence_about_the_last_article_stays():
    links = ["上一文章：江城租车自驾游安全常识须知", "下一文章：租赁汽车需要承担哪些责任？"]
    assert kept_lines("\n".join([*BODY, *links])) == BODY
    sentence = "上一文章发表后，不少读者来信询问城市书房的开放时间。"
    assert kept_lines("\n".join([BODY[0], sentence, BODY[1]])) == [BODY[0], sentence, BODY[1]]


def test_an_account_s_promotion_and_a_bookmark_notice_below_an_article_block_go():
    """Below readability's article block (no page: only the rules judge it), the account's self-promotion in
    sentences and the portal's bookmark confirmation go, and a body sentence about scanning a code stays."""
    promo = "专注江城美食报道，每日推送最新探店资讯。扫描下方二维码关注江城吃货官方微信（或微信中搜：jcchihuo）。"
    bookmark = "您可通过江城网首页（www.example.cn）顶部 “我的收藏”， 查看所有收藏过的文章。"
    scanned = "记者扫描下方二维码关注该公众号后发现，页面要求填写银行卡信息，随即向警方报告。"
    text = "\n".join([*BODY, scanned, promo, bookmark])
    assert Pipeline().clean(text, meta={"extractor": "readability-lxml"}).text.split("\n") == [*BODY, scanned]
