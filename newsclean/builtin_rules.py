"""The rules written in code rather than in rule files: what `newsclean rules` lists beside the files' rules.

Their ids are what the output's `removed[].rule` and the run summary name. The normalise fixes take their
description from their own function's docstring, so it is written in one place; the others are described here
(`tests/test_rules_cli.py` checks every id below is one its stage really emits).
"""
from __future__ import annotations

from typing import NamedTuple

from .stages import normalize


class BuiltinRule(NamedTuple):
    stage: str
    id: str
    description: str


# The repeats stage names each removal by how it matched and by the kind of line (`repeats.line_kind`).
LINE_KINDS = {"caption": "a caption: a caption mark, or 40 characters at most", "paragraph": "a paragraph"}


def _doc(function) -> str:
    return " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())


BUILTIN_RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule("normalize", "replace_lone_surrogates", _doc(normalize.replace_lone_surrogates)),
    BuiltinRule("normalize", "repair_mojibake", _doc(normalize.repair_mojibake)),
    BuiltinRule("normalize", "decode_html_entities", _doc(normalize.decode_html_entities)),
    BuiltinRule("normalize", "drop_invisible", _doc(normalize.drop_invisible)),
    BuiltinRule("normalize", "to_simplified", _doc(normalize.to_simplified) + " (off with --no-t2s)"),
    BuiltinRule("normalize", "widen_punctuation", _doc(normalize.widen_punctuation) + " (table in normalize.toml)"),
    BuiltinRule("normalize", "tidy_whitespace", _doc(normalize.tidy_whitespace)),
    BuiltinRule("chrome", "channel-or-column-banner",
                "Short unpunctuated lines at the very top, stacked right above a chrome line, are channel headers "
                "or newspaper column banners."),
    *(BuiltinRule("repeats", f"{how}-repeat-{kind}", f"{what} ({LINE_KINDS[kind]}).")
      for how, what in (
          ("exact", "A line that repeats an earlier line exactly (spaces and width aside)"),
          ("near", "A line a few characters different from an earlier one (MinHash candidate, edit similarity), "
                   "with the same figures"),
          ("contained", "A line that stands word for word inside an earlier, longer line"))
      for kind in LINE_KINDS),
    BuiltinRule("rejoin", "cut-mid-sentence",
                "A line that ends in an unfinished clause above running text is joined to its rest."),
    BuiltinRule("rejoin", "closing-mark-on-next-line", "A closing quote or bracket pushed onto the next line is "
                "joined back."),
)
