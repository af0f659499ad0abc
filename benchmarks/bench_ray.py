"""The Ray engine against the local one: equal outputs, and throughput on 1 and 2 local workers by stage.

    python benchmarks/bench_ray.py --check          # dev set and a 20,000-document corpus: bytes equal?
    python benchmarks/bench_ray.py --docs 2000      # docs/s of --engine ray with 1 and 2 CPUs, per stage

The corpus is built at run time from the dev set's sentences (`bench_dedup.build_corpus`): N/2 documents of
about 1,900 characters and one edited copy of each (a 100-character passage cut out), so half of it is
near-duplicates. Nothing from ../shared is stored. Each Ray run starts its own local cluster (its start-up is
timed apart) and every stage is materialised before the next, so the stage times add up.
"""
from __future__ import annotations

import argparse
import filecmp
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dedup import build_corpus, with_copies  # noqa: E402

from newsclean.dedup import DedupConfig  # noqa: E402
from newsclean.ray import require_ray, run_ray  # noqa: E402
from newsclean.run import RunConfig, run  # noqa: E402

DEFAULT_EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "dev"


def corpus_file(eval_dir: Path, count: int, folder: Path) -> Path:
    path = folder / f"corpus-{count}.jsonl"
    docs = with_copies(build_corpus(eval_dir, count // 2))
    with open(path, "w", encoding="utf-8") as fh:
        for n, text in enumerate(docs):
            fh.write(json.dumps({"id": f"doc-{n:06d}", "text": text}, ensure_ascii=False) + "\n")
    return path


def config(source: Path, out: Path, engine: str, jobs: int, dedup: bool = True) -> RunConfig:
    return RunConfig(inputs=(str(source),), output=str(out / f"{engine}.jsonl"),
                     rejects=str(out / f"{engine}-rejects.jsonl"), jobs=jobs,
                     dedup=DedupConfig() if dedup else None,
                     clusters=str(out / f"{engine}-clusters.jsonl") if dedup else None)


def check(source: Path, folder: Path, jobs: int) -> bool:
    """Both engines on one input: are output, rejects, clusters and books the same?"""
    started = time.perf_counter()
    local = run(config(source, folder, "local", jobs))
    local_s = time.perf_counter() - started
    started = time.perf_counter()
    timings: dict[str, float] = {}
    ray = run_ray(config(source, folder, "ray", jobs), timings=timings)
    ray_s = time.perf_counter() - started
    same = {name: filecmp.cmp(folder / f"local{name}.jsonl", folder / f"ray{name}.jsonl", shallow=False)
            for name in ("", "-rejects", "-clusters")}
    books = local.to_json() == ray.to_json()
    kept = sum(1 for _ in open(folder / "ray.jsonl", encoding="utf-8"))
    print(f"{source.name}: {local.records_in} records, {kept} kept, {local.duplicates} duplicates, "
          f"suggestions {local.dedup.get('suggestions')}; output {same['']}, rejects {same['-rejects']}, "
          f"clusters {same['-clusters']}, books {books}; local {local_s:.0f} s, ray {ray_s:.0f} s")
    return all(same.values()) and books


def throughput(source: Path, folder: Path, docs: int) -> None:
    print(f"| engine | CPUs | dedup | docs/s | stages (s) |\n|---|---:|---|---:|---|")
    for dedup in (False, True):
        for jobs in (1, 2):
            started = time.perf_counter()
            run(config(source, folder, "local", jobs, dedup))
            seconds = time.perf_counter() - started
            print(f"| local | {jobs} | {'yes' if dedup else 'no'} | {docs / seconds:,.0f} | |")
            ray = require_ray()
            started = time.perf_counter()
            ray.init(num_cpus=jobs, include_dashboard=False, log_to_driver=False)
            init = time.perf_counter() - started
            timings: dict[str, float] = {}
            try:
                started = time.perf_counter()
                run_ray(config(source, folder, "ray", jobs, dedup), timings=timings)
                seconds = time.perf_counter() - started
            finally:
                ray.shutdown()
            stages = ", ".join(f"{k} {v:.1f}" for k, v in timings.items())
            print(f"| ray | {jobs} | {'yes' if dedup else 'no'} | {docs / seconds:,.0f} | cluster start {init:.1f}; "
                  f"{stages} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with the dev set's input.jsonl")
    parser.add_argument("--check", action="store_true", help="equal outputs on the dev set and --check-docs documents")
    parser.add_argument("--check-docs", type=int, default=20000)
    parser.add_argument("--docs", type=int, default=2000, help="documents for the throughput table")
    parser.add_argument("--jobs", type=int, default=2, help="CPUs for --check")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        folder = Path(tmp)
        if args.check:
            ok = check(args.eval / "input.jsonl", folder, args.jobs)
            ok = check(corpus_file(args.eval, args.check_docs, folder), folder, args.jobs) and ok
            print("EQUAL" if ok else "DIFFERENT")
            sys.exit(0 if ok else 1)
        throughput(corpus_file(args.eval, args.docs, folder), folder, args.docs)


if __name__ == "__main__":
    main()
