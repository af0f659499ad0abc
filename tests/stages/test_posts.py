"""Pages of posts one below the other (`newsclean/stages/posts.py`, rule `later-post`): a blog's index page, a
forum thread. The body is the first post; the posts below it go, and a page that is one article keeps its body
whatever dates it prints. Every page here is written for the test, in the shape real pages have.
"""
from __future__ import annotations

from newsclean import clean
from newsclean.stages.posts import first_post_end, stamp_make

MENU = ["江城博客", "首页", "博文", "相册", "音乐", "收藏", "博友", "关于我", "登录", "注册", "写博客", "帮助"]
SIDEBAR = ["博主资料", "江城老李", "文章分类", "随笔", "游记", "读书", "友情链接", "城南小王的博客", "江北书生",
           "最新评论", "访问统计", "今日访问 12", "总访问 3456"]
FOOTER = ["关于我们", "联系我们", "网站地图", "Copyright © 2024 江城博客 版权所有"]
POST_ONE = ["周末去城南书房看书", "2024-05-12", "上个周末终于去了新开的城南书房，书房不大，但是布置得很用心，"
            "一进门就能看到整面墙的新书，孩子们在少儿区里安安静静地翻着绘本。",
            "书房实行自助借还，刷身份证就能借书，我借了两本游记和一本讲江城老街的小书，回家一口气读完了一本。",
            "最让我意外的是自习区，下午三点就已经坐满了人，很多是附近的学生，管理员说周末的座位要提前一天预约。",
            "回来的路上想，家门口有这样一个地方，比什么都强，下个月打算带父母一起去看看。"]
POST_TWO = ["江北老街的早点摊", "2024-05-05", "江北老街的早点摊开了三十多年，豆浆是现磨的，油条炸得金黄，"
            "每天早上六点不到门口就排起了长队，很多老街坊一吃就是半辈子。",
            "摊主老陈说，他的手艺是跟父亲学的，面要前一天晚上和好，第二天早上才能炸出蓬松的油条。",
            "老街明年要改造，老陈有点担心，不知道改造以后还能不能在原来的地方摆摊，街坊们也都舍不得。"]
POST_THREE = ["读《江城旧事》", "2024-04-28", "这本书写的是江城一百年来的变迁，作者走访了几十位老人，"
              "把码头、老街、工厂的故事一件件记下来，读起来像听长辈聊天。",
              "书里写到的轮渡码头，我小时候每天都要坐船过江，现在有了大桥和地铁，码头早就拆了，只剩下一块石碑。"]


def footer(name: str, stamp: str, reads: int, comments: int) -> list[str]:
    return [f"由{name}张贴 @ {stamp} ({reads})", f"共 {comments} 篇评论 发表评论 >>>"]


def removed_by(result, rule):
    return [r["text"] for r in result.removed if r["rule"] == rule]


def blog_index() -> str:
    lines = (MENU + POST_ONE + footer("江城老李", "2024-05-12 21:30:12", 370, 11)
             + POST_TWO + footer("江城老李", "2024-05-05 08:12:40", 215, 3)
             + POST_THREE + footer("江城老李", "2024-04-28 22:05:09", 98, 0) + SIDEBAR + FOOTER)
    return "\n".join(lines)


def test_on_a_blog_index_the_first_post_stays_and_the_later_posts_go():
    result = clean(blog_index())
    kept = result.text.split("\n")
    assert [line for line in kept if line in POST_ONE] == POST_ONE[:1] + POST_ONE[2:]  # its date is metadata
    later = removed_by(result, "later-post")
    assert POST_TWO[2] in later and POST_THREE[3] in later and "江北老街的早点摊" in later
    assert not any(line in kept for line in POST_TWO + POST_THREE)
    assert "城南小王的博客" not in kept and "江城博客" not in kept


def test_on_a_forum_thread_the_replies_below_the_first_post_go():
    def header(name, stamp):
        return [name, f"发表于 {stamp} | 只看该作者"]

    question = ["求推荐江城适合带孩子看书的地方"] + header("江城老李", "2024-05-12 09:30") + POST_ONE[2:]
    reply_one = header("城南小王", "2024-05-12 10:02") + POST_TWO[2:]
    reply_two = header("江北书生", "2024-05-12 11:47") + POST_THREE[2:]
    result = clean("\n".join(MENU + question + reply_one + reply_two + FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in POST_ONE] == POST_ONE[2:]
    assert "求推荐江城适合带孩子看书的地方" in kept
    assert POST_TWO[3] in removed_by(result, "later-post") and POST_THREE[2] not in kept


def test_an_article_that_prints_its_date_above_and_below_the_body_keeps_its_body():
    stamp = "发布日期：2024-05-12 09:30"
    body = POST_ONE[2:] + POST_TWO[2:] + POST_THREE[2:]
    note = "下一篇打算写写江北的老码头，欢迎大家留言。"  # less than a post below the second stamp
    result = clean("\n".join(MENU + ["江城书房和老街的一个周末", stamp] + body + [stamp, note] + SIDEBAR + FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in body] == body and note in kept
    assert removed_by(result, "later-post") == []


def test_a_list_of_headlines_with_their_times_inside_the_block_is_no_list_of_posts():
    """A portal's article under a ticker that reads as prose, with its date line, and a list of recommended
    headlines each with its time below the body: the list's stamps share the make of the date line, but
    they are a list of items, not posts."""
    ticker = ["江城新建三座城市书房江北老街明年改造江城地铁三号线年底通车江城公园夏季开放时间调整，"
              "江城举办第五届全民阅读节老旧小区改造进入第二批江城新增两条公交线路社区书屋如何留住读者"
              "城南医院新院区启用江城图书馆推出夜间阅读服务江城公园新增儿童乐园社区食堂覆盖全部街道"]
    date = ["江城书房和老街的一个周末", "2024-05-12 09:30:00", "来源：", "江城网"]
    body = POST_ONE[2:] + POST_TWO[2:]
    headlines = []
    for n, title in enumerate(["江城地铁三号线年底通车", "江城公园夏季开放时间调整", "老旧小区改造进入第二批"]):
        headlines += [title, f"2024-05-0{n + 1} 08:58:39"]
    result = clean("\n".join(ticker + MENU + date + body + ["热帖"] + headlines + ticker + SIDEBAR + FOOTER))
    kept = result.text.split("\n")
    assert [line for line in kept if line in body] == body
    assert removed_by(result, "later-post") == []


def test_stamp_makes_and_the_end_of_the_first_post():
    assert stamp_make("发表于 2024-05-12 09:30 | 只看该作者") == stamp_make("发表于 2024-5-2 21:07 | 只看该作者")
    assert stamp_make("2024-05-12 09:30") != stamp_make("由江城老李张贴 @ 2024-05-12 09:30:12 (370)")
    texts = ["第一篇正文", "由甲张贴 @ 2024-05-12 09:30:12 (3)", "第二篇正文", "由乙张贴 @ 2024-05-11 09:30:12 (5)"]
    unlisted = [None] * len(texts)
    assert first_post_end(texts, [120, -12, 150, -12], unlisted, 0, 3) == 0
    # a second post too short for a post (a reply of a line) leaves the block whole
    assert first_post_end(texts, [120, -12, 30, -12], unlisted, 0, 3) == 3
    # stamps of one make that stand in a list of items are no posts' stamps
    assert first_post_end(texts, [120, -12, 150, -12], ["dated-item-list"] * 4, 0, 3) == 3
