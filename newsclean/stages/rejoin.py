"""Stage 4: join paragraphs that the page layout cut in the middle of a sentence.

Scrapers turn every layout break into a paragraph break: a newspaper column that ends mid-sentence
(`…15项行政审批` / `事项进一步优化。`), or a paragraph cut between a full stop and its closing quote
(`…没有他就太恐怖了。` / `”在本赛季…`). Two such lines are one paragraph again; the line break between them is
recorded as a removal (reason `layout`) so that nothing leaves the raw text unrecorded.

A join needs evidence on both sides, so headings (short, or without sentence punctuation), photo captions and
the last paragraph stay as they are. A line that merely lacks its full stop is no evidence: headlines, teasers,
list items and paragraphs whose source dropped the stop look the same. A line ending inside a clause is joined
only where its own punctuation says the sentence goes on (a comma or a dash at its end), or where the document
shows hard wrapping: many lines cut at one width (a text file wrapped at 36 characters), of which the line is
one.
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import regex

from ..alignment import Edit
from ..document import Document, Removal
from . import Stage
from .chrome import Ending, enough_han as _enough_han
from .repeats import CAPTION_MARK, SENTENCE_MARK, line_kind  # a photo caption is a paragraph of its own, full stop or not

NAME = "rejoin"

# A line that starts with one of these cannot start a paragraph: it is the end of the sentence above.
_CONTINUES_ABOVE = regex.compile(r"^[”’」』）)》〉】，,、。；;：:！!？?]")
# A line that ends with one of these ends a sentence (or a heading, a list item, a quotation, a teaser `...`).
_ENDS_SENTENCE = Ending(r"[。！？!?…；;：:”’」』）)》〉】\].]$", 1)
# The unfinished sentence a line ends with: everything after its last full stop (and the quote closing it).
_LAST_SENTENCE = regex.compile(r"[^。！？!?…]*$")
_TAIL_CLAUSE = regex.compile(r"[，,、；;]")
_NOT_PROSE = regex.compile(r"[\s\[\]【】|｜]")
# A line ending in one of these stops inside a sentence by its own punctuation: a paragraph never ends so.
_ENDS_MID_CLAUSE = Ending(r"(?:[，,、]|——|—)$", 2)
# A teaser cut off by the site (`…有46人因参…`, `…进行了解。...`): what follows is the next item, not its rest.
_TEASER_END = Ending(r"(?:…|\.{3})$", 3)
# Marks of running prose that titles and link lists rarely carry.
_RUNNING_PROSE = regex.compile(r"[，。；,;]")
# The next line must begin like running text: a character, a digit or an opening quote or bracket.
_STARTS_TEXT = regex.compile(r"^[\p{Han}0-9A-Za-z０-９“‘「『（(《]")


# What each rule of the stage means.
RULES = {
    "closing-mark-on-next-line": "the next line starts with the closing mark of this sentence",
    "cut-mid-sentence": "the line ends on a comma or a dash, and the next line runs on",
    "hard-wrapped": "the page is wrapped at one width, and this line was cut there",
}


class RejoinOptions(NamedTuple):  # a named tuple: a frozen dataclass's decorator costs start-up time
    # A line cut by the layout ran the width of a column: shorter unfinished lines are headings or labels.
    min_cut_chars: int = 30
    # ... and the sentence it leaves unfinished is at least this long.
    min_tail_chars: int = 10
    # The line above a stray closing mark must be prose of at least this many Han characters.
    min_prose_han: int = 8
    # Hard wrapping: at least this many lines of at least `min_wrapped_chars` end inside a sentence ...
    min_wrapped_lines: int = 3
    min_wrapped_chars: int = 12
    # ... and at least this share of them are within `wrap_tolerance` characters of one width ...
    min_wrapped_share: float = 0.5
    wrap_tolerance: int = 2
    # ... of which at least this share read as running prose (a comma, full stop or semicolon inside): a
    # list of link titles cut at one width by the site (`安康最大洪峰过境多广场被淹 西安围墙坍塌`) is no wrap ...
    min_prose_share: float = 0.5
    # ... and at most this share of the lines of `min_wrapped_chars` or more are wider than the wrap: a page
    # of headlines above long paragraphs (联播快讯) has lines of one width too, but its paragraphs run on.
    max_wider_share: float = 0.2


def _is_prose(text: str, options: RejoinOptions) -> bool:
    if CAPTION_MARK.match(text):
        return False
    return _enough_han(options.min_prose_han).match(text) is not None


def join_reason(above: str, below: str, options: RejoinOptions = RejoinOptions(),
                wrap_width: int | None = None) -> str | None:
    """The rule that joins `below` onto `above`, or None when they are two paragraphs. `wrap_width` is the
    width the document is hard-wrapped at (see `wrap_width`), None when it is not."""
    if not above or not below or not _is_prose(above, options) or _TEASER_END.search(above):
        return None
    if _CONTINUES_ABOVE.match(below):
        return "closing-mark-on-next-line"
    if wrap_width is not None and _is_wrapped_line(above, wrap_width, options) and _STARTS_TEXT.match(below) \
            and len(below) <= wrap_width + options.wrap_tolerance and not CAPTION_MARK.match(below) \
            and below != above:
        return "hard-wrapped"
    if (len(above) >= options.min_cut_chars and _ENDS_MID_CLAUSE.search(above) and _is_unfinished(above, options)
            and _STARTS_TEXT.match(below) and SENTENCE_MARK.search(below) and not _may_be_caption(below)):
        return "cut-mid-sentence"
    return None


def _is_wrapped_line(text: str, width: int, options: RejoinOptions) -> bool:
    """A line the wrapping cut: as wide as the wrap, and not at the end of a sentence."""
    return abs(len(text) - width) <= options.wrap_tolerance and not _ENDS_SENTENCE.search(text)


def wrap_width(texts: list[str], options: RejoinOptions = RejoinOptions()) -> int | None:
    """The width a document is hard-wrapped at, or None: the width most of its lines that end inside a
    sentence share (a text file wrapped at 36 characters), when enough of them do and hardly any line is
    wider. Headlines, teasers and list items that lack a full stop have widths of their own, and the
    paragraphs below them are wider, so a page of them shows no wrap."""
    long_enough = [len(t) for t in texts if len(t) >= options.min_wrapped_chars]
    cut = [len(t) for t in texts if len(t) >= options.min_wrapped_chars and not _ENDS_SENTENCE.search(t)]
    if len(cut) < options.min_wrapped_lines:
        return None
    counts = Counter(cut)
    width = max(counts, key=lambda w: (sum(counts[w + d] for d in range(-options.wrap_tolerance,
                                                                          options.wrap_tolerance + 1)), w))
    near = [t for t in texts if abs(len(t) - width) <= options.wrap_tolerance and not _ENDS_SENTENCE.search(t)]
    if len(near) < options.min_wrapped_lines or len(near) < options.min_wrapped_share * len(cut):
        return None
    if sum(1 for t in near if _RUNNING_PROSE.search(t)) < options.min_prose_share * len(near):
        return None
    wider = sum(1 for n in long_enough if n > width + options.wrap_tolerance)
    if wider > options.max_wider_share * len(long_enough):
        return None
    return width


def _may_be_caption(text: str) -> bool:
    """A short line of one sentence may be a picture's caption standing where the cut sentence stopped
    (`…腾地2000余` / `桂花水库预计…年底实现大坝下闸蓄水。`); the rest of that sentence is then not on the page."""
    return line_kind(text) == "caption" and not SENTENCE_MARK.search(text, 0, len(text) - 1)


def _is_unfinished(text: str, options: RejoinOptions) -> bool:
    """Whether the line ends inside a sentence of running text: what follows its last full stop is a clause
    already under way (a comma in it, no spaces, no brackets), not a credit (`记者 高博`), a widget
    (`我要评论`) or a listing (`[联系电话]…`) left after the last sentence."""
    tail = _LAST_SENTENCE.search(text).group()
    return len(tail) >= options.min_tail_chars and _TAIL_CLAUSE.search(tail) is not None and not _NOT_PROSE.search(tail)


def run(doc: Document, rules=None, options: RejoinOptions = RejoinOptions()) -> None:
    """Remove the line breaks that cut a paragraph, recording each one."""
    lines = list(doc.lines())
    width = wrap_width([line.text for line in lines], options)
    edits = []
    for above, below in zip(lines, lines[1:]):
        reason = join_reason(above.text, below.text, options, width)
        if reason is None:
            continue
        raw_start, raw_end = doc.aligned.raw_span(above.end, below.start)
        doc.removals.append(Removal(raw_start, raw_end, "layout", reason, "\n"))
        doc.count("layout", reason)
        edits.append(Edit(above.end, below.start, ""))
    if edits:
        doc.edit(edits)


# ---------------------------------------------------------------- registry declaration

def _bind(rules, options: RejoinOptions):
    """run() bound to the rules and options."""
    return lambda doc: run(doc, rules, options)


STAGE = Stage(NAME, lambda pipeline: pipeline.rejoin, _bind, books={"layout": "rejoined"})
