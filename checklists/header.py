"""The lines above a plan's first section: page chrome, the notice that issues the plan, the
plan's title and its preamble.

Read from them: the title (the short lines right above the preamble), the issuing body and
date (the notice's signature, else the page's metadata), the document number (a metadata
field or a line of its own, never a document the notice cites) and the preamble.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from checklists.catalog import Skipped
from checklists.draft import Draft
from checklists.lines import (
    ATTACHMENT,
    FULL_DATE,
    ISO_DATE,
    METADATA_KEY,
    PUBLICATION_NOTE,
    SIGNATURE_DATE,
    TITLE_MAX,
    Line,
    LineKind,
    classify,
    could_be_title,
)
from checklists.text import depth_map

__all__ = ["Header", "read_header"]

DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,4})\s*号"
)
NOTICE_TITLE = re.compile(r"^(?P<issuer>.*?)关于印发\s*[《<](?P<title>.+)[》>]\s*的?通知$")
# The end NOTICE_TITLE needs; tested first, so a long line without it costs one scan, not
# one scan per `关于印发《` in it.
_NOTICE_END = re.compile(r"[》>]\s*的?通知$")
_SPACES = re.compile(r"\s+")
_SIGNATURE_CUT = re.compile(r"[。:;]")


@dataclass
class Header:
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    issued_on: dt.date | None = None
    preamble: str = ""


def read_header(
    lines: list[Line], draft: Draft, closing: tuple[dt.date | None, str] = (None, "")
) -> Header:
    """Title, issuer, date and document number from the notice and page chrome above the body.

    `closing` is the date and issuer of a signature after the body (a plan published without
    a notice signs at its end); the header's own signature and metadata come first.
    """
    header = Header()
    nonblank = [ln for ln in lines if ln.text]
    fields = _metadata_fields(nonblank)

    # Title: the short lines right above the preamble (or the first heading), joined; a
    # signature block closing the notice, the addressees and a document number line between
    # them are stepped over.
    idx = _above_signature(nonblank, len(nonblank) - 1)
    preamble_end = idx
    while idx >= 0 and nonblank[idx].text.endswith(("。", ":")) and len(nonblank[idx].text) > TITLE_MAX:
        idx -= 1
    preamble = nonblank[idx + 1 : preamble_end + 1]
    while idx >= 0 and (ADDRESSEES.match(nonblank[idx].text) or DOC_NUMBER.fullmatch(nonblank[idx].text)):
        idx -= 1
    title_end = idx
    while idx >= 0 and could_be_title(nonblank[idx].text):
        idx -= 1
    title_lines = nonblank[idx + 1 : title_end + 1]
    header.title = "".join(ln.text for ln in title_lines)
    above = nonblank[: idx + 1]

    notice = next((m for ln in nonblank if (m := _notice_title(ln.text))), None)
    if not header.title and notice:
        header.title = notice["title"]
    if not header.title:
        # A plan without a notice head: its title opens the page (`X关于…的若干意见`).
        first = next((ln for ln in nonblank if could_be_title(ln.text) and PLAN_TITLE.search(ln.text)), None)
        if first is not None:
            title_lines = [first]
            header.title = first.text

    header.issued_on, header.issuer = _signature(above)
    if header.issued_on is None:
        # The notice signed below its own preamble, right above the body.
        header.issued_on, header.issuer = _signature(nonblank[preamble_end + 1 :])
    if header.issued_on is None:
        header.issued_on = _date_field(fields, "成文日期", "发文日期", "发布日期")
    if header.issued_on is None:
        header.issued_on = closing[0] or _page_date(nonblank)
    if not header.issuer:
        header.issuer = fields.get("发文机关") or closing[1] or (notice["issuer"].strip() if notice else "")
    header.doc_number = _doc_number(nonblank, fields)

    if preamble:
        header.preamble = "\n".join(ln.text for ln in preamble)
    _skip_spans(nonblank, title_lines, preamble, draft)
    return header


# `各省、自治区、直辖市人民政府,国务院各部委、各直属机构:`: whom a notice is sent to.
ADDRESSEES = re.compile(r"^[^。;]{2,200}[,、][^。;]*[::]$")
# How plan titles end: `…的若干意见`, `…行动方案(2026—2028年)`.
PLAN_TITLE = re.compile(r"(意见|方案|计划|措施|举措|办法|规划|纲要|细则|决定|要点|清单)(\([^()]*\))?$")


def _above_signature(lines: list[Line], idx: int) -> int:
    """The last line above a signature block closing the header (`宁波市人民政府办公厅` /
    `2026年4月20日` / `(此件公开发布)`); `idx` itself when the header ends otherwise."""
    end = idx
    while end >= 0 and PUBLICATION_NOTE.match(lines[end].text):
        end -= 1
    if end < 0 or not SIGNATURE_DATE.match(lines[end].text):
        return idx
    end -= 1
    while end >= 0 and _could_be_signature(lines[end].text) and not PLAN_TITLE.search(lines[end].text):
        end -= 1
    return end


def find_signature(
    lines: list[Line], start: int, end: int
) -> tuple[int, tuple[dt.date | None, str]]:
    """Where the signature closing a body begins (`end` when there is none), with its date
    and issuer: `国务院办公厅` / `2018年12月30日` / `(此件公开发布)`.

    The first line after `start` that is a date alone (or an issuer and a date, `…办公室
    2026年3月17日发布。`) or a publication note, and the short issuer lines right above it.
    """
    for i in range(start + 1, end):
        text = lines[i].text
        m = SIGNATURE_DATE.match(text)
        issuer = m["issuer"].strip() if m else ""
        if not (m or PUBLICATION_NOTE.match(text)) or (issuer and not _ISSUER_END.search(issuer)):
            continue
        first = i
        while not issuer and first - 1 > start and _could_sign_body(lines[first - 1].text):
            first -= 1
            issuer = lines[first].text
        dated = FULL_DATE.search(text) if m else None
        return first, (_date(dated) if dated else None, issuer)
    return end, (None, "")


def _could_sign_body(text: str) -> bool:
    """A blank line, or a short one that could name the issuer under a body: never a
    heading, a numbered measure or a measure closed by its unit tag."""
    return not text or (
        _could_be_signature(text) and not text.endswith(")") and classify(text).kind is LineKind.TEXT
    )


# How the name of an issuing body ends, when it shares the line with the date.
_ISSUER_END = re.compile(r"(政府|办公厅|办公室|厅|局|委员会|委|院|部|会|办|中心|小组)$")


def _page_date(lines: list[Line]) -> dt.date | None:
    """The date a web page shows on a line of its own (`2026-03-26`), the last resort."""
    for line in lines:
        if m := ISO_DATE.fullmatch(line.text):
            return _date(m)
    return None


def _skip_spans(nonblank: list[Line], title: list[Line], preamble: list[Line], draft: Draft) -> None:
    """Everything above the body is skipped with a reason: title, preamble, and the rest as the
    page header and notice (in as many spans as the title and preamble leave)."""
    if not nonblank:
        return
    named = {ln.no: "方案标题" for ln in title} | {ln.no: "方案引言" for ln in preamble}
    start = 0
    for i in range(1, len(nonblank) + 1):
        if i < len(nonblank) and named.get(nonblank[i].no) == named.get(nonblank[start].no):
            continue
        reason = named.get(nonblank[start].no, "网页页眉与印发通知")
        end = nonblank[i].no - 1 if i < len(nonblank) and reason == "网页页眉与印发通知" else nonblank[i - 1].no
        draft.skipped.append(Skipped(start=nonblank[start].no, end=end, reason=reason))
        start = i


def _notice_title(text: str) -> re.Match[str] | None:
    return NOTICE_TITLE.match(text) if _NOTICE_END.search(text) else None


def _metadata_fields(lines: list[Line]) -> dict[str, str]:
    """`key: value` pairs of the page's metadata block, inline, in `|` tables or on the next line."""
    fields: dict[str, str] = {}
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.text.split("|")] if "|" in line.text else [line.text]
        for j, cell in enumerate(cells):
            m = METADATA_KEY.search(cell)
            if not m:
                continue
            name = _SPACES.sub("", m.group(1))
            value = cell[m.end() :].strip()
            if not value and "|" in line.text and j + 1 < len(cells):
                value = cells[j + 1]
            if not value and "|" not in line.text and i + 1 < len(lines):
                following = lines[i + 1].text
                if not METADATA_KEY.search(following):
                    value = following
            fields.setdefault(name, value)
    return fields


