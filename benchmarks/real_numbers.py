#!/usr/bin/env python3
"""Missing-number flags on real text, every figure of issue 10 in one command.

    python benchmarks/real_numbers.py [--seeds 1,2,3] [--threshold T] [--show N] [--skip-dev] [--skip-pages]

1. Digits dropped from the TEST part of ../shared/real/clean_news.jsonl (benchmarks/real_data.py; the model is
   trained on the train part only) by ../shared/real/drops.py with each seed, cleaned by `newsclean clean`'s
   defaults (in-process `Pipeline`), scored by ../shared/eval/score.py: gap recall, precision, false flags per
   10k characters of the untouched twins. Then recall and precision by kind of gap, and the misses and false
   flags by kind (`--show N` of each).
2. The development set (../shared/eval/dev, THUCNews sports, finance, entertainment: outside the training
   domain), scored the same way.
3. Speed (`--speed`): the numbers stage over the development set's documents, the hand-written patterns alone
   (what the stage ran before the model) against patterns + model, in the same run, and the time to load the
   model in a fresh process.
4. False flags on the text of all 202 pages of ../shared/real/pages.jsonl (nobody dropped digits there on
   purpose, so most flags are false; `--show` prints them to be read by eye) per 10k characters.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from newsclean import Pipeline  # noqa: E402
from real_data import REAL, clean_news, pages  # noqa: E402

EVAL = REAL.parent / "eval"
sys.path.insert(0, str(EVAL))
import score as scorer  # noqa: E402  (the evaluation's own matching of flags to gaps)

CURRENCIES = ("美元", "港元", "欧元", "日元", "英镑", "韩元", "卢布", "元")


def kind_of(unit: str) -> str:
    """The kind of a gap or flag from the text right after it."""
    if unit.startswith("."):
        return "decimal"
    for prefix, kind in (("年", "年 (years)"), ("月", "month"), ("日", "day"), ("%", "percent"), ("％", "percent"), ("万", "万/亿"),
                         ("亿", "万/亿"), ("多", "多/余"), ("余", "多/余"), ("岁", "age"), ("天", "duration"),
                         ("小时", "duration"), ("周", "duration"), ("个", "个"), ("名", "名/人"), ("人", "名/人"),
                         ("届", "届"), ("次", "次"), ("家", "家")):
        if unit.startswith(prefix):
            return kind
    if any(unit.startswith(c) for c in CURRENCIES):
        return "money"
    return "other counter"


def clean_file(src: Path, dst: Path, threshold: float | None) -> None:
    pipeline = Pipeline(gap_threshold=threshold)
    with open(src, encoding="utf-8") as lines, open(dst, "w", encoding="utf-8") as out:
        for line in lines:
            r = json.loads(line)
            out.write(json.dumps(pipeline.clean(r["text"], id=r["id"]).to_record({"id": r["id"]}),
                                 ensure_ascii=False) + "\n")


def score_line(gold: Path, output: Path) -> str:
    return subprocess.run([sys.executable, str(EVAL / "score.py"), str(gold), str(output)],
                          capture_output=True, text=True, check=True).stdout.strip()


def by_kind(gold: Path, output: Path, show: int) -> None:
    """Recall and precision per kind, and the misses and false flags of each kind."""
    outs = {}
    for line in open(output, encoding="utf-8"):
        r = json.loads(line)
        outs[r["id"]] = (r["text"], [a for a in r["annotations"] if a["type"] == "missing_number"])
    gaps, found, flags, true_flags = Counter(), Counter(), Counter(), Counter()
    misses, wrong = defaultdict(list), defaultdict(list)
    for line in open(gold, encoding="utf-8"):
        g = json.loads(line)
        text, anns = outs[g["id"]]
        starts = [a["start"] for a in anns]
        for gap in g["gaps"]:
            kind = kind_of(gap["right"][:2])
            gaps[kind] += 1
            if scorer.flagged(text, starts, gap["left"], gap["right"]):
                found[kind] += 1
            else:
                misses[kind].append(f"{gap['left']}〔{gap['dropped']}〕{gap['right']}")
        for a in anns:
            kind = kind_of(text[a["start"]:a["start"] + 2])
            flags[kind] += 1
            if any(scorer.flagged(text, [a["start"]], gap["left"], gap["right"]) for gap in g["gaps"]):
                true_flags[kind] += 1
            else:
                s = a["start"]
                wrong[kind].append(f"{text[max(0, s - 12):s]}〔?〕{text[s:s + 10]}  [{a['rule']} "
                                   f"{a['info'].get('score')}]".replace("\n", "⏎"))
    print(f"{'kind':<14} {'gaps':>6} {'recall':>7} {'flags':>6} {'precision':>9}")
    for kind in sorted(set(gaps) | set(flags), key=lambda k: -gaps[k]):
        rec = found[kind] / gaps[kind] if gaps[kind] else float("nan")
        prec = true_flags[kind] / flags[kind] if flags[kind] else float("nan")
        print(f"{kind:<14} {gaps[kind]:>6} {rec:>7.3f} {flags[kind]:>6} {prec:>9.3f}")
    if show:
        for kind in sorted(misses, key=lambda k: -len(misses[k])):
            print(f"-- missed {kind} ({len(misses[kind])}):")
            for m in misses[kind][:show]:
                print("   ", m.replace("\n", "⏎"))
        for kind in sorted(wrong, key=lambda k: -len(wrong[k])):
            print(f"-- false flags {kind} ({len(wrong[kind])}):")
            for w in wrong[kind][:show]:
                print("   ", w)


def real_news(seeds: list[int], threshold: float | None, show: int, work: Path) -> None:
    test = work / "clean_news_test.jsonl"
    with open(test, "w", encoding="utf-8") as out:
        for r in clean_news("test"):
            out.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
    for seed in seeds:
        d = work / f"drops{seed}"
        subprocess.run([sys.executable, str(REAL / "drops.py"), str(test), str(d), "--seed", str(seed)],
                       check=True, capture_output=True)
        clean_file(d / "input.jsonl", d / "out.jsonl", threshold)
        print(f"real news test part, drops.py --seed {seed}: {score_line(d / 'gold.jsonl', d / 'out.jsonl')}")
        by_kind(d / "gold.jsonl", d / "out.jsonl", show if seed == seeds[0] else 0)


def dev_set(threshold: float | None, show: int, work: Path) -> None:
    out = work / "dev-out.jsonl"
    clean_file(EVAL / "dev" / "input.jsonl", out, threshold)
    print(f"development set: {score_line(EVAL / 'dev' / 'gold.jsonl', out)}")
    by_kind(EVAL / "dev" / "gold.jsonl", out, show)
    overruled(EVAL / "dev" / "gold.jsonl", out, show)


def overruled(gold: Path, output: Path, show: int) -> None:
    """The gaps a hand-written pattern flags (as the patterns alone did before the model) that the detector
    leaves unflagged, by pattern: where the cascade overrules the rules."""
    from newsclean.stages import numbers
    rules = Pipeline().rules
    outs = {}
    for line in open(output, encoding="utf-8"):
        r = json.loads(line)
        outs[r["id"]] = (r["text"], [a["start"] for a in r["annotations"] if a["type"] == "missing_number"])
    by_rule, listed, caught = Counter(), defaultdict(list), 0
    for line in open(gold, encoding="utf-8"):
        g = json.loads(line)
        text, flagged = outs[g["id"]]
        rules.budget.start(len(text))
        hits = numbers.find_gaps(text, rules)
        for gap in g["gaps"]:
            at = [(s, rule) for s, _, rule in hits if scorer.flagged(text, [s], gap["left"], gap["right"])]
            if not at:
                continue
            caught += 1
            if not scorer.flagged(text, flagged, gap["left"], gap["right"]):
                start, rule = at[0]
                by_rule[rule] += 1
                listed[rule].append(f"{text[max(0, start - 12):start]}〔{gap['dropped']}〕{text[start:start + 8]}"
                                    .replace("\n", "⏎"))
    print(f"gaps the patterns flag: {caught}; left unflagged by the detector: {sum(by_rule.values())} "
          + ", ".join(f"{rule} {n}" for rule, n in by_rule.most_common()))
    for rule, n in by_rule.most_common():
        for example in listed[rule][:show]:
            print(f"    {rule}: {example}")


def page_flags(threshold: float | None, show: int) -> None:
    pipeline = Pipeline(gap_threshold=threshold)
    chars, flags, shown = Counter(), Counter(), []
    for page in pages():
        result = pipeline.clean(page["text"] or "", id=page["id"])
        anns = [a for a in result.annotations if a["type"] == "missing_number"]
        chars[page["source"]] += len(result.text)
        flags[page["source"]] += len(anns)
        for a in anns:
            s = a["start"]
            shown.append(f"{page['source']}: {result.text[max(0, s - 14):s]}〔?〕{result.text[s:s + 10]}  "
                         f"[{a['rule']} {a['info'].get('score')}]".replace("\n", "⏎"))
    for source in sorted(chars):
        print(f"pages {source}: {flags[source]} flags in {chars[source]} clean characters, "
              f"{10000 * flags[source] / max(1, chars[source]):.2f} per 10k")
    total = sum(chars.values())
    print(f"pages all: {sum(flags.values())} flags, {10000 * sum(flags.values()) / max(1, total):.2f} per 10k")
    for line in shown[:show * 4]:
        print("   ", line)


def speed(rounds: int = 3) -> None:
    """The numbers stage per MB of CPU time: patterns alone (the stage before the model) against patterns +
    model, in the same run. Each document opens its own pattern time budget, as in the pipeline (without it
    the budget of the last cleaned document runs out part way and the patterns stop running)."""
    from newsclean.document import Document
    from newsclean.gapmodel import shipped_model
    from newsclean.stages import numbers
    pipeline = Pipeline(stages=("normalize", "chrome", "repeats", "rejoin"))
    texts = [pipeline.process(Document(json.loads(line)["text"])).text
             for line in open(EVAL / "dev" / "input.jsonl", encoding="utf-8")]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    model, rules = shipped_model(), pipeline.rules
    runs = {"patterns alone": lambda text: numbers.find_gaps(text, rules),
            "patterns + model": lambda text: numbers.detect(text, rules, model)}
    best = dict.fromkeys(runs, float("inf"))
    found = {}
    for _ in range(rounds):
        for name, run in runs.items():
            t0, n = time.process_time(), 0
            for text in texts:
                rules.budget.start(len(text))
                n += len(run(text))
            best[name] = min(best[name], time.process_time() - t0)
            found[name] = n
    for name, seconds in best.items():
        print(f"numbers stage, {name}: {size / seconds:.2f} MB/s of CPU time, {found[name]} places flagged "
              f"({size:.2f} MB, best of {rounds})")
    print(f"patterns + model cost {best['patterns + model'] / best['patterns alone']:.2f}x the patterns alone")
    places = [score for text in texts for _, score in model.score_text(text)]
    print(f"candidate places: {len(places)} ({len(places) / sum(map(len, texts)):.1%} of characters), "
          f"{sum(score == 0.0 for score in places) / max(1, len(places)):.1%} ruled out by the cascade's first stage")
    load = subprocess.run([sys.executable, "-c", "import time, newsclean.gapmodel as g; t = time.perf_counter(); "
                           "g.shipped_model(); print(time.perf_counter() - t)"], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.strip()
    print(f"model load in a fresh process: {float(load):.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default="1", help="drops.py seeds, comma-separated")
    ap.add_argument("--threshold", type=float, default=None, help="gap threshold (default: the model's)")
    ap.add_argument("--show", type=int, default=5, help="misses and false flags listed per kind")
    ap.add_argument("--skip-dev", action="store_true")
    ap.add_argument("--skip-pages", action="store_true")
    ap.add_argument("--speed", action="store_true", help="only measure the stage's speed and the model's load time")
    args = ap.parse_args()
    if args.speed:
        speed()
        return
    with tempfile.TemporaryDirectory() as tmp:
        real_news([int(s) for s in args.seeds.split(",")], args.threshold, args.show, Path(tmp))
        if not args.skip_dev:
            dev_set(args.threshold, args.show, Path(tmp))
    if not args.skip_pages:
        page_flags(args.threshold, args.show)


if __name__ == "__main__":
    main()
