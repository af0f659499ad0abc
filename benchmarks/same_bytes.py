"""Does `newsclean clean` still write the same bytes? Speed work must not change a single output byte.

    python benchmarks/same_bytes.py --save /tmp/ref      # before a change: write the reference outputs
    python benchmarks/same_bytes.py --check /tmp/ref     # after it: clean again and compare byte for byte

The corpora, built at run time from ../shared (nothing of it enters the repository): the development set's
input; the clean-news test part (`real_data.clean_news("test")`) with digits dropped by `drops.py --seed 1`
(every article and its untouched twin, so the numbers stage has gaps to flag); the `text` of all 202 real
pages. Each is cleaned with the defaults, once with `--jobs 1` and (with `--jobs2`) once more with `--jobs 2`,
and the output, rejects and the run's books (`--stats`, which hold no timings) are compared with `cmp`.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import real_data

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def build_corpora(where: Path) -> dict[str, Path]:
    """name -> JSONL input, written under `where`."""
    test = where / "clean_news_test.jsonl"
    with open(test, "w", encoding="utf-8") as out:
        for r in real_data.clean_news("test"):
            out.write(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n")
    subprocess.run([sys.executable, str(SHARED / "real" / "drops.py"), str(test), str(where / "drops"), "--seed", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    pages = where / "pages_text.jsonl"
    with open(pages, "w", encoding="utf-8") as out:
        for r in real_data.pages():
            out.write(json.dumps({"id": r["id"], "url": r["url"], "text": r["text"]}, ensure_ascii=False) + "\n")
    return {"dev": SHARED / "eval" / "dev" / "input.jsonl", "news_test": where / "drops" / "input.jsonl",
            "pages_text": pages}


def clean(corpus: Path, dest: Path, jobs: int) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "newsclean.cli", "clean", str(corpus), "-o", str(dest / "out.jsonl"),
                    "--rejects", str(dest / "rejects.jsonl"), "--stats", str(dest / "stats.json"),
                    "--jobs", str(jobs), "--no-progress"], check=True, stderr=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path, help="write the reference outputs here")
    mode.add_argument("--check", type=Path, help="compare with the reference outputs saved here")
    parser.add_argument("--jobs2", action="store_true", help="also run --jobs 2 (compared with the --jobs 1 reference)")
    parser.add_argument("--only", nargs="*", help="corpora to run (dev, news_test, pages_text)")
    args = parser.parse_args(argv)
    different = 0
    with tempfile.TemporaryDirectory() as tmp:
        corpora = build_corpora(Path(tmp))
        for name, corpus in corpora.items():
            if args.only and name not in args.only:
                continue
            if args.save:
                clean(corpus, args.save / name, 1)
                print(f"{name}: saved", flush=True)
                continue
            for jobs in (1, 2) if args.jobs2 else (1,):
                dest = Path(tmp) / f"{name}-{jobs}"
                clean(corpus, dest, jobs)
                for part in ("out.jsonl", "rejects.jsonl", "stats.json"):
                    same = subprocess.run(["cmp", str(args.check / name / part), str(dest / part)]).returncode == 0
                    different += not same
                    print(f"{name} --jobs {jobs} {part}: {'same bytes' if same else 'DIFFERENT'}", flush=True)
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
