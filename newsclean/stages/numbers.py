"""Stage 4 (repair pass): flag the places where a scraper dropped the digits of a number.

`年4月底` lost its year, `增长%` its percentage, `总投资亿元` its amount. The text is never "fixed": each gap gets
a `missing_number` annotation whose `start` is the gap and whose span covers the unit left behind (`年`, `%`,
`亿元`), naming the rule in rules/numbers.toml that found it. With `mark=True` a visible marker (`〔?〕`) is
also put into the text at each gap for people reading the output.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..alignment import Edit
from ..document import Document
from ..rules import RuleSet, RuleTimeout

NAME = "numbers"
TYPE = "missing_number"
MARKER = "〔?〕"


@dataclass(frozen=True, slots=True)
class NumberOptions:
    mark: bool = False
    marker: str = MARKER


def find_gaps(text: str, rules: RuleSet, disabled: set[str] | None = None, warnings: list[str] | None = None
              ) -> list[tuple[int, int, str]]:
    """(gap position, end of the unit, rule id) for every gap in `text`, in text order, one per position."""
    found: dict[int, tuple[int, str]] = {}
    disabled = disabled if disabled is not None else set()
    for rule in rules.gaps:
        if rule.id in disabled:
            continue
        try:
            for m in rule.pattern.finditer(text):
                start, end = m.span("unit")
                if start not in found:
                    found[start] = (end, rule.id)
        except RuleTimeout as exc:
            disabled.add(rule.id)
            if warnings is not None:
                warnings.append(str(exc))
    return [(start, end, rule_id) for start, (end, rule_id) in sorted(found.items())]


def run(doc: Document, rules: RuleSet, options: NumberOptions = NumberOptions()) -> None:
    """Annotate every gap in `doc`; with `options.mark`, also insert a marker before each one."""
    warnings: list[str] = []
    gaps = find_gaps(doc.text, rules, warnings=warnings)
    if warnings:
        doc.meta.setdefault("warnings", []).extend(warnings)
    if not gaps:
        return
    text = doc.text
    spans = [(start, end, rule_id, text[start:end]) for start, end, rule_id in gaps]
    for start, end, rule_id, unit in spans:
        doc.annotate(TYPE, start, end, rule_id, unit=unit,
                     context=text[max(0, start - 12):start] + "〔?〕" + text[start:end + 12])
    if options.mark:
        doc.edit([Edit(start, start, options.marker) for start, _, _, _ in spans])
        # The markers shift everything after them: annotation k now starts k markers later and covers
        # its own marker, so a reader sees `〔?〕年` as one flagged unit.
        width = len(options.marker)
        for k, ann in enumerate(doc.annotations[-len(spans):]):
            ann.start += k * width
            ann.end += (k + 1) * width
