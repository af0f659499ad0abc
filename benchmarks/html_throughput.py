"""Wall time of `newsclean clean` over saved HTML pages: the 102 pages of `../shared/real/pages.jsonl` that
have `html`, written as `.html` files to a temporary folder, cleaned by the real command (a subprocess).

    python benchmarks/html_throughput.py                  # --jobs 1 and --jobs 2, site chrome learned
    python benchmarks/html_throughput.py --jobs 2 --no-learn-chrome

Pages are extracted in the worker processes once per run (newsclean/extraction.py), so with --jobs 2 two
pages are extracted at a time; the figure to compare is the same command on an older checkout.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import real_data  # noqa: E402


def write_pages(folder: Path) -> int:
    """Every page with html as one .html file (UTF-8); returns how many."""
    n = 0
    for record in real_data.pages():
        if record.get("html"):
            (folder / f"{n:03d}.html").write_text(record["html"], encoding="utf-8")
            n += 1
    return n


def timed_run(folder: Path, jobs: int, learn: bool) -> float:
    out = folder.parent / "out.jsonl"
    command = [str(Path(sys.executable).parent / "newsclean"), "clean", str(folder), "-o", str(out), "--jobs", str(jobs),
               "-q", "--learn-chrome" if learn else "--no-learn-chrome"]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, action="append", help="default: 1 and 2")
    parser.add_argument("--no-learn-chrome", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pages"
        folder.mkdir()
        n = write_pages(folder)
        for jobs in args.jobs or [1, 2]:
            seconds = timed_run(folder, jobs, not args.no_learn_chrome)
            print(f"{n} pages, --jobs {jobs}: {seconds:.1f} s ({n / seconds:.2f} pages/s)")


if __name__ == "__main__":
    main()
