"""MinHash dedup speed and memory: datasketch, rensa and newsclean side by side, in one run.

    python benchmarks/bench_dedup.py [--docs 20000] [--eval ../shared/eval/dev]
    python benchmarks/bench_dedup.py --quality     # precision/recall of duplicate pairs on the dev set

Documents are ~1,900-character Chinese texts assembled from the evaluation set's sentences (a seeded
shuffle, so the corpus is the same every run and nearly all documents are distinct).  Every method uses
128 permutations over character 5-grams on one core unless a row says otherwise.  The numba kernel is
compiled (or loaded from its cache) before any timing; that warm-up is excluded.  Each figure is the best
of `--repeats` runs.  Baselines get the shingles the way their users build them (Python string slices;
UTF-8 bytes for datasketch's default SHA-1 hash), and that time counts, as it does for newsclean.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import random
import re
import sys
import time
import tracemalloc
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newsclean import minhash as mh  # noqa: E402
from newsclean.dedup import DedupConfig, Deduplicator, dedup_records  # noqa: E402

NGRAM, NUM_PERM, DOC_CHARS = 5, 128, 1900
DEFAULT_EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev"


def build_corpus(eval_dir: Path, count: int, seed: int = 7) -> list[str]:
    """`count` documents of about DOC_CHARS characters made of shuffled evaluation sentences."""
    texts = [json.loads(line)["text"] for line in open(eval_dir / "input.jsonl", encoding="utf-8")]
    sentences = [s for t in texts for s in re.findall(r"[^。！？\n]+[。！？]?", t) if len(s.strip()) > 8]
    rng = random.Random(seed)
    docs = []
    for _ in range(count):
        parts, length = [], 0
        while length < DOC_CHARS:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            length += len(sentence)
        docs.append("".join(parts)[:DOC_CHARS])
    return docs


def with_copies(docs: list[str], seed: int = 11) -> list[str]:
    """The documents followed by one edited copy of each (a 100-character passage cut out)."""
    rng = random.Random(seed)
    copies = []
    for doc in docs:
        cut = rng.randrange(0, len(doc) - 100)
        copies.append(doc[:cut] + doc[cut + 100 :])
    return docs + copies


def shingles(text: str) -> list[str]:
    """Character 5-grams as Python strings (what a user hands to rensa or datasketch)."""
    return [text[i : i + NGRAM] for i in range(len(text) - NGRAM + 1)]


def best_of(repeats: int, run) -> float:
    """The shortest wall time of `repeats` runs of run()."""
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def time_datasketch_bulk(docs: list[str]) -> float:
    """Seconds for datasketch MinHash.bulk (affine32, SHA-1 of each UTF-8 shingle)."""
    from datasketch import MinHash

    return best_of(1, lambda: MinHash.bulk([[s.encode() for s in shingles(d)] for d in docs], num_perm=NUM_PERM))


def time_datasketch_bulk_same_hashes(docs: list[str]) -> float:
    """Seconds for datasketch MinHash.bulk fed the 32-bit shingle hashes newsclean uses (identity hashfunc):
    datasketch's permutation step alone, without its per-shingle SHA-1.  Hashing is not timed."""
    from datasketch import MinHash

    hashes = [mh.shingle_hashes(d, DedupConfig().minhash).tolist() for d in docs]
    return best_of(1, lambda: MinHash.bulk(hashes, num_perm=NUM_PERM, hashfunc=_identity))


def _identity(value: int) -> int:
    return value


def time_rensa(docs: list[str], repeats: int) -> float:
    """Seconds for rensa RMinHash, one object per document as its README shows."""
    from rensa import RMinHash

    def run():
        for d in docs:
            m = RMinHash(num_perm=NUM_PERM, seed=42)
            m.update(shingles(d))
            m.digest()

    return best_of(repeats, run)


def time_datasketch_lsh_end_to_end(docs: list[str], threshold: float) -> float:
    """Seconds for datasketch alone end to end: MinHash.bulk, then MinHashLSH query + insert per document."""
    from datasketch import MinHash, MinHashLSH

    def run():
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        for i, m in enumerate(MinHash.bulk([[s.encode() for s in shingles(d)] for d in docs], num_perm=NUM_PERM)):
            lsh.query(m)
            lsh.insert(i, m)

    return best_of(1, run)


