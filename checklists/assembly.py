"""From what the readers collected (`Draft`) to the parts of a catalog.

Measures get their responsibility (trailing clause, `责任单位:` lines or the task table's
units cell), title, checklist and numeric targets; schedule items become phases with their
periods; context paragraphs become section text and may hold targets too.
"""

from __future__ import annotations

from collections import defaultdict

from checklists.body import split_title
from checklists.catalog import (
    ChecklistItem,
    Deadline,
    Indicator,
    Measure,
    MeasureKind,
    Phase,
    UnitRef,
    UnitRole,
    Warning_,
)
from checklists.deadlines import find_date_span, governing_deadline
from checklists.draft import Draft, RawItem
from checklists.indicators import extract_indicators
from checklists.lines import TITLE_MAX
from checklists.records import fresh_copy
from checklists.tables import merge_table, norm
from checklists.text import split_sentences, split_top_level
from checklists.unit_names import normalise_unit_name
from checklists.units import ClauseReader, LeadRule, Responsibility

__all__ = ["build_measures", "build_phases", "context_indicators", "fill_section_text"]

ACCEPTANCE_WORDS = ("验收", "评审", "自查", "评估")


def build_measures(draft: Draft) -> tuple[list[Measure], list[Indicator]]:
    """Measures, safeguards and outcomes in document order, with the targets they state."""
    raw = [item for item in draft.items if item.kind is not None]
    if draft.table:
        section_by_title = {norm(s.title): s.ref for s in draft.sections}
        raw = merge_table(raw, draft, section_by_title)

    reader = ClauseReader()
    clauses = {id(item): _clause(item, reader) for item in raw}
    # Only in a plan that lists units is a measure without units worth a warning.
    plan_lists_units = any(
        clauses[id(item)] is not None for item in raw if item.kind is MeasureKind.MEASURE
    )
    numbers = _numbers(raw, draft)
    measures: list[Measure] = []
    indicators: list[Indicator] = []
    seen: set[str] = set()
    rules = _Rules(reader)
    for item, number in zip(raw, numbers, strict=True):
        assert item.kind is not None
        measure = _measure(item, number, clauses[id(item)], rules, draft, plan_lists_units)
        if measure is None:
            draft.warnings.append(
                Warning_(line=item.lines[0], message="该措施除责任单位外没有内容,已跳过", text=item.text[:40])
            )
            continue
        if measure.ref in seen:
            draft.warnings.append(
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


def _numbers(raw: list[RawItem], draft: Draft) -> list[str]:
    """Each item's number: its own, else its place among the unnumbered items of its kind.

    Where numbering starts again in a later top-level section (`二、` … `(一)`, `三、` … `(一)`),
    every number of that kind carries its section's (`二.1`, `三.1`), so refs stay unique.
    """
    counters: dict[MeasureKind | None, int] = {}
    numbers: list[str] = []
    for item in raw:
        counters[item.kind] = counters.get(item.kind, 0) + 1
        numbers.append(item.number or str(counters[item.kind]))
    printed = {s.ref: s.number for s in draft.sections if s.parent is None}
    tops = [printed.get((item.section or "").split(".")[0]) for item in raw]
    first_top: dict[tuple[MeasureKind | None, str], str | None] = {}
    restarted: set[MeasureKind | None] = set()
    for item, number, top in zip(raw, numbers, tops, strict=True):
        known = first_top.setdefault((item.kind, number), top)
        if known != top:
            restarted.add(item.kind)
    return [
        f"{top}.{number}" if item.kind in restarted and top else number
        for item, number, top in zip(raw, numbers, tops, strict=True)
    ]


def _clause(item: RawItem, reader: ClauseReader) -> tuple[str, list[str]] | None:
    """(text, clauses): the measure's unit tags (its trailing `(units;deadline)` clause and
    those after its sentences), else its `责任单位:` lines."""
    text = item.text
    split = reader.unit_tags(text)
    if split is None and item.responsibility:
        split = text, [";".join(item.responsibility)]
    return split


class _Rules:
    """Reads a plan's clauses in document order under the lead rule the plan states.

    A rule written in one clause (`第一个逗号前为牵头单位,下同`) holds for that clause and
    every later one; it is read, never stored as a unit.
    """

    def __init__(self, reader: ClauseReader) -> None:
        self.reader = reader
        self.rule = LeadRule.FIRST_LISTED
        self.standing: list[UnitRef] = []  # `以下均需…落实,不再列出`

    def read(self, clauses: list[str]) -> Responsibility:
        reads = []
        standing = self.standing
        for clause in clauses:
            resp = self.reader.responsibility(clause, self.rule)
            if resp.rule is not None and resp.rule is not self.rule:
                self.rule = resp.rule
                resp = self.reader.responsibility(clause, self.rule)
            self.standing = self.standing + resp.standing
            reads.append(resp)
        if standing:
            reads.append(Responsibility(units=[fresh_copy(u) for u in standing]))
        return reads[0] if len(reads) == 1 else _merge(reads)


def _merge(reads: list[Responsibility]) -> Responsibility:
    """One measure's several unit tags as one responsibility, units in the order first named.

    The first tag's lead leads the measure; a later tag's unit leads only where that tag
    marks it `牵头` (then even if named before as co-responsible), since a later tag read by
    order names the lead of one sentence only.
    """
    units: list[UnitRef] = []
    seen: dict[str, int] = {}  # unit → its place in `units`
    deadline: Deadline | None = None
    rest: list[str] = []
    for index, resp in enumerate(reads):
        for unit in resp.units:
            key = normalise_unit_name(unit.name)
            marked = unit.role is UnitRole.LEAD and resp.marked_lead
            if (at := seen.get(key)) is not None:
                if marked and units[at].role is UnitRole.CO:  # it leads a later sub-item
                    units[at] = UnitRef(name=units[at].name, role=UnitRole.LEAD)
                continue
            seen[key] = len(units)
            demote = index and unit.role is UnitRole.LEAD and not resp.marked_lead
            units.append(UnitRef(name=unit.name, role=UnitRole.CO) if demote else unit)
        if resp.deadline is not None and deadline is None:
            deadline = resp.deadline
        elif resp.deadline is not None:
            rest.append(resp.deadline.text)
        rest.extend(resp.rest)
    return Responsibility(units=units, deadline=deadline, rest=rest)


def _measure(
    item: RawItem,
    number: str,
    clause: tuple[str, list[str]] | None,
    rules: _Rules,
    draft: Draft,
    plan_lists_units: bool,
) -> Measure | None:
    """The measure an item describes; None when nothing is left of it but punctuation and its
    `(units;deadline)` clause (`12.(区市场监管局;持续推进)`)."""
    text = item.text
    units: list[UnitRef] = []
    deadline: Deadline | None = None
    units_text = ""
    if clause:
        text, tags = clause
        units_text = ";".join(tags)
        resp = rules.read(tags)
        units = resp.units
        deadline = resp.deadline
        for piece in resp.rest:
            draft.warnings.append(
                Warning_(line=item.lines[0], message="责任单位括号中有无法识别的内容", text=piece)
            )
    elif item.kind is MeasureKind.MEASURE and plan_lists_units:
        draft.warnings.append(
            Warning_(line=item.lines[0], message="该措施没有写明责任单位", text=text[:40])
        )

    if deadline is None and item.kind is MeasureKind.MEASURE:
        deadline = governing_deadline(text)  # `到2028年底,打造…` when its unit tag sets none

    sentences = split_sentences(text)
    title, body = split_title(text, sentences)
    if body:
        sentences = split_sentences(body)
    else:
        title = _short_title(title)
    checklist = [
        ChecklistItem(text=s.rstrip("。;!?").strip()) for s in sentences if s.rstrip("。;!? ")
    ]
    if not checklist:
        if not title:
            return None
        checklist = [ChecklistItem(text=title)]
    return Measure(
        kind=item.kind or MeasureKind.MEASURE,
        number=number,
        section=item.section,
        title=title,
        text=text,
        units=units,
        units_text=units_text,
        deadline=deadline or Deadline(),
        checklist=checklist,
        lines=sorted(set(item.lines)),
    )


def _short_title(sentence: str) -> str:
    """A title for a measure written as one long sentence: its first clause."""
    sentence = sentence.rstrip("。;")
    if len(sentence) <= TITLE_MAX:
        return sentence
    clauses = split_top_level(sentence, ",;:")
    return clauses[0] if clauses else sentence[:TITLE_MAX]  # nothing but separators


def build_phases(draft: Draft) -> list[Phase]:
    """The schedule's phases, each with its period; a phase without dates gets a warning."""
    phases: list[Phase] = []
    for item in draft.items:
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
                acceptance=any(word in text for word in ACCEPTANCE_WORDS),
                line=item.lines[0],
            )
        )
        if span is None:
            draft.warnings.append(
                Warning_(line=item.lines[0], message="进度安排中未找到起止时间", text=text[:40])
            )
    return phases


def _phase_name(text: str, span_end: int) -> str:
    """`制定方案。2023年4月至5月,...` → 制定方案; `2024年8月,建立协调机制,...` → 建立协调机制."""
    head, body = split_title(text)
    if body and not find_date_span(head):
        return head
    rest = text[span_end:].lstrip(",: ")
    first = split_top_level(rest, ",。;")
    return first[0] if first else text[:TITLE_MAX]


def context_indicators(draft: Draft) -> list[Indicator]:
    """Targets stated in the paragraphs of context sections (建设目标…)."""
    found: list[Indicator] = []
    for line_no, _, paragraph in draft.context:
        found.extend(extract_indicators(paragraph, line=line_no))
    return found


def fill_section_text(draft: Draft) -> None:
    """Each section's own paragraphs (those of context sections), joined by new lines."""
    paragraphs: dict[str | None, list[str]] = defaultdict(list)
    for _, ref, text in draft.context:
        paragraphs[ref].append(text)
    for section in draft.sections:
        section.text = "\n".join(paragraphs.get(section.ref, ()))
