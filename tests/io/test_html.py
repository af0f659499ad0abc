"""HTML in: pages of our own as `.html` files, in a WARC built with warcio, and in a JSONL field; bad pages
(empty, binary, broken markup, a wrong charset declared, GB18030) each end as a record or a reject with its
reason, and the offsets of HTML input index the extracted text."""
from __future__ import annotations

import gzip
import io
import json
import random
from pathlib import Path

import pytest

import lxml.html

from newsclean import Pipeline
from newsclean.html import PageError, combine, decode_page, extract, is_prose, set_apart
from newsclean.io import ReadOptions, Record, Reject, read_records
from newsclean.run import RunConfig, run

BODY = [
    "2月17日，湖南省长沙市召开全市经济工作会议，会议总结了过去一年的工作成绩，部署了今年的重点任务。",
    "会议指出，今年全市地区生产总值增长%，规模以上工业增加值增长明显，固定资产投资保持平稳增长态势。",
    "会议要求，各级各部门要坚持稳中求进工作总基调，完整准确全面贯彻新发展理念，推动经济高质量发展。",
    "会议还对优化营商环境、扩大有效投资、保障和改善民生等方面的工作作出具体安排，要求抓好落实见到实效。",
]
MENU = ["首页", "新闻", "体育", "财经", "娱乐", "科技", "汽车", "房产", "教育", "旅游"]
RELATED = ["长沙地铁六号线开通运营", "湘江新区发布人才新政", "岳麓山景区游客创新高", "橘子洲焰火晚会恢复举办"]


def page(charset: str = "utf-8", body: list[str] = BODY, title: str = "长沙召开全市经济工作会议",
         meta: bool = True) -> str:
    """A news page of the usual shape: menu, headline, body paragraphs, related links, comments, footer."""
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if meta else ""
    return (
        f"<!DOCTYPE html><html><head>{head}<title>{title}_某某新闻网</title>"
        '<meta property="article:published_time" content="2024-02-17T09:30:00+08:00">'
        '<meta name="author" content="李明"></head><body>'
        '<div id="nav"><ul>' + "".join(f'<li><a href="/c{i}">{m}</a></li>' for i, m in enumerate(MENU)) + "</ul></div>"
        '<div class="crumb">您所在的位置：<a href="/">首页</a> &gt; <a href="/news">新闻</a></div>'
        f'<div class="article"><h1>{title}</h1><div class="info">2024-02-17 09:30 来源：某某日报</div>'
        + "".join(f"<p>{p}</p>" for p in body) +
        '</div><div class="related"><h3>相关新闻</h3><ul>'
        + "".join(f'<li><a href="/n{i}.html">{r}</a></li>' for i, r in enumerate(RELATED)) +
        '</ul></div><div class="comments"><div class="c">网友甲：说得好 回复(3)</div>'
        '<div class="c">网友乙：支持 回复(1)</div></div>'
        '<div id="footer">关于我们 | 联系我们 | 版权所有 © 2024 某某新闻网 京ICP备12345678号</div></body></html>'
    )


def units(*paths, **options) -> list[Record | Reject]:
    return list(read_records([str(p) for p in paths], ReadOptions(**options)))


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# ----------------------------------------------------------------------------- extraction

def test_extract_keeps_the_body_and_leaves_menus_related_links_and_footer():
    result = extract(page())
    lines = result.text.split("\n")
    for paragraph in BODY:
        assert paragraph in lines
    for chrome in MENU[1:] + RELATED + ["关于我们 | 联系我们 | 版权所有 © 2024 某某新闻网 京ICP备12345678号"]:
        assert chrome not in lines
    assert "网友甲：说得好 回复(3)" not in result.text


def test_extract_reads_title_date_author_from_the_page():
    meta = extract(page(), url="https://news.example.cn/2024/0217/a1.html").metadata
    assert meta["title"].startswith("长沙召开全市经济工作会议")
    assert meta["published"] == "2024-02-17"
    assert meta["author"] == "李明"
    assert meta["url"] == "https://news.example.cn/2024/0217/a1.html"


def test_a_footer_copyright_year_is_not_taken_for_the_publish_date():
    html = page().replace('<meta property="article:published_time" content="2024-02-17T09:30:00+08:00">', "")
    html = html.replace("2024-02-17 09:30 ", "")
    assert "published" not in extract(html).metadata


