"""Stage 4 (repair pass): flag the places where a scraper dropped the digits of a number.

`年4月底` lost its year, `增长%` its percentage, `总投资亿元` its amount. The text is never "fixed": each gap gets
a `missing_number` annotation whose `start` is the gap and whose span covers the unit left behind (`年`, `%`,
`亿元`). The decision is the learned detector of `newsclean.gapmodel` (a logistic regression over the context
of every candidate place, trained on clean real news); the hand-written patterns of rules/numbers.toml are one
of its features. A place is flagged when its score reaches the threshold (the model's default, chosen for
precision, or `NumberOptions.threshold`); the annotation's `rule` is `model`, or `model+<rule id>` when a
pattern fired there too, and `info.score` is the score. A document where one place reaches the threshold is
judged again at the model's lower `supported_threshold`: scrapers lose digits throughout a page (a font, a
span, an encoding), so one sure gap makes the others likelier (clean news rarely has a place at the threshold,
so its false flags hardly move); such a flag's `info.supported_by` is the position of the document's surest gap.
A threshold the caller chooses moves the supported one with it (the model's margin below it stays), so a higher
threshold means surer flags at both bars; `support` sets it apart. With `mark=True` a visible marker (`〔?〕`) is also put
into the text at each gap for people reading the output.
"""
from __future__ import annotations

from typing import NamedTuple

from ..alignment import Edit
from ..document import MISSING_NUMBER, Document
from ..findings import Warning
from ..gapmodel import GapModel, shipped_model
from ..rulebook import RuleSet, RuleTimeout
from . import Stage

NAME = "numbers"
TYPE = MISSING_NUMBER
MARKER = "〔?〕"
MODEL_RULE = "model"


# Named tuples, not frozen dataclasses: the same immutable, comparable values without the decorator's start-up cost.
class NumberOptions(NamedTuple):
    mark: bool = False
    marker: str = MARKER
    threshold: float | None = None      # None: the model's own default threshold
    support: float | None = None        # None: the model's margin below `threshold` (never above it)


class Gap(NamedTuple):
    start: int
    end: int
    rule: str
    score: float
    supported_by: int | None = None     # below the threshold: the position of the document's surest gap


def find_gaps(text: str, rules: RuleSet, disabled: set[str] | None = None, warnings: list[Warning] | None = None
              ) -> list[tuple[int, int, str]]:
    """(gap position, end of the unit, rule id) for every place a hand-written pattern flags, in text order.

    A rule whose gate (`GapRule.requires`: the characters every match holds one of) meets no character of the
    text is not run: in a news article of 600 characters about half the 71 patterns are passed over that way
    (`周年`, `平方米`, `所`, `倍` are absent), and each call saved is the pattern's time-budget bookkeeping."""
    found: dict[int, tuple[int, str]] = {}
    disabled = disabled if disabled is not None else set()
    for rule in rules.gap_gate().worth_trying(text):
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
                warnings.append(Warning.of_timeout(NAME, exc))
    return [(start, end, rule_id) for start, (end, rule_id) in sorted(found.items())]


def unit_end(text: str, start: int) -> int:
    """End of the unit a number left at `start`: one character, or `.39亿` for a lost integer part.

    >>> unit_end("达到.39亿元", 2), unit_end("增长%", 2)
    (6, 3)
    """
    if text.startswith(".", start):
        end = start + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        return min(len(text), end + 1)
    return start + 1


def detect(text: str, rules: RuleSet, model: GapModel, threshold: float | None = None,
           warnings: list[Warning] | None = None, support: float | None = None) -> list[Gap]:
    """Every place of `text` whose model score reaches the threshold, and, if one does, every place that
    reaches the supported threshold (`document_support`), in text order."""
    sure = model.threshold if threshold is None else threshold
    if support is None:  # the model's own, or its margin below its threshold moved with the caller's threshold
        support = (model.supported_threshold if threshold is None
                   else threshold - (model.threshold - model.supported_threshold))
    supported = min(sure, max(0.0, support))
    by_rule = {start: (end, rule_id) for start, end, rule_id in find_gaps(text, rules, warnings=warnings)}
    # A place the cascade rules out scores 0: listed only when a threshold of 0 flags every candidate.
    scored = [(start, score) for start, score in model.score_text(text, {p: r for p, (_, r) in by_rule.items()},
                                                                   ruled_out=supported <= 0.0)
              if score >= supported]
    surest = document_support(scored, sure)
    if surest is None:
        return []
    gaps = []
    for start, score in scored:
        supported_by = None if score >= sure else surest
        if start in by_rule:
            end, rule_id = by_rule[start]
            gaps.append(Gap(start, end, f"{MODEL_RULE}+{rule_id}", score, supported_by))
        else:
            gaps.append(Gap(start, unit_end(text, start), MODEL_RULE, score, supported_by))
    return gaps


def document_support(scored: list[tuple[int, float]], sure: float) -> int | None:
    """The position of the document's surest place if its score reaches `sure`, else None (nothing is flagged).

    Digits a scraper loses are lost throughout a page, so a place the model is sure of makes the document's
    weaker candidates likelier gaps too; clean text rarely has even one sure place. On the calibration slice of
    real news (`training/train_numbers.py --calibrate-support`) this finds about a tenth more of the gaps at the
    same false-flag rate on untouched articles."""
    if not scored:
        return None
    start, score = max(scored, key=lambda place: place[1])
    return start if score >= sure else None


def run(doc: Document, rules: RuleSet, options: NumberOptions = NumberOptions(),
        model: GapModel | None = None) -> None:
    """Annotate every gap in `doc`; with `options.mark`, also insert a marker before each one."""
    warnings: list[Warning] = []
    gaps = detect(doc.text, rules, model or shipped_model(), options.threshold, warnings, options.support)
    for warning in warnings:
        doc.warn(warning)
    if not gaps:
        return
    text = doc.text
    for gap in gaps:
        support = {} if gap.supported_by is None else {"supported_by": gap.supported_by}
        doc.annotate(TYPE, gap.start, gap.end, gap.rule, unit=text[gap.start:gap.end], score=round(gap.score, 3),
                     context=text[max(0, gap.start - 12):gap.start] + "〔?〕" + text[gap.start:gap.end + 12],
                     **support)
    if options.mark:
        doc.edit([Edit(gap.start, gap.start, options.marker) for gap in gaps])
        # The markers shift everything after them: annotation k now starts k markers later and covers
        # its own marker, so a reader sees `〔?〕年` as one flagged unit.
        width = len(options.marker)
        moved = {gap.start: gap.start + k * width for k, gap in enumerate(gaps)}
        for k, ann in enumerate(doc.annotations[-len(gaps):]):
            ann.start += k * width
            ann.end += (k + 1) * width
            if "supported_by" in ann.info:   # the surest gap's position in the marked text
                ann.info["supported_by"] = moved[ann.info["supported_by"]]


# ---------------------------------------------------------------- registry declaration

def _bind(rules, options: NumberOptions):
    """run() bound to the rules, options and the shipped model (loaded here: a missing model fails at start)."""
    model = shipped_model()
    return lambda doc: run(doc, rules, options, model)


STAGE = Stage(NAME, lambda pipeline: NumberOptions(mark=pipeline.mark, threshold=pipeline.gap_threshold,
                                                   support=pipeline.gap_support_threshold), _bind,
              books={TYPE: "flags"})
