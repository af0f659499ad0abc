"""The five stages and their registry: each stage module declares its `NAME` and a `STAGE` (its options
and its `run`, bound once per pipeline); the pipeline iterates `REGISTRY` in pipeline order.

Adding a stage is writing its module with those two declarations and naming it in `_MODULES` below.
"""
from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping, NamedTuple

if TYPE_CHECKING:
    from ..document import Document
    from ..pipeline import Options
    from ..rulebook import RuleSet


class Stage(NamedTuple):
    """What the pipeline needs to know of a stage: its name, its options, and how to run it. (A named tuple:
    a frozen dataclass's decorator compiles its methods at every start.)"""

    name: str
    # The stage's options taken from the pipeline's `Options`.
    options: Callable[[Options], Any]
    # The stage's run bound to the rules and its options: called once per pipeline, it may load what every
    # document needs (the numbers stage's model), so that a missing file is an error at start.
    bind: Callable[[RuleSet, Any], Callable[[Document], None]]
    # The kinds of `findings.Count` the stage makes -> the book of the run's `RunStats` each is added to (a
    # counter attribute: "chrome_removed", "flags"...); a kind named nowhere is kept in `Result.counts` only.
    books: Mapping[str, str] = MappingProxyType({})


def _registry() -> dict[str, Stage]:
    """The stages in pipeline order (imported here, after `Stage` exists: each module declares one)."""
    from . import chrome, normalize, numbers, rejoin, repeats

    modules = (normalize, chrome, repeats, rejoin, numbers)
    return {module.STAGE.name: module.STAGE for module in modules}


REGISTRY: dict[str, Stage] = _registry()
STAGES: tuple[str, ...] = tuple(REGISTRY)
# Count kind -> the book it goes to, from every stage's declaration.
BOOKS: dict[str, str] = {kind: book for stage in REGISTRY.values() for kind, book in stage.books.items()}
