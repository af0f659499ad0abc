"""What the stages tell the run besides the clean text: typed counts and warnings.

A stage makes them (through `Document.count`/`Document.warn`); the run's books (`run.stats.RunStats`) add them
up without knowing any stage: each stage's `Stage.books` says which book each of its count kinds goes to. They
are rendered to the strings the output and `--stats` have always shown (`"chrome:breadcrumb"`, the warning's
message) only at the edge.
"""
from __future__ import annotations

from typing import NamedTuple

# The kind of a warning that says a rule ran out of time (the books count those per rule, not per message).
RULE_TIMEOUT = "rule_timeout"


# Count and Warning are named tuples, not frozen dataclasses: as immutable, hashable and picklable, with the same
# repr, and built in 0.1 ms at import where the dataclass decorator compiled six methods (1-4 ms a class).
class Count(NamedTuple):
    """One thing a stage counts per rule: a removed line, an annotation, a fix, a line kept apart.

    >>> Count("chrome", "chrome", "breadcrumb").key
    'chrome:breadcrumb'
    >>> Count.parse("missing_number:year-before-month")
    Count(stage='', kind='missing_number', rule='year-before-month')
    """

    stage: str  # the stage that counted it ("" when read back from its rendered key)
    kind: str  # a removal's reason, an annotation's type, or a stage's own kind ("repeat_kept", "normalize")
    rule: str  # the rule id, fix or reason counted

    @property
    def key(self) -> str:
        """The rendered form, as `Result.counts` and older books have it."""
        return f"{self.kind}:{self.rule}"

    @classmethod
    def parse(cls, key: str) -> "Count":
        """A count from its rendered key (books kept as strings: a checkpoint, a caller's dict)."""
        kind, _, rule = key.partition(":")
        return cls("", kind, rule)


class Warning(NamedTuple):  # noqa: A001 - the name says what it is; it never meets the builtin inside this package
    """Something a stage (or the run) wants the user to know about one document.

    >>> w = Warning("chrome", "han-run", RULE_TIMEOUT, "rule 'han-run' (x.toml) timed out after 0.25s")
    >>> str(w), w.timed_out
    ("rule 'han-run' (x.toml) timed out after 0.25s", True)
    """

    stage: str  # who made it: a stage's name, "run" or "extract" (the HTML extraction before the stages)
    rule: str  # the rule it is about ("" if none)
    kind: str  # RULE_TIMEOUT, "field-clash", "extractor"...
    message: str  # what the output's `newsclean.warnings` and the run summary show

    def __str__(self) -> str:
        return self.message

    @property
    def timed_out(self) -> bool:
        return self.kind == RULE_TIMEOUT

    @classmethod
    def of_timeout(cls, stage: str, exc: Exception) -> "Warning":
        """The warning for a `rulebook.RuleTimeout` raised while `stage` ran a rule."""
        return cls(stage, getattr(exc, "rule_id", ""), RULE_TIMEOUT, str(exc))

    @classmethod
    def of_message(cls, message: "str | Warning", stage: str = "extract", kind: str = "message") -> "Warning":
        """A warning that came as text (the HTML extraction's, a caller's metadata)."""
        return message if isinstance(message, Warning) else cls(stage, "", kind, str(message))
