"""A web page as saved from a government site → the plan's text.

Rules over lxml's tree rather than a general article extractor: a plan page's chrome is
regular (navigation, breadcrumbs, related links, share bars, footers), and its content is
what the parser needs line by line, the metadata table (索引号, 文号) and every paragraph
included, which general extractors drop or re-flow. The steps:

1. drop what is never content: scripts, styles, forms, navigation and footers, and any
   element whose class or id names site chrome;
2. find the article: the element whose paragraphs hold the most text (each paragraph's
   length counts for its parent, half for its grandparent), widened to an ancestor that adds
   only a little text (the title and metadata above the body);
3. write it out as lines: a line per block element and `<br>`, a table row as
   `cell | cell |`, with a recognised task table written the way the parser reads one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree
from lxml import html as lxml_html

from checklists.sources.errors import UnreadableFile
from checklists.sources.limits import (
    MAX_HTML_BYTES,
    MAX_HTML_DEPTH,
    MAX_HTML_ELEMENTS,
    MAX_ROWS,
    megabytes,
)
from checklists.sources.tables import Grid, table_lines
from checklists.sources.text import declared_charset, decode

__all__ = ["html_to_text"]

_NEVER_CONTENT = (
    "script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
    "form", "button", "select", "textarea", "input", "nav", "aside", "footer", "map", "audio",
    "video",
)  # fmt: skip
# Class or id words of site chrome, matched as whole words of the attribute.
_CHROME = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|copyright|share|"
    r"related|relate|sidebar|side|friend|links|pagination|pager|toolbar|search|login|"
    r"back-to-list|article-nav|topbar|top-bar|bottom|gotop|qrcode|ewm|qr|print|close|tags?|position|location|dqwz|logo|banner)(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCK = frozenset(
    ["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "section", "article", "header", "main", "pre", "address", "center", "figure", "figcaption", "caption", "table", "tr", "body"]
)
# Blocks of links (related articles, print and close buttons) among the article's lines.
_LINK_BLOCKS = frozenset(["div", "p", "span", "ul", "ol", "li", "dl", "table", "tr", "td"])
_MAX_LINK_BLOCK = 300
_LINK_SHARE = 0.6
_PARAGRAPHS = ("p", "td", "li", "pre", "div", "h1", "h2", "h3", "h4", "h5", "h6")
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0\u3000]+")
# Widening the article to an ancestor that adds at most this share of text keeps the title
# and metadata box standing above the body, and stops short of a column of other links.
_WIDEN_SHARE = 0.25


def html_to_text(data: bytes, name: str) -> str:
    """The article's text, one paragraph or table row a line."""
    if len(data) > MAX_HTML_BYTES:
        raise UnreadableFile(
            f"{name}:网页过大({megabytes(len(data))}),超过 {megabytes(MAX_HTML_BYTES)} 的上限;"
            "请只保存方案正文所在的网页"
        )
    text, _note = decode(data, name, declared=declared_charset(data), guess=True)
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses a str that declares bytes
    if not text.strip():
        raise UnreadableFile(f"{name}:网页没有内容")
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise UnreadableFile(f"{name}:无法解析网页({exc})") from None
    _check_shape(root, name)
    _drop_chrome(root)
    article = _find_article(root)
    lines = [line for line in _lines(article) if line]
    if not lines:
        raise UnreadableFile(f"{name}:网页中没有找到正文文字")
    return "\n".join(lines) + "\n"


def _check_shape(root: lxml_html.HtmlElement, name: str) -> None:
    count = 0
    # Depth by walking up from each leaf would be quadratic; a stack of (element, depth) is not.
    stack: list[tuple[lxml_html.HtmlElement, int]] = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        count += 1
        if count > MAX_HTML_ELEMENTS:
            raise UnreadableFile(f"{name}:网页元素超过 {MAX_HTML_ELEMENTS} 个,不像是一篇方案")
        if depth > MAX_HTML_DEPTH:
            raise UnreadableFile(f"{name}:网页嵌套超过 {MAX_HTML_DEPTH} 层,不像是一篇方案")
        stack.extend((child, depth + 1) for child in element)


def _is_chrome(element: lxml_html.HtmlElement) -> bool:
    if not isinstance(element.tag, str):
        return True  # comments and processing instructions
    if element.tag in _NEVER_CONTENT:
        return True
    if "display:none" in (element.get("style") or "").replace(" ", "").lower():
        return True
    marks = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    return bool(marks and _CHROME.search(marks))


