"""Speed of the repeats stage on one huge page of short lines (the candidate search must stay linear).

    python benchmarks/bench_repeats.py                 # 40,000 short lines, best of 3
    python benchmarks/bench_repeats.py --lines 10000 --repeat 1

The page is built at run time from sentences of the clean-news train part (`real_data.clean_news("train")`):
each sentence cut to 12-40 characters and ended with a full stop, every line distinct (a page of captions),
with one line in 20 repeated exactly and one in 20 repeated with its digits dropped, so that the near-repeat
check runs too. The time is `find_repeats` alone (signatures, LSH buckets, candidate checks), in-process, in
CPU time (wall time until issue 13's round eight).
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent))
from real_data import clean_news  # noqa: E402

from newsclean.document import Line  # noqa: E402
from newsclean.stages.repeats import find_repeats  # noqa: E402

_SENTENCE = regex.compile(r"[^。！？]+[。！？]")


def short_lines(count: int, seed: int = 1) -> list[str]:
    """`count` lines of 12-40 characters: distinct sentence pieces, with exact and digit-dropped repeats."""
    rng = random.Random(seed)
    seen: set[str] = set()
    lines: list[str] = []
    for record in clean_news("train"):
        for sentence in _SENTENCE.findall(record["text"]):
            piece = sentence[: rng.randint(11, 39)].rstrip("。！？") + "。"  # captions, not cells
            if len(piece) >= 12 and piece not in seen:
                seen.add(piece)
                lines.append(piece)
                if len(lines) % 20 == 0:
                    lines.append(lines[rng.randrange(len(lines))])
                elif len(lines) % 20 == 10:
                    lines.append(regex.sub(r"\d+", "", lines[rng.randrange(len(lines))]))
            if len(lines) >= count:
                return lines[:count]
    return lines


def as_lines(texts: list[str]) -> list[Line]:
    out, at = [], 0
    for i, text in enumerate(texts):
        out.append(Line(i, at, at + len(text), text))
        at += len(text) + 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=40_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    lines = as_lines(short_lines(args.lines))
    find_repeats(lines[:100])  # warm up (numba compilation or cache load)
    best, found = float("inf"), {}
    for _ in range(args.repeat):
        t0 = time.process_time()  # CPU time: the machine is shared (no watchdog is armed here)
        found = find_repeats(lines)
        best = min(best, time.process_time() - t0)
    rules: dict[str, int] = {}
    for _, rule in found.values():
        rules[rule] = rules.get(rule, 0) + 1
    print(f"{len(lines)} short lines: find_repeats {best:.2f} s (best of {args.repeat}); removed "
          + ", ".join(f"{k} {v}" for k, v in sorted(rules.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
