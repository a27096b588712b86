"""Plan document → catalog.

Rules go by the structure Chinese government plans share, never by document:
a notice and page chrome first, the plan's title, a preamble, then sections `一、`,
subsections `(一)`, and measures numbered `1.` / `1。` or written as unnumbered paragraphs;
a trailing `(units;deadline)` clause; an optional task table `category | N.task | units |`;
page furniture after the text. Every non-blank line ends up placed, skipped as furniture
(with a reason), or reported as a warning with its line number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import PurePath

from checklists.catalog import (
    Catalog,
    ChecklistItem,
    Deadline,
    Indicator,
    Measure,
    MeasureKind,
    Phase,
    PlanInfo,
    Section,
    Skipped,
    UnitRef,
    Warning_,
)
from checklists.deadlines import find_date_span
from checklists.indicators import extract_indicators
from checklists.text import clean_line, depth_map, split_sentences, split_top_level, trailing_group
from checklists.units import looks_like_units, parse_responsibility

CN_DIGITS = "一二三四五六七八九十"
TOP_HEADING = re.compile(rf"^([{CN_DIGITS}]{{1,3}})\s*、\s*(\S.*)$")
SUB_HEADING = re.compile(rf"^\(([{CN_DIGITS}]{{1,3}})\)\s*(\S.*)$")
ORDINAL_ITEM = re.compile(rf"^([{CN_DIGITS}]{{1,3}})是\s*(\S.*)$")
NUMBERED = re.compile(r"^(\d{1,3})\s*[.。、．]\s*(\D.*)$")
FULL_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
DOC_NUMBER = re.compile(
    r"([\u4e00-\u9fff]{1,12})\s*[〔\[(【]\s*(\d{4})\s*[〕\])】]\s*(\d{1,4})\s*号"
)
NOTICE_TITLE = re.compile(r"^(?P<issuer>.*?)关于印发\s*[《<](?P<title>.+)[》>]\s*的?通知$")
# Furniture that ends the text of a web page; everything after it is not the plan.
TRAILER = re.compile(
    r"^(扫一扫|打印本页|【?打印】?$|关闭窗口|【关闭】|分享到|文章转载自|我要收藏|标签\s*:|"
    r"留言与评论|相关新闻|热点新闻|相关链接|相关文章|上一篇|下一篇|责任编辑|下载$|附件下载|"
    r"验证码|返回顶部|网站地图)"
)
# A line of its own naming who does a measure and by when: `责任单位:区市场监管局`.
RESPONSIBILITY_LINE = re.compile(
    r"^(责任单位|责任部门|牵头单位|牵头部门|配合单位|配合部门|完成时限|完成时间|时间节点)\s*[::]"
)
ATTACHMENT = re.compile(r"^附件\s*[0-9一二三四五六七八九十]*\s*[::]?")
# Text that a hijacked site injects into the page: a name followed by "(中国)官方网站" etc.
JUNK = re.compile(
    r"([\u4e00-\u9fff]{2,8})\s*(?:\((?:中国|China)\))?\s*(?:官方网站|官网|娱乐城|娱乐平台|app下载)",
    re.IGNORECASE,
)
METADATA_KEY = re.compile(
    r"(索\s*引\s*号|主题分类|信息分类|发文机关|发布机构|成文日期|发文日期|发布日期|发布时间|"
    r"名\s*称|发文字号|文\s*号|有\s*效\s*性|关\s*键\s*字|公开类型|公开属性|公开期限|来源|当前位置)\s*:"
)

SCHEDULE_TITLES = re.compile(r"进度安排|实施步骤|时间安排|工作步骤|推进步骤|实施进度|步骤安排|时间节点")
SAFEGUARD_TITLES = re.compile(r"^(保障措施|组织保障|保障机制|实施保障|工作保障|组织实施|工作要求)$")
OUTCOME_TITLES = re.compile(r"标志性成果|预期成果|主要成果|建设成果")
CONTEXT_TITLES = re.compile(
    r"^(指导思想|基本原则|总体要求|总体思路|工作目标|建设目标|实施目标|主要目标|发展目标|目标任务|"
    r"适用范围|编制依据)$"
)
ACCEPTANCE_WORDS = re.compile(r"验收|评审|自查|评估")

TITLE_MAX = 40


class SectionKind(Enum):
    TASKS = "tasks"
    CONTEXT = "context"
    SCHEDULE = "schedule"
    SAFEGUARD = "safeguard"
    OUTCOME = "outcome"


def section_kind(title: str) -> SectionKind:
    """What a top-level section holds, read from its title."""
    bare = title.rstrip("。 ")
    if SCHEDULE_TITLES.search(bare):
        return SectionKind.SCHEDULE
    if OUTCOME_TITLES.search(bare):
        return SectionKind.OUTCOME
    if SAFEGUARD_TITLES.match(bare):
        return SectionKind.SAFEGUARD
    if CONTEXT_TITLES.match(bare):
        return SectionKind.CONTEXT
    return SectionKind.TASKS


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十一 → 21 (the numbers sections and items use)."""
    values = {c: i + 1 for i, c in enumerate(CN_DIGITS)}
    if text == "十":
        return 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (values[tens] if tens else 1) * 10 + (values[ones] if ones else 0)
    return values[text]