def test_a_page_without_main_text_is_no_content():
    with pytest.raises(PageError, match="^no-content"):
        extract("<html><body><a href='/a'>首页</a></body></html>")
    with pytest.raises(PageError, match="^empty-document"):
        extract("  \n ")


def test_combine_puts_back_prose_readability_left_out_and_nothing_else():
    readable = [BODY[0], BODY[2]]
    # trafilatura joined the first two of readability's lines into one and found BODY[1] and a menu line.
    recalled = ["首页 新闻 体育", BODY[0], BODY[1], BODY[2], "相关新闻"]
    assert combine(readable, recalled) == [BODY[0], BODY[1], BODY[2]]
    joined = [BODY[0] + BODY[2]]
    assert combine(readable, joined) == readable  # the same text cut differently adds nothing
    assert combine([], recalled) == recalled  # readability found nothing: trafilatura's text
    assert is_prose(BODY[1]) and not is_prose("相关新闻") and not is_prose("长沙地铁六号线开通运营，湘江新区发布人才新政")


# What trafilatura may find beside readability's block on a page of our own: a comment, a related story's blurb
# under its link, a disclaimer and a reprint notice after the article, and the article's real last paragraph.
COMMENT = "这篇报道说得很清楚，希望有关部门尽快落实各项政策，让老百姓真正得到实惠，我们都在看着呢。"
BLURB = "湘江新区近日发布新一轮人才政策，对来长就业的高校毕业生给予生活补贴，"
DISCLAIMER = "声明：本文仅代表作者本人观点，与某某新闻网无关，不构成任何投资建议，据此操作风险自担。"
REPRINT = "本文为某某新闻网原创稿件，未经授权不得转载，转载请注明出处，违者将依法追究其法律责任。"
LAST = "会议强调，要以更大力度推进改革开放，为全面建设社会主义现代化国家开好局起好步，作出新的更大贡献。"


def put_back_page() -> str:
    return (
        '<html><body><div class="main"><div class="article">' + "".join(f"<p>{p}</p>" for p in BODY) +
        f'</div><div class="more"><p>{LAST}</p></div><p>{DISCLAIMER}</p><p>{REPRINT}</p></div>'
        f'<table><tr><td><a href="/n1.html"><b>湘江新区发布人才新政</b></a><br>{BLURB}</td></tr></table>'
        f'<div id="post_comment"><div class="item"><span>网友甲</span><p>{COMMENT}</p></div></div></body></html>'
    )


def test_the_markup_sets_apart_a_comment_and_a_blurb_under_its_link_but_not_a_last_paragraph():
    tree = lxml.html.document_fromstring(put_back_page())
    assert set_apart(tree, COMMENT)  # under `post_comment`: readability's own name for no article
    assert set_apart(tree, "湘江新区发布人才新政 " + BLURB)  # in the box of a linked headline
    assert not set_apart(tree, LAST)  # a paragraph of its own in a box readability did not take
    assert not set_apart(tree, DISCLAIMER)  # its wording, not the markup, says chrome: the chrome stage's
    assert not set_apart(tree, "页面上没有的一句话，trafilatura把它拼成了别的样子。")


def test_combine_leaves_out_lines_set_apart_only_before_or_after_the_shared_span():
    readable = [BODY[0], BODY[2]]
    recalled = [COMMENT, BODY[0], BODY[1], BODY[2], LAST, COMMENT]
    apart = {COMMENT, BODY[1]}.__contains__
    # BODY[1] lies between lines both extractors keep: the article's own, whatever the markup says
    assert combine(readable, recalled, set_apart=apart) == [BODY[0], BODY[1], BODY[2], LAST]
    assert combine(readable, recalled) == [COMMENT, BODY[0], BODY[1], BODY[2], LAST, COMMENT]


def test_a_disclaimer_and_a_reprint_notice_put_back_after_the_article_are_chrome_for_the_stages():
    text = "\n".join([*BODY, LAST, DISCLAIMER, REPRINT])
    kept = Pipeline().clean(text, meta={"extractor": "readability-lxml"}).text.split("\n")
    assert LAST in kept and DISCLAIMER not in kept and REPRINT not in kept


# ----------------------------------------------------------------------------- charsets

