"""How well the missing-number stage generalises: drop digits from sentences the rules were never tuned on and
check where newsclean puts its flags.

    python benchmarks/numbers_probe.py                    # summary, by kind, by genre
    python benchmarks/numbers_probe.py --show 40          # also list missed gaps and false flags
    python benchmarks/numbers_probe.py --copies 8 --seed 7 --data FILE
    python benchmarks/numbers_probe.py --data benchmarks/numbers_probe_b.txt --half dev    # or --half check

`numbers_probe.txt` holds realistic news sentences (one per line, `genre<TAB>text`) written in the style of the
THUCNews genres. Each is cleaned as it is (every flag there is a false flag) and, in `--copies` gapped copies,
with digits dropped the way the evaluation set drops them:

- only a number (digits, optionally with a decimal part) that is followed by one of the units in `UNITS`
  (年 元 万 亿 % 个 多 余 家 名 人 次 所 亩 平方米 周年) can lose its digits; numbers before 月 日 分 岁 倍 套
  米 … are never dropped;
- a number with three or more digits before the decimal point (years, prices, amounts) is dropped with
  probability 0.8; a number with one or two such digits with probability 0.1;
- when a long decimal is dropped, in one case out of four only its integer part goes (`5953.80元` → `.80元`).

A gap counts as found when a flag sits at it, with the evaluation scorer's own matching (the three characters
before and two after the gap, one position of slack); a flag that sits at no gap is a wrong flag. The summary
line is `probe: gap_recall R gap_precision P false_flags/10k F`.

`--half dev` keeps the 1st, 3rd, 5th… sentence of the file (comments and blank lines not counted), `--half check`
the 2nd, 4th, 6th…: rules may be written against the dev half, the check half is only measured.
"""
from __future__ import annotations

import argparse
import collections
import random
import unicodedata
from pathlib import Path

import regex

from newsclean import Pipeline

HERE = Path(__file__).resolve().parent
DATA = HERE / "numbers_probe.txt"

# Longest first: 周年 before 年, 平方米 before 平.
UNITS = ("周年", "平方米", "年", "元", "万", "亿", "%", "％", "个", "多", "余", "家", "名", "人", "次", "所", "亩")
NUMBER = regex.compile(r"(?<![0-9.．,])([0-9]+)(\.[0-9]+)?")
P_LONG, P_SHORT, P_INTEGER_ONLY = 0.8, 0.1, 0.25
# How the evaluation set's development gaps (1105) divide by what the number stood before, for a recall weighted
# like that set: the probe sentences hold far more 多/名/家 than news does.
DEV_MIX = {"year": 435, "年": 16, "元": 200, "万": 166, "%": 79, "亿": 60, "个": 45, "多": 28, "家": 17,
           "平方米": 16, "次": 13, "名": 10, "decimal": 7, "亩": 6, "人": 6, "余": 5, "所": 1, "周年": 1}