class NotAPlanError(ValueError):
    """The text has none of the structure of a plan."""


@dataclass
class Line:
    no: int
    text: str  # cleaned: width folded, stripped


@dataclass
class RawItem:
    """An item being collected from the body: a measure, safeguard, outcome or phase."""

    kind: MeasureKind | None  # None: a schedule phase
    number: str | None  # the document's own number; None for unnumbered paragraphs
    section: str | None
    lines: list[int] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)
    responsibility: list[str] = field(default_factory=list)  # `责任单位:…` lines under it

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def is_closed(self) -> bool:
        return self.text.endswith(("。", ")", ";", "!", "?", "”"))


@dataclass
class TableTask:
    number: str
    text: str
    units: str
    category: str
    line: int


@dataclass
class Header:
    title: str = ""
    issuer: str = ""
    doc_number: str = ""
    issued_on: dt.date | None = None
    preamble: str = ""


@dataclass
class _State:
    sections: list[Section] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)
    # Paragraphs of context sections (指导思想, 目标…): (line, section ref, text).
    context: list[tuple[int, str | None, str]] = field(default_factory=list)
    section: str | None = None  # ref of the (sub)section being read
    table: list[TableTask] = field(default_factory=list)
    warnings: list[Warning_] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def parse_document(text: str, *, source_name: str, key: str | None = None) -> Catalog:
    """Read a plan document (UTF-8 text as published) into a catalog."""
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    lines = [Line(i + 1, clean_line(raw)) for i, raw in enumerate(text.splitlines())]
    body_start = _find_body_start(lines)
    if body_start is None:
        raise NotAPlanError("未识别到方案结构:没有“一、”式章节标题,也没有“1.”式编号措施")
    body_end = _find_body_end(lines, body_start)

    state = _State()
    header = _read_header(lines[:body_start], state)
    _walk_body(lines[body_start:body_end], state)
    if body_end < len(lines):
        last = lines[-1].no
        state.skipped.append(Skipped(start=lines[body_end].no, end=last, reason="正文后的网页内容"))

    measures, indicators = _build_measures(state)
    phases = _build_phases(state)
    for line_no, _, paragraph in state.context:
        indicators.extend(extract_indicators(paragraph, line=line_no))
    for section in state.sections:
        section.text = "\n".join(t for _, ref, t in state.context if ref == section.ref)
    indicators.sort(key=lambda i: i.line or 0)  # document order
    _flag_junk(lines, state)

    if not header.title:
        header.title = PurePath(source_name).stem
        state.warnings.append(Warning_(line=1, message="未找到方案标题,暂以文件名代替"))
    plan = PlanInfo(
        key=key or plan_key(source_name, sha),
        title=header.title,
        issuer=header.issuer,
        doc_number=header.doc_number,
        issued_on=header.issued_on,
        preamble=header.preamble,
        source_file=PurePath(source_name).name,
        source_sha256=sha,
    )
    state.warnings.sort(key=lambda w: w.line)
    return Catalog(
        plan=plan,
        sections=state.sections,
        measures=measures,
        phases=phases,
        indicators=indicators,
        warnings=state.warnings,
        skipped=sorted(state.skipped, key=lambda s: s.start),
    )