def test_charset_from_http_header_meta_and_detection():
    html = page("gbk")
    gbk = html.encode("gb18030")
    assert decode_page(gbk) == (html, "gb18030")  # the meta tag (gbk read as its superset gb18030)
    no_meta = page(meta=False).encode("gb18030")
    assert decode_page(no_meta, "text/html; charset=GB2312")[1] == "gb18030"  # the HTTP header
    text, encoding = decode_page(no_meta)  # nothing declared: detected
    assert text == page(meta=False) and encoding.replace("_", "").lower() in ("gb18030", "gbk", "gb2312")


def test_a_wrong_charset_declared_is_overruled_by_the_bytes():
    utf8_said_gbk = page("gbk").encode("utf-8")
    assert decode_page(utf8_said_gbk) == (page("gbk"), "utf-8")
    gbk_said_utf8 = page("utf-8").encode("gb18030")
    text, encoding = decode_page(gbk_said_utf8, "text/html; charset=utf-8")
    assert text == page("utf-8") and encoding == "gb18030"


def test_bytes_no_charset_decodes_are_rejected():
    noise = random.Random(1)
    with pytest.raises(PageError, match="^invalid-encoding"):
        decode_page(b"<html><body>" + bytes(noise.randrange(128, 256) for _ in range(3000)) + b"</body></html>")


# ----------------------------------------------------------------------------- files

def test_html_files_plain_and_gzip_gb18030_become_records(tmp_path):
    a = write(tmp_path / "a.html", page().encode("utf-8"))
    b = write(tmp_path / "b.htm.gz", gzip.compress(page("gb2312").encode("gb18030"), mtime=0))
    got = units(a, b)
    assert [type(u) for u in got] == [Record, Record]
    assert [u.encoding for u in got] == ["utf-8", "gb18030"]
    assert got[0].text == got[1].text and BODY[3] in got[0].text
    assert got[0].meta["raw"] == "extracted-text" and got[0].meta["author"] == "李明"


