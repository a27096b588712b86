"""What one line of a plan document is, read from the line alone.

`classify` is the per-line classifier: a pure function of a cleaned line's text that says
whether it is blank, page furniture, a table row, an attachment title, a heading (`一、`,
`(一)`), an item (`一是`, `1.`), a `责任单位:` line or plain text. Where the line sits (which
section, after which item) is for the body reader (`checklists.body`) to weigh.

The patterns here are shared with the header reader: dates, metadata keys and the test of
whether a short line could be a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

__all__ = [
    "ARTICLE",
    "ATTACHMENT",
    "FULL_DATE",
    "ISO_DATE",
    "METADATA_KEY",
    "PUBLICATION_NOTE",
    "SIGNATURE_DATE",
    "NUMBERED",
    "TITLE_MAX",
    "TOP_HEADING",
    "TRAILER",
    "Line",
    "LineKind",
    "LineShape",
    "classify",
    "article_number",
    "cn_number",
    "could_be_title",
]

CN_DIGITS = "一二三四五六七八九十"
TOP_HEADING = re.compile(rf"^([{CN_DIGITS}]{{1,3}})\s*、\s*(\S.*)$")
SUB_HEADING = re.compile(rf"^\(([{CN_DIGITS}]{{1,3}})\)\s*(\S.*)$")
ORDINAL_ITEM = re.compile(rf"^([{CN_DIGITS}]{{1,3}})是\s*(\S.*)$")
NUMBERED = re.compile(r"^(\d{1,3})\s*[.。、．]\s*(\D.*)$")
# `第十二条 …`: an article, read as a numbered item (its number in digits).
ARTICLE = re.compile(rf"^第([{CN_DIGITS}百零〇]{{1,6}})条[\s:、.]*(\S.*)$")
FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
# Furniture that ends the text of a web page; everything after it is not the plan.
TRAILER = re.compile(
    r"^(扫一扫|打印本页|【?打印】?$|关闭窗口|【关闭】|分享到|文章转载自|我要收藏|标签\s*:|"
    r"留言与评论|相关新闻|热点新闻|相关链接|相关文章|上一篇|下一篇|责任编辑|下载$|附件下载|"
    r"验证码|返回顶部|网站地图)"
)
# A line of its own naming who does a measure and by when: `责任单位:区市场监管局`.
RESPONSIBILITY_LINE = re.compile(
    r"^(责任单位|责任部门|负责单位|负责部门|牵头单位|牵头部门|配合单位|配合部门|完成时限|完成时间|时间节点)"
    r"\s*[::]"
)
# The signature that closes a document: `国务院办公厅` / `2018年12月30日` / `(此件公开发布)`, or
# on one line, `杭州市上城区人民政府办公室2026年3月17日发布。`.
SIGNATURE_DATE = re.compile(
    r"^(?P<issuer>[^。;,:!?()]{0,40}?)\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"\s*(?:发布|印发|起施行)?\s*[。.]?$"
)
PUBLICATION_NOTE = re.compile(r"^\((?:此件|本件)[^()]{0,12}\)$")
ATTACHMENT = re.compile(r"^附件\s*[0-9一二三四五六七八九十]*\s*[::]?")
METADATA_KEY = re.compile(
    r"(索\s*引\s*号|主题分类|信息分类|发文机关|发布机构|成文日期|发文日期|发布日期|发布时间|"
    r"名\s*称|发文字号|文\s*号|有\s*效\s*性|关\s*键\s*字|公开类型|公开属性|公开期限|来源|当前位置)\s*:"
)

TITLE_MAX = 40
# A line of digits and date words only, typos included (`2026月3月26日`).
_DATE_LIKE = re.compile(r"^[\d\s年月日号.\-/]+$")


@dataclass
class Line:
    no: int
    text: str  # cleaned: width folded, stripped


class LineKind(Enum):
    BLANK = "blank"
    BULLET = "bullet"  # a lone `-` or `•` the page left behind
    TABLE_ROW = "table_row"  # cells separated by `|`
    ATTACHMENT = "attachment"  # `附件2:`
    TOP_HEADING = "top_heading"  # `三、任务措施`
    SUB_HEADING = "sub_heading"  # `(二)加强执法` (a heading, or an item with a body)
    ORDINAL_ITEM = "ordinal_item"  # `一是加强组织领导。…`
    NUMBERED = "numbered"  # `12.加强…` / `12。加强…`
    RESPONSIBILITY = "responsibility"  # `责任单位:区市场监管局`
    TEXT = "text"  # anything else: a paragraph or the rest of a wrapped one


@dataclass(frozen=True)
class LineShape:
    """What a line is; `label` is its number as printed (`三`, `12`), `rest` the text after it."""

    kind: LineKind
    label: str = ""
    rest: str = ""


_LABELLED = (
    (LineKind.TOP_HEADING, TOP_HEADING),
    (LineKind.SUB_HEADING, SUB_HEADING),
    (LineKind.ORDINAL_ITEM, ORDINAL_ITEM),
    (LineKind.NUMBERED, NUMBERED),
)


def classify(text: str) -> LineShape:
    """The shape of one cleaned line, the first that fits in the order listed in `LineKind`."""
    if not text:
        return LineShape(LineKind.BLANK)
    if text in {"-", "•"}:
        return LineShape(LineKind.BULLET)
    if "|" in text:
        return LineShape(LineKind.TABLE_ROW)
    if ATTACHMENT.match(text):
        return LineShape(LineKind.ATTACHMENT)
    for kind, pattern in _LABELLED:
        if m := pattern.match(text):
            return LineShape(kind, m.group(1), m.group(2))
    if (m := ARTICLE.match(text)) and (number := article_number(m.group(1))) is not None:
        return LineShape(LineKind.NUMBERED, str(number), m.group(2))
    if RESPONSIBILITY_LINE.match(text):
        return LineShape(LineKind.RESPONSIBILITY)
    return LineShape(LineKind.TEXT)


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十一 → 21 (the numbers sections and items use).

    KeyError for a run of Chinese digits that is not such a number (`二一`).
    """
    values = {c: i + 1 for i, c in enumerate(CN_DIGITS)}
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)
    return values[text]


def article_number(text: str) -> int | None:
    """一百零五 → 105, 二十三 → 23 (the numbers of articles); None for a run that is no number."""
    hundreds = 0
    if "百" in text:
        head, _, text = text.partition("百")
        if len(head) > 1 or (head and head not in CN_DIGITS[:9]):
            return None
        hundreds = (CN_DIGITS.index(head) + 1 if head else 1) * 100
        text = text.lstrip("零〇")
        if not text:
            return hundreds
    try:
        return hundreds + cn_number(text)
    except KeyError:
        return None


def could_be_title(text: str) -> bool:
    """A short line that reads as a title: no closing stop, date, table cell or metadata."""
    return (
        0 < len(text) <= TITLE_MAX
        and not text.endswith(("。", ":", ",", ";"))
        and not FULL_DATE.search(text)
        and not ISO_DATE.search(text)
        and "|" not in text
        and not METADATA_KEY.search(text)
        and text not in {"-", "附件"}
        and not ATTACHMENT.match(text)
        and not PUBLICATION_NOTE.match(text)
        and not _DATE_LIKE.match(text)
    )
