"""Ray Data: clean and deduplicate on a cluster, with the local engine's decisions and bytes.

Two entry points:

- `clean_dataset(ds)`: clean any `ray.data.Dataset` with `map_batches` and `newsclean.hf.BatchCleaner` (one
  `Pipeline` per worker process, rules loaded once); each row gets the clean text and the ``annotations``,
  ``removed`` and ``newsclean`` columns as JSON text.
- `run_ray(config)`: what ``newsclean clean IN -o OUT --engine ray`` does: the input files are read by
  newsclean's own reader on the workers (one task per file, so every unit is accounted for exactly as
  locally), cleaned by an actor pool with the runner's own block cleaner, optionally deduplicated, and the
  output, rejects and clusters written in input order -- the same bytes as ``--engine local``.

The distributed near-duplicate pass reuses `newsclean.minhash` and `newsclean.dedup` (signatures, band
keys, Jaccard estimate, figure fingerprints and check, keep order, digit suggestions) and reproduces the
local decisions exactly:

1. signatures, band keys and figure fingerprints per document (`map_batches`);
2. the (band, key) buckets of each block's non-blank documents, hashed into one row per partition and
   shuffled by `groupby`; in each bucket every pair is verified where it meets (estimated Jaccard >=
   threshold, no conflicting figure), oriented by keep order;
3. connected components of the verified pairs, computed distributedly by alternating large-star and
   small-star rounds (Kiveris et al. 2014) over the edge dataset until it no longer changes;
4. per component (`groupby`), the local greedy replayed on the pre-verified pairs: documents in keep order
   (fewest missing_number flags, longest, earliest), each compared with the kept copies that share a bucket
   with it. A document's fate depends only on documents joined to it by verified pairs, so per-component
   replay gives the global result; dropped copies give the kept one digit suggestions as locally;
5. kept documents written back, with their suggestions, in input order.

Every shuffle moves one group per partition, not one per key (`group_by_partition`): Ray Data calls a
map_groups function once per group, which at a key per document or bucket cost most of a run.

Inputs and outputs may be cloud paths (`newsclean.io.cloud`: pyarrow filesystems, fsspec as a fallback); the
outputs are made on the driver and uploaded when complete. Not done: ``--resume``, the Bloom index and ``exact``
verification (each is refused with a clear error). A bucket holding n documents costs n(n-1)/2 checks
(locally each document meets only the kept ones).
"""
from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from .dedup import (DedupConfig, ClusterEntry, band_keys, count_number_conflicts, number_fingerprints,
                    suggest_digits)
from .io import Record, Reject, dumps, expand_inputs, publish, read_records
from .io.cloud import check_writable, is_uri, upload, upload_file
from .hf import OUTPUT_COLUMNS
from .minhash import empty_signatures, estimate_jaccard, signatures
from .parquet import is_parquet_name, write_parquet

POSITION_BITS = 40  # a unit's position: file number << 40 | unit number in the file (input order when sorted)
BLOCK = 64  # records cleaned per batch, as the local runner's blocks


