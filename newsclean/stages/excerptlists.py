"""Lists of excerpts on a page: an index of posts, a "related articles" block, a feed of summaries.

A blog's index page, a site's list of related articles and a tag page print each item as a headline and the
first words of its text cut short by the template (`…据报道，托特纳姆热刺仍然有兴趣签下…`, `…RB莱比..`),
perhaps with a line of its own between them (`by admin Posted in 体育`). What tells such a list from a body is
its rhythm: three or more cut-short summaries in a row, each a few lines below the one before, with a short
line or two (the next item's headline) between them: a forum post whose paragraphs trail off in `...` has no
headline between them. A body's paragraphs end on a full stop; a
paragraph that ends on a writer's ellipsis ends on `……`, the two marks that Chinese writes, never on the
template's single `…` or on Latin dots. The chrome stage uses the lists this module finds as it uses the
lists of dated items (`itemlists`): their lines are no prose to build a body block on, and the lines of a
list outside the body block are chrome (rule `excerpt-list`).
"""
from __future__ import annotations

from typing import NamedTuple

import regex

from .itemlists import runs, span_flags

RULE_ID = "excerpt-list"
DESCRIPTION = ("Three or more items in a row, each a headline line or two and a summary cut short by the "
               "template (ending on a single … or on Latin dots), outside the body block (an index of posts, "
               "related articles with their first words)")

# A summary cut short: a word, then the template's mark. `……` is the writer's ellipsis and `。…` a sentence
# that ended before the mark, so neither counts.
_CUT_SHORT = regex.compile(r"[\p{Han}\p{L}\p{N}，、,&;](?:…|\.{2,}|。{3})$")
_WRITERS_ELLIPSIS = regex.compile(r"……$")


class ExcerptListOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    # A summary is prose of at least this many characters (shorter ones are headlines cut short).
    summary_min_chars: int = 30
    # Between one summary and the next: the next item's headline and perhaps a line of its own (a byline,
    # the post's category), at most this many lines, none longer than between_max_chars.
    between_max_lines: int = 3
    between_max_chars: int = 80
    min_items: int = 3


# How every cut-short summary ends (`_CUT_SHORT`: `…`, two dots or more, three full stops): a line ending
# otherwise is not searched (a paragraph's one full stop is not enough to ask).
_CUT_SHORT_ENDS = ("…", "..", "。。。")


def is_cut_short(text: str, options: ExcerptListOptions = ExcerptListOptions()) -> bool:
    """A line of prose cut short by a template's ellipsis."""
    text = text.rstrip()
    return (len(text) >= options.summary_min_chars and text.endswith(_CUT_SHORT_ENDS)
            and _CUT_SHORT.search(text) is not None and _WRITERS_ELLIPSIS.search(text) is None)


def excerpt_lists(texts: list[str], options: ExcerptListOptions = ExcerptListOptions()) -> list[tuple[int, int]]:
    """The (first, last) line of every list of excerpts in `texts`, in order: from the headline above its
    first summary (as many lines as stand between its first two summaries) to its last summary."""
    cut = [i for i, text in enumerate(texts) if is_cut_short(text, options)]
    found: list[tuple[int, int]] = []
    for run in runs(cut, lambda a, b: _item_between(texts, a, b, options)):
        _close(texts, run, found, options)
    return found


def _item_between(texts: list[str], a: int, b: int, options: ExcerptListOptions) -> bool:
    """The lines between summaries a and b are the next item's headline (and a line of its own)."""
    between = texts[a + 1:b]
    return 1 <= len(between) <= options.between_max_lines and all(len(t) <= options.between_max_chars for t in between)


def _close(texts: list[str], run: list[int], found: list[tuple[int, int]], options: ExcerptListOptions) -> None:
    """Keep a run of summaries as a list when it has enough items, with the headline lines of its first item."""
    if len(run) < options.min_items:
        return
    lead = run[1] - run[0] - 1
    start = run[0]
    while start > 0 and run[0] - start < lead and len(texts[start - 1]) <= options.between_max_chars:
        start -= 1
    if found and start <= found[-1][1]:
        start = found[-1][1] + 1
    found.append((start, run[-1]))


def list_lines(texts: list[str], options: ExcerptListOptions = ExcerptListOptions()) -> list[bool]:
    """For each line, whether it stands in a list of excerpts."""
    return span_flags(excerpt_lists(texts, options), len(texts))
