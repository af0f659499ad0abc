#!/usr/bin/env python3
"""Write `newsclean/models/t2s-triggers.txt`: characters without which OpenCC's `t2s` leaves a line as it is.

    python training/t2s_triggers.py

OpenCC changes text only where a key of one of the dictionaries its `t2s` configuration names (the
normalisation dictionary and the conversion group) matches. A line that holds no character of some key can
match no key, so the conversion returns it unchanged. The file holds one character of every key (a hitting
set): the key itself for a one-character key, and for a phrase that holds no such character its rarest
character in the clean-news train part (`benchmarks/real_data.py`; ties by code point), so that few lines of
ordinary simplified text hold one. The normalise stage converts only the lines that hold a character of the
set, or a character beyond the BMP (see `normalize.simplified`).

The dictionaries are dumped with the `opencc_dict` tool that ships with the `opencc` wheel, and the file's
first line records the SHA-256 of the configuration and of each dictionary: the stage uses the set only when
the installed files have those digests, and converts every line otherwise. Deterministic for one OpenCC
version and one train part.
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "newsclean" / "models" / "t2s-triggers.txt"
sys.path.insert(0, str(ROOT / "benchmarks"))


def opencc_share() -> Path:
    """The folder of the installed OpenCC's configurations and dictionaries."""
    import opencc

    return Path(opencc.__file__).parent / "clib" / "share" / "opencc"


def dictionary_files(share: Path) -> list[str]:
    """The dictionary files `t2s.json` names, in the order it names them."""
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    files: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(config)
    return files


def keys(share: Path, name: str) -> list[str]:
    """Every key of one `.ocd2` dictionary, dumped as text by `opencc_dict`."""
    tool = share.parent.parent / "bin" / "opencc_dict"
    env = {**os.environ, "LD_LIBRARY_PATH": str(share.parent.parent / "lib64")}
    with tempfile.TemporaryDirectory() as tmp:
        dump = Path(tmp) / "dict.txt"
        subprocess.run([str(tool), "-i", str(share / name), "-o", str(dump), "-f", "ocd2", "-t", "text"],
                       check=True, env=env)
        return [line.split("\t", 1)[0] for line in dump.read_text(encoding="utf-8").splitlines() if line]


def digests(share: Path) -> dict[str, str]:
    """SHA-256 of `t2s.json` and of each dictionary it names."""
    return {name: hashlib.sha256((share / name).read_bytes()).hexdigest()
            for name in ["t2s.json", *dictionary_files(share)]}


def triggers(all_keys: list[str], frequency: Counter) -> set[str]:
    """One character of every key: single characters themselves, else a phrase's rarest character."""
    chosen = {key for key in all_keys if len(key) == 1}
    for key in all_keys:
        if len(key) > 1 and chosen.isdisjoint(key):
            chosen.add(min(key, key=lambda ch: (frequency[ch], ord(ch))))
    return chosen


def main() -> int:
    import real_data

    share = opencc_share()
    all_keys = [key for name in dictionary_files(share) for key in keys(share, name)]
    if any("\n" in key for key in all_keys):
        raise SystemExit("a key holds a line break: converting line by line would not be exact")
    frequency: Counter = Counter()
    for record in real_data.clean_news("train"):
        frequency.update(record["text"])
    chosen = triggers(all_keys, frequency)
    header = json.dumps({"sha256": digests(share)}, sort_keys=True)
    OUT.write_text(header + "\n" + "".join(sorted(chosen)) + "\n", encoding="utf-8")
    print(f"{len(all_keys)} keys, {len(chosen)} characters -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
