"""`newsclean dedup`: a thin shell over `newsclean.dedup` (reading, writing and a summary only)."""
from __future__ import annotations

import gzip
import io
import json
import sys
from contextlib import contextmanager
from typing import Any, Iterator, TextIO

import click

from .dedup import DedupConfig, Deduplicator, dedup_records
from .io import InputError, ReadOptions, Reject, read_records


def _read(inputs: tuple[str, ...], text_field: str, id_field: str) -> tuple[list[dict[str, Any]], list[str], list[Reject]]:
    """Records (with their text back under `text_field`), their ids, and the units that could not be read."""
    records, ids, rejects = [], [], []
    for item in read_records(list(inputs), ReadOptions(text_field=text_field, id_field=id_field)):
        if isinstance(item, Reject):
            rejects.append(item)
            continue
        records.append({**item.fields, text_field: item.text})
        ids.append(item.id)
    return records, ids, rejects


@contextmanager
def _open_output(path: str) -> Iterator[TextIO]:
    """A text stream for `path`: standard output for "-", gzip/zstd compressed by extension."""
    if path == "-":
        yield sys.stdout
        return
    if path.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="\n") as fh:
            yield fh
        return
    if path.endswith((".zst", ".zstd")):
        import zstandard

        with open(path, "wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as compressed:
            with io.TextIOWrapper(compressed, encoding="utf-8", newline="\n") as fh:
                yield fh
        return
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        yield fh


def _write_jsonl(path: str, rows: list[dict[str, Any]]) -> None:
    """Write rows as JSON lines (UTF-8 as is, compact separators)."""
    with _open_output(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


@click.command("dedup")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Kept records as JSONL (.gz/.zst compress; - for standard output).")
@click.option("--clusters", "clusters_path", type=click.Path(dir_okay=False),
              help="One JSON line per input record: id, cluster (the kept id), kept, duplicate_of, jaccard.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=DedupConfig.threshold, show_default=True,
              help="Jaccard similarity of character n-grams at which two documents are duplicates.")
@click.option("--ngram", type=click.IntRange(1), default=DedupConfig.ngram, show_default=True, help="Characters per shingle.")
@click.option("--num-perm", type=click.IntRange(2, 4096), default=DedupConfig.num_perm, show_default=True,
              help="MinHash permutations.")
@click.option("--seed", type=int, default=DedupConfig.seed, show_default=True, help="MinHash permutation seed.")
@click.option("--exact/--no-exact", default=DedupConfig.exact, show_default=True,
              help="Check candidates with the exact Jaccard of their shingle sets instead of the MinHash estimate.")
@click.option("--number-check/--no-number-check", default=DedupConfig.number_check, show_default=True,
              help="Never merge two documents that give different figures in the same sentence.")
@click.option("--zero-digits", is_flag=True, help="Hash every digit as 0 (then stories differing only in figures collide).")
@click.option("--repair/--no-repair", default=DedupConfig.repair, show_default=True,
              help="Suggest digits for the kept copy's missing numbers from its dropped copies.")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Signature workers; the result is the same whatever the number.")
@click.option("--index", "index_path", type=click.Path(dir_okay=False),
              help="Also save the kept documents as a streaming Deduplicator index (.npz).")
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the document text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id.")
def dedup_command(inputs, output, clusters_path, threshold, ngram, num_perm, seed, exact, number_check, zero_digits,
                  repair, jobs, index_path, text_field, id_field):
    """Keep one document per cluster of near-duplicates in INPUTS (JSONL, e.g. the output of `newsclean clean`).

    The copy kept has the fewest missing_number flags, then the longest text, then comes first.
    """
    config = DedupConfig(ngram=ngram, num_perm=num_perm, seed=seed, threshold=threshold, exact=exact,
                         number_check=number_check, zero_digits=zero_digits, repair=repair, jobs=jobs)
    try:
        records, ids, rejects = _read(inputs, text_field, id_field)
    except InputError as exc:
        raise click.ClickException(str(exc)) from None
    result = dedup_records(records, config, text_field=text_field, ids=ids)
    _write_jsonl(output, result.kept_records())
    if clusters_path:
        _write_jsonl(clusters_path, [entry.to_json() for entry in result.entries])
    if index_path:
        index = Deduplicator(config)
        kept = [(e.id, r[text_field]) for e, r in zip(result.entries, result.records) if e.kept]
        index.add_many([i for i, _ in kept], [t for _, t in kept])
        index.save(index_path)
    summary = result.summary()
    click.echo(
        f"records in {summary['records']}: kept {summary['kept']}, dropped {summary['dropped']} "
        f"(from {summary['clusters_with_duplicates']} clusters), digit suggestions {summary['suggestions']}, "
        f"pairs kept apart by differing figures {summary['number_conflicts']}, unreadable {len(rejects)}",
        err=True,
    )
    for reject in rejects:
        click.echo(f"  skipped {reject.source}: {reject.reason}", err=True)
