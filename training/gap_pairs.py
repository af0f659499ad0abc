#!/usr/bin/env python3
"""Write what the pair gate reads of the shipped gap patterns (`rules/gap_pairs.json`) from the shipped rules.

    python training/gap_pairs.py [--out rules/gap_pairs.json] [--check]

For every gap pattern of `rules/*.toml` (as expanded, with its flags) the file keeps, under
`gappairs.pattern_key`, what `gappairs.start_constraints` reads from its parse tree: the characters a match
starts with, those that must stand before it, those that may not. A process then makes the pair gate without
parsing the 71 patterns (0.57 G instructions, more than the gate saves in a thousand news articles). Run it after
changing a gap rule (`tests/rules/test_rule_gates.py` fails until then); a stale file only costs time, never a
different output: a changed pattern has another key and is parsed when the gate is made.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsclean.gappairs import PAIRS_FILE, pattern_key, start_constraints, starts_to_json  # noqa: E402
from newsclean.rulebook import RuleSet  # noqa: E402


def shipped_starts() -> dict:
    """`start_constraints` of each shipped gap pattern, by `pattern_key`."""
    rules = RuleSet.load(ROOT / "rules")
    return {pattern_key(r.pattern.compiled): start_constraints(r.pattern.compiled) for r in rules.gaps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "rules" / PAIRS_FILE)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    starts = shipped_starts()
    text = starts_to_json(starts)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'current' if same else 'STALE: rerun python training/gap_pairs.py'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(starts)} patterns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
