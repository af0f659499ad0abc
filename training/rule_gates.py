#!/usr/bin/env python3
"""Write the pattern table shipped next to the rule files (`rules/gates.json.gz`) from the shipped rules.

    python training/rule_gates.py [--out rules/gates.json.gz] [--check]

For every pattern of `rules/*.toml` (as expanded, with its flags and its use: a chrome rule's `full` or
`search` match, or a gap rule) the table keeps, under the key `rulebook.gate_key` gives it, its gate (a chrome
rule's: the keys of the words every match needs, `rulebook.required_keys`; a gap rule's: the characters,
`rulebook.required_chars`) and the engine code `regex` compiled it to. Each pattern is compiled and passes the load's checks here, so a load that finds a pattern in the table
rebuilds it from its code instead of parsing it (start-up: the 135 shipped patterns load in about 0.04 s
instead of 1 s). Run it after changing a rule (`tests/rules/test_gate_table.py` fails until then); a stale
table only costs start-up time, never a different output: a changed pattern has another key and is compiled.
A table built with another version of `regex` is not used.

The engine code itself is not the same byte for byte from one build to the next: `regex` orders the members of
some character sets by the hash of its parse-tree objects (their class's address in memory), so two processes
compile one pattern to code that matches the same but differs in bytes, as two runs of `newsclean` always did.
`--check` therefore compares what does not vary: the patterns listed, their gates, flags and groups.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from newsclean.rulebook import GATES_FILE, Gates, build_gates  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "rules" / GATES_FILE)
    parser.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    args = parser.parse_args(argv)
    gates = build_gates(ROOT / "rules")
    if args.check:
        same = Gates.read(args.out).same_patterns(gates.learned)
        print(f"{args.out}: {'current' if same else 'STALE: rerun python training/rule_gates.py'}")
        return 0 if same else 1
    args.out.write_bytes(gates.to_bytes())
    print(f"{args.out}: {len(gates.learned)} patterns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
