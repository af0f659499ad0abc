"""What the chrome stage keeps and loses on real web pages given as page text, page by page and rule by rule.

    python benchmarks/page_removals.py                  # gold pages of the train part: scores, then per rule
    python benchmarks/page_removals.py --part test      # the held-out half (report on it, never tune on it)
    python benchmarks/page_removals.py --part all --show 20 --page ID
    python benchmarks/page_removals.py --source gne_pages --part all --dump /tmp/gne.txt   # no gold: read by eye
    python benchmarks/page_removals.py --clean-news test    # body characters removed per 10k on clean news

It cleans each page's `text` in-process with the shipped rules (as `newsclean clean` does, site chrome learned
across the batch included), scores the output with `../shared/real/score_pages.py`, and then, line by line:
a removed line found in the hand-marked body is *lost* (listed with the rule that took it); a kept line not
found in it is *chrome left*. Pages are read from `../shared/real` at run time through `real_data.py`.
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_data  # noqa: E402

from newsclean import Pipeline  # noqa: E402
from newsclean.sitechrome import SiteChrome  # noqa: E402



# The one chrome clean news carries (shared/real/README.md): the CCTV byline, alone on its line.
CCTV_BYLINE = re.compile(r"央视网消息[（(]新闻联播[）)][：:]?")


def load_scorer():
    spec = importlib.util.spec_from_file_location("score_pages", real_data.REAL / "score_pages.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean_pages(records: list[dict], learn: bool) -> dict[str, object]:
    """Clean every page's text in one batch (the learned site chrome needs the whole batch)."""
    pipeline = Pipeline()
    site = SiteChrome.learn((r["text"], r.get("url")) for r in records) if learn else SiteChrome()
    return {r["id"]: pipeline.clean(r["text"], id=r["id"], site_lines=site.for_url(r.get("url")))
            for r in records}


def line_report(scorer, records, results, show: int) -> None:
    lost_by_rule, left = collections.Counter(), collections.Counter()
    lost_lines, left_lines = [], []
    for r in records:
        gold = scorer.norm(r["gold"])
        res = results[r["id"]]
        for item in res.removed:
            for line in item["text"].split("\n"):
                n = scorer.norm(line)
                if len(n) >= 4 and n in gold:
                    lost_by_rule[item["rule"]] += len(n)
                    lost_lines.append((r["id"], item["rule"], line))
        for line in res.text.split("\n"):
            n = scorer.norm(line)
            if n and n not in gold:
                left[len(n) < 30] += len(n)
                left_lines.append((r["id"], line))
    print("body characters lost, by rule:", dict(lost_by_rule.most_common()) or "none")
    print(f"chrome characters left: {left[True]} in short lines (< 30), {left[False]} in long ones")
    for page, rule, line in lost_lines[:show]:
        print(f"  LOST  {page}  {rule}: {line[:100]}")
    for page, line in left_lines[:show]:
        print(f"  LEFT  {page}: {line[:100]}")


def score(scorer, records, results, per_page: bool) -> str:
    per = {r["id"]: scorer.score_page(r["text"], r["gold"], results[r["id"]].text) for r in records}
    tot = {f: sum(s[f] for s in per.values()) for f in next(iter(per.values()))}
    if per_page:
        for k, s in per.items():
            print(f"{k}\trecall {s['kept'] / max(1, s['gold']):.3f}\tprecision {s['out_body'] / max(1, s['out']):.3f}"
                  f"\tchrome left {s['out_chrome']}/{s['page_chrome']}")
    return (f"pages {len(per)} body_recall {tot['kept'] / tot['gold']:.3f} "
            f"precision {tot['out_body'] / max(1, tot['out']):.3f} "
            f"chrome_removed {1 - tot['out_chrome'] / max(1, tot['page_chrome']):.3f}")


def clean_news_loss(part: str) -> None:
    """Every line of clean news is body, so every character the chrome stage removes from it is lost."""
    pipeline = Pipeline(stages=("normalize", "chrome"))
    records = list(real_data.clean_news(part))
    site = SiteChrome.learn((r["text"], r.get("url")) for r in records)
    chars = removed = 0
    by_rule = collections.Counter()
    for r in records:
        res = pipeline.clean(r["text"], id=r["id"], site_lines=site.for_url(r.get("url")))
        chars += len(r["text"])
        for item in res.removed:
            if item["reason"] == "chrome" and not CCTV_BYLINE.fullmatch(item["text"]):
                removed += len(item["text"])
                by_rule[item["rule"]] += len(item["text"])
    print(f"clean news {part}: {len(records)} articles, {chars} characters, chrome removed {removed} "
          f"({removed / chars * 1e4:.2f} per 10k); by rule {dict(by_rule.most_common())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="train", choices=("train", "test", "all"))
    ap.add_argument("--source", default="cwced_pages")
    ap.add_argument("--show", type=int, default=0, help="list this many lost and left lines")
    ap.add_argument("--per-page", action="store_true")
    ap.add_argument("--no-learn", action="store_true", help="without the chrome learned across the batch")
    ap.add_argument("--dump", help="write each page's kept and removed lines here, to read by eye")
    ap.add_argument("--clean-news", choices=("train", "test"))
    args = ap.parse_args()
    if args.clean_news:
        clean_news_loss(args.clean_news)
        return
    part = None if args.part == "all" else args.part
    records = [r for r in real_data.pages(part) if r["source"] == args.source]
    results = clean_pages(records, learn=not args.no_learn)
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as out:
            for r in records:
                res = results[r["id"]]
                out.write(f"=== {r['id']} {r.get('url')}\n{res.text}\n--- removed\n")
                for item in res.removed:
                    out.write(f"[{item['rule']}] {item['text'][:120]}\n")
    if not all(r.get("gold") for r in records):
        print(f"{len(records)} pages cleaned (no gold to score)")
        return
    scorer = load_scorer()
    print(score(scorer, records, results, args.per_page))
    line_report(scorer, records, results, args.show)


if __name__ == "__main__":
    main()
