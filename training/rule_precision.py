#!/usr/bin/env python3
"""Every gap pattern's hits on the TRAIN part of the real clean news, never the test part.

    python training/rule_precision.py [--seeds 1] [--show RULE_ID,...] [--limit 40]

For each pattern of `rules/numbers.toml`, run on its own (not first-come as `find_gaps` names a place):
- `clean`: its hits on the untouched train articles (no digit is missing there, so each is false), and the
  same per 10,000 characters;
- `true` / `false`: its hits on their dropped copies (`train_numbers.drop_digits`, the way `drops.py` drops,
  under each seed of `--seeds`) at a place where digits went, and elsewhere; `precision` is true / all.
`--show RULE_ID,...` lists those patterns' hits on the untouched articles (context either side, the unit in 〔〕), to
be read by eye before a pattern is narrowed.
"""
from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
import train_numbers as T  # noqa: E402  (also puts the repository and benchmarks/ on the path)
from newsclean.rulebook import RuleSet  # noqa: E402
from real_data import clean_news  # noqa: E402


def hits_by_rule(text: str, rules: RuleSet) -> dict[str, list[int]]:
    """Where each gap pattern fires in `text`, each on its own, within the patterns' watchdog budget."""
    rules.budget.start(len(text))
    try:
        return {rule.id: [start for start, _ in rule.gaps(text)] for rule in rules.gaps}
    finally:
        rules.budget.finish()


def context(text: str, p: int) -> str:
    return (text[max(0, p - 12):p] + "〔" + text[p:p + 1] + "〕" + text[p + 1:p + 10]).replace("\n", "⏎")


def measure(seeds: list[int], show: list[str], limit: int, log=print) -> None:
    rules = RuleSet.load()
    articles = list(clean_news("train"))
    clean, true, false, shown = Counter(), Counter(), Counter(), {rule_id: [] for rule_id in show}
    chars = sum(len(a["text"]) for a in articles)
    for a in articles:
        for rule_id, places in hits_by_rule(a["text"], rules).items():
            clean[rule_id] += len(places)
            if rule_id in shown:
                shown[rule_id] += [context(a["text"], p) for p in places]
        for seed in seeds:
            text, gaps = T.drop_digits(a["text"], random.Random(f"{seed}:{a['id']}"))
            gaps = set(gaps)
            for rule_id, places in hits_by_rule(text, rules).items():
                hit = sum(p in gaps for p in places)
                true[rule_id] += hit
                false[rule_id] += len(places) - hit
    log(f"{len(articles)} train articles, {chars} characters; dropped copies under seeds {seeds}")
    log(f"{'rule':<42} {'clean':>6} {'/10k':>6} {'true':>6} {'false':>6} {'precision':>9}")
    for rule in rules.gaps:
        r = rule.id
        found = true[r] + false[r]
        log(f"{r:<42} {clean[r]:>6} {clean[r] * 1e4 / chars:>6.3f} {true[r]:>6} {false[r]:>6} "
            f"{(true[r] / found if found else float('nan')):>9.3f}")
    for rule_id, lines in shown.items():
        log(f"\n{rule_id}: {len(lines)} hits on the untouched articles" + (f", {limit} shown" if len(lines) > limit else ""))
        for line in random.Random(0).sample(lines, min(limit, len(lines))):
            log("  " + line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1", help="drop seeds, comma-separated")
    ap.add_argument("--show", default="", help="list these rules' hits on the untouched articles (comma-separated ids)")
    ap.add_argument("--limit", type=int, default=40)
    args = ap.parse_args()
    measure([int(s) for s in args.seeds.split(",")], [r for r in args.show.split(",") if r], args.limit)


if __name__ == "__main__":
    main()