def norm(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def flagged(text: str, starts, left: str, right: str) -> bool:
    """The evaluation scorer's matching (score.py): a flag within one position of the gap, with the gap's
    context around it."""
    L, R = norm(left)[-3:], norm(right)[:2]
    for s in starts:
        for d in (-1, 0, 1):
            p = s + d
            if 0 <= p <= len(text) and norm(text[max(0, p - 16):p]).endswith(L) and norm(text[p:p + 16]).startswith(R):
                return True
    return False


def mix_group(kind: str) -> str:
    return kind.split(" ")[0].rstrip(":")


def kind_of(digits: str, decimals: str | None, unit: str, integer_only: bool) -> str:
    """The kind of number a gap lost, for the breakdown: its unit and whether it was long or short."""
    if integer_only:
        return "decimal: integer part"
    unit = "%" if unit in "%％" else unit
    if unit == "年":
        return "year (4 digits)" if len(digits) == 4 and not decimals else "年 (duration)"
    size = "3+ digits" if len(digits) >= 3 else "1-2 digits"
    if decimals:
        size += ", decimal"
    return f"{unit} ({size})"


def eligible(text: str):
    """Every number that the drop procedure may remove: (start, end of integer part, end, unit)."""
    for m in NUMBER.finditer(text):
        unit = next((u for u in UNITS if text.startswith(u, m.end())), None)
        if unit is not None:
            yield m.start(), m.end(1), m.end(), m.group(1), m.group(2), unit


def drop_digits(text: str, rng: random.Random):
    """A gapped copy of `text` and its gaps [(position in the copy, dropped digits, kind)]."""
    cuts = []
    for start, int_end, end, digits, decimals, unit in eligible(text):
        p = P_LONG if len(digits) >= 3 else P_SHORT
        if rng.random() >= p:
            continue
        integer_only = bool(decimals) and len(digits) >= 3 and rng.random() < P_INTEGER_ONLY
        cut_end = int_end if integer_only else end
        cuts.append((start, cut_end, kind_of(digits, decimals, unit, integer_only)))
    out, gaps, last, shift = [], [], 0, 0
    for start, end, kind in cuts:
        out.append(text[last:start])
        gaps.append((start - shift, text[start:end], kind))
        shift += end - start
        last = end
    out.append(text[last:])
    return "".join(out), gaps


def load(path: Path):
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        genre, _, text = line.partition("\t")
        items.append((genre.strip(), text.strip()))
    return items


def flags_of(pipeline: Pipeline, text: str):
    result = pipeline.clean(text)
    return result.text, [(a["start"], a["rule"]) for a in result.annotations if a["type"] == "missing_number"]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--copies", type=int, default=8, help="gapped copies of each sentence (default 8)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--rules", type=Path, default=None, help="rule directory instead of the shipped rules")
    ap.add_argument("--half", choices=("all", "dev", "check"), default="all",
                    help="every sentence, or only the odd-numbered (dev) or even-numbered (check) ones")
    ap.add_argument("--show", type=int, default=0, help="list up to N missed gaps and N wrong flags")
    args = ap.parse_args(argv)

    items = load(args.data)
    if args.half != "all":
        items = items[(args.half == "check")::2]
    pipeline = Pipeline(args.rules)
    rng = random.Random(args.seed)

    gaps_by = collections.Counter()
    found_by = collections.Counter()
    genre = collections.defaultdict(collections.Counter)
    wrong_rules = collections.Counter()
    false_rules = collections.Counter()
    missed, wrong, false = [], [], []
    clean_chars = clean_flags = n_flags = n_true = n_gaps = n_found = 0

    for g, original in items:
        text, flags = flags_of(pipeline, original)
        clean_chars += len(text)
        clean_flags += len(flags)
        genre[g]["chars"] += len(text)
        genre[g]["false"] += len(flags)
        for s, rule in flags:
            false_rules[rule] += 1
            false.append(f"[{rule}] {text[max(0, s - 14):s]}〔?〕{text[s:s + 10]}")
        for _ in range(args.copies):
            gapped, gaps = drop_digits(original, rng)
            if not gaps:
                continue
            text, flags = flags_of(pipeline, gapped)
            starts = [s for s, _ in flags]
            contexts = [(gapped[max(0, p - 12):p], gapped[p:p + 12]) for p, _, _ in gaps]
            for (p, dropped, kind), (left, right) in zip(gaps, contexts):
                hit = flagged(text, starts, left, right)
                gaps_by[kind] += 1
                found_by[kind] += hit
                genre[g]["gaps"] += 1
                genre[g]["found"] += hit
                n_gaps += 1
                n_found += hit
                if not hit:
                    missed.append(f"({kind}) {left}[{dropped}]{right}")
            for s, rule in flags:
                ok = any(flagged(text, [s], left, right) for left, right in contexts)
                n_flags += 1
                n_true += ok
                genre[g]["flags"] += 1
                genre[g]["true"] += ok
                if not ok:
                    wrong_rules[rule] += 1
                    wrong.append(f"[{rule}] {text[max(0, s - 14):s]}〔?〕{text[s:s + 10]}")

    div = lambda a, b: a / b if b else float("nan")
    print(f"{len(items)} sentences, {args.copies} gapped copies each (seed {args.seed}), {n_gaps} gaps, "
          f"{clean_chars} clean characters")
    print(f"probe: gap_recall {div(n_found, n_gaps):.3f} gap_precision {div(n_true, n_flags):.3f} "
          f"false_flags/10k {div(10000 * clean_flags, clean_chars):.2f}")

    groups_gaps, groups_found = collections.Counter(), collections.Counter()
    for kind in gaps_by:
        groups_gaps[mix_group(kind)] += gaps_by[kind]
        groups_found[mix_group(kind)] += found_by[kind]
    weights = {g: w for g, w in DEV_MIX.items() if groups_gaps[g]}
    weighted = sum(w * groups_found[g] / groups_gaps[g] for g, w in weights.items()) / sum(weights.values())
    print(f"probe recall weighted like the dev set's gaps: {weighted:.3f}")

    print("\n## recall by kind of number")
    print(f"{'kind':<28} {'gaps':>5} {'found':>5} {'recall':>7}")
    for kind in sorted(gaps_by, key=lambda k: (-gaps_by[k], k)):
        print(f"{kind:<28} {gaps_by[kind]:>5} {found_by[kind]:>5} {div(found_by[kind], gaps_by[kind]):>7.3f}")

    print("\n## by genre")
    print(f"{'genre':<6} {'gaps':>5} {'recall':>7} {'flags':>6} {'precision':>9} {'false/10k':>9}")
    for g in sorted(genre):
        c = genre[g]
        print(f"{g:<6} {c['gaps']:>5} {div(c['found'], c['gaps']):>7.3f} {c['flags']:>6} "
              f"{div(c['true'], c['flags']):>9.3f} {div(10000 * c['false'], c['chars']):>9.2f}")

    if wrong_rules or false_rules:
        print("\n## wrong flags by rule (gapped copies / originals)")
        for rule in sorted(set(wrong_rules) | set(false_rules)):
            print(f"{rule:<36} {wrong_rules[rule]:>4} {false_rules[rule]:>4}")
    if args.show:
        for title, rows in (("missed gaps", missed), ("wrong flags on gapped copies", wrong),
                            ("false flags on originals", false)):
            rows = list(dict.fromkeys(rows))
            print(f"\n## {title}: {len(rows)} distinct")
            for row in rows[:args.show]:
                print("  " + row)


if __name__ == "__main__":
    main()
