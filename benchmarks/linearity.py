"""Is cleaning linear in document size? One document of 1M characters against ten of 100k, per stage.

    python benchmarks/linearity.py                  # 1,000,000 characters, best of 3 (CPU time)
    python benchmarks/linearity.py --chars 200000 --repeat 1

The documents are built at run time from the clean-news train part (`real_data.clean_news("train")`):
articles one after another, each line tagged with its place so that no line repeats (a document that
repeats lines measures the repeats stage's memory of them, not its search), cut at a line end near the size.
The big document is the ten small ones joined, so both sides clean the same lines. Target: the big one
within 1.2x of the ten small ones together.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_data import clean_news  # noqa: E402

from newsclean import Pipeline  # noqa: E402
from newsclean.document import Document  # noqa: E402


def pieces(total: int, parts: int) -> list[str]:
    """`parts` documents of about total/parts characters each, of distinct lines of real news."""
    size = total // parts
    docs, lines, length, n = [], [], 0, 0
    for record in clean_news("train"):
        for line in record["text"].split("\n"):
            if not line.strip():
                continue
            n += 1
            lines.append(f"{line}（{n}）")
            length += len(lines[-1]) + 1
            if length >= size:
                docs.append("\n".join(lines))
                lines, length = [], 0
                if len(docs) == parts:
                    return docs
    raise SystemExit("not enough text in the train part")


def stage_seconds(pipeline: Pipeline, texts: list[str]) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for text in texts:
        doc = Document(text)
        pipeline.rules.budget.start(len(text))
        try:
            for name, stage in pipeline._stages:
                # the thread's clock: the process clock lags while the watchdog is armed (see throughput.py)
                t0 = time.thread_time()
                stage(doc)
                seconds[name] = seconds.get(name, 0.0) + time.thread_time() - t0
        finally:
            pipeline.rules.budget.finish()
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chars", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    small = pieces(args.chars, 10)
    big = "\n".join(small)
    pipeline = Pipeline()
    pipeline.clean(small[0][:2000])  # the lazy loads (model, kernels) before any timing
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.repeat):
        # Each round with fresh remembered chrome lines, so neither side inherits the other's.
        for name, texts in (("ten small", small), ("one big", [big])):
            pipeline.rules.line_matches.clear()
            got = stage_seconds(pipeline, texts)
            if name not in best or sum(got.values()) < sum(best[name].values()):
                best[name] = got
    print(f"{len(big):,} characters: one document against ten of about {len(small[0]):,} (CPU seconds, best of "
          f"{args.repeat})")
    for stage in best["one big"]:
        a, b = best["ten small"][stage], best["one big"][stage]
        print(f"  {stage:<10} ten small {a:7.2f}  one big {b:7.2f}  ratio {b / a:5.2f}")
    a, b = sum(best["ten small"].values()), sum(best["one big"].values())
    print(f"  {'all':<10} ten small {a:7.2f}  one big {b:7.2f}  ratio {b / a:5.2f} (target <= 1.20)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
