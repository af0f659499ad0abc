"""The `newsclean` command: a thin shell over the library (newsclean.run, newsclean.pipeline).

Every error a user can cause -- an unknown option, a missing or unreadable input, a broken rule file, a
resume that does not match -- ends the command with one line on stderr (``newsclean: error: ...``) and a
non-zero exit status (2 for usage errors, 1 otherwise, 130 when interrupted), never a traceback. An
unexpected failure prints one line too; ``NEWSCLEAN_DEBUG=1`` shows its traceback.
"""
from __future__ import annotations

import errno
import os
import signal
import sys
from pathlib import Path

import click

from . import __version__
from .cli_dedup import index_options, index_settings
from .dedup import DedupConfig
from .io import DEFAULT_MAX_CHARS, InputError, ReadOptions, Reject, read_records
from .pipeline import STAGES, Options, Pipeline
from .gapmodel import GapModel, ModelError, describe_model, shipped_model
from .rulebook import RuleError, RuleSet, RuleSource
from .run import RunConfig, RunError, run
from .sitechrome import LearnOptions

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70


def _fail(message: str) -> None:
    raise click.ClickException(message)


def _say_error(message: str) -> None:
    click.echo(f"newsclean: error: {' '.join(message.split())}", err=True)


class _OneLineErrors(click.Group):
    """A group whose errors are one line each, whatever goes wrong."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
            _say_error(exc.format_message() + hint)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            _say_error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:
            _say_error("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            if exc.errno == errno.EPIPE:  # `newsclean clean ... -o - | head`: the reader has gone
                sys.exit(1)
            if os.environ.get("NEWSCLEAN_DEBUG"):
                raise
            _say_error(f"{exc.filename + ': ' if exc.filename else ''}{exc.strerror or exc}")
            sys.exit(1)
        except Exception as exc:  # noqa: BLE001 - a bug: still one line, unless asked for the traceback
            if os.environ.get("NEWSCLEAN_DEBUG"):
                raise
            _say_error(f"internal error: {type(exc).__name__}: {exc} (NEWSCLEAN_DEBUG=1 shows the traceback)")
            sys.exit(EXIT_INTERNAL)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsclean")
def main() -> None:
    """Clean scraped Chinese news: strip site chrome, collapse repeats, flag numbers with dropped digits."""


def _options(t2s: bool, mark: bool, stages: str | None, gap_threshold: float | None = None) -> Options:
    chosen = tuple(s.strip() for s in stages.split(",")) if stages else STAGES
    try:
        return Options(t2s=t2s, mark=mark, stages=chosen, gap_threshold=gap_threshold)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--stages") from None


def _load_rules(rules: RuleSource) -> RuleSet:
    try:
        return RuleSet.load(rules)
    except RuleError as exc:
        _fail(str(exc))


def rule_options(command):
    """--rules, --extra-rules and --disable-rule, shared by the commands that load rules."""
    options = [
        click.option("--rules", "rules_dir", type=click.Path(file_okay=False),
                     help="Folder of rule files replacing the shipped ones of the same name."),
        click.option("--extra-rules", type=click.Path(file_okay=False),
                     help="Folder of rule files adding to the rules in force: their rules come after the shipped "
                          "ones, their [lexicon] words join the lists of the same name."),
        click.option("--disable-rule", "disabled", multiple=True, metavar="ID",
                     help="Leave out the rule with this id (repeatable); `newsclean rules` lists the ids."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _source(rules_dir: str | None, extra_rules: str | None, disabled: tuple[str, ...]) -> RuleSource:
    return RuleSource(rules_dir, extra_rules, tuple(dict.fromkeys(disabled)))


def _load_model() -> GapModel:
    try:
        return shipped_model()
    except ModelError as exc:
        _fail(str(exc))


@main.command("clean")
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", required=True, help="Output JSONL file, or - for standard output.")
@rule_options
@click.option("--t2s/--no-t2s", default=True, show_default=True, help="Convert traditional characters to simplified.")
@click.option("--mark", is_flag=True, help="Also put a visible 〔?〕 marker in the text at each missing number.")
@click.option("--stages", help=f"Comma-separated stages to run (default: all of {','.join(STAGES)}).")
@click.option("--gap-threshold", type=click.FloatRange(0, 1), default=None,
              help="Missing-number score (0-1) needed to flag a gap; lower finds more, higher is surer "
                   "(default: the model's, chosen for precision; see `newsclean rules`).")
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
def clean_command(inputs, output, rules_dir, extra_rules, disabled, t2s, mark, stages, gap_threshold, jobs,
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
    rules = _source(rules_dir, extra_rules, disabled)
    _load_rules(rules)  # fail fast, with the file and rule named, before reading any input
    _load_model()
    config = RunConfig(
        inputs=tuple(inputs), output=output, rules_dir=rules, options=_options(t2s, mark, stages, gap_threshold),
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
        _fail(str(exc))
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        _fail(f"{exc.filename or output}: {exc.strerror or exc}")
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
        _fail(f"no documents: all {stats.records_in} input units were rejected ({reasons})"
              + (f"; see {rejects}" if rejects else "; --rejects FILE keeps them with their raw text"))


def _run_ray(config: RunConfig, address: str | None):
    try:
        from .ray import run_ray
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


@main.command("explain")
@click.argument("input_path", metavar="INPUT")
@click.option("--id", "doc_id", help="Which document of a JSONL input (default: the first).")
@rule_options
@click.option("--t2s/--no-t2s", default=True)
@click.option("--text-field", default="text", show_default=True)
@click.option("--color/--no-color", default=None, help="Colour the output (default: when stdout is a terminal).")
def explain_command(input_path, doc_id, rules_dir, extra_rules, disabled, t2s, text_field, color):
    """Show one document's raw text with removals and flags highlighted, and the rule behind each."""
    from .explain import render

    pipeline = Pipeline(_load_rules(_source(rules_dir, extra_rules, disabled)), Options(t2s=t2s))
    try:
        for unit in read_records([input_path], ReadOptions(text_field=text_field)):
            if isinstance(unit, Reject):
                if doc_id is None or unit.id == doc_id:
                    _fail(f"{unit.source}: {unit.reason}")
                continue
            if doc_id is None or unit.id == doc_id:
                result = pipeline.clean(unit.text, id=unit.id)
                use_color = sys.stdout.isatty() if color is None else color
                click.echo(render(unit.text, result, color=use_color), color=use_color)
                return
    except InputError as exc:
        _fail(str(exc))
    _fail(f"{input_path}: no document with id {doc_id!r}")


