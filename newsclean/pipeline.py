"""The cleaning pipeline: a `Document` goes through normalise -> chrome -> repeats -> rejoin -> numbers.

`clean(text)` is the one-call hook for crawlers; `Pipeline` holds the loaded rules and options for batches.
"""
from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any, Callable, NamedTuple

from .document import Document
from .fields import CheckedTuple, SlotFields
from .findings import Count, Warning
from .rulebook import RuleSet
from .stages import REGISTRY, STAGES, chrome, normalize, rejoin, repeats


class Result(SlotFields):
    """What cleaning one document produced. All offsets are code points; `start`/`end` index `text`,
    `raw_start`/`raw_end` index the input. (A plain class with slots: a dataclass's decorator would compile
    its methods at every start.)"""

    __slots__ = ("id", "text", "annotations", "removed", "metadata", "counts", "counted", "warnings")

    def __init__(self, id: str | None, text: str, annotations: list[dict[str, Any]], removed: list[dict[str, Any]],
                 metadata: dict[str, Any], counts: dict[str, int] | None = None,
                 counted: dict[Count, int] | None = None, warnings: list[Warning] | None = None):
        self.id = id
        self.text = text
        self.annotations = annotations
        self.removed = removed
        self.metadata = metadata
        self.counts = {} if counts is None else counts  # `counted` rendered as "kind:rule" keys
        self.counted = {} if counted is None else counted  # what the stages counted, for the run's books
        self.warnings = [] if warnings is None else warnings  # typed; `metadata["warnings"]` has their messages

    def to_record(self, fields: dict[str, Any] | None = None, text_field: str = "text") -> dict[str, Any]:
        """The output JSON object: the input's fields, the clean text in `text_field`, and the findings.

        Input fields with the names of the findings (`OUTPUT_FIELDS`, e.g. from cleaning an output again) are
        not overwritten in silence: their input values move to ``newsclean.input_fields``."""
        record = dict(fields or {})
        moved = {k: record.pop(k) for k in clashing_fields(record, text_field)}
        if self.id is not None and "id" not in record:
            record["id"] = self.id
        record[text_field] = self.text
        record["annotations"] = self.annotations
        record["removed"] = self.removed
        metadata = {**self.metadata, "input_fields": moved} if moved else self.metadata
        if metadata:
            record["newsclean"] = metadata
        return record


# The fields `Result.to_record` writes besides the text.
OUTPUT_FIELDS = ("annotations", "removed", "newsclean")


def clashing_fields(fields: dict[str, Any], text_field: str = "text") -> list[str]:
    """The input fields that have the name of a field the output writes."""
    return [k for k in OUTPUT_FIELDS if k in fields and k != text_field]


def clash_warning(names: list[str]) -> Warning:
    """The run's warning for a record whose fields have the names of the output's own."""
    return Warning("run", "", "field-clash",
                   f"input field(s) {', '.join(names)} have the names of newsclean's output fields: their input "
                   "values are kept under newsclean.input_fields")


class _Switches(NamedTuple):
    t2s: bool = True
    mark: bool = False
    gap_threshold: float | None = None      # missing-number score needed to flag; None: the model's default
    stages: tuple[str, ...] = STAGES
    chrome: chrome.ChromeOptions = chrome.ChromeOptions()
    repeats: repeats.RepeatOptions = repeats.RepeatOptions()
    rejoin: rejoin.RejoinOptions = rejoin.RejoinOptions()
    # the score that flags a place in a document with a flag at gap_threshold; None: the model's default
    gap_support_threshold: float | None = None


class Options(CheckedTuple, _Switches):
    """Every switch of the pipeline, with the defaults the CLI uses: immutable and hashable, checked when made
    (`_replace` too).

    A named tuple rather than a frozen dataclass, whose decorator compiled its methods at every start.

    >>> Options(stages="normalize,chrome").stages
    ('normalize', 'chrome')
    """

    __slots__ = ()

    def __new__(cls, *args: Any, **kwargs: Any) -> "Options":
        switches = cls.fields_of(_Switches, args, kwargs)
        stages = switches.stages
        if isinstance(stages, str):  # "chrome" or "normalize,chrome": names, not characters
            stages = tuple(s.strip() for s in stages.split(",") if s.strip())
        unknown = [s for s in stages if s not in STAGES]
        if unknown:
            raise ValueError(f"unknown stage(s) {', '.join(unknown)}; stages are {', '.join(STAGES)}")
        for name in ("gap_threshold", "gap_support_threshold"):
            value = getattr(switches, name)
            if value is not None and not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must lie in [0, 1], not {value}")
        return super().__new__(cls, *switches._replace(stages=stages))


