"""How the chrome stage does on chrome from sites the dev set does not use.

    python benchmarks/chrome_probe.py              # per site style, then every miss
    python benchmarks/chrome_probe.py --quiet      # per site style and the summary line only
    python benchmarks/chrome_probe.py --data benchmarks/chrome_probe_b.jsonl --half dev   # the second probe, one half

`benchmarks/chrome_probe.jsonl` holds, one object a line:

- `{"site", "head", "inbody", "tail"}`: the chrome of one site style (portals, newspapers, government sites,
  e-paper pages, app and WeChat reposts, Discuz forums, image credits, related-news blocks, counters), written
  as such sites print it;
- `{"keep"}`: body lines that must survive: news sentences that mention 来源, 编辑, 记者, 分享, 关注, 下载, 版权,
  声明, 首页, 评论 or a date in prose, short one-line paragraphs, quotes, captions.

For each site style three articles are built from real body paragraphs (the gold `content` of the dev set,
four paragraphs each): the site's `head` lines above the body, its `tail` lines below it, its `inbody` lines
between paragraphs, and `keep` lines spread over the articles at the first, a middle and the last body
position (each keep line is tried at all three). Each page goes through `newsclean` with the stages that
decide what a line is (normalise, chrome: a body paragraph a page repeats is the repeats stage's business, not
this probe's); a chrome line is
left when it is still a line of the output (compared as the evaluation's scorer does: NFKC, no whitespace), a
body line is lost when it is no longer one (a lost line is reported with the rule that removed it).
Everything is deterministic.

A site style or keep line may carry `"half": "dev"` or `"half": "check"` (`chrome_probe_b.jsonl`: 41 more site
styles, alternating): rules are written against the dev half only, and the check half is run only to measure,
before and after. `--half dev|check` runs one half (objects without `half` are in both). The last line is the
summary:

    probe: chrome_left X/Y content_lost A/B
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
import unicodedata
from pathlib import Path

from newsclean import Pipeline

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "chrome_probe.jsonl"
GOLD = ROOT.parent / "shared" / "eval" / "dev" / "gold.jsonl"
ARTICLES_PER_SITE = 3
PARAGRAPHS = 4
POSITIONS = ("first", "middle", "last")


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def load(data: Path, half: str | None = None):
    sites, keep = [], []
    for line in open(data, encoding="utf-8"):
        if not line.strip():
            continue
        obj = json.loads(line)
        if half and obj.get("half", half) != half:
            continue
        if "keep" in obj:
            keep.append(obj["keep"])
        else:
            sites.append(obj)
    return sites, keep


def bodies(gold: Path, n: int) -> list[list[str]]:
    """`n` bodies of PARAGRAPHS real paragraphs each, from dev documents with one cluster each."""
    out, seen = [], set()
    for line in open(gold, encoding="utf-8"):
        g = json.loads(line)
        paras = [p for p in g["content"] if len(p) >= 20]
        if len(paras) < PARAGRAPHS or g.get("clean_twin") or g["cluster"] in seen:
            continue
        seen.add(g["cluster"])
        out.append(paras[:PARAGRAPHS])
    if len(out) < n:
        raise SystemExit(f"only {len(out)} usable bodies in {gold}")
    return [out[(i * 7) % len(out)] for i in range(n)]  # spread over the set, deterministically


def build(sites, keep, body_pool):
    """Yield (site, lines, chrome_lines, body_lines) for every page."""
    pages = []
    for s_idx, site in enumerate(sites):
        for a in range(ARTICLES_PER_SITE):
            pages.append((s_idx, a))
    # every keep line at every position, dealt over the pages in turn
    slots = collections.defaultdict(list)
    pairs = [(k, pos) for pos in POSITIONS for k in keep]
    for i, pair in enumerate(pairs):
        slots[i % len(pages)].append(pair)
    for p_idx, (s_idx, a) in enumerate(pages):
        site = sites[s_idx]
        body = list(body_pool[p_idx])
        first = [k for k, pos in slots[p_idx] if pos == "first"]
        middle = [k for k, pos in slots[p_idx] if pos == "middle"]
        last = [k for k, pos in slots[p_idx] if pos == "last"]
        # in-body chrome after paragraph 1, 2, 3 in turn; middle keep lines after paragraph 2
        gaps: dict[int, list[tuple[str, bool]]] = collections.defaultdict(list)
        for j, line in enumerate(site["inbody"]):
            gaps[1 + j % (len(body) - 1)].append((line, True))
        for line in middle:
            gaps[2].append((line, False))
        seq: list[tuple[str, bool]] = [(line, True) for line in site["head"]]
        seq += [(line, False) for line in first]
        for i, para in enumerate(body):
            if i in gaps:
                seq += gaps[i]
            seq.append((para, False))
        seq += [(line, False) for line in last]
        seq += [(line, True) for line in site["tail"]]
        yield site["site"], a, seq, set(keep)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--quiet", action="store_true", help="no list of misses")
    ap.add_argument("--half", choices=("dev", "check"), help="only the site styles and keep lines of this half")
    args = ap.parse_args(argv)

    sites, keep = load(args.data, args.half)
    body_pool = bodies(args.gold, len(sites) * ARTICLES_PER_SITE)
    pipeline = Pipeline(stages=("normalize", "chrome"))
    per_site: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    misses: list[str] = []
    left_lines: dict[tuple[str, str], int] = collections.Counter()
    keep_lost = collections.Counter()
    for site, a, seq, keep_set in build(sites, keep, body_pool):
        raw = "\n".join(line for line, _ in seq)
        result = pipeline.clean(raw, id=f"{site}/{a}")
        out_lines = [norm(line) for line in result.text.split("\n") if norm(line)]
        out_set = set(out_lines)
        removed_by = {}
        for r in result.removed:
            removed_by.setdefault(norm(r["text"]), f'{r["reason"]}:{r.get("rule")}')
        body_norm = [norm(line) for line, is_chrome in seq if not is_chrome]
        c = per_site[site]
        for line, is_chrome in seq:
            n = norm(line)
            if not n:
                continue
            if is_chrome:
                if any(n in b for b in body_norm):
                    c["chrome_skipped"] += 1  # like the scorer: chrome that is part of a body line cannot be judged
                    continue
                c["chrome"] += 1
                left = n in out_set if len(n) < 4 else any(n in o for o in out_lines)
                if left:
                    c["chrome_left"] += 1
                    if (site, line) not in left_lines:
                        misses.append(f"  chrome left  [{site}] {line}" + "{%s}" % len(misses))
                    left_lines[(site, line)] += 1
            else:
                c["body"] += 1
                if n not in out_set:
                    c["body_lost"] += 1
                    rule = removed_by.get(n, "changed or merged")
                    misses.append(f"  body lost    [{site}/{a}] {line}  <- {rule}")
                    if line in keep_set:
                        keep_lost[line] += 1
    total = collections.Counter()
    print(f"{'site style':16} {'chrome left':>12} {'body lost':>10}")
    for site, c in per_site.items():
        total.update(c)
        print(f"{site:16} {c['chrome_left']:>5}/{c['chrome']:<6} {c['body_lost']:>4}/{c['body']:<5}")
    if not args.quiet and misses:
        print(f"\nmisses (chrome: in how many of the {ARTICLES_PER_SITE} pages of its site style; body: every page):")
        for m in misses:
            if m.endswith("}") and "{" in m:
                text, idx = m[:-1].rsplit("{", 1)
                site, line = text.split("] ", 1)
                m = f"{text}  ({left_lines[(site.split('[', 1)[1], line)]}x)"
            print(m)
    print(f"\nkeep lines lost: {sum(keep_lost.values())} (distinct {len(keep_lost)}/{len(keep)})")
    print(f"probe: chrome_left {total['chrome_left']}/{total['chrome']} "
          f"content_lost {total['body_lost']}/{total['body']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
