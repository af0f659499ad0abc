"""`newsclean clean`: a run over dumps (local or on Ray), with a progress bar and a summary."""
from __future__ import annotations

import errno
import signal
import sys

import click

from ..dedup import DedupConfig
from ..io import DEFAULT_MAX_CHARS, InputError, ReadOptions
from ..pipeline import STAGES
from ..run import RunConfig, RunError, run
from ..sitechrome import LearnOptions
from .options import (EXIT_INTERRUPTED, fail, index_options, index_settings, load_model, load_pipeline, pipeline_options,
                      rule_options, rule_source, command_set_up)


@click.command("clean")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Output JSONL file, or - for standard output.")
@rule_options
@click.option("--t2s/--no-t2s", default=True, show_default=True, help="Convert traditional characters to simplified.")
@click.option("--mark", is_flag=True, help="Also put a visible 〔?〕 marker in the text at each missing number.")
@click.option("--stages", help=f"Comma-separated stages to run (default: all of {','.join(STAGES)}).")
@click.option("--gap-threshold", type=click.FloatRange(0, 1), default=None,
              help="Missing-number score (0-1) needed to flag a gap; lower finds more, higher is surer "
                   "(default: the model's, chosen for precision; see `newsclean rules`).")
@click.option("--gap-support-threshold", type=click.FloatRange(0, 1), default=None,
              help="Score that flags a gap in a document where another gap reached --gap-threshold (scrapers "
                   "lose digits throughout a page); 1 judges every place alone (default: the model's margin "
                   "below --gap-threshold, 0.76 with the default threshold).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=1, show_default=True, help="Worker processes; output order is input order whatever the number.")
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the document text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field holding the document id.")
@click.option("--html-field", help="JSONL field holding the page's HTML: its main text is extracted and cleaned.")
@click.option("--extracted-field", help="HTML input: also write the extracted main text (what raw_start/raw_end index) into this output field.")
@click.option("--max-chars", type=click.IntRange(1), default=DEFAULT_MAX_CHARS, show_default=True, help="Reject documents longer than this.")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Write every rejected input unit (the raw line and the reason) here as JSONL.")
@click.option("--stats", "stats_path", type=click.Path(dir_okay=False), help="Write the run summary here as JSON.")
@click.option("--dedup", is_flag=True, help="Also keep one document per cluster of near-duplicates (see `newsclean dedup`).")
@click.option("--clusters", "clusters_path", type=click.Path(dir_okay=False),
              help="With --dedup: one JSON line per cleaned document: id, cluster, kept, duplicate_of, jaccard.")
@click.option("--dedup-threshold", type=click.FloatRange(0, 1, min_open=True), default=DedupConfig.threshold,
              show_default=True, help="With --dedup: Jaccard similarity of character 5-grams that makes a duplicate.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run with the same inputs and options from its checkpoint.")
@click.option("--learn-chrome/--no-learn-chrome", default=True, show_default=True,
              help="First count the lines each site (URL host, else the corpus) repeats on many pages, and strip them as chrome (rule site-recurring-line).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar on stderr: bytes read of bytes in all inputs with an ETA when the inputs are files, "
                   "else documents (default: when stderr is a terminal).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no summary; errors are still said.")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: processes on this machine (--jobs). ray: Ray Data, the same output bytes; needs "
                   "pip install 'newsclean[ray]'.")
@click.option("--address", help="With --engine ray: the cluster to join (auto: the one this machine is part of); "
                                "default: a local cluster of --jobs CPUs.")
