"""A small corpus in the shape of scraped news, written for the Ray engine's tests: reposts, a chain of edits
(A ~ B ~ C with A and C apart), copies that dropped different digits, weekly reports differing only in their
figures, a page of nothing but chrome, broken lines, and distinct stories."""
from __future__ import annotations

import json
import random

PLACES = ["临江市", "东湖区", "南湖街道", "江北新区", "西山县", "北港镇", "青石乡", "白沙区", "石门县", "桃源镇"]
ACTS = ["召开", "举办", "启动", "部署", "推进", "完成", "开展", "总结"]
THINGS = ["安全生产大检查", "重点项目集中开工仪式", "社区运动会", "农村人居环境整治", "防汛应急演练", "招商引资推介会",
          "文明城市创建工作", "冬季供暖保障工作", "中小学开学准备工作", "夜间经济发展座谈会"]
DETAILS = ["相关部门负责人参加会议", "与会人员围绕下一步工作进行了深入讨论", "现场气氛热烈", "各单位要压实责任抓好落实",
           "活动吸引了众多居民参与", "会议对有关事项作了具体安排", "工作组将定期开展督导检查", "群众对此给予积极评价"]


def sentence(rng: random.Random) -> str:
    return (f"{rng.randint(1, 12)}月{rng.randint(1, 28)}日，{rng.choice(PLACES)}{rng.choice(ACTS)}"
            f"{rng.choice(THINGS)}，{rng.choice(DETAILS)}。")


def story(rng: random.Random, n: int = 10) -> list[str]:
    return [sentence(rng) for _ in range(n)]


def lines(seed: int = 5, fillers: int = 30) -> list[str]:
    rng = random.Random(seed)
    docs: list[tuple[str, str]] = []
    s = story(rng)
    docs += [("repost-a", "\n".join(s)), ("repost-b", "来源：临江日报\n" + "\n".join(s) + "\n分享到：微信 微博")]
    # A chain: B shares eight of A's ten sentences, C eight of B's; A and C share six. A has no gap, so it is
    # kept first; B is A's copy; C, compared with the kept A only, stays: components would merge all three.
    base, t = story(rng), story(rng)
    lead = "全市一季度完成固定资产投资12亿元，同比增长8%。"
    gapped = "全市一季度完成固定资产投资亿元，同比增长8%。"
    a = [lead] + base
    b = [gapped] + base[:8] + t[8:]
    c = [gapped] + base[:6] + t[6:]
    docs += [("chain-a", "\n".join(a)), ("chain-b", "\n".join(b)), ("chain-c", "\n".join(c))]
    # Copies that dropped different digits: the kept one (one gap) gets a suggestion from the other (two gaps).
    body = story(rng, 8)
    kept = ["今年以来，北港镇完成投资亿元，发放补贴56万元，同比增长15%。"] + body
    dropped = ["今年以来，北港镇完成投资3.5亿元，发放补贴万元，同比增长%。"] + body
    docs += [("gaps-one", "\n".join(kept)), ("gaps-two", "\n".join(dropped))]
    # Weekly reports from one template, differing only in their figures: kept apart by the figure check.
    week = story(rng, 6)
    for n, (price, volume) in enumerate([("3.25", "1268"), ("3.41", "1307")]):
        docs.append((f"weekly-{n}", "\n".join([f"本周猪肉均价每斤{price}元，成交量{volume}吨，环比略有上涨。"] + week)))
    docs.append(("all-chrome", "首页 » 新闻 » 本地\n分享到：微信 微博"))
    docs += [(f"story-{n:02d}", "\n".join(story(rng))) for n in range(fillers)]
    out = [json.dumps({"id": rid, "text": text}, ensure_ascii=False) for rid, text in docs]
    out.insert(5, '{"id": "broken", "text": "临江')
    out.insert(9, '{"id": "no-text", "body": "正文"}')
    return out


def write(path, **kwargs) -> None:
    path.write_text("\n".join(lines(**kwargs)) + "\n", encoding="utf-8")


# ----------------------------------------------------------------------------- a corpus at scale

SITES = ["news.linjiang.example", "daily.donghu.example", "www.beigang.example"]
FOOTERS = ["责任编辑：王明", "本文来源：临江融媒", "扫一扫，分享到微信朋友圈"]


def _copy_of(rng: random.Random, sentences: list[str], kind: int) -> list[str]:
    """An edited copy, as scrapers and reposters make them: a sentence cut, a sentence added, digits dropped."""
    if kind == 0:
        cut = rng.randrange(len(sentences))
        return sentences[:cut] + sentences[cut + 1:]
    if kind == 1:
        return ["转载自临江日报客户端。"] + sentences
    lead = sentences[0]
    for digit in "0123456789":
        lead = lead.replace(digit, "", 1) if digit in lead and rng.random() < 0.5 else lead
    return [lead] + sentences[1:]


def scale_lines(count: int = 20_000, seed: int = 11) -> list[str]:
    """`count` JSONL lines from three sites: distinct stories, with about one in five belonging to a planted
    cluster of near-duplicates (two to four copies: a sentence cut, a lead added, digits dropped), a site
    footer on a third of each site's pages (learned as site chrome), and one broken line in every 5,000."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < count:
        n = len(out)
        if n % 5000 == 4999:
            out.append('{"id": "broken-%06d", "text": "临江' % n)
            continue
        sentences = story(rng, rng.randint(5, 8))
        copies = [sentences]
        if rng.random() < 0.08:
            copies += [_copy_of(rng, sentences, rng.randrange(3)) for _ in range(rng.randint(1, 3))]
        for k, text in enumerate(copies[: count - len(out)]):
            site = rng.randrange(len(SITES))
            body = text + ([FOOTERS[site]] if rng.random() < 0.34 else [])
            rid = f"doc-{len(out):06d}"
            out.append(json.dumps({"id": rid, "url": f"https://{SITES[site]}/a/{len(out)}.html",
                                   "text": "\n".join(body)}, ensure_ascii=False))
    return out


def write_scale(path, **kwargs) -> None:
    path.write_text("\n".join(scale_lines(**kwargs)) + "\n", encoding="utf-8")