def plan_key(source_name: str, sha: str) -> str:
    """A short, typeable key for the plan: the file's stem made ASCII-safe."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", PurePath(source_name).stem).strip("-.")
    return stem or f"plan-{sha[:8]}"


# --- regions -------------------------------------------------------------------------------


def _find_body_start(lines: list[Line]) -> int | None:
    for i, line in enumerate(lines):
        if TOP_HEADING.match(line.text):
            return i
    for i, line in enumerate(lines):
        if NUMBERED.match(line.text):
            return i
    return None


def _find_body_end(lines: list[Line], start: int) -> int:
    for i in range(start, len(lines)):
        if TRAILER.match(lines[i].text):
            return i
    return len(lines)


# --- header --------------------------------------------------------------------------------


def _read_header(lines: list[Line], state: _State) -> Header:
    """Title, issuer, date and document number from the notice and page chrome above the body."""
    header = Header()
    nonblank = [ln for ln in lines if ln.text]
    fields = _metadata_fields(nonblank)

    # Title: the short lines right above the preamble (or the first heading), joined.
    idx = len(nonblank) - 1
    while idx >= 0 and nonblank[idx].text.endswith("。") and len(nonblank[idx].text) > TITLE_MAX:
        idx -= 1
    title_lines: list[Line] = []
    while idx >= 0 and _could_be_title(nonblank[idx].text):
        title_lines.insert(0, nonblank[idx])
        idx -= 1
    header.title = "".join(ln.text for ln in title_lines)
    above = nonblank[: idx + 1]

    notice = next((m for ln in nonblank if (m := NOTICE_TITLE.match(ln.text))), None)
    if not header.title and notice:
        header.title = notice["title"]

    header.issued_on, header.issuer = _signature(above)
    if header.issued_on is None:
        header.issued_on = _date_field(fields, "成文日期", "发文日期", "发布日期")
    if not header.issuer:
        header.issuer = fields.get("发文机关") or (notice["issuer"].strip() if notice else "")
    header.doc_number = _doc_number(nonblank, fields)

    if nonblank:
        end = title_lines[0].no - 1 if title_lines else nonblank[-1].no
        if end >= nonblank[0].no:
            state.skipped.append(Skipped(start=nonblank[0].no, end=end, reason="网页页眉与印发通知"))
        if title_lines:
            state.skipped.append(
                Skipped(start=title_lines[0].no, end=title_lines[-1].no, reason="方案标题")
            )
            preamble = [ln for ln in nonblank if ln.no > title_lines[-1].no]
            if preamble:
                header.preamble = "\n".join(ln.text for ln in preamble)
                state.skipped.append(
                    Skipped(start=preamble[0].no, end=preamble[-1].no, reason="方案引言")
                )
    return header


def _could_be_title(text: str) -> bool:
    return (
        0 < len(text) <= TITLE_MAX
        and not text.endswith(("。", ":", ",", ";"))
        and not FULL_DATE.search(text)
        and not ISO_DATE.search(text)
        and "|" not in text
        and not METADATA_KEY.search(text)
        and text not in {"附件", "-"}
        and not ATTACHMENT.match(text)
    )


def _metadata_fields(lines: list[Line]) -> dict[str, str]:
    """`key: value` pairs of the page's metadata block, inline, in `|` tables or on the next line."""
    fields: dict[str, str] = {}
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.text.split("|")] if "|" in line.text else [line.text]
        for j, cell in enumerate(cells):
            m = METADATA_KEY.search(cell)
            if not m:
                continue
            name = re.sub(r"\s+", "", m.group(1))
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
        depths = depth_map(text)
        matches = [m for m in FULL_DATE.finditer(text) if depths[m.start()] == 0]
        if not matches or METADATA_KEY.search(text):
            continue
        m = matches[-1]
        issued = _date(m)
        before = text[: m.start()].strip()
        if before:
            # "...组织实施。 济南市人民政府 2024年8月3日": the signature shares the line.
            issuer = re.split(r"[。:;]", before)[-1].strip()
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


# --- body ----------------------------------------------------------------------------------


