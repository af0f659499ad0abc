"""A Scrapy item pipeline: clean each scraped item's text, and drop near-duplicates of pages already seen.

    ITEM_PIPELINES = {"newsclean.scrapy.NewscleanPipeline": 300}
    NEWSCLEAN_TEXT_FIELD = "text"                 # the item field holding the page text
    NEWSCLEAN_DEDUP_INDEX = "seen.npz"            # optional: drop near-duplicates, index kept between crawls

Settings (all optional):

- ``NEWSCLEAN_TEXT_FIELD`` (``"text"``): the field read, and written back with the clean text;
- ``NEWSCLEAN_OUTPUT_FIELDS`` (``{"annotations": "annotations", "removed": "removed", "metadata": "newsclean"}``):
  which parts of the result go into which item fields (a `scrapy.Item` must declare them);
- ``NEWSCLEAN_RULES``: a folder of rule files replacing the shipped ones of the same name;
  ``NEWSCLEAN_T2S`` (True), ``NEWSCLEAN_MARK`` (False), ``NEWSCLEAN_MAX_CHARS``;
- ``NEWSCLEAN_DEDUP`` (True when an index path is set): drop near-duplicates with the streaming `Deduplicator`;
  ``NEWSCLEAN_DEDUP_INDEX``: its ``.npz`` file, loaded when the spider opens (if it exists) and saved when it
  closes, so pages of earlier crawls count as seen; ``NEWSCLEAN_DEDUP_THRESHOLD`` (0.6);
  ``NEWSCLEAN_ID_FIELD`` (``"url"``): the id a document is indexed under (without one, a hash of its clean text).

Dict items and `scrapy.Item`s are handled alike through `itemadapter`. An item whose text cannot be cleaned
(missing, not a string, empty, too long), that is nothing but chrome, or that is a near-duplicate is dropped with `DropItem` and a reason
that says which; the crawl's stats count every outcome under ``newsclean/...``.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from typing import Any

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem, NotConfigured

from .dedup import DedupConfig, Deduplicator
from .io import DEFAULT_MAX_CHARS, ReadOptions, Reject, record_from
from .pipeline import Options, Pipeline

DEFAULT_OUTPUT_FIELDS = {"annotations": "annotations", "removed": "removed", "metadata": "newsclean"}
RESULT_PARTS = ("annotations", "removed", "metadata")


class NewscleanPipeline:
    """Clean `item[text_field]` in place; drop items that cannot be cleaned or that were seen before."""

    def __init__(self, text_field: str = "text", output_fields: dict[str, str] | None = None,
                 rules: str | None = None, options: Options | None = None, max_chars: int = DEFAULT_MAX_CHARS,
                 dedup: bool = False, dedup_index: str | None = None, dedup_threshold: float = DedupConfig.threshold,
                 id_field: str = "url", stats: Any = None):
        fields = dict(DEFAULT_OUTPUT_FIELDS if output_fields is None else output_fields)
        unknown = sorted(set(fields) - set(RESULT_PARTS))
        if unknown:
            raise NotConfigured(f"NEWSCLEAN_OUTPUT_FIELDS: unknown part(s) {', '.join(unknown)}; "
                                f"parts are {', '.join(RESULT_PARTS)}")
        self.text_field = text_field
        self.output_fields = fields
        self.pipeline = Pipeline(rules, options or Options())
        self.read = ReadOptions(text_field=text_field, max_chars=max_chars)
        self.dedup = dedup or dedup_index is not None
        self.dedup_index = dedup_index
        self.dedup_config = replace(DedupConfig(), threshold=dedup_threshold)
        self.id_field = id_field
        self.stats = stats
        self.seen: Deduplicator | None = None

    @classmethod
    def from_crawler(cls, crawler) -> NewscleanPipeline:
        s = crawler.settings
        index = s.get("NEWSCLEAN_DEDUP_INDEX")
        return cls(
            text_field=s.get("NEWSCLEAN_TEXT_FIELD", "text"),
            output_fields=s.getdict("NEWSCLEAN_OUTPUT_FIELDS") or None,
            rules=s.get("NEWSCLEAN_RULES"),
            options=Options(t2s=s.getbool("NEWSCLEAN_T2S", True), mark=s.getbool("NEWSCLEAN_MARK", False)),
            max_chars=s.getint("NEWSCLEAN_MAX_CHARS", DEFAULT_MAX_CHARS),
            dedup=s.getbool("NEWSCLEAN_DEDUP", index is not None),
            dedup_index=index,
            dedup_threshold=s.getfloat("NEWSCLEAN_DEDUP_THRESHOLD", DedupConfig.threshold),
            id_field=s.get("NEWSCLEAN_ID_FIELD", "url"),
            stats=crawler.stats,
        )

    def open_spider(self, spider=None) -> None:
        if not self.dedup:
            return
        if self.dedup_index and os.path.exists(self.dedup_index):
            self.seen = Deduplicator.load(self.dedup_index)
        else:
            self.seen = Deduplicator(self.dedup_config)

    def close_spider(self, spider=None) -> None:
        if self.seen is not None and self.dedup_index:
            self.seen.save(self.dedup_index)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        given = {self.text_field: adapter[self.text_field]} if self.text_field in adapter else {}
        checked = record_from(given, "item", "utf-8", "", self.read, default_id="item")
        if isinstance(checked, Reject):
            self._count(checked.reason.split(":", 1)[0])
            raise DropItem(f"newsclean: {checked.reason}")
        result = self.pipeline.clean(checked.text)
        if not result.text.strip():
            self._count("nothing-left")
            raise DropItem("newsclean: nothing-left: the page was all chrome")
        if self.dedup:
            self._drop_if_seen(adapter, result.text)
        adapter[self.text_field] = result.text
        for part, field in self.output_fields.items():
            self._set(adapter, field, getattr(result, part))
        self._count("cleaned")
        self._count("missing_number_flags", len(result.annotations))
        return item

    def _drop_if_seen(self, adapter: ItemAdapter, text: str) -> None:
        """DropItem when the clean text is a near-duplicate of one indexed before (else index it)."""
        if self.seen is None:  # used without open_spider (called directly, not by a crawl)
            self.open_spider()
        rid = adapter.get(self.id_field)
        rid = str(rid) if rid is not None else "sha1:" + hashlib.sha1(text.encode("utf-8")).hexdigest()
        if rid in self.seen:  # the same page again (a recrawl): the index never matches a document with itself
            self._count("seen-before")
            raise DropItem(f"newsclean: {rid} was indexed before")
        match = self.seen.check(rid, text)
        if match is not None:
            self._count("near-duplicate")
            similarity = f" (Jaccard {match.jaccard:.2f})" if match.jaccard is not None else ""
            raise DropItem(f"newsclean: near-duplicate of {match.id}{similarity}")

    def _set(self, adapter: ItemAdapter, field: str, value: Any) -> None:
        try:
            adapter[field] = value
        except KeyError:
            raise KeyError(f"{type(adapter.item).__name__} has no field {field!r}: declare it, or choose other "
                           f"fields with NEWSCLEAN_OUTPUT_FIELDS") from None

    def _count(self, what: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(f"newsclean/{what}", n)
