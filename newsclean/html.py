"""HTML in: decode a saved page, take its main text with readability-lxml and trafilatura, keep its metadata.

The extracted text is what the pipeline then cleans, so for HTML input `raw_start`/`raw_end` index the
*extracted text*, never the HTML: the output says so (`newsclean.raw = "extracted-text"`), and
`--extracted-field NAME` writes that text into the output record, where the offsets can be checked.

How the main text is chosen (measured on the hand-marked pages, `python benchmarks/pages.py`):

1. readability-lxml's article block, turned into lines (block tags end a line, the cells of a table row share
   one). It is the precise one: it keeps a page's densest block and leaves menus, link lists and comment
   threads outside it. A line of the block that is all one link of headline length and no prose (a related
   story, `[上一篇] [下一篇]`, the title repeated as a link) is dropped: the HTML says it is a link. So is a box
   of the block that is a related story's or a list's (`headline_boxes`: a few lines with a linked headline
   among them, as the page has it before readability's cleaning; `推荐阅读` over blurbs, `延伸 · 推荐` over a
   headline and its blurb), when such boxes are a small part of the block (a blog index whose posts are headed
   by their links keeps them). On a page that lists posts (sibling boxes with prose, each under a heading of its own), readability's block
   is the post whose heading the page's title names, when readability chose another post or the whole list.
2. trafilatura (`favor_recall`) as a second opinion. Where readability's block holds under a quarter of
   trafilatura's prose (a blog laid out in tables, where readability's scorer picks a sidebar or an archive
   list), readability is asked again on the page without the element it picked, up to twice; if no block
   holds the article, trafilatura's text is used instead. Otherwise a trafilatura line that readability left
   out comes back only when it is prose (30 characters or more, a full stop or comma, not a list item, not a
   row of short pieces) and stands within 3 of trafilatura's lines of the span that both extractors kept
   (into a titled post, only between its own lines); before or after that span, not when the markup sets it
   apart (`set_apart`: under a comment, footer or related box as readability names them, or beside a linked
   headline in its box or a box of a few lines around it).
3. When the text is readability's block and lists posts one below the other with stamp lines of one make (a
   blog's index), it ends with its first post (`stages.posts.first_post_lines`, the signal the chrome stage
   cuts a page's body block with: readability's block is no page to the stage).
4. Fewer than 10 visible characters is no main text: the page is rejected (`no-content`).

Charset (`decode_page`): a byte-order mark; then strict UTF-8 (UTF-8 that decodes is UTF-8, whatever a stale
header says); then the charset of the HTTP header, then the page's own `<meta>`; then UTF-8 with a few damaged
sequences (a page cut inside a character: U+FFFD, encoding `utf-8-replaced`); then charset-normalizer's
detection. The first that decodes without error wins; bytes none of them decodes are rejected.
"""
from __future__ import annotations

import copy
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import cache
from itertools import accumulate, islice
from typing import Any, Callable, Iterator

import lxml.etree
import lxml.html

from .stages.chrome import BLOCK_EXTRACTOR, EXTRACTOR_FIELD, FALLBACK_EXTRACTOR
from .stages.posts import first_post_lines

