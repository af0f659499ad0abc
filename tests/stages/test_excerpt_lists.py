"""Lists of excerpts (an index of posts, related articles with their first words cut short by the template) go
from an article or a page, outside its body; a body whose paragraphs trail off, or end on the writer's ellipsis,
stays.

Every text here is written for the test (江城网 and its invented stories), in the shape real pages have.
"""
from __future__ import annotations

from newsclean import clean
from newsclean.stages import excerptlists

from test_page_text import BODY, META, TITLE, removed_by  # the same article of 江城网, with excerpt lists below

# Related posts: a headline, a line of the post's category, and its first words cut short by the template.
RELATED_POSTS = [
    "相关文章",
    "江城图书馆推出夜间阅读服务", "发布于 文化", "图书馆延长开放时间后，夜间到馆读者比去年同期增加了三成，不少上班族下班后…",
    "江城举办第五届全民阅读节", "发布于 文化", "阅读节期间，全市各图书馆将举办讲座、展览和亲子活动一百余场，市民可以通过...",
    "社区书屋如何留住读者", "发布于 社区", "有的书屋一年借不出几本书，有的却天天满座，记者走访了城区十几家书屋，发现......",
]


def test_related_posts_cut_short_below_an_article_go_and_the_body_stays():
    result = clean("\n".join([TITLE, META] + BODY + RELATED_POSTS))
    kept = result.text.split("\n")
    assert all(paragraph in kept for paragraph in BODY) and TITLE in kept
    gone = removed_by(result, excerptlists.RULE_ID)
    assert RELATED_POSTS[3] in gone and RELATED_POSTS[-1] in gone and "社区书屋如何留住读者" in gone
    assert "江城举办第五届全民阅读节" not in kept


def test_a_body_whose_paragraphs_trail_off_without_headlines_between_stays():
    # a forum post: every paragraph ends in dots, but no headline stands between them
    post = [p[:-1] + "..." for p in BODY]
    result = clean("\n".join([TITLE] + post))
    assert removed_by(result, excerptlists.RULE_ID) == []
    assert all(p in result.text.split("\n") for p in post)


def test_paragraphs_ending_on_the_writers_ellipsis_are_no_excerpts():
    essay = [TITLE]
    for n, paragraph in enumerate(BODY, 1):
        essay += [f"之{n}", paragraph[:-1] + "……"]  # short section marks and paragraphs that trail off as writers do
    assert excerptlists.excerpt_lists(essay) == []
    assert clean("\n".join(essay)).text.split("\n")[2] == essay[2]


def test_what_a_cut_short_summary_is():
    assert excerptlists.is_cut_short("图书馆延长开放时间后，夜间到馆读者比去年同期增加了三成，不少上班族下班后…")
    assert excerptlists.is_cut_short("阅读节期间，全市各图书馆将举办讲座、展览和亲子活动一百余场，市民可以通过..")
    assert not excerptlists.is_cut_short("父爱如山，父爱如海，父爱亦如天空一样辽阔而深远，让人久久不能忘怀……")
    assert not excerptlists.is_cut_short("江城图书馆推出夜间阅读服务…")  # a headline, too short for a summary
    assert excerptlists.is_cut_short("夜间阅读服务推出三个月来，到馆读者比去年同期增加了三成，许多人表示。。。 ")
    assert not excerptlists.is_cut_short(BODY[0])
