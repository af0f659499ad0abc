"""`newsclean explain`: one document with its removals and flags highlighted."""
from __future__ import annotations

import sys

import click

from ..io import InputError, ReadOptions, Reject, read_records
from ..pipeline import Options, Pipeline
from .options import fail, load_rules, rule_options, rule_source


@click.command("explain")
@click.argument("input_path", metavar="INPUT")
@click.option("--id", "doc_id", help="Which document of a JSONL input (default: the first).")
@rule_options
@click.option("--t2s/--no-t2s", default=True)
@click.option("--text-field", default="text", show_default=True)
@click.option("--color/--no-color", default=None, help="Colour the output (default: when stdout is a terminal).")
def explain_command(input_path, doc_id, rules_dir, extra_rules, disabled, t2s, text_field, color):
    """Show one document's raw text with removals and flags highlighted, and the rule behind each."""
    from ..explain import render

    pipeline = Pipeline(load_rules(rule_source(rules_dir, extra_rules, disabled)), Options(t2s=t2s))
    try:
        for unit in read_records([input_path], ReadOptions(text_field=text_field)):
            if isinstance(unit, Reject):
                if doc_id is None or unit.id == doc_id:
                    fail(f"{unit.source}: {unit.reason}")
                continue
            if doc_id is None or unit.id == doc_id:
                result = pipeline.clean(unit.text, id=unit.id)
                use_color = sys.stdout.isatty() if color is None else color
                click.echo(render(unit.text, result, color=use_color), color=use_color)
                return
    except InputError as exc:
        fail(str(exc))
    fail(f"{input_path}: no document with id {doc_id!r}")