def index_memory_per_doc(docs: list[str], config: DedupConfig) -> float:
    """Bytes of Python heap per document held by a Deduplicator holding all of `docs` (tracemalloc)."""
    ids = [f"doc-{i}" for i in range(len(docs))]
    gc.collect()
    tracemalloc.start()
    dedup = Deduplicator(config)
    dedup.add_many(ids, docs)
    dedup._grow(len(dedup))  # count the signatures actually held, not the doubling slack
    gc.collect()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del dedup
    # The ids list is the caller's data; it is included anyway, as a crawler's index holds the ids.
    return held / len(docs)


def bloom_config(count: int, index_dir: str | None = None) -> DedupConfig:
    """The Bloom index sized for `count` documents, default false-positive rate."""
    return DedupConfig(index="bloom", expected_docs=count, index_dir=index_dir)


def bloom_bytes_per_doc(docs: list[str]) -> tuple[float, float]:
    """(memory, disk) bytes per document of a Bloom Deduplicator sized for and holding all of `docs`.

    The filters are C buffers (tracemalloc does not see them): memory is their size, which does not grow
    as documents are added; disk is the saved directory (filters and their description file).
    """
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        dedup = Deduplicator(bloom_config(len(docs)))
        dedup.add_many([str(i) for i in range(len(docs))], docs)
        dedup.save(directory)
        disk = sum(f.stat().st_size for f in Path(directory).rglob("*") if f.is_file())
        memory = dedup._index.bytes()
    return memory / len(docs), disk / len(docs)


def duplicate_pairs(cluster_of: dict[str, str]) -> set[tuple[str, str]]:
    """Unordered id pairs that share a cluster."""
    members: dict[str, list[str]] = {}
    for id, cluster in cluster_of.items():
        members.setdefault(cluster, []).append(id)
    return {(a, b) for ids in members.values() for i, a in enumerate(sorted(ids)) for b in sorted(ids)[i + 1 :]}


def dev_variants(eval_dir: Path) -> tuple[dict[str, list[dict]], dict[str, dict]]:
    """The dev documents as raw input, as cleaned by newsclean's pipeline, and as the gold clean content."""
    from newsclean.pipeline import clean

    raw = [json.loads(line) for line in open(eval_dir / "input.jsonl", encoding="utf-8")]
    gold = {g["id"]: g for g in map(json.loads, open(eval_dir / "gold.jsonl", encoding="utf-8"))}
    cleaned = [clean(r["text"], id=r["id"]).to_record({"id": r["id"]}) for r in raw]
    content = [{"id": r["id"], "text": "\n".join(gold[r["id"]]["content"])} for r in raw]
    return {"cleaned": cleaned, "gold content": content, "raw input": raw}, gold


def suggestion_accuracy(result, gold: dict[str, dict]) -> tuple[int, int]:
    """(right, wrong) digit suggestions, judged by the gold gap with the same surrounding text."""
    right = wrong = 0
    for record, entry in zip(result.records, result.entries):
        for annotation in record.get("annotations") or []:
            suggestion = (annotation.get("info") or {}).get("suggestion")
            if not entry.kept or not suggestion:
                continue
            text, at = record["text"], annotation["start"]
            left, after = text[max(0, at - 4) : at], text[at : at + 3]
            truths = {g["dropped"] for g in gold[record["id"]]["gaps"]
                      if g["left"].endswith(left) and g["right"].startswith(after)}
            if truths:
                right += suggestion["digits"] in truths
                wrong += suggestion["digits"] not in truths
    return right, wrong


