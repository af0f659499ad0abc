"""Score newsclean on the evaluation set and list its errors by kind, so every rule change is driven by what it
fixes and what it breaks.

    python benchmarks/quality.py                      # ../shared/eval/dev, all error kinds
    python benchmarks/quality.py --kind false_flag    # only one kind
    python benchmarks/quality.py --out /tmp/dev-out.jsonl --eval-dir DIR --limit 40

It cleans the set in-process with the shipped rules (the same as `newsclean clean INPUT -o OUT`), runs the
evaluation's own scorer (`score.py`) on the output, and then walks the gold labels itself to list:
chrome lines kept, content paragraphs lost, repeats left, gaps missed, false flags (with their rule ids).
"""
from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import sys
import time
from pathlib import Path

from newsclean import Pipeline
from newsclean.io import dumps

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
KINDS = ("chrome_kept", "content_lost", "repeat_left", "gap_missed", "false_flag")


def load_scorer(eval_dir: Path):
    spec = importlib.util.spec_from_file_location("newsclean_eval_score", eval_dir / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean_set(input_path: Path, out_path: Path) -> tuple[int, float]:
    pipeline = Pipeline()
    n, chars, t0 = 0, 0, time.perf_counter()
    with open(input_path, encoding="utf-8") as src, open(out_path, "w", encoding="utf-8") as out:
        for line in src:
            obj = json.loads(line)
            text = obj.pop("text")
            chars += len(text.encode("utf-8"))
            out.write(dumps(pipeline.clean(text, id=obj.get("id")).to_record(obj)))
            n += 1
    return n, chars / 1e6 / (time.perf_counter() - t0)


def errors(scorer, gold_path: Path, out_path: Path) -> dict[str, list[str]]:
    """Walk the gold labels the way score.py does and describe each miss."""
    norm, lines_of, flagged = scorer.norm, scorer.lines_of, scorer.flagged
    out = {}
    for line in open(out_path, encoding="utf-8"):
        r = json.loads(line)
        out[str(r.get("id"))] = r
    found: dict[str, list[str]] = collections.defaultdict(list)
    for line in open(gold_path, encoding="utf-8"):
        g = json.loads(line)
        r = out.get(g["id"])
        if r is None:
            continue
        text = r.get("text") or ""
        ol = lines_of(text)
        whole = "".join(ol)
        anns = [a for a in r.get("annotations", []) if a.get("type") == "missing_number"]
        grams = {whole[i:i + 3] for i in range(len(whole) - 2)}
        for c in g["content"]:
            c = norm(c)
            if c not in whole:
                cg = [c[i:i + 3] for i in range(len(c) - 2)]
                if not cg or sum(x in grams for x in cg) < 0.9 * len(cg):
                    removed = [x["rule"] for x in r.get("removed", []) if norm(x["text"]) and norm(x["text"]) in c]
                    found["content_lost"].append(f"{g['id']}: {c[:50]!r} removed by {removed or '?'}")
        content_norm = [norm(c) for c in g["content"]]
        for h in g["chrome"]:
            h = norm(h)
            if not h or any(h in c for c in content_norm):
                continue
            if (len(h) < 4 and h in ol) or (len(h) >= 4 and any(h in o for o in ol)):
                found["chrome_kept"].append(f"{g['id']}: {h[:60]!r}")
        for item, copies in g["captions"] + [[p, n + 1] for p, n in g["repeats"]]:
            item = norm(item)
            n = sum(o.count(item) for o in ol)
            if n > 1:
                found["repeat_left"].append(f"{g['id']}: {n} copies of {item[:40]!r}")
        if g.get("clean_twin"):
            for a in anns:
                s = a["start"]
                found["false_flag"].append(f"{g['id']} [twin] {a['rule']}: {text[max(0, s - 12):s]}|{text[s:s + 10]}")
            continue
        for gap in g["gaps"]:
            if not flagged(text, [a["start"] for a in anns], gap["left"], gap["right"]):
                found["gap_missed"].append(f"{g['id']}: {gap['left'][-10:]}[{gap['dropped']}]{gap['right'][:10]}")
        for a in anns:
            s = a["start"]
            if not any(flagged(text, [s], gap["left"], gap["right"]) for gap in g["gaps"]):
                found["false_flag"].append(f"{g['id']} {a['rule']}: {text[max(0, s - 12):s]}|{text[s:s + 10]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--out", type=Path, default=Path("/tmp/newsclean-quality-out.jsonl"))
    parser.add_argument("--kind", choices=KINDS, action="append")
    parser.add_argument("--limit", type=int, default=25, help="errors listed per kind")
    args = parser.parse_args(argv)
    split = args.eval_dir / args.split
    if not (split / "input.jsonl").exists():
        print(f"no evaluation set at {split}", file=sys.stderr)
        return 2
    scorer = load_scorer(args.eval_dir)
    n, mbps = clean_set(split / "input.jsonl", args.out)
    m = scorer.score(str(split / "gold.jsonl"), str(args.out))
    print(f"{n} documents cleaned at {mbps:.2f} MB/s (one core, in-process)")
    print("content_lost {content_lost:.3f} chrome_left {chrome_left:.3f} repeats_left {repeats_left:.3f} "
          "gap_recall {gap_recall:.3f} gap_precision {gap_precision:.3f} "
          "false_flags/10k {false_flags_per_10k_clean_chars:.2f}".format(**m))
    found = errors(scorer, split / "gold.jsonl", args.out)
    for kind in args.kind or KINDS:
        items = found.get(kind, [])
        print(f"\n## {kind}: {len(items)}")
        if kind == "false_flag":
            by_rule = collections.Counter(i.split(" ")[-2].rstrip(":") if "[twin]" in i else i.split(" ")[1].rstrip(":")
                                          for i in items)
            print("   by rule: " + ", ".join(f"{k} {v}" for k, v in by_rule.most_common()))
        for item in items[: args.limit]:
            print("  ", item)
    return 0


if __name__ == "__main__":
    sys.exit(main())