def require_ray():
    """The ray module, or an ImportError saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise ImportError("the Ray engine needs Ray Data: pip install 'newsclean[ray]'") from None
    return ray


def use_task_shuffles(ctx) -> None:
    """Shuffle with tasks (Ray Data's pull-based sort shuffle) rather than the default hash shuffle's aggregator
    actors. The actors are started for each `groupby` and their worker processes are gone after it, so every
    shuffle, and the next stage too, paid for new Python processes: about 6 s for a `groupby` of 100 rows and
    3 s for the map after it on 2 loaded cores, against 0.3 s and 0.15 s with tasks, which reuse the
    workers (`benchmarks/README.md`, Ray engine)."""
    from ray.data.context import ShuffleStrategy

    ctx.shuffle_strategy = ShuffleStrategy.SORT_SHUFFLE_PULL_BASED


# ----------------------------------------------------------------------------- any dataset

def clean_dataset(ds, text_field: str = "text", rules: str | None = None, batch_size: int = BLOCK, **options: Any):
    """`ds` with every row cleaned (see `newsclean.hf.BatchCleaner` for the columns and the rejected rows);
    the other columns pass through as arrow columns, untouched."""
    from .hf import BatchCleaner

    return ds.map_batches(_ArrowCleaner(BatchCleaner(text_field=text_field, rules=rules, **options)),
                          batch_size=batch_size, batch_format="pyarrow")


class _ArrowCleaner:
    """A `BatchCleaner` over arrow batches: only the text column is converted to Python and back, so lists,
    structs and timestamps in the other columns keep their arrow types."""

    def __init__(self, cleaner):
        self.cleaner = cleaner

    def __call__(self, table):
        import pyarrow as pa

        field = self.cleaner.text_field
        if field not in table.column_names:
            raise KeyError(f"the dataset has no column {field!r} (columns: {', '.join(table.column_names)})")
        out = self.cleaner({field: table.column(field).to_pylist()})
        table = table.set_column(table.column_names.index(field), field, pa.array(out[field]))
        for column in OUTPUT_COLUMNS:
            values = pa.array(out[column], type=pa.string())
            if column in table.column_names:
                table = table.set_column(table.column_names.index(column), column, values)
            else:
                table = table.append_column(column, values)
        return table


# ----------------------------------------------------------------------------- rows

def _pack(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _rows(pairs: Iterable[tuple[int, Any]]) -> dict[str, list]:
    """A batch of {"pos", "data"} rows: every shuffle moves an int key and a pickled payload, so that no
    stage depends on arrow inferring one schema for records whose fields differ."""
    keys, data = [], []
    for key, value in pairs:
        keys.append(int(key))
        data.append(_pack(value))
    return {"pos": np.array(keys, dtype=np.int64), "data": data}


def _unpacked(batch: dict[str, Any]) -> Iterator[tuple[int, Any]]:
    for key, data in zip(batch["pos"], batch["data"]):
        yield int(key), pickle.loads(data)


def _read_file(row: dict[str, Any], read) -> list[dict[str, Any]]:
    """Every unit of one input file (newsclean's reader, run on a worker), keyed by its input position."""
    source = pickle.loads(row["source"])
    base = int(row["n"]) << POSITION_BITS
    return [{"pos": base + k, "data": _pack(unit)} for k, unit in enumerate(read_records([], read, sources=[source]))]


def _clean_batch(batch: dict[str, Any], rules, options, read, dedup_fields: tuple[str, str] | None,
                 site=None) -> dict[str, list]:
    """Clean a batch of units with the local runner's own block cleaner. Ray reuses its worker processes, and
    the runner keeps one pipeline per process and rule files: the rules are loaded once per worker."""
    from .run import clean_block as _clean_block, init_worker as _init_worker, payload as _payload

    _init_worker(rules, options, read.text_field, site, read)  # read: the id field of the dedup hand-off
    units = list(_unpacked(batch))
    cleaned = iter(_clean_block(_payload([u for _, u in units])))
    return _rows((pos, _outcome(unit, cleaned, dedup_fields)) for pos, unit in units)


def _outcome(unit: Record | Reject, cleaned: Iterator, dedup_fields: tuple[str, str] | None) -> dict[str, Any]:
    """What the driver needs of one unit: its line (output or rejects), its books, its dedup fields."""
    if isinstance(unit, Reject):
        return {"reject": dumps(unit.to_json()).encode("utf-8"), "reason": unit.reason}
    line, counts, clean_len, warnings, error, light = next(cleaned)
    if line is None:  # the pipeline failed on it: an internal-error reject, as locally
        from .io import RAW_LIMIT

        reject = Reject(unit.source, error, unit.text[:RAW_LIMIT], unit.id,
                        {"raw_chars": len(unit.text)} if len(unit.text) > RAW_LIMIT else {})
        return {"reject": dumps(reject.to_json()).encode("utf-8"), "reason": error}
    out = {"line": line, "counts": counts, "clean_len": clean_len, "warnings": warnings,
           "encoding": unit.encoding, "chars_in": len(unit.text)}
    if dedup_fields is not None:
        out["dedup"] = _dedup_view(line, light, dedup_fields[1])
    return out


def _dedup_view(line: bytes, light, text_field: str) -> dict[str, Any]:
    """A cleaned document as the dedup pass needs it: the worker's hand-off (`newsclean.dedup.Light`), and
    the text, which the Ray dedup holds in its rows."""
    text = json.loads(line).get(text_field)
    return {"id": light.id, "text": text if isinstance(text, str) else "", "annotations": light.annotations}


# ----------------------------------------------------------------------------- dedup

def _rank(view: dict[str, Any], pos: int) -> tuple[int, int, int]:
    """The local keep order: fewest missing_number flags, then the longest text, then the earliest."""
    return (len(view["annotations"]), -len(view["text"]), pos)


def _sign(batch: dict[str, Any], config: DedupConfig, partitions: int) -> dict[str, list]:
    """The band buckets of a block's non-blank cleaned documents, one row per partition of buckets: each row
    carries (band, band key, member) for every bucket of that partition the block's documents fall in, a
    member being what verification needs (position, keep rank, signature, figure fingerprint). Reject rows
    are left out. One row per (block, partition) rather than per (document, band): a member is pickled once
    per partition it reaches, not once per band, and the shuffle moves a few large rows."""
    bands, rows = config.bands_rows
    docs = [(pos, o) for pos, o in _unpacked(batch) if "dedup" in o]
    texts = [o["dedup"]["text"] for _, o in docs]
    sigs = signatures(texts, config.minhash, backend=config.backend)
    blank = empty_signatures(sigs)
    keys = band_keys(sigs, bands, rows)
    parts = _partition_of(keys, partitions)
    figures = (number_fingerprints(texts, config.backend) if config.number_check
               else [np.empty(0, np.uint64)] * len(texts))
    by_part: dict[int, list] = {}
    for (pos, o), sig, is_blank, doc_keys, doc_parts, fp in zip(docs, sigs, blank, keys, parts, figures):
        if is_blank:  # nothing to compare: kept as it is, never matched (as locally)
            continue
        member = (pos, _rank(o["dedup"], pos), sig.tobytes(), fp.tobytes())
        for b, (k, part) in enumerate(zip(doc_keys.tolist(), doc_parts.tolist())):
            by_part.setdefault(part, []).append((b, k, member))
    return {"part": np.array(list(by_part), dtype=np.int64), "data": [_pack(v) for v in by_part.values()]}


def _verify_buckets(config: DedupConfig):
    """A map_groups function over one partition of buckets: every pair of each bucket checked as the local
    verifier checks it (a pair met in several buckets of the partition is checked and reported once)."""

    def verify(group: dict[str, Any]) -> dict[str, list]:
        buckets: dict[tuple[int, int], list] = {}
        for data in group["data"]:
            for band, key, member in pickle.loads(data):
                buckets.setdefault((band, key), []).append(member)
        pairs, seen = [], set()
        for members in buckets.values():
            if len(members) > 1:
                pairs += _verified_pairs(sorted(members, key=lambda m: m[1]), config, seen)
        return _rows(pairs)

    return verify


def _verified_pairs(members: list, config: DedupConfig, seen: set) -> list:
    """The pairs (a, (b, estimate, figure conflict)) of one bucket in keep order that reach the threshold."""
    pairs = []
    for i, (a, _, sig_a, fp_a) in enumerate(members):
        sa, fa = np.frombuffer(sig_a, dtype=np.uint32), np.frombuffer(fp_a, dtype=np.uint64)
        for b, _, sig_b, fp_b in members[i + 1:]:
            if (a, b) in seen:
                continue
            seen.add((a, b))
            estimate = estimate_jaccard(sa, np.frombuffer(sig_b, dtype=np.uint32))
            if estimate < config.threshold:
                continue
            conflict = config.number_check and count_number_conflicts(fa, np.frombuffer(fp_b, dtype=np.uint64)) > 0
            pairs.append((a, (b, estimate, bool(conflict))))  # a comes before b in keep order
    return pairs


def _partition_of(keys: np.ndarray, partitions: int) -> np.ndarray:
    """The partition of each integer key (any shape): a multiplicative hash, so that runs of consecutive
    positions spread over all partitions."""
    mixed = keys.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return ((mixed >> np.uint64(29)) % np.uint64(partitions)).astype(np.int64)


def group_by_partition(ds, key: str, fn, partitions: int):
    """What ``ds.groupby(key).map_groups(fn)`` gives, with one Ray group per partition of the keys: Ray Data
    calls a map_groups function once per group, at a cost of the order of a millisecond, which for 20,000
    positions or 300,000 band buckets was most of a run (`benchmarks/README.md`, Ray engine); here the
    shuffle moves `partitions` groups and each is split by `key` in the worker, with `fn` called per key."""

    def with_partition(batch):
        return {**batch, "part": _partition_of(batch[key], partitions)}

    def each_key(batch):
        order = np.argsort(batch[key], kind="stable")
        bounds = np.flatnonzero(np.diff(batch[key][order])) + 1
        columns = [c for c in batch if c != "part"]
        outs = [fn({c: batch[c][rows] for c in columns}) for rows in np.split(order, bounds)]
        return _concatenated(outs)

    return ds.map_batches(with_partition, batch_format="numpy").groupby("part", num_partitions=partitions) \
        .map_groups(each_key, batch_format="numpy")


def _concatenated(outs: list[dict[str, Any]]) -> dict[str, Any]:
    """The batches `outs` as one (numpy columns joined, list columns chained)."""
    joined: dict[str, Any] = {}
    for column in outs[0]:
        parts = [out[column] for out in outs]
        joined[column] = (np.concatenate(parts) if all(isinstance(p, np.ndarray) for p in parts)
                          else [value for part in parts for value in part])
    return joined


def _edges(pairs) -> Any:
    """The verified pairs as an undirected edge dataset {"u", "v"}."""

    def to_edges(batch):
        u, v = [], []
        for a, (b, _, conflict) in _unpacked(batch):
            if not conflict:
                u.append(a)
                v.append(b)
        return {"u": np.array(u, dtype=np.int64), "v": np.array(v, dtype=np.int64)}

    return pairs.map_batches(to_edges, batch_format="numpy")


def _large_star(group: dict[str, Any]) -> dict[str, Any]:
    u = int(group["u"][0])
    neighbours = set(group["v"].tolist())
    m = min(neighbours | {u})
    out = sorted(v for v in neighbours if v > u)
    return {"u": np.array(out, dtype=np.int64), "v": np.full(len(out), m, dtype=np.int64)}


def _small_star(group: dict[str, Any]) -> dict[str, Any]:
    u = int(group["u"][0])
    neighbours = set(group["v"].tolist()) | {u}
    m = min(neighbours)
    out = sorted(v for v in neighbours if v != m)
    return {"u": np.array(out, dtype=np.int64), "v": np.full(len(out), m, dtype=np.int64)}


def _both_ways(batch):
    return {"u": np.concatenate([batch["u"], batch["v"]]), "v": np.concatenate([batch["v"], batch["u"]])}


def _smaller_last(batch):
    return {"u": np.maximum(batch["u"], batch["v"]), "v": np.minimum(batch["u"], batch["v"])}


_HASH_MOD = (1 << 61) - 1


def _edge_digest(batch):
    """A per-block digest of an edge multiset (count and a sum of 64-bit hashes): equal edge sets give equal
    digests; a round that changes nothing ends the component search."""
    u = batch["u"].astype(np.uint64)
    v = batch["v"].astype(np.uint64)
    h = (u * np.uint64(0x9E3779B97F4A7C15)) ^ (v * np.uint64(0xBF58476D1CE4E5B9) + np.uint64(0x94D049BB133111EB))
    return {"n": np.array([len(u)], dtype=np.int64), "h": np.array([int(h.sum(dtype=np.uint64)) % _HASH_MOD], dtype=np.int64)}


def connected_components(edges, partitions: int, max_rounds: int = 64):
    """{"u", "v"} rows: for every node of a component but its smallest, an edge to that smallest node.

    Alternating large-star and small-star rounds, each a `groupby` over the edge dataset; the loop ends when
    a round pair leaves the edge multiset unchanged (then the graph is a forest of stars)."""
    previous = None
    for _ in range(max_rounds):
        edges = group_by_partition(edges.map_batches(_both_ways, batch_format="numpy"), "u", _large_star, partitions)
        edges = group_by_partition(edges.map_batches(_smaller_last, batch_format="numpy"), "u", _small_star,
                                   partitions).materialize()
        parts = edges.map_batches(_edge_digest, batch_format="numpy", batch_size=None).take_all()
        digest = (sum(p["n"] for p in parts), sum(p["h"] for p in parts) % _HASH_MOD)
        if digest == previous:
            return edges
        previous = digest
    raise RuntimeError(f"connected components did not settle in {max_rounds} rounds")


def _tagged(ds, tag: str, key_of, value_of):
    """Rows {"pos": key, "data": (tag, value)} for a cogroup."""

    def tag_batch(batch):
        return _rows((key_of(k, v), (tag, value_of(k, v))) for k, v in _unpacked(batch))

    return ds.map_batches(tag_batch, batch_format="numpy")


def _labels(stars) -> Any:
    """Component labels {"pos": node, "data": ("label", smallest node)} from a star forest."""

    def label(batch):
        pairs = []
        for u, v in zip(batch["u"].tolist(), batch["v"].tolist()):
            pairs += [(u, ("label", v)), (v, ("label", v))]
        return _rows(pairs)

    return stars.map_batches(label, batch_format="numpy")


def _by_pos(group: dict[str, Any]) -> dict[str, list]:
    """Cogroup of one position: the document, its component label, the pairs it comes first in.

    A document in no component is kept as its own cluster and finished here; the others go on to their
    component with what the replay needs."""
    pos = int(group["pos"][0])
    doc, labels, pairs = None, [], []
    for data in group["data"]:
        tag, value = pickle.loads(data)
        if tag == "doc":
            doc = value
        elif tag == "label":
            labels.append(value)
        else:
            pairs.append(value)
    if doc is None:
        raise RuntimeError(f"position {pos}: pairs or a label without a document")
    conflicts = sorted({b for b, _, conflict in pairs if conflict})
    verified = {b: j for b, j, conflict in pairs if not conflict}
    if not labels:
        view = doc["dedup"]
        entry = ClusterEntry(view["id"], view["id"], True, None, 1.0)
        return _rows([(pos, ("final", {**_books(doc), "line": doc["line"], "entry": entry, "conflicts": len(conflicts)}))])
    return _rows([(min(labels), ("node", {"pos": pos, "doc": doc, "conflicts": conflicts, "later": verified}))])


def _books(outcome: dict[str, Any]) -> dict[str, Any]:
    return {k: outcome[k] for k in ("counts", "clean_len", "warnings", "encoding", "chars_in")}


def _replay(group: dict[str, Any]) -> dict[str, list]:
    """One component: the local greedy on its pre-verified pairs, then the kept copies' digit suggestions."""
    nodes = [pickle.loads(d)[1] for d in group["data"]]
    by_pos = {n["pos"]: n for n in nodes}
    earlier: dict[int, dict[int, float]] = {}  # document -> {earlier neighbour in keep order: Jaccard}
    for n in nodes:
        for b, jaccard in n["later"].items():
            earlier.setdefault(b, {})[n["pos"]] = jaccard
    order = sorted(by_pos, key=lambda p: _rank(by_pos[p]["doc"]["dedup"], p))
    rank = {p: r for r, p in enumerate(order)}
    kept: set[int] = set()
    entries: dict[int, ClusterEntry] = {}
    copies: dict[int, list[int]] = {}
    for p in order:
        view = by_pos[p]["doc"]["dedup"]
        best, best_at = None, None
        for q in sorted((q for q in earlier.get(p, {}) if q in kept), key=rank.__getitem__):
            if best is None or earlier[p][q] > best:
                best, best_at = earlier[p][q], q
        if best_at is None:
            kept.add(p)
            entries[p] = ClusterEntry(view["id"], view["id"], True, None, 1.0)
        else:
            kept_id = by_pos[best_at]["doc"]["dedup"]["id"]
            entries[p] = ClusterEntry(view["id"], kept_id, False, kept_id, best)
            copies.setdefault(best_at, []).append(p)
    out = []
    for p in order:
        doc = by_pos[p]["doc"]
        line, suggestions = doc["line"], 0
        if p in copies and doc["dedup"]["annotations"]:
            from .dedup.corpus import with_suggestions

            sources = [(by_pos[c]["doc"]["dedup"]["id"], by_pos[c]["doc"]["dedup"]["text"],
                        by_pos[c]["doc"]["dedup"]["annotations"]) for c in copies[p]]
            annotations, suggestions = suggest_digits(doc["dedup"]["text"], doc["dedup"]["annotations"], sources)
            if suggestions:
                line = with_suggestions(line, {"annotations": annotations})
        final = {**_books(doc), "line": line if p in kept else None, "entry": entries[p], "suggestions": suggestions,
                 "conflicts": len(by_pos[p]["conflicts"]) if p in kept else 0}
        out.append((p, ("final", final)))
    return _rows(out)


# ----------------------------------------------------------------------------- the run

def run_ray(config, address: str | None = None, partitions: int | None = None,
            timings: dict[str, float] | None = None):
    """`newsclean.run.run` on Ray: the same outputs and books (see the module docstring for what is not
    supported). `address` is a cluster to connect to ("auto": the one this machine belongs to); without it
    a local cluster of `config.jobs` CPUs is started. `timings`, when given, receives the seconds of each
    stage (`benchmarks/bench_ray.py`)."""
    from .run import RunError, RunStats, dedup_books, learn_site_chrome as _learn_site_chrome, no_documents

    ray = require_ray()
    _refuse_unsupported(config, RunError)
    for target in (config.output, config.rejects, config.stats, config.clusters):
        if target and is_uri(target):
            check_writable(target)
    exclude = [p for p in (config.output, config.rejects, config.stats) if p]
    sources = expand_inputs(config.inputs, exclude=exclude)
    if not sources:
        raise no_documents(config.inputs)
    if any(s.kind in ("stdin", "stream") for s in sources):
        raise RunError("--engine ray reads files (each on a worker), not standard input or a pipe")
    started = not ray.is_initialized()
    if started:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 **({} if address else {"num_cpus": max(config.jobs, 1)}))
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        use_task_shuffles(ctx)
        cpus = max(int(ray.cluster_resources().get("CPU", 1)), 1)
        partitions = partitions or max(2, cpus)
        clock = _Clock(timings)
        # The lines each site repeats are counted on the driver, in input order, as the local engine does:
        # the same table, so the same bytes (a distributed count is not written yet).
        site, learn_note, _ = _learn_site_chrome(config, sources, config.read)  # Ray's readers extract
        clock.lap("learn site chrome")
        finals = _pipeline(ray, config, sources, partitions, clock, site)
        stats = RunStats()
        if learn_note:
            stats.notes.append(learn_note)
        dedup_summary = {"suggestions": 0, "number_conflicts": 0, "clusters": set(), "dropped": 0}
        with _Outputs(config) as outputs:
            for pos, value in _in_input_order(finals):
                _account(value, stats, outputs, dedup_summary)
            clock.lap("write-back and output" if config.dedup is not None else "clean and output")
        if stats.records_in == 0:
            outputs.discard()
            raise no_documents(config.inputs)
        outputs.publish()
        clock.lap("publish")
        if config.dedup is not None:
            stats.written -= dedup_summary["dropped"]
            stats.duplicates += dedup_summary["dropped"]
            stats.dedup = dedup_books({"clusters_with_duplicates": len(dedup_summary["clusters"]),
                                       "suggestions": dedup_summary["suggestions"],
                                       "number_conflicts": dedup_summary["number_conflicts"]})
        if config.stats:
            _write_stats(config.stats, json.dumps(stats.to_json(), ensure_ascii=False, indent=1) + "\n")
        return stats
    finally:
        if started:
            ray.shutdown()


def _write_stats(target: str, text: str) -> None:
    """The run's books as JSON at `target`, a local file (atomically) or a cloud object."""
    if is_uri(target):
        upload(lambda out: out.write(text.encode("utf-8")), target)
        return
    from .io import AtomicWriter

    with AtomicWriter(target) as fh:
        fh.write(text)


def _refuse_unsupported(config, error) -> None:
    if config.resume:
        raise error("--resume is not supported with --engine ray (a Ray run is redone from the start)")
    if config.output == "-":
        raise error("--engine ray writes to a file (-o FILE), not standard output")
    if config.dedup is not None and config.dedup.index != "lsh":
        raise error("--engine ray deduplicates with the LSH index only, not --index-type bloom")
    if config.dedup is not None and config.dedup.exact:
        raise error("--engine ray verifies with the MinHash estimate, not exact Jaccard")


class _Clock:
    """Seconds per stage, when asked for (each stage is materialised before the next, so they add up)."""

    def __init__(self, timings: dict[str, float] | None):
        import time

        self.timings, self.now, self.start = timings, time.perf_counter, time.perf_counter()

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            end = self.now()
            self.timings[stage] = self.timings.get(stage, 0.0) + end - self.start
            self.start = end

    def materialized(self, ds, stage: str):
        """`ds` computed now if stages are being timed (else left to stream)."""
        if self.timings is None:
            return ds
        ds = ds.materialize()
        self.lap(stage)
        return ds


def _pipeline(ray, config, sources, partitions: int, clock: _Clock, site=None):
    """The dataset of {"pos", "data": ("final", outcome)} rows, one per input unit (not yet in order)."""
    files = ray.data.from_items([{"n": n, "source": _pack(s)} for n, s in enumerate(sources)],
                                override_num_blocks=max(1, len(sources)))
    # One file is read by one task into one block; split it so that every CPU cleans a share of it (else a
    # single dump is cleaned by one worker, whatever the cluster).
    units = files.flat_map(_read_file, fn_kwargs={"read": config.read}) \
        .repartition(target_num_rows_per_block=config.block_size * 4)
    dedup_fields = (config.read.id_field, config.read.text_field) if config.dedup is not None else None
    cleaned = units.map_batches(_clean_batch, fn_kwargs={"rules": config.rules_dir, "options": config.options,
                                                         "read": config.read, "dedup_fields": dedup_fields,
                                                         "site": site},
                                batch_size=config.block_size, batch_format="numpy")

    def finish_all(batch):
        return _rows((pos, ("final", o)) for pos, o in _unpacked(batch))

    if config.dedup is None:
        return cleaned.map_batches(finish_all, batch_format="numpy")
    cleaned = cleaned.materialize()  # read twice: for the buckets and for the write-back
    clock.lap("read and clean")

    def rejects_only(batch):
        return _rows((pos, ("final", o)) for pos, o in _unpacked(batch) if "dedup" not in o)

    dedup = config.dedup
    buckets = cleaned.map_batches(_sign, fn_kwargs={"config": dedup, "partitions": partitions},
                                  batch_format="numpy", batch_size=1024)
    pairs = buckets.groupby("part", num_partitions=partitions) \
        .map_groups(_verify_buckets(dedup), batch_format="numpy").materialize()
    clock.lap("signatures, buckets and verification")
    edges = _edges(pairs).materialize()
    stars = connected_components(edges, partitions) if edges.count() else edges
    clock.lap("connected components")
    def documents_only(batch):
        return _rows((pos, ("doc", o)) for pos, o in _unpacked(batch) if "dedup" in o)

    docs = cleaned.map_batches(documents_only, batch_format="numpy")
    tagged_pairs = _tagged(pairs, "pair", lambda k, v: k, lambda k, v: v)
    nodes = group_by_partition(docs.union(tagged_pairs, _labels(stars)), "pos", _by_pos, partitions).materialize()
    clock.lap("documents joined with their components")

    def finished(batch):
        return _rows((k, v) for k, v in _unpacked(batch) if v[0] == "final")

    def in_components(batch):
        return _rows((k, v) for k, v in _unpacked(batch) if v[0] == "node")

    replayed = clock.materialized(
        group_by_partition(nodes.map_batches(in_components, batch_format="numpy"), "pos", _replay, partitions),
        "greedy replay per component")
    return cleaned.map_batches(rejects_only, batch_format="numpy").union(
        nodes.map_batches(finished, batch_format="numpy"), replayed)


def _in_input_order(finals) -> Iterator[tuple[int, Any]]:
    """The rows of `finals` by position. They reach the driver (which writes the one output file) in any order:
    each is spooled to a scratch file as it comes, then read back in order through an index of 16 bytes a
    row, so the driver never holds the corpus and no distributed sort is needed."""
    from array import array

    with tempfile.TemporaryFile() as spool:
        positions, offsets = array("q"), array("q")
        for batch in finals.iter_batches(batch_format="numpy", batch_size=1024):
            for pos, data in zip(batch["pos"].tolist(), batch["data"]):
                positions.append(pos)
                offsets.append(spool.tell())
                spool.write(len(data).to_bytes(8, "little") + bytes(data))
        order = np.argsort(np.frombuffer(positions, dtype=np.int64), kind="stable") if positions else []
        for i in order:
            spool.seek(offsets[i])
            size = int.from_bytes(spool.read(8), "little")
            yield positions[i], pickle.loads(spool.read(size))


class _Outputs:
    """The run's files, written in input order under hidden names and put in place at the end."""

    def __init__(self, config):
        self.config = config
        self.scratch = tempfile.TemporaryDirectory(prefix="newsclean-ray-")
        self.paths = {name: Path(self.scratch.name) / f"{name}.jsonl" for name in ("output", "rejects", "clusters")}
        self.files: dict[str, Any] = {}

    def __enter__(self):
        for name, path in self.paths.items():
            self.files[name] = open(path, "wb")
        return self

    def __exit__(self, *exc):
        for fh in self.files.values():
            fh.close()
        if exc[0] is not None:
            self.discard()

    def write(self, name: str, line: bytes) -> None:
        self.files[name].write(line)

    def publish(self) -> None:
        """Each finished file where the run was asked to put it: parquet or JSONL (compressed) by its name."""
        targets = {"output": self.config.output, "rejects": self.config.rejects, "clusters": self.config.clusters}
        for name, target in targets.items():
            if target is None:
                continue
            if is_uri(target):  # made here under the object's own name (so compressed as it asks), then uploaded
                local = Path(self.scratch.name) / "upload" / Path(target.partition("?")[0]).name
                local.parent.mkdir(exist_ok=True)
                self._finish(name, str(local))
                upload_file(str(local), target)
                local.unlink()
            else:
                self._finish(name, target)
        self.discard()

    def _finish(self, name: str, target: str) -> None:
        """The scratch file `name` as `target`: parquet or JSONL (compressed) by its name."""
        path = self.paths[name]
        if is_parquet_name(target.partition("?")[0]):
            from .parquet import file_lines

            write_parquet(target, file_lines(path))
        else:
            publish(Path(target), lambda out, path=path: _copy(path, out))

    def discard(self) -> None:
        self.scratch.cleanup()


def _copy(path: Path, out) -> None:
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            out.write(chunk)


def _account(outcome: tuple[str, dict[str, Any]], stats, outputs: _Outputs, dedup: dict[str, Any]) -> None:
    """Write one input unit where it belongs and enter it in the books, as the local runner does."""
    _, o = outcome
    stats.records_in += 1
    if "reject" in o:
        outputs.write("rejects", o["reject"])
        stats.reject(o["reason"])
        return
    stats.written += 1
    stats.encodings[o["encoding"]] += 1
    stats.chars_in += o["chars_in"]
    stats.chars_out += o["clean_len"]
    stats.add_counts(o["counts"])
    stats.add_warnings(o["warnings"])
    entry = o.get("entry")
    if entry is None:  # no dedup
        outputs.write("output", o["line"])
        return
    outputs.write("clusters", dumps(entry.to_json()).encode("utf-8"))
    dedup["suggestions"] += o.get("suggestions", 0)
    dedup["number_conflicts"] += o.get("conflicts", 0)
    if entry.kept:
        outputs.write("output", o["line"])
    else:
        dedup["dropped"] += 1
        dedup["clusters"].add(entry.cluster)
