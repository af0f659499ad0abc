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
    # (input, the clean text) pairs the stage alone turns one into the other, this rule counted; only for the
    # rules that can be shown on a short text by themselves (not those that need a full page or a batch).
    examples: tuple[tuple[str, str], ...] = ()


def _doc(function) -> str:
    return " ".join((function.__doc__ or "").strip().split("\n\n")[0].split())


# The examples of the code rules that can be shown alone on a short text (the others need a page or a batch).
_EXAMPLES: dict[str, tuple[tuple[str, str], ...]] = {
    "exact-repeat-caption": (("▲江城全力打造新能源汽车产业园区。\n园区今年新增企业三十家。\n▲江城全力打造新能源汽车产业园区。",
                              "▲江城全力打造新能源汽车产业园区。\n园区今年新增企业三十家。"),),
    "closing-mark-on-next-line": (("他说：“今天我们在江城经开区的项目现场看到了热火朝天的建设场面。\n”随后他又补充了几句。",
                                   "他说：“今天我们在江城经开区的项目现场看到了热火朝天的建设场面。”随后他又补充了几句。"),),
}

# Each stage keeps the descriptions of its own code rules (chrome.STRUCTURAL_RULES, repeats.RULES,
# rejoin.RULES); this table only gathers them. A repeat removal is named `<how>-<kind of line>`.
BUILTIN_RULES: tuple[BuiltinRule, ...] = (
    BuiltinRule("normalize", "replace_lone_surrogates", _doc(normalize.replace_lone_surrogates),
                (("江\ud800城", "江\ufffd城"),)),
    BuiltinRule("normalize", "repair_mojibake", _doc(normalize.repair_mojibake), (("ä¸\xadæ–‡", "中文"),)),
    BuiltinRule("normalize", "decode_html_entities", _doc(normalize.decode_html_entities),
                (("江城&amp;新闻", "江城&新闻"),)),
    BuiltinRule("normalize", "drop_invisible", _doc(normalize.drop_invisible), (("江城\u200b新闻", "江城新闻"),)),
    BuiltinRule("normalize", "to_simplified", _doc(normalize.to_simplified) + " (off with --no-t2s)",
                (("經濟發展", "经济发展"),)),
    BuiltinRule("normalize", "widen_punctuation", _doc(normalize.widen_punctuation) + " (table in normalize.toml)",
                (("2月17日,湖南(长沙)", "2月17日，湖南（长沙）"),)),
    BuiltinRule("normalize", "tidy_whitespace", _doc(normalize.tidy_whitespace), (("江城   新闻  ", "江城 新闻"),)),
    *(BuiltinRule("chrome", rule_id, description) for rule_id, description in chrome.STRUCTURAL_RULES.items()),
    *(BuiltinRule("repeats", f"{how}-{kind}", f"A {kind} ({repeats.line_kind.__doc__.strip()}) that {what}",
                  _EXAMPLES.get(f"{how}-{kind}", ()))
      for how, what in repeats.RULES.items() for kind in ("caption", "paragraph")),
    *(BuiltinRule("rejoin", rule_id, description, _EXAMPLES.get(rule_id, ()))
      for rule_id, description in rejoin.RULES.items()),
)
