"""`newsclean dedup`: a thin shell over `newsclean.dedup` (reading, writing and a summary only)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator

import click

from ..dedup import DedupConfig, dedup_files
from ..dedup.corpus import spool
from ..io import DEFAULT_MAX_CHARS, InputError, ReadOptions, Reject, dumps, expand_inputs, read_records, write_lines
from ..paths import PathError, check_written_paths, output_lock
from .options import index_options, index_settings


def _write_jsonl(path: str, rows: Iterator[dict[str, Any]] | list[dict[str, Any]]) -> None:
    """Write rows as JSON lines (UTF-8 as is, compact separators)."""
    write_lines(path, (dumps(row).encode("utf-8") for row in rows))


@click.command("dedup")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True,
              help="Kept records as JSONL (.gz/.zst compress; .parquet writes parquet; - for standard output).")
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
@click.option("--max-chars", type=click.IntRange(1), default=DEFAULT_MAX_CHARS, show_default=True,
              help="Reject documents longer than this.")
@click.option("--rejects", type=click.Path(dir_okay=False),
              help="Write every input unit that could not be read (the raw line and the reason) here as JSONL.")
@click.option("--stats", "stats_path", type=click.Path(dir_okay=False), help="Write the run summary here as JSON.")
@index_options
def dedup_command(inputs, output, clusters_path, threshold, ngram, num_perm, seed, exact, number_check, zero_digits,
                  repair, jobs, index_path, text_field, id_field, max_chars, rejects, stats_path, index_type,
                  expected_docs, bloom_fp, index_dir):
    """Keep one document per cluster of near-duplicates in INPUTS (JSONL, e.g. the output of `newsclean clean`).

    The copy kept has the fewest missing_number flags, then the longest text, then comes first. Every file is
    written under a temporary name and renamed into place when complete.

    With --index-type bloom the first of each group in input order is kept and the rest are dropped
    unverified: the keep policy, the figure check (--number-check), the digit suggestions (--repair) and
    cluster ids do not apply; a dropped document's clusters line has "matched": "bloom".
    """
    settings = index_settings(index_type, expected_docs, bloom_fp, index_dir)
    if settings and exact:
        raise click.UsageError("--exact needs the matched document's text; --index-type bloom never names it")
    if settings and index_path:
        raise click.UsageError("--index saves an LSH index; with --index-type bloom the filters saved in --index-dir "
                               "are the streaming index")
    config = DedupConfig(ngram=ngram, num_perm=num_perm, seed=seed, threshold=threshold, exact=exact,
                         number_check=number_check, zero_digits=zero_digits, repair=repair, jobs=jobs, **settings)
    read = ReadOptions(text_field=text_field, id_field=id_field, max_chars=max_chars)
    written = {"-o": output, "--clusters": clusters_path, "--rejects": rejects, "--stats": stats_path,
               "--index": index_path}
    try:
        check_written_paths(inputs, written)
        with output_lock(output):
            stats = _dedup_run(list(inputs), read, config, written)
    except (PathError, InputError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(stats.summary(), err=True)


def _dedup_run(inputs: list[str], read: ReadOptions, config: DedupConfig, written: dict[str, str | None]):
    """Read, deduplicate and write every file of one `newsclean dedup` run; returns its books.

    Everything that can fail on the data (an --index with duplicate ids) fails before the first file is
    written; a Bloom index directory is updated last, after the outputs are in place, so a run killed before
    then can be rerun.
    """
    sources = expand_inputs(inputs, exclude=[p for p in written.values() if p])
    with tempfile.TemporaryDirectory(prefix="newsclean-dedup-") as scratch:
        # The inputs are copied to a scratch file once and read back by line offset: the dedup holds ids,
        # flags and signatures in memory, not the corpus.
        corpus, unreadable, encodings = spool(read_records(inputs, read, sources=sources),
                                              Path(scratch) / "corpus.jsonl", read.text_field)
        if not len(corpus) and not unreadable:
            raise InputError(f"no documents found in {' '.join(inputs)}")
        result = dedup_files(corpus, config, written["-o"], index=written["--index"])
    if written["--clusters"]:
        _write_jsonl(written["--clusters"], [entry.to_json() for entry in result.entries])
    if written["--rejects"]:
        _write_jsonl(written["--rejects"], [reject.to_json() for reject in unreadable])
    stats = _books(result, unreadable, encodings)
    if written["--stats"]:
        _write_jsonl(written["--stats"], [stats.to_json()])
    result.save_index()
    return stats


def _books(result, unreadable: list[Reject], encodings: list[str]):
    """The run's books in the same form as `newsclean clean`'s: records in = written + duplicates + rejected."""
    from ..run import RunStats, dedup_books

    summary = result.summary()
    stats = RunStats(records_in=summary["records"] + len(unreadable), written=summary["kept"],
                     duplicates=summary["dropped"])
    for reject in unreadable:
        stats.reject(reject.reason)
    stats.encodings.update(encodings)
    stats.dedup = dedup_books(summary)
    stats.notes.extend(result.notes)
    return stats
