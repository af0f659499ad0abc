"""The rules reference page (`newsclean rules --markdown`, committed as `docs/rules.md`): every rule in force
with its file, id, description, examples and keeps, the learned detector, and the rules built into the code."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from .builtin_rules import BuiltinRule
from .gapmodel import GapModel, describe_model
from .rulebook import ChromeRule, GapRule, RuleSet, default_rules_dir, marked_gap


def render_markdown(rules: RuleSet, model: GapModel, builtin: Iterable[BuiltinRule], disabled: Iterable[str] = ()
                    ) -> str:
    """The whole page, one Markdown document; paths are named relative to the shipped rules where they can be."""
    disabled = tuple(disabled)
    out = ["# newsclean rules", "",
           "Every rule in force, as `newsclean rules --markdown` prints it (this page is that output; "
           "a test checks that it is current). Each rule carries its own examples (what it finds) and keeps "
           "(look-alikes it must not touch), and a test checks every rule against them. When two rules match one "
           "line or one gap, the one earlier in its file names it.", ""]
    if disabled:
        out += [f"Disabled: {', '.join(f'`{d}`' for d in disabled)}.", ""]
    out += ["## Chrome rules", ""]
    for rule in rules.chrome:
        out += _chrome(rule)
    out += ["## Missing numbers", "", "### The learned detector", "", _model_line(model), "",
            "The gap patterns below are its grammar features (and name what it flags: `model+<id>`).", ""]
    for gap in rules.gaps:
        out += _gap(gap)
    out += ["## Built into the stages", "", "Written in code, not in rule files; leave a stage out with `--stages`.", ""]
    for b in builtin:
        out += _builtin(b)
    return "\n".join(out).rstrip("\n") + "\n"


def _chrome(rule: ChromeRule) -> list[str]:
    how = [f"zone `{rule.zone}`", f"at most {rule.max_chars} characters"]
    if rule.search:
        how.append("found anywhere in the line")
    if rule.join_next:
        how.append("matched on a line joined with the next (⏎ below)")
    lines = [f"### `{rule.id}`", "", f"{rule.description}", "", f"- file `{_file(rule.pattern.path)}`; {'; '.join(how)}"]
    lines.append("- removes: " + " · ".join(_code(e) for e in rule.examples))
    lines.append("- keeps: " + " · ".join(_code(k) for k in rule.keeps))
    return lines + [""]


def _gap(rule: GapRule) -> list[str]:
    found = []
    for example in rule.examples:
        text, (start, end) = marked_gap(example)
        found.append(f"{_code(text)} (gap at {start}, unit {_code(text[start:end])})")
    return [f"### `{rule.id}` ({rule.kind})", "", rule.description, "",
            f"- file `{_file(rule.pattern.path)}`",
            "- finds: " + " · ".join(found),
            "- keeps: " + " · ".join(_code(k) for k in rule.keeps), ""]


def _builtin(rule: BuiltinRule) -> list[str]:
    lines = [f"### `{rule.id}` ({rule.stage})", "", rule.description, ""]
    for raw, clean in rule.examples:
        lines.append(f"- {_code(raw)} → {_code(clean)}")
    return lines + ([""] if rule.examples else [])


def _model_line(model: GapModel) -> str:
    """The detector's description, its file named inside the package rather than where it is installed."""
    path = Path(str(model.path))
    return describe_model(model).replace(str(model.path), f"newsclean/models/{path.name}")


def _file(path: str) -> str:
    """`rules/chrome.toml` for a shipped file, the path as given for any other."""
    return f"rules/{Path(path).name}" if Path(path).parent == default_rules_dir() else path


def _code(text: str) -> str:
    """A Markdown code span that shows the text exactly: invisible characters escaped, a line break as ⏎.

    >>> _code("江城\\u200b新闻"), _code("图片来源：\\n视觉中国"), _code("a`b")
    ('`江城\\\\u200b新闻`', '`图片来源：⏎视觉中国`', '`` a`b ``')
    """
    shown = "".join(c if c == "\n" or c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
    shown = shown.replace("\n", "⏎")
    return f"`` {shown} ``" if "`" in shown else f"`{shown}`"
