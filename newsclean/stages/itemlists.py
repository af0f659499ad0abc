"""Lists of dated items on a page: recommended headlines, hot posts, a feed, a comment thread.

A portal prints the stories it recommends as items of one or two lines (a headline, perhaps a summary cut
short) each with its publishing stamp (`2019-09-30 07:42`, `今天 08:14`); a comment thread prints a handle,
a comment and a stamp. What tells such a list from a body is its rhythm: three or more stamps that carry a
time of day, each a short line of its own, with at most a few short lines between one and the next. A body
states its own date once; a chronicle dates its paragraphs by day, not by minute, and its paragraphs are long.
The chrome stage uses the lists this module finds in two ways: their lines are no prose to build a body
block on, and the lines of a list outside the body block are chrome (rule `dated-item-list`).
"""
from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

import regex

RULE_ID = "dated-item-list"
DESCRIPTION = ("Three or more items in a row, each a line or a few short lines with a stamp line of its own that "
               "carries a time of day (a list of recommended headlines, hot posts, a comment thread), outside "
               "the body block")

# A stamp with a time of day: a date and a time (`2019-09-30 07:42`, `2019-09-3007:42`, `09-26 12:11`,
# `9月26日 12:11`), a day word and a time (`今天 08:14`, `昨天08:14`), or an age (`3分钟前`, `2小时前`, `1天前`).
_STAMP = regex.compile(
    r"(?:(?:\d{2,4}\s*[-/.年]\s*)?\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?|今天|昨天|前天)\s*\d{1,2}[:：]\d{2}"
    r"|\d{1,2}\s*(?:分钟|小时|天)前"
)
_SENTENCE_END = regex.compile(r"\p{Han}[。！？]")


class ItemListOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    # A stamp line is at most this long: a stamp with a source, a comment count, `举报 回复`.
    stamp_max_chars: int = 60
    # Items in a row: consecutive stamps at most this many lines apart, the lines between at most
    # item_max_chars long together (a headline and a summary, a handle and a comment; a post of several
    # paragraphs is an article of its own).
    item_max_lines: int = 3
    item_max_chars: int = 300
    min_items: int = 3


# Every stamp holds one of these (a clock's colon, an age's 前): a line without any is not searched.
_STAMP_NEEDS = (":", "：", "前")


def is_stamp_line(text: str, options: ItemListOptions = ItemListOptions()) -> bool:
    """A short line with a time-of-day stamp and no sentence in it."""
    return (len(text) <= options.stamp_max_chars and any(mark in text for mark in _STAMP_NEEDS)
            and _STAMP.search(text) is not None and _SENTENCE_END.search(text) is None)


def item_lists(texts: list[str], options: ItemListOptions = ItemListOptions()) -> list[tuple[int, int]]:
    """The (first, last) line of every list of dated items in `texts`, in order. A list runs from the first
    line of its first item to its last stamp: the items stand above their stamps (the common layout); where
    a page puts the stamp first, the last item's text stays, which costs a few chrome characters and never
    a body line."""
    stamps = [i for i, text in enumerate(texts) if is_stamp_line(text, options)]
    found: list[tuple[int, int]] = []
    for run in runs(stamps, lambda a, b: _item_between(texts, a, b, options)):
        _close(texts, run, found, options)
    return found


def runs(marks: list[int], one_item_apart: Callable[[int, int], bool]) -> Iterator[list[int]]:
    """The marked lines (stamps, cut-short summaries) in runs: a mark joins the run of the mark before it
    when the lines between them make one item (`one_item_apart(before, mark)`)."""
    run: list[int] = []
    for i in marks:
        if run and one_item_apart(run[-1], i):
            run.append(i)
            continue
        if run:
            yield run
        run = [i]
    if run:
        yield run


def span_flags(spans: list[tuple[int, int]], size: int) -> list[bool]:
    """For each of `size` lines, whether it stands in one of the (first, last) spans."""
    flags = [False] * size
    for first, last in spans:
        flags[first:last + 1] = [True] * (last + 1 - first)
    return flags


def _item_between(texts: list[str], a: int, b: int, options: ItemListOptions) -> bool:
    """The lines between stamps a and b make one short item."""
    between = texts[a + 1:b]
    return 1 <= len(between) <= options.item_max_lines and sum(map(len, between)) <= options.item_max_chars


def _close(texts: list[str], run: list[int], found: list[tuple[int, int]], options: ItemListOptions) -> None:
    """Keep a run of stamps as a list when it has enough items; its first item's lines stand above the
    first stamp, as many as the next item has, and none longer than the longest line of the list (so the
    last paragraph of a body above a list is never taken for an item)."""
    if len(run) < options.min_items:
        return
    first, last = run[0], run[-1]
    inside = texts[first + 1:last]
    longest = max(map(len, inside))
    lead = run[1] - run[0] - 1
    start = first
    while start > 0 and first - start < lead and len(texts[start - 1]) <= longest \
            and not is_stamp_line(texts[start - 1], options):
        start -= 1
    if found and start <= found[-1][1]:
        start = found[-1][1] + 1
    found.append((start, last))


def list_lines(texts: list[str], options: ItemListOptions = ItemListOptions()) -> list[bool]:
    """For each line, whether it stands in a list of dated items."""
    return span_flags(item_lists(texts, options), len(texts))