def quality(eval_dir: Path) -> None:
    """Print precision and recall of duplicate pairs on the dev set for a grid of settings."""
    variants, gold = dev_variants(eval_dir)
    truth = duplicate_pairs({id: g["cluster"] for id, g in gold.items()})
    print(f"date {datetime.date.today()}  dev documents {len(gold)}  true duplicate pairs {len(truth)}")
    print()
    print("| text | threshold | figure check | exact | precision | recall | pairs refused for a figure | suggestions right/wrong |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    false_pairs: list[tuple[str, str]] = []
    settings = [(t, True, False) for t in (0.5, 0.6, 0.7, 0.8)] + [(0.6, False, False), (0.6, True, True)]
    for name, records in variants.items():
        for threshold, number_check, exact in settings:
            result = dedup_records(records, DedupConfig(threshold=threshold, number_check=number_check, exact=exact))
            found = duplicate_pairs({e.id: e.cluster for e in result.entries})
            hits = len(found & truth)
            right, wrong = suggestion_accuracy(result, gold)
            print(f"| {name} | {threshold} | {'on' if number_check else 'off'} | {'yes' if exact else 'no'} | "
                  f"{hits / max(1, len(found)):.3f} | {hits / len(truth):.3f} | {result.number_conflicts} | {right}/{wrong} |")
            if name == "cleaned" and (threshold, number_check, exact) == (DedupConfig.threshold, True, False):
                false_pairs = sorted(found - truth)
    print()
    print("false pairs on cleaned text at the defaults:" if false_pairs else "no false pairs at the defaults")
    for a, b in false_pairs:
        print(f"  {a} ~ {b}")
    print()
    print(bloom_quality(variants["cleaned"], gold))


def bloom_quality(records: list[dict], gold: dict[str, dict]) -> str:
    """The Bloom index names no pairs, so it is judged per document: a dropped document is right when a
    document of its gold cluster came before it; recall is over the documents that have such an earlier copy."""
    result = dedup_records(records, bloom_config(len(records)))
    seen: set[str] = set()
    right = wrong = missed = 0
    for entry in result.entries:
        cluster = gold[entry.id].get("cluster")
        has_earlier_copy = cluster is not None and cluster in seen
        if entry.kept:
            missed += has_earlier_copy
        else:
            right += has_earlier_copy
            wrong += not has_earlier_copy
        if cluster is not None:
            seen.add(cluster)
    return (f"bloom index on cleaned text: {right + wrong} dropped, {right} with an earlier copy "
            f"(precision {right / max(1, right + wrong):.3f}, recall {right / max(1, right + missed):.3f})")


def pass_memory(eval_dir: Path, count: int) -> None:
    """Peak Python memory of the dedup pass of `clean --dedup` (texts read from the cleaned file) against the
    same dedup with every text in memory, at `count` and 2 x `count` documents: the difference is the cost of
    one more document (tracemalloc: Python and numpy allocations)."""
    import tempfile
    import tracemalloc

    from newsclean.dedup import Corpus, dedup_corpus

    def dedup_cleaned(path: Path):  # the file indexed as a resumed run reads it back, then its dedup
        return dedup_corpus(Corpus.read(path), DedupConfig())

    docs = build_corpus(eval_dir, 2 * count)
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for n in (count, 2 * count):
            paths[n] = Path(folder) / f"cleaned-{n}.jsonl"
            with open(paths[n], "w", encoding="utf-8") as fh:
                for i, text in enumerate(docs[:n]):
                    fh.write(json.dumps({"id": str(i), "text": text, "annotations": []}, ensure_ascii=False) + "\n")
        del docs

        def in_memory(path: Path):
            records = [{"text": json.loads(line)["text"], "annotations": []} for line in open(path, encoding="utf-8")]
            return dedup_records(records, DedupConfig())

        dedup_cleaned(paths[count])  # compile or load the kernel before measuring
        for name, run in (("texts read from the file (clean --dedup)", dedup_cleaned),
                          ("texts held in memory", in_memory)):
            peaks = []
            for n in (count, 2 * count):
                tracemalloc.start()
                run(paths[n])
                peaks.append(tracemalloc.get_traced_memory()[1])
                tracemalloc.stop()
            print(f"{name}: peak {peaks[0] / 1e6:.1f} MB at {count} documents, {peaks[1] / 1e6:.1f} MB at "
                  f"{2 * count}: {(peaks[1] - peaks[0]) / count:,.0f} bytes per more document")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000, help="documents for the fast paths")
    parser.add_argument("--slow-docs", type=int, default=1000, help="documents for datasketch and the numpy path")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="folder with input.jsonl")
    parser.add_argument("--quality", action="store_true", help="measure precision/recall on the dev set instead")
    parser.add_argument("--pass-memory", action="store_true",
                        help="measure the memory of clean --dedup's dedup pass per document instead")
    args = parser.parse_args()
    if args.quality:
        quality(args.eval)
        return
    if args.pass_memory:
        pass_memory(args.eval, args.docs)
        return

    docs = build_corpus(args.eval, args.docs)
    slow = docs[: args.slow_docs]
    megabytes = sum(len(d.encode()) for d in docs) / 1e6 / len(docs)  # UTF-8 MB per document
    config = DedupConfig()
    minhash_config = config.minhash
    have_numba = mh.have_numba()
    if have_numba:
        mh.warm_up(minhash_config)
        mh.signatures(docs[:64], minhash_config, jobs=2)  # warm the threaded path too
    rows = []  # (method, docs/s)

    rows.append(("datasketch MinHash.bulk", args.slow_docs / time_datasketch_bulk(slow)))
    rows.append(("datasketch MinHash.bulk, given precomputed shingle hashes (hashing not timed)",
                 args.slow_docs / time_datasketch_bulk_same_hashes(slow)))
    try:
        rows.append(("rensa RMinHash", args.docs / time_rensa(docs, args.repeats)))
    except ImportError:
        rows.append(("rensa RMinHash (not installed)", float("nan")))
    rows.append(("newsclean numpy path", args.slow_docs / best_of(args.repeats, lambda: mh.signatures(slow, minhash_config, backend="numpy"))))
    if have_numba:
        numba_1 = args.docs / best_of(args.repeats, lambda: mh.signatures(docs, minhash_config, backend="numba"))
        numba_2 = args.docs / best_of(args.repeats, lambda: mh.signatures(docs, minhash_config, jobs=2, backend="numba"))
        rows.append(("newsclean numba kernel", numba_1))
        rows.append(("newsclean numba kernel, --jobs 2", numba_2))
    e2e_1 = args.docs / best_of(args.repeats, lambda: dedup_records([{"id": i, "text": d} for i, d in enumerate(docs)], DedupConfig(jobs=1)))
    e2e_2 = args.docs / best_of(args.repeats, lambda: dedup_records([{"id": i, "text": d} for i, d in enumerate(docs)], DedupConfig(jobs=2)))
    rows.append(("newsclean end to end (signature + LSH + verify)", e2e_1))
    rows.append(("newsclean end to end, --jobs 2", e2e_2))
    half = with_copies(docs[: args.docs // 2])
    half_records = [{"id": i, "text": d} for i, d in enumerate(half)]
    rows.append(("newsclean end to end, half the corpus edited copies",
                 len(half) / best_of(args.repeats, lambda: dedup_records(half_records, DedupConfig(jobs=1)))))
    rows.append(("newsclean end to end, half the corpus edited copies, --jobs 2",
                 len(half) / best_of(args.repeats, lambda: dedup_records(half_records, DedupConfig(jobs=2)))))
    try:
        bloom_records = [{"id": i, "text": d} for i, d in enumerate(docs)]
        rows.append(("newsclean end to end, --index-type bloom (signature + Bloom filters, unverified)",
                     args.docs / best_of(args.repeats, lambda: dedup_records(bloom_records, bloom_config(args.docs)))))
        bloom_memory, bloom_disk = bloom_bytes_per_doc(docs)
    except ImportError:
        rows.append(("newsclean --index-type bloom (pybloomfiltermmap3 not installed)", float("nan")))
        bloom_memory = bloom_disk = float("nan")
    stream_docs = docs[: max(1, args.docs // 4)]

    def stream():
        dedup = Deduplicator(config)
        for i, d in enumerate(stream_docs):
            dedup.check(str(i), d)

    rows.append(("newsclean Deduplicator.check, one call per document", len(stream_docs) / best_of(args.repeats, stream)))
    rows.append(("datasketch end to end (bulk + MinHashLSH)", args.slow_docs / time_datasketch_lsh_end_to_end(slow, config.threshold)))
    memory = index_memory_per_doc(docs, config)

    base = dict(rows)
    bulk, rensa = base["datasketch MinHash.bulk"], base.get("rensa RMinHash", float("nan"))
    print(f"date {datetime.date.today()}  docs {args.docs} (slow paths {args.slow_docs})  "
          f"{DOC_CHARS} chars/doc  {NUM_PERM} perms  {NGRAM}-grams  threshold {config.threshold}  "
          f"bands x rows {config.bands_rows}  numba {'yes' if have_numba else 'no'}  cpus {os.cpu_count()}")
    print()
    print("| method | docs/s | MB/s | x datasketch bulk | x rensa |")
    print("|---|---:|---:|---:|---:|")
    for method, rate in rows:
        print(f"| {method} | {rate:,.0f} | {rate * megabytes:.1f} | {rate / bulk:.1f} | {rate / rensa:.2f} |")
    print()
    print(f"index memory: {memory:,.0f} bytes per document "
          f"(Deduplicator of {args.docs} distinct documents: LSH buckets, signatures, figure fingerprints, ids)")
    print(f"Bloom index: {bloom_memory:,.0f} bytes per document in memory, {bloom_disk:,.0f} on disk "
          f"(sized for {args.docs} documents, false-positive rate {DedupConfig.bloom_fp:g} per band, "
          f"{config.bands_rows[0]} bands)")
    if have_numba:
        print(f"--jobs 2 speed-up: signatures x{numba_2 / numba_1:.2f}, end to end x{e2e_2 / e2e_1:.2f}")


if __name__ == "__main__":
    main()
