"""The rules written in code rather than in rule files: what `newsclean rules` lists beside the files' rules.

Their ids are what the output's `removed[].rule` and the run summary name. The normalise fixes take their
description from their own function's docstring and the other stages from their own tables, so each is written
in one place (`tests/test_everyday.py` checks every id below is one its stage really emits).
"""
from __future__ import annotations

from typing import NamedTuple

from .stages import chrome, normalize, rejoin, repeats


class BuiltinRule(NamedTuple):
    stage: str
    id: str
    description: str


def _doc(function) -> str:
    return " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())


# Each stage keeps the descriptions of its own code rules (chrome.STRUCTURAL_RULES, repeats.RULES,
# rejoin.RULES); this table only gathers them. A repeat removal is named `<how>-<kind of line>`.
BUILTIN_RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule("normalize", "replace_lone_surrogates", _doc(normalize.replace_lone_surrogates)),
    BuiltinRule("normalize", "repair_mojibake", _doc(normalize.repair_mojibake)),
    BuiltinRule("normalize", "decode_html_entities", _doc(normalize.decode_html_entities)),
    BuiltinRule("normalize", "drop_invisible", _doc(normalize.drop_invisible)),
    BuiltinRule("normalize", "to_simplified", _doc(normalize.to_simplified) + " (off with --no-t2s)"),
    BuiltinRule("normalize", "widen_punctuation", _doc(normalize.widen_punctuation) + " (table in normalize.toml)"),
    BuiltinRule("normalize", "tidy_whitespace", _doc(normalize.tidy_whitespace)),
    *(BuiltinRule("chrome", rule_id, description) for rule_id, description in chrome.STRUCTURAL_RULES.items()),
    *(BuiltinRule("repeats", f"{how}-{kind}", f"A {kind} ({repeats.line_kind.__doc__.strip()}) that {what}")
      for how, what in repeats.RULES.items() for kind in ("caption", "paragraph")),
    *(BuiltinRule("rejoin", rule_id, description) for rule_id, description in rejoin.RULES.items()),
)
