"""`newsclean rules`: every rule in force, with its id and description."""
from __future__ import annotations

from pathlib import Path

import click

from ..gapmodel import describe_model
from .options import load_model, load_rules, rule_options, rule_source


@click.command("rules")
@rule_options
@click.option("--markdown", is_flag=True, help="Print the rules reference page (docs/rules.md): every rule with "
              "its file, description, examples and keeps.")
def rules_command(rules_dir, extra_rules, disabled, markdown):
    """List every rule in force with its id and description: those of the rule files (an extra file's rules
    say which file), then the ones built into the stages' code."""
    from ..builtin_rules import BUILTIN_RULES

    source = rule_source(rules_dir, extra_rules, disabled)
    rules = load_rules(source)
    if markdown:
        from ..rules_reference import render_markdown

        click.echo(render_markdown(rules, load_model(), BUILTIN_RULES, source.disabled), nl=False)
        return
    click.echo(f"# rules from {rules.source}" + (f"; disabled: {', '.join(source.disabled)}" if source.disabled else ""))
    extra = str(Path(extra_rules)) if extra_rules else None
    for r in rules.chrome:
        click.echo(f"chrome  {r.id:<28} [{r.zone}] {r.description}{_from_extra(r.pattern.path, extra)}")
    model = load_model()
    click.echo(f"number  {'model':<28} {describe_model(model)}")
    for g in rules.gaps:
        click.echo(f"number  {g.id:<28} [{g.kind}] {g.description} (a feature of the model)"
                   f"{_from_extra(g.pattern.path, extra)}")
    click.echo("# built into the stages (leave a stage out with --stages)")
    for b in BUILTIN_RULES:
        click.echo(f"{b.stage:<9} {b.id:<26} [built-in] {b.description}")


def _from_extra(path: str, extra: str | None) -> str:
    return f" (from {path})" if extra is not None and Path(path).parent == Path(extra) else ""
