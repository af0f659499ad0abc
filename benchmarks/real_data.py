"""The one definition of how `../shared/real` is split into a part we learn or tune on and a part we measure on.

    from real_data import clean_news, pages, part_of

Every benchmark and training script imports this module, so a text is never trained on in one place and
measured on in another. The split is by a stable hash of the record id (CRC-32, not Python's salted `hash`):

- clean news (`clean_news.jsonl`): buckets 0-6 of 10 are `train` (about 70%), 7-9 are `test`;
- pages (`pages.jsonl`): buckets 0-4 are `train` (tune page heuristics on these), 5-9 are `test`.

    python benchmarks/real_data.py      # prints the size of each part
"""
from __future__ import annotations

import json
import zlib
from collections import Counter
from pathlib import Path
from typing import Iterator

REAL = Path(__file__).resolve().parent.parent.parent / "shared" / "real"
CLEAN_NEWS = REAL / "clean_news.jsonl"
PAGES = REAL / "pages.jsonl"

TRAIN_BUCKETS = {"clean_news": range(0, 7), "pages": range(0, 5)}


def part_of(record_id: str, kind: str = "clean_news") -> str:
    """`train` or `test` for a record of `kind` ("clean_news" or "pages"), from its id alone."""
    bucket = zlib.crc32(str(record_id).encode("utf-8")) % 10
    return "train" if bucket in TRAIN_BUCKETS[kind] else "test"


def _read(path: Path, kind: str, part: str | None) -> Iterator[dict]:
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if part is None or part_of(record["id"], kind) == part:
                yield record


def clean_news(part: str | None = None, path: Path = CLEAN_NEWS) -> Iterator[dict]:
    """Articles of clean_news.jsonl in file order; `part` = "train", "test" or None for all."""
    return _read(path, "clean_news", part)


def pages(part: str | None = None, path: Path = PAGES) -> Iterator[dict]:
    """Pages of pages.jsonl in file order; `part` = "train", "test" or None for all."""
    return _read(path, "pages", part)


if __name__ == "__main__":
    for kind, reader in (("clean_news", clean_news), ("pages", pages)):
        counts = Counter((r["source"], part_of(r["id"], kind)) for r in reader())
        for (source, part), n in sorted(counts.items()):
            print(f"{kind}\t{source}\t{part}\t{n}")