class Pipeline:
    """Cleans documents with one set of rules and options; safe to reuse for any number of documents."""

    def __init__(self, rules: RuleSet | str | Path | None = None, options: Options | None = None, **kwargs: Any):
        self.rules = rules if isinstance(rules, RuleSet) else RuleSet.load(rules)
        self.options = options or Options(**kwargs)
        # Stages always run in pipeline order, whatever order they were asked for in; each is bound once
        # here, before any document (the numbers stage loads its model: a missing file fails at start).
        self._stages: list[tuple[str, Callable[[Document], None]]] = [
            (name, stage.bind(self.rules, stage.options(self.options)))
            for name, stage in REGISTRY.items() if name in self.options.stages
        ]

    def process(self, doc: Document) -> Document:
        self.rules.budget.start(len(doc.text))  # one time budget for all the patterns run on this document
        try:
            normalize.replace_lone_surrogates(doc)  # whatever the stages: none of them can take a lone surrogate
            for name, stage in self._stages:
                doc.stage = name
                stage(doc)
            doc.stage = ""
        finally:
            self.rules.budget.finish()
        return doc

    def clean(self, text: str, id: str | None = None, meta: dict[str, Any] | None = None,
              site_lines: dict[bytes, Any] | None = None) -> Result:
        """Clean one text; `site_lines` are its site's recurring lines (`SiteChrome.for_url`) in a batch."""
        _require_text(text)
        doc = Document(text, id=id, meta=meta)
        doc.site_lines = site_lines
        return result_of(self.process(doc))


def _require_text(text: Any) -> None:
    if isinstance(text, str):
        return
    hint = (": decode the bytes first (newsclean.io.decode(data, ReadOptions()) tries UTF-8, UTF-16, GB18030 "
            "and Big5)") if isinstance(text, (bytes, bytearray, memoryview)) else ""
    raise TypeError(f"clean() needs the document as a str, not {type(text).__name__}{hint}")


def result_of(doc: Document) -> Result:
    """Turn a processed document into a `Result`, placing each removal at its clean position."""
    aligned = doc.aligned
    removed = []
    for r in sorted(doc.removals, key=lambda r: r.raw_start):
        pos = aligned.clean_offset(r.raw_start)
        item: dict[str, Any] = {"start": pos, "end": pos, "raw_start": r.raw_start, "raw_end": r.raw_end,
                                "reason": r.reason, "rule": r.rule, "text": r.text}
        if r.info:
            item["info"] = r.info
        if r.duplicate_of is not None:
            kept = aligned.clean_offset(r.duplicate_of)
            item["duplicate_of"] = {"start": kept, "raw_start": r.duplicate_of,
                                    "paragraph": doc.text.count("\n", 0, kept)}
        removed.append(item)
    annotations = [
        {"type": a.type, "start": a.start, "end": a.end, "raw_start": a.raw_start, "raw_end": a.raw_end,
         "rule": a.rule, **({"info": a.info} if a.info else {})}
        for a in doc.annotations
    ]
    return Result(doc.id, doc.text, annotations, removed, dict(doc.meta), doc.counts, dict(doc.counted),
                  list(doc.warnings))


_default_pipeline: dict[tuple, Pipeline] = {}


def clean(text: str, *, id: str | None = None, rules: RuleSet | str | Path | None = None, **options: Any) -> Result:
    """Clean one document: the call a crawler makes per page (e.g. from a Scrapy item pipeline).

    Rules are loaded once per distinct `rules` argument and options, then reused.
    """
    _require_text(text)
    key = (rules if not isinstance(rules, RuleSet) else builtins.id(rules), tuple(sorted(options.items())))
    pipeline = _default_pipeline.get(key)
    if pipeline is None:
        pipeline = _default_pipeline[key] = Pipeline(rules, **options)
    return pipeline.clean(text, id=id)