def _walk_body(lines: list[Line], state: _State) -> None:
    top: Section | None = None
    sub: Section | None = None
    kind = SectionKind.TASKS
    current: RawItem | None = None
    in_attachment = False

    def open_item(item_kind: MeasureKind | None, number: str | None, line: Line, text: str) -> RawItem:
        section = sub.ref if sub else (top.ref if top else None)
        item = RawItem(kind=item_kind, number=number, section=section)
        item.lines.append(line.no)
        item.parts.append(text)
        state.items.append(item)
        return item

    for line in lines:
        text = line.text
        if not text:
            continue
        if text in {"-", "•"}:
            state.skipped.append(Skipped(start=line.no, end=line.no, reason="网页排版符号"))
            continue
        if "|" in text:
            _table_row(line, state)
            current = None
            continue
        if ATTACHMENT.match(text) or (in_attachment and _could_be_title(text)):
            in_attachment = True
            state.skipped.append(Skipped(start=line.no, end=line.no, reason="附件标题"))
            current = None
            continue

        if m := TOP_HEADING.match(text):
            title = m.group(2).rstrip("。")
            top = Section(ref=str(cn_number(m.group(1))), number=m.group(1), title=title, line=line.no)
            state.sections.append(top)
            sub, current, kind = None, None, section_kind(title)
            state.section = top.ref
            continue

        if m := SUB_HEADING.match(text):
            label, rest = m.group(1), m.group(2)
            head, body = _split_title(rest)
            if body or kind is SectionKind.SCHEDULE:
                current = _item_for_kind(kind, line, rest, label, open_item, state)
                continue
            parent = top.ref if top else None
            ref = f"{parent}.{cn_number(label)}" if parent else str(cn_number(label))
            sub = Section(ref=ref, number=f"({label})", title=head, parent=parent, line=line.no)
            state.sections.append(sub)
            state.section = sub.ref
            current = None
            continue

        if m := ORDINAL_ITEM.match(text):
            current = _item_for_kind(kind, line, m.group(2), m.group(1), open_item, state)
            continue

        if (m := NUMBERED.match(text)) and kind is not SectionKind.CONTEXT:
            if kind is SectionKind.SCHEDULE:
                current = open_item(None, m.group(1), line, m.group(2))
            else:
                current = open_item(MeasureKind.MEASURE, m.group(1), line, m.group(2))
            continue

        if RESPONSIBILITY_LINE.match(text) and current is not None and current.kind is not None:
            current.lines.append(line.no)
            current.responsibility.append(text)
            continue

        # A plain paragraph: the rest of a wrapped line, a further paragraph of a numbered
        # measure (unless its `(units;deadline)` clause already closed it), section text, or
        # (in a section of unnumbered tasks) a task of its own.
        if current is not None and (
            not current.is_closed()
            or (current.number is not None and not _responsibility_clause(current.text))
        ):
            current.lines.append(line.no)
            current.parts.append(text if not current.is_closed() else "\n" + text)
            continue
        if kind is SectionKind.CONTEXT and top is not None:
            state.context.append((line.no, state.section, text))
            current = None
            continue
        if top is None:
            state.warnings.append(
                Warning_(line=line.no, message="正文第一个章节之前的段落,未能归入任何章节", text=text)
            )
            continue
        current = _item_for_kind(kind, line, text, "", open_item, state)


def _item_for_kind(
    kind: SectionKind,
    line: Line,
    text: str,
    label: str,
    open_item: Callable[..., RawItem],
    state: _State,
) -> RawItem | None:
    if kind is SectionKind.CONTEXT:
        state.context.append((line.no, state.section, text))
        return None
    number = str(cn_number(label)) if label else None
    if kind is SectionKind.SCHEDULE:
        return open_item(None, number, line, text)
    item_kind = {
        SectionKind.SAFEGUARD: MeasureKind.SAFEGUARD,
        SectionKind.OUTCOME: MeasureKind.OUTCOME,
    }.get(kind, MeasureKind.MEASURE)
    return open_item(item_kind, number, line, text)


def _table_row(line: Line, state: _State) -> None:
    """A row of a responsibility table: `category | N.task | units |` or `N.task | units | |`."""
    cells = [c.strip() for c in line.text.strip().strip("|").split("|")]
    task_at = next((i for i, c in enumerate(cells) if NUMBERED.match(c)), None)
    if task_at is None:
        if any("责任单位" in c for c in cells):
            state.skipped.append(Skipped(start=line.no, end=line.no, reason="任务分工表表头"))
        else:
            state.warnings.append(
                Warning_(line=line.no, message="表格行中没有找到编号任务,未能读取", text=line.text)
            )
        return
    m = NUMBERED.match(cells[task_at])
    assert m is not None
    units = next((c for c in cells[task_at + 1 :] if c), "")
    category = next((c for c in reversed(cells[:task_at]) if c), "")
    if not category and state.table:
        category = state.table[-1].category
    state.table.append(TableTask(m.group(1), m.group(2), units, category, line.no))


