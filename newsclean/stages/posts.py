"""Pages of posts one below the other: a blog's index, a forum thread, an article with readers' posts below.

Each post carries a stamp line of the same make (`由江城老李张贴 @ 2024-05-12 09:30:12 (370)` under every
post of a blog, `发表于 2024-05-12 09:30 | 只看该作者` above every post of a forum): its characters other than
letters, digits and spaces (`@ - - : : ( )`) are the same from post to post, and it carries a time of day.
Each post is prose, so the body finder's densest block of prose takes them all together. The page is about
its first post (a thread's question, a blog's latest post); the posts below it are other documents or
replies to it. So on a full page whose body block holds two or more stamp lines of one make, the block ends
before the first of them that stands between two bodies' worth of prose (the first post above it, at least
one more post below it): a stamp under the first post (its footer), or the stamp that opens the second (its
header). The lines of the block from there on are chrome (rule `later-post`). An article's own date line
stands once; a live report's entries and a comment thread's items are short and make lists of dated items
(`itemlists`) that never reach the block.

The same fact cuts an extractor's article block (`first_post_lines`): readability's block on a blog index holds
the posts one below the other with their stamps, and is no full page for the chrome stage, so the extraction
keeps the lines of its first post (`newsclean.html`).
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import regex

from .itemlists import is_stamp_line

RULE_ID = "later-post"
DESCRIPTION = ("On a full page whose body block holds two or more stamp lines of the same make (a time of day "
               "with the same marks around it: a blog's `由…张贴 @ …` under each post, a forum's `发表于 …` above "
               "each): the block from the first such line that stands between two posts' worth of prose on")

# What a stamp line's make is: the characters that are no letter, digit or space (names and times vary).
_MAKE_FREE = regex.compile(r"[\p{L}\p{N}\s]+")


class PostOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    # A post is a body's worth of prose: at least this many Han characters of prose lines, on each side.
    post_min_han: int = 100
    # A make of stamp line must stand this many times in the block for the block to be a list of posts.
    min_stamps: int = 2


def stamp_make(text: str) -> str:
    """The marks of a stamp line without its names, words and figures.

    >>> stamp_make("由江城老李张贴 @ 2024-05-12 09:30:12 (370)") == stamp_make("由城南小王张贴 @ 2024-06-01 21:05:44 (12)")
    True
    """
    return _MAKE_FREE.sub("", text)


def first_post_end(texts: list[str], weights: list[int], listed: list, start: int, end: int,
                   options: PostOptions = PostOptions()) -> int:
    """The last line of the first post of the block [start, end], or `end` when the block is no list of
    posts. `weights` are the lines' prose weights (positive for prose); the stamps of lines `listed` in a
    list of items (a list of headlines with their times that the block took in) are no posts' stamps."""
    stamps = [i for i in range(start, end + 1) if not listed[i] and is_stamp_line(texts[i])]
    makes = Counter(stamp_make(texts[i]) for i in stamps)
    recurring = [i for i in stamps if makes[stamp_make(texts[i])] >= options.min_stamps]
    if not recurring:
        return end
    prose = [max(0, weights[i]) for i in range(start, end + 1)]
    total, above, at = sum(prose), 0, start
    for i in recurring:
        above += sum(prose[at - start:i - start])
        at = i
        if above >= options.post_min_han and total - above - prose[i - start] >= options.post_min_han:
            return i - 1
    return end


def first_post_lines(texts: list[str], options: PostOptions = PostOptions()) -> int:
    """How many of the lines of `texts`, one block of prose from its first line to its last (an extractor's
    article block), its first post takes: all of them unless the block lists posts. The lines are weighed and
    their lists of items found as the chrome stage weighs and finds them on a page."""
    from .chrome import ChromeOptions, _is_body, _item_list_rules, _prose_weight  # chrome imports this module

    chrome = ChromeOptions()
    listed = _item_list_rules(texts)
    weights = [-chrome.short_line_cost if rule else _prose_weight(text, _is_body(text, chrome), chrome)
               for text, rule in zip(texts, listed)]
    return first_post_end(texts, weights, listed, 0, len(texts) - 1, options) + 1
