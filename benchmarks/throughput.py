"""Throughput of `newsclean clean`: MB/s of raw input per core, per stage and per corpus, and with --jobs 2.

    python benchmarks/throughput.py                 # all corpora, then the command on the dev set repeated to ~10 MB
    python benchmarks/throughput.py --corpora dev --no-cli
    python benchmarks/throughput.py --input dump.jsonl --megabytes 50

First per stage in-process, in CPU time, on each corpus (the development set, the clean-news test part of
`real_data`, the text of the 202 real pages), each with the yardstick pass measured on the same texts; then
the real command (a subprocess: CPU time of it and its workers, start-up measured apart as the clean of one
record). The machine is shared, so CPU time, not wall time, and ratios to the yardstick, not rates.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import real_data
from newsclean import Pipeline
from newsclean.document import Document
from newsclean.minhash import MinHashConfig, warm_up
from newsclean.stages.repeats import RepeatOptions

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


def time_cli(corpus: Path, jobs: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its workers) of `newsclean clean corpus --jobs N`."""
    with tempfile.TemporaryDirectory() as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "newsclean.cli", "clean", str(corpus), "-o", os.path.join(tmp, "o.jsonl"),
                        "--jobs", str(jobs), "--no-progress"], check=True, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def yardstick_seconds(texts: list[str]) -> float:
    """The floor any cleaner pays, on one core: read each JSON line, NFKC, OpenCC t2s, write JSON. newsclean's
    rate is quoted as a share of this pass's, measured in the same run, so loaded and idle machines compare."""
    import unicodedata

    import opencc

    t2s = opencc.OpenCC("t2s")
    lines = [json.dumps({"id": n, "text": t}, ensure_ascii=False) for n, t in enumerate(texts)]
    with tempfile.TemporaryDirectory() as tmp, open(os.path.join(tmp, "o.jsonl"), "w", encoding="utf-8") as out:
        t0 = time.process_time()
        for line in lines:
            record = json.loads(line)
            record["text"] = t2s.convert(unicodedata.normalize("NFKC", record["text"]))
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return time.process_time() - t0


def startup_seconds(one: Path) -> float:
    """CPU seconds of `newsclean clean` on a file of one record: interpreter, imports, rules, model."""
    return time_cli(one, 1)[1]


def per_stage(texts: list[str]) -> dict[str, float]:
    """CPU seconds of each stage over `texts`, in-process, after a warm-up document (lazy loads excluded).

    Read from the thread's CPU clock: while a document's watchdog is armed (`ITIMER_PROF`, see
    `rulebook._Watchdog`) this machine's process CPU clock (`time.process_time`) lags by whole ticks, so the
    stages' times summed to a tenth of the loop's (1.8 s of 2.0 s of the chrome stage on clean news went
    unseen); the thread's clock and `getrusage` agree with the loop's."""
    pipeline = Pipeline()
    pipeline.clean(texts[0])
    warm_up(MinHashConfig(ngram=RepeatOptions().ngram, num_perm=RepeatOptions().num_perm))  # start-up, not cleaning
    seconds: dict[str, float] = {}
    for text in texts:
        doc = Document(text)
        pipeline.rules.budget.start(len(text))
        for name, stage in pipeline._stages:
            t0 = time.thread_time()
            stage(doc)
            seconds[name] = seconds.get(name, 0.0) + time.thread_time() - t0
        pipeline.rules.budget.finish()
    return seconds


def corpora(names: list[str], source: Path) -> dict[str, list[str]]:
    """The texts of each corpus measured: the development set, the clean-news test part, the pages' text."""
    out: dict[str, list[str]] = {}
    for name in names:
        if name == "dev":
            out[name] = [json.loads(line)["text"] for line in open(source, encoding="utf-8") if line.strip()]
        elif name == "news":
            out[name] = [r["text"] for r in real_data.clean_news("test")]
        elif name == "pages":
            out[name] = [r["text"] for r in real_data.pages()]
        else:
            raise SystemExit(f"unknown corpus {name!r} (dev, news, pages)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("--megabytes", type=float, default=10.0)
    parser.add_argument("--corpora", default="dev,news,pages", help="in-process corpora: dev, news, pages")
    parser.add_argument("--no-cli", action="store_true", help="skip the runs of the command")
    args = parser.parse_args(argv)
    if not args.input.exists():
        print(f"no input at {args.input}", file=sys.stderr)
        return 2
    print("per corpus, one core, in-process, CPU time (MB/s of raw input; in brackets the share of the yardstick):")
    for name, texts in corpora(args.corpora.split(","), args.input).items():
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        yard = mb / yardstick_seconds(texts)
        seconds = per_stage(texts)
        total = sum(seconds.values())
        stages = ", ".join(f"{k} {mb / v:.1f} ({mb / v / yard:.2f})" for k, v in seconds.items())
        print(f"  {name}: {len(texts)} documents, {mb:.1f} MB; yardstick {yard:.1f} MB/s; all stages "
              f"{mb / total:.2f} MB/s ({mb / total / yard:.3f}); {stages}", flush=True)
    if args.no_cli:
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        n, size = build_corpus(args.input, args.megabytes, corpus)
        one = Path(tmp) / "one.jsonl"
        one.write_text(open(args.input, encoding="utf-8").readline(), encoding="utf-8")
        mb = size / 1e6
        start = min(startup_seconds(one) for _ in range(3))
        print(f"command on {n} documents, {mb:.1f} MB of text (from {args.input.name}); start-up (clean of one "
              f"record, CPU time, best of 3) {start:.2f} s")
        with open(corpus, encoding="utf-8") as src:
            yard = mb / yardstick_seconds([json.loads(line)["text"] for line in src])
        print(f"yardstick (read JSON, NFKC, t2s, write JSON; CPU time): {yard:.2f} MB/s")
        for jobs in (1, 2):
            wall, cpu = time_cli(corpus, jobs)
            rate = mb / (cpu - start)
            print(f"newsclean clean --jobs {jobs}: {wall:.1f} s wall, {cpu:.1f} s CPU; {mb / wall:.2f} MB/s wall, "
                  f"{rate:.2f} MB/s of CPU without start-up ({rate / yard:.3f} of the yardstick), {n / wall:.0f} docs/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