# --- measures ------------------------------------------------------------------------------


def _split_title(text: str) -> tuple[str, str]:
    """`Title。Body` → (Title, Body) when the first sentence reads as a heading; else (text, "")."""
    sentences = split_sentences(text)
    if not sentences:
        return text, ""
    first = sentences[0].rstrip("。;")
    if len(sentences) > 1 and len(first) <= TITLE_MAX and not split_top_level(first, ",")[1:]:
        return first, "".join(sentences[1:])
    if len(sentences) == 1 and sentences[0].endswith("。"):
        return first, ""
    return text.rstrip("。"), ""


def _short_title(sentence: str) -> str:
    """A title for a measure written as one long sentence: its first clause."""
    sentence = sentence.rstrip("。;")
    if len(sentence) <= TITLE_MAX:
        return sentence
    return split_top_level(sentence, ",;:")[0]


def _build_measures(state: _State) -> tuple[list[Measure], list[Indicator]]:
    section_by_title = {_norm(s.title): s.ref for s in state.sections}
    raw = [item for item in state.items if item.kind is not None]
    if state.table:
        raw = _merge_table(raw, state, section_by_title)

    # Only in a plan that lists units is a measure without units worth a warning.
    plan_lists_units = any(
        _responsibility_clause(i.text) or i.responsibility
        for i in raw
        if i.kind is MeasureKind.MEASURE
    )
    counters: dict[MeasureKind, int] = {}
    measures: list[Measure] = []
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for item in raw:
        assert item.kind is not None
        counters[item.kind] = counters.get(item.kind, 0) + 1
        number = item.number or str(counters[item.kind])
        measure = _measure_from_item(item, number, state, plan_lists_units=plan_lists_units)
        if measure.ref in seen:
            state.warnings.append(
                Warning_(line=item.lines[0], message=f"措施编号 {measure.ref} 重复,已跳过", text=item.text)
            )
            continue
        seen.add(measure.ref)
        measures.append(measure)
        indicators.extend(
            extract_indicators(
                measure.text, due=measure.deadline.due, line=item.lines[0], measure=measure.ref
            )
        )
    return measures, indicators


def _measure_from_item(
    item: RawItem, number: str, state: _State, *, plan_lists_units: bool
) -> Measure:
    text = item.text
    units: list[UnitRef] = []
    deadline = Deadline()
    units_text = ""
    split = _responsibility_clause(text)
    if split is None and item.responsibility:
        split = text, ";".join(item.responsibility)
    if split:
        text, units_text = split
        resp = parse_responsibility(units_text)
        units = resp.units
        deadline = resp.deadline or Deadline()
        for piece in resp.rest:
            state.warnings.append(
                Warning_(line=item.lines[0], message="责任单位括号中有无法识别的内容", text=piece)
            )
    elif item.kind is MeasureKind.MEASURE and plan_lists_units:
        state.warnings.append(
            Warning_(line=item.lines[0], message="该措施没有写明责任单位", text=text[:40])
        )

    title, body = _split_title(text)
    sentences = split_sentences(body or text)
    if not body:
        title = _short_title(title)
    checklist = [
        ChecklistItem(text=s.rstrip("。;!?").strip()) for s in sentences if s.rstrip("。;!? ")
    ]
    if not checklist:
        checklist = [ChecklistItem(text=title)]
    return Measure(
        kind=item.kind or MeasureKind.MEASURE,
        number=number,
        section=item.section,
        title=title,
        text=text,
        units=units,
        units_text=units_text,
        deadline=deadline,
        checklist=checklist,
        lines=sorted(set(item.lines)),
    )


def _responsibility_clause(text: str) -> tuple[str, str] | None:
    """(text, clause) when the text ends in a `(units;deadline)` clause."""
    split = trailing_group(text)
    return split if split and looks_like_units(split[1]) else None