def _mostly_links(element: lxml_html.HtmlElement) -> bool:
    """A short block whose text is nearly all links: a related-links line, 打印本页 关闭窗口."""
    if element.tag not in _LINK_BLOCKS:
        return False
    total = _length(element)
    if total == 0 or total > _MAX_LINK_BLOCK:
        return False
    linked = sum(_length(a) for a in element.iter("a"))
    return linked >= _LINK_SHARE * total


def _drop_chrome(root: lxml_html.HtmlElement) -> None:
    doomed = [el for el in root.iter() if el is not root and (_is_chrome(el) or _mostly_links(el))]
    for element in doomed:
        parent = element.getparent()
        if parent is None:
            continue
        # Keep the text that follows the element (its tail), which belongs to the parent.
        tail = element.tail
        previous = element.getprevious()
        parent.remove(element)
        if tail and tail.strip():
            if previous is not None:
                previous.tail = (previous.tail or "") + tail
            else:
                parent.text = (parent.text or "") + tail
    # A page-level <header> is the site's banner; one inside the article is the plan's title.
    body = root.find("body")
    for header in body.findall("header") if body is not None else []:
        body.remove(header)


def _length(element: lxml_html.HtmlElement) -> int:
    return len(_SPACE.sub("", element.text_content()))


def _find_article(root: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    body = root.find("body")
    if body is None:
        return root
    scores: dict[lxml_html.HtmlElement, float] = {}
    for element in body.iter(*_PARAGRAPHS):
        own = len(_SPACE.sub("", "".join(element.xpath("text()"))))
        if own < 20:
            continue
        parent = element.getparent()
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + own
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + own / 2
    if not scores:
        return body
    best = max(scores, key=lambda el: scores[el])
    size = _length(best)
    while best is not body and best.tag not in ("article", "main"):
        parent = best.getparent()
        if parent is None:
            break
        wider = _length(parent)
        if wider - size > _WIDEN_SHARE * size:
            break
        best, size = parent, wider
    return best


def _lines(element: lxml_html.HtmlElement) -> Iterator[str]:
    """The element's text, a line per block and <br>, tables as rows."""
    current: list[str] = []

    def flush() -> Iterator[str]:
        line = _SPACE.sub(" ", "".join(current)).strip()
        current.clear()
        if line:
            yield line

    def walk(el: lxml_html.HtmlElement) -> Iterator[str]:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "table":
            yield from flush()
            yield from table_lines(_grid(el))
        elif tag == "br":
            yield from flush()
        else:
            block = tag in _BLOCK
            if block:
                yield from flush()
            if el.text:
                current.append(el.text)
            for child in el:
                yield from walk(child)
            if block:
                yield from flush()
        if el.tail:
            current.append(el.tail)

    yield from walk(element)
    yield from flush()


def _grid(table: lxml_html.HtmlElement) -> Grid:
    """The table's rows with row and column spans filled in, so a merged category or unit
    cell stands in every row it covers. Nested tables are read as their own text."""
    rows = [tr for tr in table.iter("tr") if _owner(tr) is table][:MAX_ROWS]
    grid: Grid = []
    pending: dict[int, tuple[str, int]] = {}  # column → (text, rows still covered)
    for tr in rows:
        row: list[str] = []
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        column = 0
        for cell in cells:
            while column in pending:
                column = _take_pending(pending, column, row)
            text = " ".join(" ".join(_lines(cell)).split())
            span = _span(cell.get("colspan"))
            down = _span(cell.get("rowspan"))
            for _ in range(span):
                row.append(text)
                if down > 1:
                    pending[column] = (text, down - 1)
                column += 1
        while column in pending:
            column = _take_pending(pending, column, row)
        grid.append(row)
    return grid


def _take_pending(pending: dict[int, tuple[str, int]], column: int, row: list[str]) -> int:
    text, left = pending[column]
    row.append(text)
    if left > 1:
        pending[column] = (text, left - 1)
    else:
        del pending[column]
    return column + 1


def _owner(tr: lxml_html.HtmlElement) -> lxml_html.HtmlElement | None:
    parent = tr.getparent()
    while parent is not None and parent.tag != "table":
        parent = parent.getparent()
    return parent


def _span(value: str | None) -> int:
    try:
        return min(max(int(value or 1), 1), 100)
    except ValueError:
        return 1