@main.command("rules")
@rule_options
def rules_command(rules_dir, extra_rules, disabled):
    """List every rule in force with its id and description: those of the rule files (an extra file's rules
    say which file), then the ones built into the stages' code."""
    from .builtin_rules import BUILTIN_RULES

    source = _source(rules_dir, extra_rules, disabled)
    rules = _load_rules(source)
    click.echo(f"# rules from {rules.source}" + (f"; disabled: {', '.join(source.disabled)}" if source.disabled else ""))
    extra = str(Path(extra_rules)) if extra_rules else None
    for r in rules.chrome:
        click.echo(f"chrome  {r.id:<28} [{r.zone}] {r.description}{_from_extra(r.pattern.path, extra)}")
    model = _load_model()
    click.echo(f"number  {'model':<28} {describe_model(model)}")
    for g in rules.gaps:
        click.echo(f"number  {g.id:<28} [{g.kind}] {g.description} (a feature of the model)"
                   f"{_from_extra(g.pattern.path, extra)}")
    click.echo("# built into the stages (leave a stage out with --stages)")
    for b in BUILTIN_RULES:
        click.echo(f"{b.stage:<9} {b.id:<26} [built-in] {b.description}")


def _from_extra(path: str, extra: str | None) -> str:
    return f" (from {path})" if extra is not None and Path(path).parent == Path(extra) else ""


from .cli_dedup import dedup_command  # noqa: E402  (the command lives beside its library module)

main.add_command(dedup_command, "dedup")


if __name__ == "__main__":
    main()