def _date_field(fields: dict[str, str], *names: str) -> dt.date | None:
    for name in names:
        value = fields.get(name, "")
        m = FULL_DATE.search(value) or ISO_DATE.search(value)
        if m:
            return _date(m)
    return None


def _date(m: re.Match[str]) -> dt.date | None:
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _signature(lines: list[Line]) -> tuple[dt.date | None, str]:
    """The issuing body and date that close the notice: the last full date outside brackets."""
    for i in range(len(lines) - 1, -1, -1):
        text = lines[i].text
        dates = list(FULL_DATE.finditer(text))
        if not dates:
            continue
        depths = depth_map(text)
        matches = [m for m in dates if depths[m.start()] == 0]
        if not matches or METADATA_KEY.search(text):
            continue
        m = matches[-1]
        issued = _date(m)
        before = text[: m.start()].strip()
        if before:
            # "...组织实施。 济南市人民政府 2024年8月3日": the signature shares the line.
            issuer = _SIGNATURE_CUT.split(before)[-1].strip()
            return issued, issuer
        signature: list[str] = []
        j = i - 1
        while j >= 0 and len(signature) < 3 and _could_be_signature(lines[j].text):
            signature.insert(0, lines[j].text)
            j -= 1
        return issued, "".join(signature)
    return None, ""


def _could_be_signature(text: str) -> bool:
    return (
        0 < len(text) <= 40
        and not text.endswith(("。", ":", ","))
        and not METADATA_KEY.search(text)
        and "|" not in text
        and not ATTACHMENT.match(text)
        and not FULL_DATE.search(text)
    )


def _doc_number(lines: list[Line], fields: dict[str, str]) -> str:
    """The plan's own document number: a metadata field or a line standing alone, never a citation."""
    candidates = [fields.get("发文字号", ""), fields.get("文号", "")]
    candidates += [ln.text for ln in lines if DOC_NUMBER.fullmatch(ln.text)]
    for text in candidates:
        m = DOC_NUMBER.search(text)
        if m:
            return f"{m.group(1)}〔{m.group(2)}〕{m.group(3)}号"
    return ""