def test_bad_html_files_are_rejected_with_their_reason(tmp_path):
    write(tmp_path / "1-empty.html", b"")
    write(tmp_path / "2-blank.html", b"  \n\t ")
    write(tmp_path / "3-image.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    write(tmp_path / "4-links.html", b"<html><body><a href='/'>home</a></body></html>")
    whole = page().encode("utf-8")
    cut_in_a_comment = whole[: whole.index("网友甲".encode()) + 4]  # cut inside a character, tags left open
    write(tmp_path / "5-broken.html", cut_in_a_comment.replace(b"</p>", b""))
    write(tmp_path / "6-cut.html.gz", gzip.compress(page().encode("utf-8"))[:-30])
    write(tmp_path / "7-frames.html", b"<html><frameset><frame src='a.html'><frame src='b.html'></frameset></html>")
    write(tmp_path / "8-deep.html", b"<html><body>" + b"<div><span>" * 20000 + b"</body></html>")
    got = units(tmp_path)
    reasons = [u.reason.split(":")[0] if isinstance(u, Reject) else "record" for u in got]
    assert reasons == ["empty-document", "empty-document", "binary-file", "no-content", "record", "truncated-input",
                       "no-content", "no-content"]
    broken = got[4]
    assert all(p in broken.text for p in BODY)  # broken markup still gives its body


def test_jsonl_with_an_html_field(tmp_path):
    records = [{"id": "p1", "url": "https://news.example.cn/a.html", "html": page(), "site": "某某新闻网"},
               {"id": "p2", "html": None}, {"id": "p3", "html": "<html><body><p>短</p></body></html>"}]
    dump = write(tmp_path / "pages.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
    got = units(dump, html_field="html")
    assert isinstance(got[0], Record) and got[0].fields == {"id": "p1", "url": "https://news.example.cn/a.html",
                                                             "site": "某某新闻网"}
    assert got[0].meta["url"] == "https://news.example.cn/a.html" and BODY[0] in got[0].text
    assert [u.reason.split(":")[0] for u in got[1:]] == ["bad-field", "no-content"]


def _warc(path: Path, pages: list[tuple[str, str, bytes, str]]) -> Path:
    """A gzipped WARC with a warcinfo record, then (url, content type, body, status) responses with requests."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for url, content_type, body, status in pages:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
    return path


def test_warc_responses_become_records_and_other_content_is_counted(tmp_path):
    gbk = page(meta=False).encode("gb18030")
    warc = _warc(tmp_path / "crawl.warc.gz", [
        ("https://news.example.cn/a.html", "text/html; charset=utf-8", page().encode("utf-8"), "200 OK"),
        ("https://news.example.cn/b.html", "text/html; charset=GBK", gbk, "200 OK"),
        ("https://news.example.cn/logo.png", "image/png", b"\x89PNG\r\n\x1a\n", "200 OK"),
        ("https://news.example.cn/old.html", "text/html", b"", "301 Moved Permanently"),
    ])
    got = units(warc)
    assert [type(u) for u in got] == [Record, Record, Reject, Reject]
    assert got[0].text == got[1].text and got[1].encoding == "gb18030"
    assert got[0].fields["url"] == "https://news.example.cn/a.html" and got[0].id.startswith("<urn:uuid:")
    assert [u.reason.split(":")[0] for u in got[2:]] == ["not-html", "not-a-page"]


def test_a_damaged_warc_keeps_the_records_before_the_damage(tmp_path):
    warc = _warc(tmp_path / "crawl.warc.gz", [
        (f"https://news.example.cn/{i}.html", "text/html", page(title=f"第{i}条新闻的标题").encode(), "200 OK")
        for i in range(3)])
    data = warc.read_bytes()
    cut = write(tmp_path / "cut.warc.gz", data[: len(data) - 200])
    got = units(cut)
    assert [type(u) for u in got[:2]] == [Record, Record]
    assert isinstance(got[-1], Reject) and got[-1].reason.startswith(("truncated-input", "corrupt-input"))


# ----------------------------------------------------------------------------- the run

def test_a_run_over_html_accounts_for_every_unit_and_offsets_index_the_extracted_text(tmp_path):
    write(tmp_path / "a.html", page().encode("utf-8"))
    write(tmp_path / "b.html", page("gb18030").encode("gb18030"))
    write(tmp_path / "c.html", b"<html><body></body></html>")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    stats = run(RunConfig(inputs=(str(tmp_path / "a.html"), str(tmp_path / "b.html"), str(tmp_path / "c.html")),
                          output=str(out), rejects=str(rejects),
                          read=ReadOptions(extracted_field="extracted")))
    assert (stats.records_in, stats.written, stats.rejected) == (3, 2, 1) and stats.balanced()
    assert json.loads(rejects.read_text())["reason"].startswith("no-content")
    first = json.loads(out.read_text().splitlines()[0])
    assert first["newsclean"]["raw"] == "extracted-text" and first["newsclean"]["author"] == "李明"
    raw, text = first["extracted"], first["text"]
    flags = [a for a in first["annotations"] if a["type"] == "missing_number"]
    assert flags, "the page's 增长% has lost its digits"
    for a in flags:
        assert raw[a["raw_start"]:a["raw_end"]] == text[a["start"]:a["end"]] == "%"
    for r in first["removed"]:
        assert raw[r["raw_start"]:r["raw_end"]] == r["text"]


def test_the_command_reads_html_files_stdin_pages_and_html_fields(tmp_path):
    from click.testing import CliRunner

    from newsclean.cli import main

    html = write(tmp_path / "a.html", page().encode("utf-8"))
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", str(html), "-o", str(out), "--extracted-field", "extracted"])
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text())
    assert record["newsclean"]["raw"] == "extracted-text" and all(p in record["text"] for p in BODY)
    info = "2024-02-17 09:30 来源：某某日报"  # the stages still run: the dateline goes, its source is kept
    assert info in record["extracted"] and info not in record["text"] and record["newsclean"]["source"] == "某某日报"
    piped = CliRunner().invoke(main, ["clean", "-", "-o", "-"], input=page().encode("utf-8"))
    assert piped.exit_code == 0 and json.loads(piped.output.splitlines()[0])["text"] == record["text"]
    dump = write(tmp_path / "d.jsonl", (json.dumps({"id": "x", "page": page()}, ensure_ascii=False) + "\n").encode())
    fielded = CliRunner().invoke(main, ["clean", str(dump), "-o", "-", "--html-field", "page"])
    line = json.loads(fielded.output.splitlines()[0])
    assert line["text"] == record["text"] and "page" not in line


def test_a_page_given_as_text_is_rejected_with_the_way_to_read_it(tmp_path):
    dump = write(tmp_path / "d.jsonl", (json.dumps({"id": "x", "text": "\n " + page()}, ensure_ascii=False) + "\n"
                                        + json.dumps({"id": "y", "text": "<p>一段带标签的文字</p>"}, ensure_ascii=False)
                                        + "\n").encode())
    saved = write(tmp_path / "saved.txt", page().encode("utf-8"))
    got = units(dump, saved)
    assert got[0].reason.startswith("looks-like-html") and "--html-field text" in got[0].reason
    assert isinstance(got[1], Record)  # a fragment of markup in text is text: the normalise stage handles it
    assert got[2].reason.startswith("looks-like-html")


def test_a_linked_headline_inside_the_article_block_is_dropped_but_a_link_in_a_sentence_stays():
    linked = BODY[1].replace("规模以上工业增加值", '<a href="/k">规模以上工业增加值</a>')
    body = [BODY[0], linked, BODY[2], BODY[3]]
    html = page(body=body).replace(
        f"<p>{BODY[3]}</p>", f'<p>{BODY[3]}</p><p><a href="/n9.html">长沙地铁七号线全线开工建设</a></p>'
        '<p>上一篇：<a href="/n8.html">湘江新区发布人才新政</a></p>')
    lines = extract(html).text.split("\n")
    assert BODY[1] in lines  # a link inside a sentence
    assert "长沙地铁七号线全线开工建设" not in lines


def test_link_density_of_lines():
    from lxml.html import fragment_fromstring

    from newsclean.html import is_link_headline, linked_lines

    block = fragment_fromstring('<div><p>全文<a href="/a">链接</a></p><p><a href="/b">长沙地铁七号线全线开工建设</a></p>'
                                "<p>没有链接</p></div>")
    assert linked_lines(block) == [("全文链接", 0.5), ("长沙地铁七号线全线开工建设", 1.0), ("没有链接", 0.0)]
    assert is_link_headline("长沙地铁七号线全线开工建设", 1.0) and not is_link_headline("岳麓山", 1.0)
    assert not is_link_headline(BODY[0], 1.0)  # prose, even all linked, is not a headline


def test_a_table_in_the_article_block_is_kept_where_page_text_would_lose_it():
    # readability's block holds the article and a table of thirty short rows (a wiki's discography, a list of
    # lines): the extractor has found the body, so the stages must not read its rows as a page's link lists.
    from newsclean.pipeline import Pipeline

    rows = [f"第{n}届 长沙{n}号线 通车" for n in range(1, 31)]
    table = "<table>" + "".join(f"<tr><td>{row}</td></tr>" for row in rows) + "</table>"
    extracted = extract(page().replace('</div><div class="related">', table + '</div><div class="related">', 1))
    assert extracted.metadata["extractor"] == "readability-lxml"
    cleaned = Pipeline().clean(extracted.text, meta=extracted.metadata)
    lines = cleaned.text.split("\n")
    assert all(row in lines for row in rows) and all(p in lines for p in BODY)
    assert cleaned.metadata["extractor"] == "readability-lxml"
    # The same text as page text, without the extractor's word, is a full page whose table stands outside the
    # prose block.
    as_page_text = Pipeline().clean(extracted.text)
    assert "第15届 长沙15号线 通车" in [r["text"] for r in as_page_text.removed if r["rule"] == "outside-prose-block"]


def test_trafilatura_text_taken_when_readability_missed_is_named_so():
    # readability takes a sidebar: its block holds little of the prose trafilatura finds.
    from newsclean.html import readability_missed

    assert readability_missed(["热门标签 长沙 湘江"], BODY) and not readability_missed(BODY[:3], BODY)


def table_blog(sidebar_rows: list[str], posts: dict[str, list[str]]) -> str:
    """A blog laid out in one table: a sidebar cell holding a table of rows, then a cell of posts, each a bold
    title and paragraphs broken by <br> (no <p>: the old template's way)."""
    side = "".join(f"<tr><td>{row}</td></tr>" for row in sidebar_rows)
    cell = "".join(f"<b>{title}</b><br>" + "<br>".join(paragraphs) + "<br><br>" for title, paragraphs in posts.items())
    return (f"<html><head><title>{next(iter(posts))} - 老王的博客</title></head><body><table><tr>"
            f"<td class='left'><table>{side}</table></td><td class='right'>{cell}</td></tr></table></body></html>")


ARCHIVE = [f"{2000 + n}年{n % 12 + 1}月 日志归档 共有文章十二篇 阅读次数一千二百次 评论三十条" for n in range(14)]


def test_readability_asked_again_without_the_list_it_picked():
    # readability scores each sidebar row of 25+ characters and none of the posts' <br> lines: it picks the
    # archive table, which holds no prose. Asked again without that table, it takes the posts' cell, line by
    # line; trafilatura's text (the fallback before) joined each post into one line and kept the archive.
    html = table_blog(ARCHIVE, {"河边的小雨": BODY[:2], "山里的冬天": BODY[2:]})
    from newsclean.html import _readability_lines, _trafilatura_lines, _parse, readability_missed

    assert readability_missed(_readability_lines(html), _trafilatura_lines(_parse(html), None))
    extracted = extract(html)
    assert extracted.metadata["extractor"] == "readability-lxml"
    lines = extracted.text.split("\n")
    assert all(p in lines for p in BODY) and "河边的小雨" in lines
    assert not any(row in extracted.text for row in ARCHIVE)



POSTS = {
    "湘江边的早晨": ["今天早上下了一场小雨，我沿着湘江边走到橘子洲头，看见许多市民在雨中晨跑，江面上的雾气久久没有散去。",
                "回来的路上买了两斤青菜和一块豆腐，菜市场的老板说今年春天来得早，地里的菜长得比往年都好。"],
    "岳麓山下的书店": ["岳麓山脚下新开了一家旧书店，店主是一位退休的中学老师，他把自己几十年的藏书都摆上了书架。",
                 "书店里有一间小小的阅览室，周末常有附近大学的学生来这里看书，一坐就是一个下午。"],
    "橘子洲的焰火": ["周六晚上橘子洲恢复了焰火晚会，江边早早挤满了人，焰火升起的时候，整个江面都被照亮了。",
                "晚会结束后，地铁站加开了临时列车，工作人员在各个出口引导游客有序离开，没有出现拥堵。"],
}


def blog_page(title: str, posts: dict[str, list[str]] = POSTS) -> str:
    """A blog page that lists posts, each a heading, a line of its date and a box of paragraphs."""
    entries = "".join(
        f"<div class='entry'><h2><a href='/p{n}.html'>{heading}</a></h2><div class='meta'>2024-02-1{n} 发表于 生活随笔"
        f"</div><div class='text'>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></div>"
        for n, (heading, paragraphs) in enumerate(posts.items()))
    return (f"<html><head><title>{title}</title></head><body><div id='nav'><a href='/'>首页</a> <a href='/a'>归档</a>"
            f"</div><div class='main'>{entries}</div><div id='footer'>Powered by 某某博客</div></body></html>")


def test_a_post_page_that_lists_other_posts_gives_the_post_its_title_names():
    # readability picks the post with the most text; the title names another, and only that one is the page's
    lines = extract(blog_page("岳麓山下的书店 - 老王的博客")).text.split("\n")
    assert all(p in lines for p in POSTS["岳麓山下的书店"])
    assert not any(p in lines for heading in ("湘江边的早晨", "橘子洲的焰火") for p in POSTS[heading])


def test_a_blog_index_keeps_readability_s_choice_and_its_neighbours():
    # the title is the blog's name, no post's heading: no post is singled out, and trafilatura's prose around
    # readability's block comes back as on any page
    text = extract(blog_page("老王的博客_生活随笔")).text
    assert sum(p in text for paragraphs in POSTS.values() for p in paragraphs) >= 4


def test_an_article_with_section_headings_is_not_cut_to_one_section():
    # sections under headings of their own, none of them the title: the whole article stays
    sections = {"一、会议总结": BODY[:2], "二、重点任务": BODY[2:]}
    html = blog_page("长沙召开全市经济工作会议_某某新闻网", sections).replace("class='entry'", "class='section'")
    text = extract(html).text
    assert all(p in text for p in BODY)


def test_a_sidebar_heavy_layout_is_passed_over_one_list_at_a_time():
    # two sidebar cells of rows readability scores above the posts: the first answer is the archive, the
    # second the blogroll, the third (the last retry) the posts
    blogroll = [f"{2010 + n}年{n % 12 + 1}月 友情链接 老李的博客 老张的相册 小赵的书房 读书会" for n in range(14)]
    far = "<td class='far'><table>" + "".join(f"<tr><td>{row}</td></tr>" for row in blogroll) + "</table></td>"
    html = table_blog(ARCHIVE, {"河边的小雨": BODY[:2], "山里的冬天": BODY[2:]})
    html = html.replace("<td class='right'>", far + "<td class='right'>")
    extracted = extract(html)
    assert extracted.metadata["extractor"] == "readability-lxml"
    assert all(p in extracted.text.split("\n") for p in BODY)
    assert not any(row in extracted.text for row in ARCHIVE + blogroll)


# ----------------------------------------------------------------------------- chrome inside readability's block
def article_with_boxes(boxes: str, *, after_title: str = "") -> str:
    """A news page whose article element holds, below its real last paragraph, the boxes given."""
    return (
        "<html><head><title>长沙召开全市经济工作会议_某某新闻网</title></head><body>"
        '<div id="nav">' + " ".join(f'<a href="/c{i}">{m}</a>' for i, m in enumerate(MENU)) + "</div>"
        f'<div class="article"><h1>长沙召开全市经济工作会议</h1>{after_title}'
        + "".join(f"<p>{p}</p>" for p in BODY) + f"<p>{LAST}</p>{boxes}</div>"
        '<div id="footer">关于我们 | 联系我们 | 版权所有 © 2024 某某新闻网</div></body></html>'
    )


RECOMMENDED = {
    "江城地铁三号线年底通车": "记者从江城地铁集团获悉，三号线全线土建工程已经完工，正在进行设备安装和调试，预计年底开通运营。",
    "湘江新区发布人才新政": "湘江新区近日发布新一轮人才政策，对来长就业的高校毕业生给予生活补贴，并提供三年免费住房。",
}


def recommended_box() -> str:
    """`推荐阅读` over two stories, each its title, a blurb, a `【详细】` link and a row of links to its
    section (the row readability's cleaning drops, the heading and the blurbs it keeps)."""
    items = "".join(
        f'<div class="hd"><p><strong>{title}</strong> {blurb} <a href="/d{n}.html">【详细】</a></p>'
        f'<h6><a href="/s{n}.html">城市建设专题</a>|<a href="/t{n}.html">{title}的后续报道</a></h6></div>'
        for n, (title, blurb) in enumerate(RECOMMENDED.items()))
    return f'<div class="box_read"><h2>推荐阅读</h2>{items}</div>'


def test_a_recommended_reading_box_inside_the_article_goes_and_the_last_paragraph_stays():
    lines = extract(article_with_boxes(recommended_box())).text.split("\n")
    assert lines[-len(BODY) - 1:] == BODY + [LAST]  # the article ends on its own last paragraph
    assert not any(blurb in line for blurb in RECOMMENDED.values() for line in lines) and "推荐阅读" not in lines


def test_a_related_story_under_its_linked_headline_inside_the_article_goes():
    title, blurb = next(iter(RECOMMENDED.items()))
    box = (f'<div class="tag_wrap"><div class="ttl">延伸 · 推荐</div><div class="cnt">'
           f'<h3><a href="/r.html">{title}</a></h3><p>{blurb}</p></div></div>')
    lines = extract(article_with_boxes(box)).text.split("\n")
    assert lines[-len(BODY) - 1:] == BODY + [LAST] and "延伸 · 推荐" not in lines


def test_the_posts_of_a_blog_index_each_under_its_linked_headline_are_no_aside():
    # four posts, each in its box under its linked heading: each box is a small part of the block, but together
    # they are all of it, so none is taken for a related story
    headings = ["长沙召开全市经济工作会议的几点体会", "湘江新区人才新政的一次座谈会纪要", "岳麓山景区游客创新高的背后",
                "橘子洲焰火晚会恢复举办的那个晚上"]
    entries = "".join(f'<div class="entry"><h2><a href="/p{n}.html">{h}</a></h2><p>{BODY[n]}</p><p>{LAST}</p></div>'
                      for n, h in enumerate(headings))
    html = f"<html><head><title>老王的博客</title></head><body><div class='main'>{entries}</div></body></html>"
    assert extract(html).text.count(LAST) == len(headings)


def test_a_share_widget_under_the_title_inside_the_article_is_chrome():
    widget = ('<div class="bar"><span>分享到：</span><a href="/wx">微信</a> <a href="/wb">微博</a> '
              '<a href="/qz">QQ空间</a></div><div class="info">2024-02-17 09:30 来源：某某日报 编辑：王五</div>')
    page = extract(article_with_boxes("", after_title=widget))
    kept = Pipeline().clean(page.text, meta=page.metadata).text.split("\n")
    assert kept[-len(BODY) - 1:] == BODY + [LAST]
    assert not any(word in line for word in ("分享到", "微博", "QQ空间", "来源：") for line in kept)


def test_a_reader_comment_put_back_under_the_headline_of_its_story_is_set_apart():
    # a box of a few lines: the story's linked headline, the reader's name, the comment, its votes
    box = (f'<div class="hot"><a href="/n9.html">湘江新区发布人才新政引发热议</a><div class="c"><a href="/u">江城网友</a>'
           f'<div class="t"><p>{COMMENT}</p></div></div><span>支持[26]</span></div>')
    tree = lxml.html.document_fromstring(f"<html><body><div class='article'><p>{BODY[0]}</p></div>{box}</body></html>")
    article = frozenset({"".join(BODY[0].split())})  # readability's block: the paragraph
    assert set_apart(tree, COMMENT, article) and not set_apart(tree, BODY[0], article)


BLOG_POSTS = [
    ("周末去城南书房看书", ["上个周末终于去了新开的城南书房，书房不大，但是布置得很用心，一进门就能看到整面墙的新书。",
                   "书房实行自助借还，刷身份证就能借书，我借了两本游记和一本讲江城老街的小书，回家一口气读完了一本。",
                   "最让我意外的是自习区，下午三点就已经坐满了人，很多是附近的学生，管理员说周末的座位要提前预约。"]),
    ("江北老街的早点摊", ["江北老街的早点摊开了三十多年，豆浆是现磨的，油条炸得金黄，每天早上门口就排起了长队。",
                  "摊主老陈说，他的手艺是跟父亲学的，面要前一天晚上和好，第二天早上才能炸出蓬松的油条。",
                  "老街明年要改造，老陈有点担心，不知道改造以后还能不能在原来的地方摆摊，街坊们也都舍不得。"]),
    ("读《江城旧事》", ["这本书写的是江城一百年来的变迁，作者走访了几十位老人，把码头、老街、工厂的故事记下来。",
                 "书里写到的轮渡码头，我小时候每天都要坐船过江，现在有了大桥和地铁，码头早就拆了。",
                 "读完以后我去江边走了一趟，那块石碑还在，上面的字已经看不太清了，旁边多了一个小公园。"]),
]


def blog_index_page() -> str:
    """A blog's index: its name for a title, three posts one below the other, each with a stamp line of the
    same make under it (a time of day, the reads), in one box readability takes whole."""
    entries = "".join(
        f"<h3>{title}</h3>" + "".join(f"<p>{p}</p>" for p in paragraphs)
        + f"<p class='meta'>由江城老李张贴 @ 2024-05-{12 - 7 * n:02d} 21:{10 + n}:12 ({370 - 100 * n})</p>"
        for n, (title, paragraphs) in enumerate(BLOG_POSTS))
    return ("<html><head><title>江城老李的博客</title></head><body><div id='nav'><a href='/'>首页</a> "
            f"<a href='/a'>归档</a></div><div class='posts'>{entries}</div>"
            "<div id='footer'>Powered by 某某博客</div></body></html>")


def test_readability_s_block_of_a_blog_index_keeps_its_first_post():
    page = extract(blog_index_page())
    assert page.metadata["extractor"] == "readability-lxml"
    lines = page.text.split("\n")
    assert all(p in lines for p in BLOG_POSTS[0][1])
    assert not any(p in page.text for _, paragraphs in BLOG_POSTS[1:] for p in paragraphs)
    assert "江北老街的早点摊" not in lines


def test_an_article_with_its_date_line_above_and_below_keeps_every_paragraph():
    stamp = "<p>发布时间：2024-02-17 09:30</p>"
    html = article_with_boxes(stamp, after_title=stamp)
    lines = extract(html).text.split("\n")
    assert all(p in lines for p in BODY + [LAST])


def test_the_last_paragraph_sharing_its_box_with_the_page_numbers_stays():
    # a row of page numbers is all links, but no related story's headline: the paragraph it stands under is the
    # article's, and its box no item's box
    pages = " ".join(f'<a href="/p{n}.html">[{n}]</a>' for n in range(1, 6))
    lines = extract(article_with_boxes("").replace(f"<p>{LAST}</p>", f"<p>{LAST}<br>{pages}</p>")).text.split("\n")
    assert LAST in lines and all(p in lines for p in BODY)
