"""What several commands share: the rule and index options, the stage list, and loading rules and the model."""
from __future__ import annotations

from contextlib import nullcontext
from typing import Any

import click

from .. import collector
from ..dedup import DedupConfig
from ..pipeline import STAGES, Options
from ..gapmodel import GapModel, ModelError, shipped_model
from ..rulebook import RuleError, RuleSet, RuleSource

EXIT_INTERRUPTED = 130
EXIT_INTERNAL = 70

def fail(message: str) -> None:
    raise click.ClickException(message)


def run_as_the_command() -> None:
    """This process is the `newsclean` command (the group runs in standalone mode on the process's own
    arguments), not a program or a test runner calling it: its set-up is kept out of later collections
    (`set_up_done`) and the interpreter's last collection is skipped (`collector.skip_the_last_collection`).
    Once per process; never by the library."""
    global _the_command
    if not _the_command:
        collector.skip_the_last_collection()
        _the_command = True


_the_command = False


def command_set_up():
    """Around loading the rules and the model: in the command's process, no collection meanwhile and what
    they made kept out of every later one (`collector.kept_set_up`); elsewhere nothing."""
    return collector.kept_set_up() if _the_command else nullcontext()


def pipeline_options(t2s: bool, mark: bool, stages: str | None, gap_threshold: float | None = None,
                     gap_support_threshold: float | None = None) -> Options:
    chosen = tuple(s.strip() for s in stages.split(",")) if stages else STAGES
    try:
        return Options(t2s=t2s, mark=mark, stages=chosen, gap_threshold=gap_threshold,
                       gap_support_threshold=gap_support_threshold)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--stages") from None


def load_rules(rules: RuleSource) -> RuleSet:
    try:
        return RuleSet.load(rules)
    except RuleError as exc:
        fail(str(exc))


def load_pipeline(rules: RuleSource, options: Options) -> None:
    """Compile the rules for the run (kept for it and its forked workers), or fail naming the file and rule."""
    from ..run import prepare_pipeline

    try:
        prepare_pipeline(rules, options)
    except (RuleError, ModelError) as exc:
        fail(str(exc))


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


def rule_source(rules_dir: str | None, extra_rules: str | None, disabled: tuple[str, ...]) -> RuleSource:
    return RuleSource(rules_dir, extra_rules, tuple(dict.fromkeys(disabled)))


def load_model() -> GapModel:
    try:
        return shipped_model()
    except ModelError as exc:
        fail(str(exc))



INDEX_HELP = ("lsh: every candidate verified (Jaccard, figures), keep policy and digit suggestions, ~2.8 KB of memory "
              "a document. bloom: datasketch MinHashLSHBloom, a few bytes per band per document, for very large runs: "
              "documents in input order, one sharing a band with an earlier one is dropped unverified -- no keep "
              "policy, no figure check, no digit suggestions, no cluster ids. Needs pip install 'newsclean[bloom]'.")


def index_options(command):
    """The index choice and the Bloom settings, shared by `newsclean dedup` and `newsclean clean --dedup`."""
    options = [
        click.option("--index-type", type=click.Choice(["lsh", "bloom"]), default=DedupConfig.index, show_default=True,
                     help=INDEX_HELP),
        click.option("--expected-docs", type=click.IntRange(1), default=None,
                     help="With --index-type bloom (required): documents the Bloom filters are sized for, including "
                          "those of earlier runs kept in --index-dir; more than this raises the false-positive rate."),
        click.option("--bloom-fp", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
                     help=f"With --index-type bloom: false-positive rate of each band's filter [default: {DedupConfig.bloom_fp:g}]."),
        click.option("--index-dir", type=click.Path(file_okay=False),
                     help="With --index-type bloom: directory the filters are read from (documents of earlier runs "
                          "count as seen) and saved to; Deduplicator.load(DIR) opens it."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def index_settings(index_type: str, expected_docs: int | None, bloom_fp: float | None, index_dir: str | None) -> dict[str, Any]:
    """DedupConfig keywords for the index options; one-line usage errors for combinations that cannot work."""
    if index_type != "bloom":
        given = [name for name, value in (("--expected-docs", expected_docs), ("--bloom-fp", bloom_fp),
                                          ("--index-dir", index_dir)) if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)} only apply to --index-type bloom")
        return {}
    if expected_docs is None:
        raise click.UsageError("--index-type bloom needs --expected-docs N (how many documents the filters will hold)")
    from ..dedup.bloom import require_bloom

    try:
        require_bloom()
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    settings: dict[str, Any] = {"index": "bloom", "expected_docs": expected_docs, "index_dir": index_dir}
    if bloom_fp is not None:
        settings["bloom_fp"] = bloom_fp
    return settings