def _merge_table(raw: list[RawItem], state: _State, section_by_title: dict[str, str]) -> list[RawItem]:
    """Numbered table tasks are authoritative; each is matched to its body paragraph for lines
    and section, and its units cell becomes the measure's responsibility clause."""
    measures = [item for item in raw if item.kind is MeasureKind.MEASURE]
    by_number = {item.number: item for item in measures if item.number}
    paragraphs = [item for item in measures if item.number is None]
    matched: set[int] = set()
    merged: list[RawItem] = []
    for task in state.table:
        if task.number in by_number:
            item = by_number.pop(task.number)
        else:
            item = RawItem(kind=MeasureKind.MEASURE, number=task.number, section=None)
            item.parts.append(task.text)
            key = _norm(task.text)
            for idx, para in enumerate(paragraphs):
                if key and key in _norm(para.text):
                    matched.add(idx)
                    item.section = para.section
                    item.lines.extend(para.lines)
                    break
            else:
                state.warnings.append(
                    Warning_(line=task.line, message="任务分工表中的任务在正文中未找到对应段落", text=task.text[:40])
                )
                item.section = section_by_title.get(_norm(task.category))
        item.lines.append(task.line)
        if task.units and not _responsibility_clause(item.text):
            item.parts = [item.text.rstrip(), f"({task.units})"]
        merged.append(item)
    for idx, para in enumerate(paragraphs):
        if idx not in matched:
            state.warnings.append(
                Warning_(line=para.lines[0], message="正文段落未在任务分工表中找到对应任务", text=para.text[:40])
            )
    merged.extend(by_number.values())
    merged.extend(item for item in raw if item.kind is not MeasureKind.MEASURE)
    return merged


def _norm(text: str) -> str:
    """Text reduced to its letters for matching table tasks to paragraphs."""
    return re.sub(r"[\s\W_]+", "", text)


# --- phases --------------------------------------------------------------------------------


def _build_phases(state: _State) -> list[Phase]:
    phases: list[Phase] = []
    for item in state.items:
        if item.kind is not None:
            continue
        text = item.text
        span = find_date_span(text)
        start, end = (span.start, span.end) if span else (None, None)
        name = _phase_name(text, span.stop if span else 0)
        phases.append(
            Phase(
                name=name,
                text=text,
                start=start,
                end=end,
                acceptance=bool(ACCEPTANCE_WORDS.search(text)),
                line=item.lines[0],
            )
        )
        if span is None:
            state.warnings.append(
                Warning_(line=item.lines[0], message="进度安排中未找到起止时间", text=text[:40])
            )
    return phases


def _phase_name(text: str, span_end: int) -> str:
    """`制定方案。2023年4月至5月,...` → 制定方案; `2024年8月,建立协调机制,...` → 建立协调机制."""
    head, body = _split_title(text)
    if body and not find_date_span(head):
        return head
    rest = text[span_end:].lstrip(",: ")
    first = split_top_level(rest, ",。;")
    return first[0] if first else text[:TITLE_MAX]


# --- junk ----------------------------------------------------------------------------------


def _flag_junk(lines: list[Line], state: _State) -> None:
    """Warn on every line carrying text a hijacked site injected, e.g. `XX(中国)官方网站`.

    The injected name is learnt from its marker, then found wherever else it stands
    (`“XX 造”品牌`), since the spam replaced a real name the office must restore.
    """
    captured = {m.group(1) for ln in lines for m in JUNK.finditer(ln.text)}
    # The capture may take words before the name ("提升XX"): keep the shortest form seen.
    names = {n for n in captured if not any(o != n and n.endswith(o) for o in captured)}
    if not names:
        return
    skipped = [(s.start, s.end) for s in state.skipped if s.reason != "网页页眉与印发通知"]
    for line in lines:
        found = [n for n in names if n in line.text]
        if not found or any(a <= line.no <= b for a, b in skipped):
            continue
        state.warnings.append(
            Warning_(
                line=line.no,
                message=f"疑似网页被篡改插入的无关文字“{found[0]}”,原文名称需人工核对",
                text=line.text[:60],
            )
        )


def iter_warnings(catalog: Catalog) -> Iterator[str]:
    """Warnings as one-line Chinese messages: `第12行:message:text`."""
    for w in catalog.warnings:
        suffix = f":{w.text}" if w.text else ""
        yield f"第{w.line}行:{w.message}{suffix}"