RAW_KIND = "extracted-text"  # what raw_start/raw_end index for HTML input
# Below this share of trafilatura's prose readability's block is taken to have missed the article (a sidebar).
MIN_READABILITY_SHARE = 0.25
# ... and is then asked again this many times, each time without the elements it picked before.
RETRIES = 2
# A line of readability's block this much inside `<a>`, this long and not prose is a linked headline.
LINK_LINE_DENSITY = 0.9
LINK_HEADLINE_CHARS = 8
# A box of this many lines or fewer in the page that holds a linked headline is a related story's or a list's
# box (its heading, the headline, a blurb, a `【详细】` link), not the article's: an article's box holds its
# paragraphs. Boxes of more visible characters than ITEM_BOX_CHARS are not looked at line by line.
ITEM_BOX_LINES = 6
ITEM_BOX_CHARS = 1500
ITEM_BOX_ELEMENTS = 100  # ... nor boxes of more elements (an item's box has a few dozen; markup nested deep, none)
# The linked headline of an item's box has words: this many Han characters at least, and not the pieces of a row.
ITEM_HEADLINE_HAN = 4
# ... and inside readability's block such boxes go only when together they hold at most this share of the
# block's visible characters besides their headlines: an aside, which the article outweighs twice (a short
# article in a box with its title link stays, and so do the entries of a blog index or a digest, each in its
# box under its linked headline).
ITEM_BOX_SHARE = 1 / 3
# A main text of fewer visible characters is no main text (a page of a link or two, an empty template).
MIN_CONTENT_CHARS = 10
# A trafilatura line readability left out comes back only if it is prose: this long, with clause marks.
PROSE_MIN_CHARS = 30
# ... and within this many of trafilatura's lines of the first and last line both extractors kept.
WINDOW_MARGIN = 3
# Running text has clause or sentence marks: a full stop or comma (Chinese or Latin). A question or an ellipsis
# alone is what headline lists end their items with (`穷男人还买得起爱情吗？`, `宝洁的日本滑铁卢……`).
_RUNNING_TEXT = re.compile(r"[。，；]|[.,;](\s|$)")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# How trafilatura starts a list item: outside readability's block a list is related stories or headlines, and
# its items are never put back as prose.
LIST_ITEM = "- "
# A line of this many space-separated pieces of Chinese without a full stop is a row of links or headlines.
LIST_PIECES = 4
_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section",
    "table", "tbody", "thead", "tr", "ul",
})
# Table cells stand side by side in their row's line (a row of a discography is one line, not four captions
# the repeats stage would collapse); a cell holding paragraphs still breaks at them.
_CELL_TAGS = frozenset({"td", "th"})
_TABLE_TAGS = frozenset({"table", "thead", "tbody", "tfoot", "tr", "td", "th"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


class PageError(Exception):
    """A page that cannot become a document; `reason` starts with the reject kind (`no-content: ...`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Page:
    """The main text of one page and what the page says about itself."""

    text: str
    metadata: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- charset

def decode_page(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of a page's bytes; raises PageError (`invalid-encoding`) when nothing decodes them."""
    from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

    bom, _ = read_bom(data)
    candidates = [bom] if bom else []
    candidates.append("utf-8")
    if content_type:
        candidates.append(http_content_type_encoding(content_type))
    candidates.append(html_body_declared_encoding(data[:4096]))
    for name in candidates:
        encoding = resolve_encoding(name) if name else None  # gb2312/gbk -> gb18030, latin-1 -> cp1252
        if encoding:
            text = _strict(data, encoding)
            if text is not None:
                return text, encoding
    if lightly_damaged_utf8(data):  # a page cut inside a character, a flipped bit: still UTF-8
        return data.decode("utf-8", errors="replace"), "utf-8-replaced"
    guess = _detected(data)
    if guess is not None:
        return guess
    raise PageError("invalid-encoding: the page decodes in none of its declared charsets nor a detected one "
                    f"(tried {', '.join(dict.fromkeys(c for c in candidates if c))})")


def lightly_damaged_utf8(data: bytes) -> bool:
    """UTF-8 with a few invalid sequences (as `newsclean.io.decode` judges it for text files)."""
    from .io import _HIGH_BYTES, _utf8_damage

    non_ascii = len(data) - len(data.translate(None, _HIGH_BYTES))
    return non_ascii > 0 and _utf8_damage(data) * 30 <= non_ascii


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None
    return text[1:] if text.startswith("\ufeff") else text


def _detected(data: bytes) -> tuple[str, str] | None:
    """charset-normalizer's best reading of bytes no declared charset decodes."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        return None
    text = _strict(data, best.encoding)
    if text is None or (b"<" in data[:4096] and "<" not in text[:4096]):
        return None  # markup is ASCII: a reading that loses the page's own tags (UTF-16 guessed) is wrong
    return text, best.encoding


# ----------------------------------------------------------------------------- main text

def extract(html: str, url: str | None = None) -> Page:
    """The main text and metadata of a decoded page; raises PageError when it has none."""
    if not html.strip():
        raise PageError("empty-document: the page is empty")
    tree = _parse(html)
    warnings: list[str] = []
    recalled = _guarded("trafilatura", lambda: _trafilatura_lines(tree, url), warnings)
    title = tree.findtext(".//title")
    readable, post = _guarded("readability-lxml", lambda: _readability_block(html, recalled, title), warnings,
                              ([], False))
    kept = frozenset(_key(line) for line in readable)
    lines = combine(readable, recalled, post, set_apart=lambda line: set_apart(tree, line, kept))
    extractor = BLOCK_EXTRACTOR if holds_article(readable, recalled, post) else FALLBACK_EXTRACTOR
    if extractor == BLOCK_EXTRACTOR:
        # a blog index's block holds its posts one below the other: the page is about the first (`stages.posts`;
        # trafilatura's whole text is a page, where the chrome stage cuts its body block the same way)
        lines = lines[:first_post_lines(lines)]
    visible = sum(len(_key(line)) for line in lines)
    if visible < MIN_CONTENT_CHARS:
        failed = f"; {'; '.join(warnings)}" if warnings else ""
        raise PageError(f"no-content: readability and trafilatura found no main text in the page ({visible} "
                        f"visible characters; fewer than {MIN_CONTENT_CHARS} are not a document){failed}")
    metadata = {**_metadata(tree, url), EXTRACTOR_FIELD: extractor}
    if warnings:
        metadata["warnings"] = warnings
    return Page("\n".join(lines), metadata)


def _guarded(name: str, run: Any, warnings: list[str], failed: Any = None) -> Any:
    """What an extractor found, or `failed` (no lines) when it fails on the page (a frameset, markup nested too
    deep): the other extractor may still find the text, and the failure is reported in the document's
    warnings."""
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - third-party code on untrusted markup: any failure is the page's
        warnings.append(f"{name} failed on the page: {type(exc).__name__}")
        return [] if failed is None else failed


def _parse(html: str) -> Any:
    try:
        tree = lxml.html.document_fromstring(_without_xml_declaration(html))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise PageError(f"broken-html: lxml cannot parse the page ({exc})") from None
    if tree is None:
        raise PageError("broken-html: lxml found no document in the page")
    return tree


def _without_xml_declaration(html: str) -> str:
    """lxml refuses a str that starts with an encoding declaration; the text is decoded already."""
    stripped = html.lstrip()
    if stripped.startswith("<?xml"):
        end = stripped.find("?>")
        return stripped[end + 2:] if end >= 0 else stripped
    return html


def _readability_lines(html: str, drop_link_headlines: bool = True, skipped: frozenset[str] = frozenset(),
                       picked: list[Pick] | None = None, title: str | None = None) -> list[str]:
    """readability's article block as lines, without its linked headlines and the boxes they stand in
    (`drop_link_headlines`; readability's own block without). `skipped`: marks of elements (see
    `_readability_document`) to take out of the page first; `picked`, when given, receives what readability
    chose; `title`, the page's title, picks the post it names where readability chose one of a list of posts."""
    from readability.readability import Unparseable

    document = _readability_document()(_without_xml_declaration(html), skipped, title)
    try:
        summary = document.summary(html_partial=True)
    except (Unparseable, lxml.etree.ParserError, ValueError, TypeError):
        return []
    if picked is not None and document.picked is not None:
        picked.append(document.picked)
    if not summary.strip():
        return []
    try:
        block = lxml.html.fragment_fromstring(summary, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return []
    if drop_link_headlines:
        for box in headline_boxes(block, document.page_elements()):
            box.drop_tree()
    return [line for line, density in linked_lines(block)
            if not (drop_link_headlines and is_link_headline(line, density))]


def headline_boxes(block: Any, page: dict[str, Any]) -> list[Any]:
    """The boxes of readability's block that are a related story's or a list's (`is_item_box`, judged on the
    page as it was before readability cleaned it: readability drops a row of links from the box and leaves its
    heading and blurbs), the outermost of each, when together they hold at most ITEM_BOX_SHARE of the block's
    visible characters: an aside to the article. Where they hold more, they are the block's own entries (a
    blog index whose posts are headed by their links, a digest of headlines and summaries), and all stay.
    `page` maps the marks of readability's parse to its elements."""
    boxes: list[Any] = []
    taken = 0
    pending = list(reversed(block))  # depth first, in document order; a box's descendants go with it
    while pending:
        element = pending.pop()
        if not isinstance(element.tag, str):
            continue
        original = page.get(element.get(_MARK))
        if original is not None and is_item_box(original):
            boxes.append(element)
            taken += _unlinked_chars(original)
        else:
            pending.extend(reversed(element))
    return boxes if taken <= ITEM_BOX_SHARE * len(_key(block.text_content())) else []


def is_item_box(element: Any) -> bool:
    """A box of a few lines (ITEM_BOX_LINES) that holds a linked headline and a line besides it: a related
    story (`延伸 · 推荐` / its headline / its blurb), a list of them under a heading (`推荐阅读`). A table's row or
    cell is no box: a linked name in a cell above a line of its own is data (a discography's song and singers)."""
    if element.tag in _TABLE_TAGS or not _small(element):
        return False
    lines = linked_lines(element)
    headlines = sum(is_item_headline(line, density) for line, density in lines)
    return len(lines) <= ITEM_BOX_LINES and 0 < headlines < len(lines)


def is_item_headline(line: str, density: float) -> bool:
    """A linked headline (`is_link_headline`) of words: a row of page numbers (`[1] [2] [3]`, `首页 上一页 1 2
    下一页`) in the box of an article's last paragraph is no related story's headline."""
    return (is_link_headline(line, density) and len(_HAN.findall(line)) >= ITEM_HEADLINE_HAN
            and len(line.split()) < LIST_PIECES)


def _small(element: Any) -> bool:
    """An element of at most ITEM_BOX_CHARS visible characters and ITEM_BOX_ELEMENTS elements: worth reading
    line by line as an item's box."""
    # the bounded count first: the text of a large ancestor is never built (set_apart asks for each line)
    return (sum(1 for _ in islice(element.iter(), ITEM_BOX_ELEMENTS + 1)) <= ITEM_BOX_ELEMENTS
            and len(element.text_content()) <= ITEM_BOX_CHARS)


def _unlinked_chars(element: Any) -> int:
    """The visible characters of an element's lines that are not linked headlines (`is_item_headline`)."""
    return sum(len(_key(line)) for line, density in linked_lines(element) if not is_item_headline(line, density))


# The attribute that numbers a page's elements in readability's own parse, so that the element it picked can
# be taken out of the page on a second run (the number is given before readability changes the tree).
_MARK = "data-newsclean"


@cache
def _readability_document() -> type:
    """readability-lxml's Document that numbers the page's elements, says which one it picked and can leave
    out elements picked on an earlier run (the class is made on first use: readability is the html extra)."""
    from readability import Document

    class SkippingDocument(Document):
        """Document with the elements marked `skipped` taken out of its parse."""

        def __init__(self, html: str, skipped: frozenset[str], title: str | None):
            super().__init__(html)
            self.skipped = skipped
            self.title_parts = title_parts(title)
            self.picked: Pick | None = None
            self.parsed: Any = None  # the page as parsed, before readability's cleaning changes it

        def page_elements(self) -> dict[str, Any]:
            """The marked elements of the page as parsed, by mark."""
            if self.parsed is None:
                return {}
            return {element.get(_MARK): element for element in self.parsed.iter() if isinstance(element.tag, str)}

        def _parse(self, input: Any) -> Any:  # noqa: A002 - readability's own signature
            doc = super()._parse(input)
            for number, element in enumerate(doc.iter()):
                if isinstance(element.tag, str):
                    element.set(_MARK, str(number))
            for element in [e for e in doc.iter() if e.get(_MARK) in self.skipped]:
                if element.getparent() is not None:
                    element.drop_tree()
            self.parsed = copy.deepcopy(doc)
            return doc

        def select_best_candidate(self, candidates: dict) -> Any:
            best = super().select_best_candidate(candidates)
            post = titled_post(best["elem"], self.title_parts) if best else None
            if post is not None:
                # the post alone: no sibling (another post) scores above an endless threshold in get_article
                best = {"elem": post, "content_score": float("inf")}
            self.picked = Pick(best["elem"].get(_MARK), post is not None) if best else None
            return best

    return SkippingDocument


@dataclass(frozen=True, slots=True)
class Pick:
    """What readability chose on a page: the element's mark, and whether it is the post the title names."""

    mark: str | None
    post: bool = False


def _readability_block(html: str, recalled: list[str], title: str | None = None) -> tuple[list[str], bool]:
    """readability's block, and whether it is the post the title names among several. When the block holds
    too little of trafilatura's prose to be the article (it took a sidebar, a list of blurbs), readability
    again on the page without what it took, up to `RETRIES` times. The first block that holds the article
    wins; if none does, the first (and `combine` falls back). A titled post is the article however little of
    trafilatura's prose (all the posts) it holds."""
    skipped: list[str] = []
    first: tuple[list[str], bool] | None = None
    for _ in range(RETRIES + 1):
        picked: list[Pick] = []
        lines = _readability_lines(html, skipped=frozenset(skipped), picked=picked, title=title)
        post = bool(picked) and picked[0].post
        first = (lines, post) if first is None else first
        if holds_article(lines, recalled, post):
            return lines, post
        if not picked:
            break
        skipped.append(picked[0].mark)
    return first or ([], False)


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# What parts a page title's name of the article from the site's (`河边的小雨 - 老王的博客`, `标题_频道_某某网`).
_TITLE_SEPARATORS = re.compile(r"\s+[-|–—:]\s+|[_|｜]")
# A heading this long that starts the title names it (a title that goes on after the heading: `标题(图)`).
TITLE_HEADING_CHARS = 4
# A list of posts is looked for among the children of the element readability picked and of its ancestors up
# to this many levels (a post: heading, a line of its date, a box of paragraphs readability picks).
POST_LEVELS = 4


def title_parts(title: str | None) -> tuple[str, ...]:
    """The pieces of a page's title between its separators, without spaces."""
    return tuple(part for part in (_key(p) for p in _TITLE_SEPARATORS.split(title or "")) if part)


def titled_post(element: Any, parts: tuple[str, ...]) -> Any:
    """The post the page's title names, where `element` is (in) one of a list of posts or holds one: two or more
    sibling elements with prose, each under a heading of its own, of which exactly one heading is the title's
    first piece (a post page that lists the blog's other posts too). None otherwise: a blog index (its title
    is the blog's name), an article whose sections have headings of their own, a block with prose outside any
    post (its body would be lost), and where `element` lies inside the named post already (the body of an
    article whose title heads its box: readability's choice is narrower, the box holds comments too)."""
    if not parts:
        return None
    for holder in [element, *element.iterancestors()][:POST_LEVELS]:
        posts = [child for child in holder if isinstance(child.tag, str) and prose_chars(block_lines(child))]
        headings = [_heading(post) for post in posts]
        if len(posts) < 2 or None in headings:
            continue
        named = [post for post, heading in zip(posts, headings) if _names(heading, parts[0])]
        if len(named) == 1:
            # readability's choice inside the named post (an article's body under its titled header) stays
            return None if named[0] is element or named[0] in element.iterancestors() else named[0]
    return None


def _heading(element: Any) -> str | None:
    """The text of an element's first heading (h1-h6), without spaces."""
    for heading in element.iter(*_HEADINGS):
        text = _key(heading.text_content())
        if text:
            return text
    return None


def _names(heading: str, title: str) -> bool:
    """The heading is the title's article name (or the start of it)."""
    return heading == title or (len(heading) >= TITLE_HEADING_CHARS and title.startswith(heading))


def is_link_headline(line: str, density: float) -> bool:
    """A line that is one link of headline length and no prose: a related story, a previous/next link or
    a duplicated title link that readability's block took in with the article. A linked word or name in a
    line of its own (a tag, a place) is shorter, and a link inside a sentence shares its line with prose."""
    return density >= LINK_LINE_DENSITY and len(_key(line)) >= LINK_HEADLINE_CHARS and not is_prose(line)


def block_lines(element: Any) -> list[str]:
    """The visible text of an element as lines: a block tag (p, div, li, br, tr...) ends a line, table cells
    are a space apart."""
    return [line for line, _ in linked_lines(element)]


def linked_lines(element: Any) -> list[tuple[str, float]]:
    """`block_lines` with each line's link density: the share of its visible characters inside `<a>`."""
    parts: list[tuple[str, bool]] = []
    _walk_text(element, parts, False)
    lines: list[tuple[str, float]] = []
    text: list[str] = []
    linked = 0
    for piece, in_link in parts + [("\n", False)]:
        for k, chunk in enumerate(piece.split("\n")):
            if k:  # a line ends
                line = _SPACES.sub(" ", "".join(text)).strip()
                if line:
                    visible = len(_key(line))
                    lines.append((line, min(1.0, linked / visible) if visible else 0.0))
                text, linked = [], 0
            text.append(chunk)
            if in_link:
                linked += len(_key(chunk))
    return lines


def _walk_text(element: Any, parts: list[tuple[str, bool]], in_link: bool) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else ""
    if tag in ("script", "style", "noscript", "template"):
        if element.tail:
            parts.append((element.tail.replace("\n", " "), in_link))
        return
    inner = in_link or tag == "a"
    block = tag in _BLOCK_TAGS
    if block:
        parts.append(("\n", in_link))
    elif tag in _CELL_TAGS:
        parts.append((" ", in_link))
    if element.text and tag:  # comments and processing instructions have text too: not visible
        parts.append((element.text.replace("\n", " "), inner))
    for child in element:
        _walk_text(child, parts, inner)
    if block:
        parts.append(("\n", in_link))
    if element.tail:
        parts.append((element.tail.replace("\n", " "), in_link))


def _trafilatura_lines(tree: Any, url: str | None) -> list[str]:
    import trafilatura

    # A copy: trafilatura prunes the tree it is given, and the metadata is read from the same parse.
    text = trafilatura.extract(lxml.html.fromstring(lxml.html.tostring(tree)), url=url, favor_recall=True,
                               include_tables=True, include_comments=False, deduplicate=False)
    return [line for line in (_table_cells(l) for l in (text or "").split("\n")) if line]


def _table_cells(line: str) -> str:
    """trafilatura writes table rows as `| a | b |`: keep the cells' text, one space apart."""
    line = line.strip()
    if line.startswith("|") and line.endswith("|"):
        cells = [c.strip().replace("\\|", "|") for c in line.strip("|").split(" | ")]
        line = " ".join(c for c in cells if c)
    return _SPACES.sub(" ", line).strip()


def combine(readable: list[str], recalled: list[str], post: bool = False,
            set_apart: Callable[[str], bool] | None = None) -> list[str]:
    """readability's lines, with trafilatura's prose that readability missed put back in its place; trafilatura's
    lines alone when readability's block is (next to) empty. Into the post a title names (`post`), only what
    stands between its own lines comes back: the other posts around it are trafilatura's too. A line before or
    after the span both extractors keep does not come back when `set_apart(line)` says the page's markup sets
    it apart from an article (see `set_apart`); between the span's lines it is the article's own."""
    if not holds_article(readable, recalled, post):
        return [unmarked(line) for line in recalled]
    ends = list(accumulate(len(_key(line)) for line in readable))
    joined = "".join(_key(line) for line in readable)
    # Where each trafilatura line ends in readability's lines (None: not there). The extractors cut lines
    # differently (trafilatura joins a paragraph's <br> lines), so this compares characters, not lines.
    found = [_found_at(_key(unmarked(line)), joined, ends) for line in recalled]
    shared = [i for i, at in enumerate(found) if at is not None]
    if not shared:
        return readable
    first, last = shared[0], shared[-1]
    margin = 0 if post else WINDOW_MARGIN
    inserted: dict[int, list[str]] = {}
    anchor = -1  # the readability line after which a missing line goes (-1: before the first)
    for i, line in enumerate(recalled):
        if found[i] is not None:
            anchor = found[i]
        elif first - margin <= i <= last + margin and is_prose(line) and not (
                set_apart is not None and not first <= i <= last and set_apart(line)):
            inserted.setdefault(anchor, []).append(line)
    result = list(inserted.get(-1, []))
    for k, line in enumerate(readable):
        result.append(line)
        result.extend(inserted.get(k, []))
    return result


# readability-lxml's own class/id pattern for what is no article (comment, footer, related, promo, sidebar...):
# its scorer weighs elements down by it. A line under such an element outside readability's block was left
# out by readability for that reason, and the page's markup is the stronger witness than the line's wording.
@cache
def _negative_names() -> Any:
    from readability.readability import REGEXES

    return REGEXES["negativeRe"]


# The first this many characters of a line (without spaces) find its text node in the page.
_LOCATE_CHARS = 12


def set_apart(tree: Any, line: str, article: frozenset[str] = frozenset()) -> bool:
    """The page's markup sets a trafilatura line apart from an article: the element that holds it sits in an
    element whose class or id readability reads as no article (a comment thread's `post_comment`, a
    `footer`, a `related` box), or shares its box with a linked headline (a related story's blurb under its
    link), its own or a box of a few lines around it (`is_item_box`: a reader's comment under the headline of
    the story it was left on) that holds none of the `article`'s lines (readability's, without spaces: the box
    of a short article is no item's box). A line the page does not hold verbatim (trafilatura joined or
    respaced it) is not set apart."""
    element = _holder(tree, line)
    if element is None:
        return False
    negative = _negative_names()
    for holder in (element, *element.iterancestors()):
        names = " ".join(filter(None, (holder.get("class"), holder.get("id"))))
        if names and negative.search(names):
            return True
    return any(is_link_headline(text, density) for text, density in linked_lines(element) if text != line) or any(
        is_item_box(box) for box in _small_boxes(element, article))


def _small_boxes(element: Any, article: frozenset[str]) -> Iterator[Any]:
    """The ancestors of an element that hold a few lines (ITEM_BOX_LINES) at most and none of the `article`'s
    lines, from the nearest out."""
    for box in element.iterancestors():
        if not _small(box):
            return
        lines = linked_lines(box)
        if len(lines) > ITEM_BOX_LINES or any(_key(text) in article for text, _ in lines):
            return
        yield box


def _holder(tree: Any, line: str) -> Any:
    """The block (p, div, td...) whose text holds the start of `line` (the first of several), or None."""
    start = line.split()[0][:_LOCATE_CHARS] if line.split() else ""
    if not start:
        return None
    for node in tree.xpath("//body//text()[contains(., $start)]", start=start):
        element = node.getparent()
        if element is not None and node.is_tail:  # text after a child (`<br>`) is its parent's
            element = element.getparent()
        for block in (element, *element.iterancestors()) if element is not None else ():
            if isinstance(block.tag, str) and block.tag.lower() in _BLOCK_TAGS | _CELL_TAGS:
                return block
    return None


def readability_missed(readable: list[str], recalled: list[str]) -> bool:
    """readability's block holds too little of trafilatura's prose to be the article (it took a sidebar)."""
    return prose_chars(readable) < MIN_READABILITY_SHARE * prose_chars(recalled)


def holds_article(readable: list[str], recalled: list[str], post: bool) -> bool:
    """readability's block is the article: the post a page's title names (however little of trafilatura's
    prose, which takes in all the posts, it holds), or a block that readability did not miss it with."""
    return post or not readability_missed(readable, recalled)


def unmarked(line: str) -> str:
    """A trafilatura line without the `- ` it writes before a list item (not the page's text)."""
    return line[len(LIST_ITEM):] if line.startswith(LIST_ITEM) else line


def _key(line: str) -> str:
    return "".join(line.split())


def _found_at(key: str, joined: str, ends: list[int]) -> int | None:
    """The index of the readability line where `key` ends in their joined text, or None when it is not there
    (verbatim, or at edit similarity >= 90 for lines the extractors spaced or cut differently)."""
    if not key:
        return None
    at = joined.find(key)
    if at >= 0:
        end = at + len(key)
    else:
        if len(key) < 10:
            return None
        from rapidfuzz import fuzz

        match = fuzz.partial_ratio_alignment(key, joined, score_cutoff=90)
        if match is None:
            return None
        end = match.dest_end
    return min(bisect_left(ends, end), len(ends) - 1)


def prose_chars(lines: list[str]) -> int:
    """How much running text lines hold: headline lists and menus count for nothing, however long."""
    return sum(len(line) for line in lines if is_prose(line))


def is_prose(line: str) -> bool:
    """A line that reads as running text: long enough, with clause marks, not a list item (trafilatura's `- `)
    nor a row of short pieces."""
    if line.startswith(LIST_ITEM) or len(line) < PROSE_MIN_CHARS or not _RUNNING_TEXT.search(line):
        return False
    if "。" not in line and sum(1 for piece in line.split() if _HAN.search(piece)) >= LIST_PIECES:
        return False
    return True


# ----------------------------------------------------------------------------- metadata

_META_FIELDS = (("title", "title"), ("author", "author"), ("date", "published"), ("url", "url"),
                ("sitename", "site"))


# Only dates the page states as its own (meta tags, structured data, the URL): htmldate's extensive search
# would take the copyright year of a footer (`© 2024` -> 2024-01-01) for the publish date.
_DATE_CONFIG = {"extensive_search": False, "original_date": True}


def _metadata(tree: Any, url: str | None) -> dict[str, Any]:
    """Title, publish date, author, URL and site name as the page gives them (trafilatura's metadata)."""
    from trafilatura.metadata import extract_metadata

    try:
        found = extract_metadata(tree, default_url=url, date_config=_DATE_CONFIG)
    except Exception:  # noqa: BLE001 - metadata is a bonus: a page whose metadata breaks still gives its text
        return {"url": url} if url else {}
    out: dict[str, Any] = {}
    for source, name in _META_FIELDS:
        value = getattr(found, source, None)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    if "author" not in out:
        author = _meta_author(tree)
        if author:
            out["author"] = author
    return out


_AUTHOR_META = ("author", "article:author", "byl", "dc.creator", "sailthru.author")


def _meta_author(tree: Any) -> str | None:
    """The page's author meta tag: trafilatura's author check drops Chinese names (李明) as not a name."""
    for element in tree.iter("meta"):
        key = (element.get("name") or element.get("property") or "").strip().lower()
        value = (element.get("content") or "").strip()
        if key in _AUTHOR_META and value and len(value) <= 100 and not value.startswith("http"):
            return value
    return None
