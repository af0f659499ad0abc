"""Every removal `newsclean clean` makes on text that is all body: clean real news, and the gold pages' body.

    python benchmarks/removals.py                      # test parts: summary by kind
    python benchmarks/removals.py --part train --list  # every removal of the train parts, to read by eye
    python benchmarks/removals.py --list --kind repeat:near-repeat-caption

Clean news (`real_data.clean_news(part)`, the article `text`): every line is body, so every character removed
is body lost, except, reported apart:
- the CCTV byline prefix `央视网消息（新闻联播）：` (chrome);
- true repeats: a line that stands twice word for word (exact repeats), or word for word inside a line that
  stays (contained repeats): collapsing it loses no content;
- boilerplate the source carries: a line of 40 characters or more that a chrome rule removed and that stands
  word for word in 5 or more articles of the part (a portal's disclaimer under every item). A body sentence
  that templated items share is shorter, and one that a chrome rule took stays in the count.

Pages (`real_data.pages(part)` with a hand-marked `gold` body, cleaned from their `text`): a removal is body
lost when its text (NFKC, no spaces) is in the gold body and the cleaned text keeps fewer copies of it than the
gold body has; the other removals took chrome (not listed: that is what `score_pages.py` measures).

Joins (reason `layout`, the rejoin stage) remove no characters; they are counted per source, with
`--list --kind layout:cut-mid-sentence` printing the two lines of each join.

The summary line is body characters removed per 10,000 body characters of clean news, without the kinds
reported apart.
"""
from __future__ import annotations

import argparse
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_data import clean_news, pages  # noqa: E402  (the one split definition)

from newsclean import Pipeline  # noqa: E402

CCTV_BYLINE = "央视网消息（新闻联播）："
_SPACE = regex.compile(r"\s+")
# Boilerplate the source carries: a chrome-removed line this long, standing in this many articles.
BOILERPLATE_CHARS = 40
BOILERPLATE_ARTICLES = 5