@index_options
def clean_command(inputs, output, rules_dir, extra_rules, disabled, t2s, mark, stages, gap_threshold,
                  gap_support_threshold, jobs,
                  text_field, id_field, html_field, extracted_field, max_chars, rejects, stats_path, dedup,
                  clusters_path, dedup_threshold, resume, learn_chrome, progress, quiet, engine, address, index_type,
                  expected_docs, bloom_fp, index_dir):
    """Clean INPUTS (.txt, .jsonl, .html, .warc, .parquet, optionally .gz/.zst, folders, or - for stdin) into
    OUTPUT (JSONL; parquet when it is named .parquet).

    The output appears only when the run is complete; an interrupted run can be continued with --resume.
    --index-type and the Bloom options choose the dedup index (see `newsclean dedup --help`). Inputs that hold
    no document, or whose every unit is rejected, end the command with an error.
    """
    dedup = dedup or bool(clusters_path)
    if not dedup and (index_type != DedupConfig.index or expected_docs or bloom_fp or index_dir):
        raise click.UsageError("--index-type, --expected-docs, --bloom-fp and --index-dir need --dedup")
    settings = index_settings(index_type, expected_docs, bloom_fp, index_dir)
    rules = rule_source(rules_dir, extra_rules, disabled)
    options = pipeline_options(t2s, mark, stages, gap_threshold, gap_support_threshold)
    with command_set_up():
        load_pipeline(rules, options)  # fail fast, with the file and rule named, before reading any input
        load_model()
    config = RunConfig(
        inputs=tuple(inputs), output=output, rules_dir=rules, options=options,
        read=ReadOptions(text_field=text_field, id_field=id_field, max_chars=max_chars, html_field=html_field,
                         extracted_field=extracted_field),
        jobs=jobs, rejects=rejects, stats=stats_path, resume=resume,
        dedup=DedupConfig(threshold=dedup_threshold, jobs=jobs, **settings) if dedup else None,
        clusters=clusters_path, learn=LearnOptions() if learn_chrome else None,
    )
    if address and engine != "ray":
        raise click.UsageError("--address needs --engine ray")
    show = not quiet and engine == "local" and (sys.stderr.isatty() if progress is None else progress)
    previous = signal.signal(signal.SIGTERM, _terminate) if _main_thread() else None
    try:
        if engine == "ray":
            stats = _run_ray(config, address)
        elif show:
            with _ProgressBar() as bar:
                stats = run(config, on_progress=bar.documents, on_bytes=bar.bytes)
        else:
            stats = run(config)
    except (InputError, RunError) as exc:
        fail(str(exc))
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        fail(f"{exc.filename or output}: {exc.strerror or exc}")
    except KeyboardInterrupt:
        hint = "; run the same command with --resume to continue" if output != "-" else ""
        raise _Interrupted(f"interrupted{hint}") from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    if not quiet:
        click.echo(stats.summary(), err=True)
    if stats.written + stats.duplicates == 0:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(stats.rejects_by_reason.items()))
        fail(f"no documents: all {stats.records_in} input units were rejected ({reasons})"
              + (f"; see {rejects}" if rejects else "; --rejects FILE keeps them with their raw text"))


def _run_ray(config: RunConfig, address: str | None):
    try:
        from ..ray import run_ray
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        return run_ray(config, address=address)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None


class _ProgressBar:
    """A tqdm bar on stderr: bytes read of bytes in all inputs (with an ETA) when the run reports them, else
    documents read."""

    def __init__(self):
        self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()

    def _open(self, total: int | None):
        from tqdm import tqdm

        if total is None:
            self.bar = tqdm(unit=" docs", file=sys.stderr, mininterval=0.5)
        else:
            self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                            mininterval=0.5)

    def documents(self, n: int) -> None:
        if self.bar is None:  # the run reports bytes before documents: none came, so count documents
            self._open(None)
        if self.bar.total is None:
            self.bar.update(n - self.bar.n)
        else:
            self.bar.set_postfix_str(f"{n} docs", refresh=False)

    def bytes(self, done: int, total: int) -> None:
        if self.bar is None:
            self._open(total)
        self.bar.update(done - self.bar.n)


class _Interrupted(click.ClickException):
    exit_code = EXIT_INTERRUPTED


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _terminate(signum, frame):  # SIGTERM ends a run like Ctrl-C: the checkpoint stays for --resume
    raise KeyboardInterrupt
