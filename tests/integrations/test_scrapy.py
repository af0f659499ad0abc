"""The Scrapy item pipeline, in a real crawl: a `CrawlerProcess` (in a subprocess: Twisted's reactor cannot be
restarted) against an HTTP server this test starts on 127.0.0.1, serving pages of its own."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import scrapy
from scrapy.exceptions import DropItem

from newsclean.scrapy import NewscleanPipeline

# Pages in the shape of a Chinese news site, written for this test.
BODY = ("<p>3月8日，江北新区召开一季度项目推进会，会议通报全区完成固定资产投资亿元，同比增长%。</p>"
        "<p>会议要求，各部门要抓好重点项目建设，确保上半年开工项目全部落地。</p>"
        "<p>新区负责人表示，将进一步优化营商环境，为企业发展提供更好的服务。</p>")
OTHER = ("<p>3月9日，南湖街道举办社区运动会，近千名居民参加了拔河、跳绳等项目。</p>"
         "<p>街道负责人介绍，运动会已连续举办五届，成为社区居民的节日。</p>")


def page(body: str, links: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title>新闻</title></head><body>"
            f"<div class='crumb'>首页 &gt; 要闻 &gt; 正文</div>{body}"
            f"<div class='share'>分享到：微信 微博 QQ空间</div>{links}</body></html>")


def then(path: str) -> str:
    """A link to the next page (without text): pages are fetched one after another, in a known order."""
    return f"<a class='next' href='{path}'></a>"


PAGES = {
    "/news/1": page(BODY, then("/news/2")),
    "/news/2": page(OTHER, then("/news/3")),
    "/news/3": page("<div>来源：江北日报</div>" + BODY, then("/news/4")),  # /news/1's story, other chrome
    "/news/4": page(""),  # nothing but chrome
}


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self):
        html = PAGES.get(self.path)
        data = (html or "not found").encode("utf-8")
        self.send_response(200 if html else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture()
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


CRAWL = textwrap.dedent("""
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess

    class Article(scrapy.Item):
        url = scrapy.Field()
        text = scrapy.Field()
        annotations = scrapy.Field()
        removed = scrapy.Field()
        newsclean = scrapy.Field()

    class News(scrapy.Spider):
        name = "news"
        start_urls = [sys.argv[1] + "/news/1"]

        def parse(self, response):
            yield from response.follow_all(css="a.next", callback=self.parse)
            text = "\\n".join(t.strip() for t in response.css("body *::text").getall() if t.strip())
            # scrapy.Items for odd pages, dicts for even ones: the pipeline takes both.
            if int(response.url.rsplit("/", 1)[1]) % 2:
                yield Article(url=response.url, text=text)
            else:
                yield {"url": response.url, "text": text}

    process = CrawlerProcess(settings={
        "ITEM_PIPELINES": {"newsclean.scrapy.NewscleanPipeline": 300},
        "NEWSCLEAN_DEDUP_INDEX": sys.argv[2],
        "FEEDS": {sys.argv[3]: {"format": "jsonlines", "encoding": "utf-8"}},
        "ROBOTSTXT_OBEY": False, "LOG_LEVEL": "INFO", "TELNETCONSOLE_ENABLED": False,
    })
    crawler = process.create_crawler(News)
    process.crawl(crawler)
    process.start()
    print(json.dumps({k: v for k, v in crawler.stats.get_stats().items() if k.startswith(("newsclean/", "item_"))}))
""")


def crawl(tmp_path: Path, site: str, name: str) -> tuple[list[dict], dict, str]:
    script = tmp_path / "crawl.py"
    script.write_text(CRAWL, encoding="utf-8")
    feed = tmp_path / f"{name}.jsonl"
    done = subprocess.run([sys.executable, str(script), site, str(tmp_path / "seen.npz"), str(feed)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()] if feed.exists() else []
    return items, json.loads(done.stdout.strip().splitlines()[-1]), done.stderr


def test_a_crawl_cleans_items_and_drops_near_duplicates_across_crawls(tmp_path, site):
    items, stats, log = crawl(tmp_path, site, "first")
    by_url = {item["url"].rsplit("/", 1)[1]: item for item in items}
    assert sorted(by_url) == ["1", "2"]
    first = by_url["1"]
    assert first["text"].startswith("3月8日") and "首页" not in first["text"] and "分享到" not in first["text"]
    assert {a["rule"].removeprefix("model+") for a in first["annotations"]} == {"amount-without-number",
                                                                             "percent-without-number"}
    assert {r["rule"] for r in first["removed"]} >= {"breadcrumb"}
    assert by_url["2"]["text"].startswith("3月9日") and by_url["2"]["annotations"] == []
    assert stats["newsclean/cleaned"] == 2 and stats["newsclean/near-duplicate"] == 1
    assert stats["newsclean/nothing-left"] == 1 and stats["item_dropped_count"] == 2
    assert f"near-duplicate of {site}/news/1" in log
    assert (tmp_path / "seen.npz").exists()  # saved when the spider closed
    # A second crawl with the saved index: every page was seen in the first one.
    items, stats, log = crawl(tmp_path, site, "second")
    assert items == []
    assert stats["newsclean/seen-before"] == 2 and stats["newsclean/near-duplicate"] == 1


class Article(scrapy.Item):
    url = scrapy.Field()
    text = scrapy.Field()


def test_an_item_without_the_output_fields_says_which_to_declare():
    pipeline = NewscleanPipeline()
    with pytest.raises(KeyError, match="Article has no field 'annotations'"):
        pipeline.process_item(Article(url="u1", text="3月8日，江北新区召开项目推进会。"))
    narrow = NewscleanPipeline(output_fields={})
    item = narrow.process_item(Article(url="u1", text="首页 > 要闻 > 正文\n3月8日，江北新区召开项目推进会。"))
    assert item["text"] == "3月8日，江北新区召开项目推进会。"


def test_items_that_cannot_be_cleaned_are_dropped_with_the_reason():
    pipeline = NewscleanPipeline()
    with pytest.raises(DropItem, match="missing-field"):
        pipeline.process_item({"url": "u"})
    with pytest.raises(DropItem, match="bad-field: 'text' is list"):
        pipeline.process_item({"url": "u", "text": ["正文"]})
    with pytest.raises(DropItem, match="empty-document"):
        pipeline.process_item({"url": "u", "text": " \n "})
    with pytest.raises(DropItem, match="nothing-left: the page was all chrome"):
        pipeline.process_item({"url": "u", "text": "首页 > 要闻 > 正文\n分享到：微信 微博 QQ空间"})