def _norm(text: str) -> str:
    """What the gold comparison sees of a line: NFKC, no whitespace."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


def _kind(removal: dict) -> str:
    return f"{removal['reason']}:{removal['rule']}"


def _join_context(raw: str, removal: dict, width: int = 40) -> str:
    """The end of the line above a join and the start of the line below it."""
    above = raw[:removal["raw_start"]].rsplit("\n", 1)[-1][-width:]
    below = raw[removal["raw_end"]:].split("\n", 1)[0][:width]
    return f"{above} ⏎ {below}"


class Tally:
    """Removals of one corpus by kind: count, characters, and the removals themselves for `--list`."""

    def __init__(self, name: str):
        self.name = name
        self.count: Counter = Counter()
        self.chars: Counter = Counter()
        self.items: dict[str, list[str]] = defaultdict(list)
        self.body_chars = 0
        self.docs = 0
        self.joins_by_source: Counter = Counter()

    def add(self, kind: str, chars: int, line: str) -> None:
        self.count[kind] += 1
        self.chars[kind] += chars
        self.items[kind].append(line)

    def report(self, out, list_kind: str | None, listing: bool) -> None:
        print(f"== {self.name}: {self.docs} documents, {self.body_chars:,} body characters", file=out)
        for kind in sorted(self.count, key=lambda k: (-self.chars[k], k)):
            per10k = 1e4 * self.chars[kind] / max(1, self.body_chars)
            print(f"  {kind:48s} {self.count[kind]:6d} removals {self.chars[kind]:8d} chars {per10k:8.3f} /10k",
                  file=out)
        if self.joins_by_source:
            print("  joins by source: " + ", ".join(f"{s} {n}" for s, n in sorted(self.joins_by_source.items())),
                  file=out)
        if listing:
            for kind in sorted(self.items):
                if list_kind and not kind.startswith(list_kind):
                    continue
                for line in self.items[kind]:
                    print(f"  [{kind}] {line}", file=out)


def measure_news(pipeline: Pipeline, part: str, limit: int | None) -> Tally:
    """Removals on clean news: all body but the CCTV byline prefix; exact repeats kept apart."""
    tally = Tally(f"clean news ({part})")
    shared = _shared_lines(part, limit)
    for n, record in enumerate(clean_news(part)):
        if limit is not None and n >= limit:
            break
        raw = record["text"]
        result = pipeline.clean(raw, id=record["id"])
        tally.docs += 1
        tally.body_chars += len(raw) - (len(CCTV_BYLINE) if raw.startswith(CCTV_BYLINE) else 0)
        for r in result.removed:
            kind = _kind(r)
            if r["reason"] == "layout":
                tally.joins_by_source[record["source"]] += 1
                tally.add(kind, 0, f"{record['id']}: {_join_context(raw, r)}")
                continue
            text = r["text"]
            if r["raw_start"] == 0 and text.startswith(CCTV_BYLINE) and text.strip() == CCTV_BYLINE.strip():
                kind = "(chrome: CCTV byline prefix)"
            elif r["rule"].startswith(("exact-repeat", "contained-repeat")):
                kind = "(true repeat) " + kind
            elif r["reason"] == "chrome" and shared[text.strip()] >= BOILERPLATE_ARTICLES \
                    and len(text.strip()) >= BOILERPLATE_CHARS:
                kind = "(boilerplate the source carries) " + kind
            tally.add(kind, len(text), f"{record['id']}: {text[:120]}"
                      + (f"  <= copy of: {raw[r['duplicate_of']['raw_start']:][:80].split(chr(10))[0]}"
                         if "duplicate_of" in r else ""))
    return tally


def _shared_lines(part: str, limit: int | None) -> Counter:
    """In how many articles of the part each line stands."""
    counts: Counter = Counter()
    for n, record in enumerate(clean_news(part)):
        if limit is not None and n >= limit:
            break
        counts.update({line.strip() for line in record["text"].split("\n") if line.strip()})
    return counts


def body_loss(gold_norm: str, clean_norm: str, text: str) -> bool:
    """Whether removing `text` lost body: the gold body holds it more often than the cleaned text still does."""
    key = _norm(text)
    return bool(key) and gold_norm.count(key) > clean_norm.count(key)


def measure_pages(pipeline: Pipeline, part: str) -> Tally:
    """Removals on the gold pages that took body (by the gold body), and joins on every page of the part."""
    tally = Tally(f"pages ({part})")
    for page in pages(part):
        result = pipeline.clean(page["text"], id=page["id"])
        for r in result.removed:
            if r["reason"] == "layout":
                tally.joins_by_source[page["source"]] += 1
                tally.add(_kind(r), 0, f"{page['id'][:22]}: {_join_context(page['text'], r)}")
        if not page.get("gold"):
            continue
        tally.docs += 1
        gold_norm, clean_norm = _norm(page["gold"]), _norm(result.text)
        tally.body_chars += len(gold_norm)
        for r in result.removed:
            if r["reason"] != "layout" and body_loss(gold_norm, clean_norm, r["text"]):
                tally.add(_kind(r), len(_norm(r["text"])), f"{page['id'][:22]}: {r['text'][:120]}")
    return tally


def summary_line(news: Tally) -> str:
    lost = sum(c for k, c in news.chars.items() if not k.startswith("(") and not k.startswith("layout"))
    return (f"clean news: body characters removed {1e4 * lost / max(1, news.body_chars):.2f} per 10k "
            f"({lost} of {news.body_chars:,}; CCTV byline prefix, true repeats and source boilerplate apart); "
            f"joins {sum(news.joins_by_source.values())}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--part", choices=("train", "test"), default="test")
    parser.add_argument("--list", action="store_true", help="print every removal (and join) by kind")
    parser.add_argument("--kind", help="with --list: only kinds starting with this (e.g. repeat:near-repeat)")
    parser.add_argument("--limit", type=int, help="clean news: only the first N articles of the part")
    parser.add_argument("--no-pages", action="store_true")
    args = parser.parse_args(argv)
    pipeline = Pipeline()
    news = measure_news(pipeline, args.part, args.limit)
    news.report(sys.stdout, args.kind, args.list)
    if not args.no_pages:
        measure_pages(pipeline, args.part).report(sys.stdout, args.kind, args.list)
    print(summary_line(news))
    return 0


if __name__ == "__main__":
    sys.exit(main())
