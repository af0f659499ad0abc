"""Throughput of `newsclean clean`: MB/s of raw input per core, per stage, and with --jobs 2.

    python benchmarks/throughput.py                 # the evaluation set, repeated to ~10 MB
    python benchmarks/throughput.py --input dump.jsonl --megabytes 50

Measured on JSONL input through the real command (a subprocess, so start-up is included and stated
separately), then per stage in-process to show where the time goes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsclean import Pipeline
from newsclean.document import Document

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUT = ROOT.parent / "shared" / "eval" / "dev" / "input.jsonl"


def build_corpus(source: Path, megabytes: float, dest: Path) -> tuple[int, int]:
    """Repeat the source records (with fresh ids) until the file holds about `megabytes` of UTF-8 text.

    From the second round on, every line longer than 40 characters gets a round tag appended, so that no
    paragraph is seen twice: the chrome stage remembers the lines it has judged, and a corpus of identical
    copies would measure that memory instead of the cleaning. Short lines (chrome, captions) repeat, as site
    chrome does from page to page in a real dump.
    """
    records = [json.loads(line) for line in open(source, encoding="utf-8") if line.strip()]
    n, size, round_ = 0, 0, 0
    with open(dest, "w", encoding="utf-8") as out:
        while size < megabytes * 1e6:
            for r in records:
                text = r["text"] if not round_ else "\n".join(
                    f"{line}（第{round_}稿）" if len(line) > 40 else line for line in r["text"].split("\n"))
                out.write(json.dumps({"id": f"{r.get('id')}~{n}", "text": text}, ensure_ascii=False) + "\n")
                size += len(text.encode("utf-8"))
                n += 1
            round_ += 1
    return n, size


def time_cli(corpus: Path, jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsclean.cli", "clean", str(corpus), "-o", os.path.join(tmp, "o.jsonl"),
                        "--jobs", str(jobs), "--no-progress"], check=True, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0


def yardstick_seconds(corpus: Path) -> float:
    """The floor any cleaner pays, on one core: read each JSON line, NFKC, OpenCC t2s, write JSON. newsclean's
    rate is quoted as a share of this pass's, measured in the same run, so loaded and idle machines compare."""
    import unicodedata

    import opencc

    t2s = opencc.OpenCC("t2s")
    with tempfile.TemporaryDirectory() as tmp, open(corpus, encoding="utf-8") as src, \
            open(os.path.join(tmp, "o.jsonl"), "w", encoding="utf-8") as out:
        t0 = time.process_time()
        for line in src:
            record = json.loads(line)
            record["text"] = t2s.convert(unicodedata.normalize("NFKC", record["text"]))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return time.process_time() - t0


def startup_seconds() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "newsclean.cli", "rules"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def per_stage(source: Path) -> dict[str, float]:
    pipeline = Pipeline()
    texts = [json.loads(line)["text"] for line in open(source, encoding="utf-8") if line.strip()]
    seconds: dict[str, float] = {}
    for text in texts:
        doc = Document(text)
        for name, stage in pipeline._stages:
            t0 = time.perf_counter()
            stage(doc)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - t0
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    return {name: size / s for name, s in seconds.items()} | {"all stages": size / sum(seconds.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--megabytes", type=float, default=10.0)
    args = parser.parse_args(argv)
    if not args.input.exists():
        print(f"no input at {args.input}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n, size = build_corpus(args.input, args.megabytes, corpus)
        mb = size / 1e6
        start = startup_seconds()
        print(f"corpus: {n} documents, {mb:.1f} MB of text (from {args.input.name}); start-up {start:.2f} s")
        yard = mb / yardstick_seconds(corpus)
        print(f"yardstick (read JSON, NFKC, t2s, write JSON; CPU time): {yard:.2f} MB/s")
        for jobs in (1, 2):
            seconds = time_cli(corpus, jobs)
            rate = mb / (seconds - start)
            print(f"newsclean clean --jobs {jobs}: {seconds:.1f} s, {mb / seconds:.2f} MB/s "
                  f"({rate:.2f} MB/s without start-up, {rate / yard:.3f} of the yardstick), {n / seconds:.0f} docs/s")
    print("per stage, one core, in-process (MB/s of raw input):")
    for name, rate in per_stage(args.input).items():
        print(f"  {name:<12} {rate:8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
