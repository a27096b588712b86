"""What the reports print, gathered once per report in a fixed number of queries.

The builders here return typed values (the templates' whole input), built on the read side:
`read.measures.MeasureWork` for each measure's units, checklist, evidence and rounds,
`read.progress.plan_progress` for units, deadlines and overdue obligations, and
`read.indicators` for the targets. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.score_data import (
    PanelOpinion,
    ReportScores,
    panel_opinion,
    report_scores,
    required_scores,
)
from workflow.clock import office_zone
from workflow.domain import obligations
from workflow.domain.extensions import ExtensionState, ExtensionTarget
from workflow.domain.states import (
    ACTION_LABELS,
    DISPLAY_LABELS,
    STATE_LABELS,
    Action,
    DisplayState,
    MeasureState,
    Verdict,
)
from workflow.models import AuditEntry, ExtensionRequest, IssuedReport, Measure, Plan
from workflow.read.evidence import EvidenceRow
from workflow.read.indicators import IndicatorLine, indicator_lines, indicator_met
from workflow.read.measures import DONE, MeasureWork, ReviewLine, SelfCheckLine, current_works
from workflow.read.overdue import OverdueUnit, overdue_by_unit
from workflow.read.plans import find_unit, load_measures
from workflow.read.progress import NO_SECTION, NO_UNIT, MeasureRow, plan_progress
from workflow.services.measure_work import measure_dates, plan_period

STATE_LABELS_TEXT = {state.value: label for state, label in STATE_LABELS.items()}

# The states as a report shows them: 整改中 (returned, not yet resubmitted) apart from 推进中.
DISPLAY_STATES: list[tuple[str, str]] = [(s.value, label) for s, label in DISPLAY_LABELS.items()]
STATE_COLOURS = {
    "planned": "#c9c9c9",
    "in_progress": "#7fa7d9",
    "rectifying": "#e07b5f",
    "self_checked": "#e8c15a",
    "accepted": "#4f9a6b",
}
NO_OFFICE_UNIT = "(领导小组办公室)"  # evidence handed in by the office itself

_ISSUER_SUFFIXES = (
    "人民政府办公厅",
    "人民政府办公室",
    "人民政府",
    "知识产权工作领导小组办公室",
    "知识产权局",
    "办公厅",
    "办公室",
)


def zone_of(issuer: str) -> str:
    """The zone a plan covers, from its issuer: 上海市嘉定区人民政府 → 上海市嘉定区.

    Joint issuers (中共江西省委办公厅 江西省人民政府办公厅) take the government's name.
    Empty when the issuer names no place (a flagged, spam-damaged issuer, say).
    """
    for part in reversed(issuer.split()):
        for suffix in _ISSUER_SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix):
                place = part[: -len(suffix)]
                if re.search(r"[省市区县州盟旗]$", place):
                    return place
    return ""


@dataclass(frozen=True)
class Tally:
    """Measures of one row of a tally table or chart (a section, a unit, the whole plan) by state."""

    label: str
    short: str  # a section's own title, for chart labels
    total: int
    counts: dict[str, int]  # display state → measures
    accepted_rate: float
    self_checked_or_better: float


def tally(label: str, states: list[str]) -> Tally:
    counts = {key: 0 for key, _ in DISPLAY_STATES}
    for s in states:
        counts[s] += 1
    total = len(states)
    return Tally(
        label=label,
        short=label.split(" / ")[-1],
        total=total,
        counts=counts,
        accepted_rate=counts["accepted"] / total if total else 0.0,
        self_checked_or_better=(counts["self_checked"] + counts["accepted"]) / total if total else 0.0,
    )


@dataclass(frozen=True)
class ReportPlan:
    """The plan and the report's own facts, as the cover, the head and the sign-off print them."""

    key: str
    title: str
    issuer: str
    doc_number: str
    issued_on: dt.date | None
    zone: str
    office: str  # 审核机关 / 发文机关
    review_levels: list[str]
    report_date: dt.date
    report_number: str


def plan_info(plan: Plan, *, office: str | None, report_date: dt.date, report_number: str) -> ReportPlan:
    zone = zone_of(plan.issuer)
    return ReportPlan(
        key=plan.key,
        title=plan.title,
        issuer=plan.issuer,
        doc_number=plan.doc_number,
        issued_on=plan.issued_on,
        zone=zone,
        office=office or f"{zone}知识产权保护示范区建设领导小组办公室",
        review_levels=list(plan.review_levels),
        report_date=report_date,
        report_number=report_number,
    )


@dataclass(frozen=True)
class PrintedUnit:
    """A responsible unit as a report lists it: a mapped group's members each on their own
    (as co-units, `via` the group), an unmapped group as itself."""

    name: str
    role: str  # lead | co | group (unmapped)
    done: bool
    via: str | None  # the group a member is listed for


@dataclass(frozen=True)
class ReportMeasure(MeasureWork):
    """One measure in the acceptance and self-check reports: its work, and what the report
    adds (units as printed, lateness on the report's day, the rounds and evidence it shows)."""

    printed_units: tuple[PrintedUnit, ...]
    lead: list[str]
    unit_names: list[str]  # every responsible unit, lead first (unmapped groups included)
    overdue: list[str]  # what is late, in words
    due_soon: dt.date | None
    latest_self_check: SelfCheckLine | None  # the latest round not withdrawn
    latest_review: ReviewLine | None
    evidence_current: list[EvidenceRow]  # checklist evidence, item by item
    evidence_superseded: list[EvidenceRow]  # replaced (not removed), kept for the record


def _printed_units(work: MeasureWork) -> tuple[PrintedUnit, ...]:
    out: list[PrintedUnit] = []
    for unit in work.units:
        if unit.members is None:
            out.append(PrintedUnit(unit.name, unit.role, unit.part == DONE, None))
        elif unit.members:
            out.extend(PrintedUnit(m.name, "co", m.part == DONE, unit.name) for m in unit.members)
        else:
            out.append(PrintedUnit(unit.name, "group", False, None))
    return tuple(out)


def report_measure(work: MeasureWork, row: MeasureRow) -> ReportMeasure:
    rounds = [sc for sc in work.self_checks if sc.withdrawn_at is None]
    reviews = work.reviews
    on_items = [e for item in work.checklist for e in item.evidence]
    return ReportMeasure(
        **{f.name: getattr(work, f.name) for f in fields(MeasureWork)},
        printed_units=_printed_units(work),
        lead=row.lead,
        unit_names=row.units,
        overdue=[o.text for o in row.overdue],
        due_soon=row.due_soon,
        latest_self_check=rounds[-1] if rounds else None,
        latest_review=reviews[-1] if reviews else None,
        evidence_current=[e for e in on_items if e.current],
        evidence_superseded=[e for e in on_items if not e.current and not e.removed],
    )


@dataclass(frozen=True)
class ReportSection:
    title: str
    measures: list[ReportMeasure]


@dataclass(frozen=True)
class ReturnLine:
    """A return for rectification (退回整改) and the round it decided."""

    measure: ReportMeasure
    review: ReviewLine
    round: int


@dataclass(frozen=True)
class PlanReport:
    """The context of the acceptance and self-check reports (the rectification notices too)."""

    plan: ReportPlan
    today: dt.date
    unit: str | None  # one unit's measures only
    states: list[tuple[str, str]]
    colours: dict[str, str]
    overall: Tally
    by_section: list[Tally]
    by_unit: list[Tally]
    average_score: float | None
    sections: list[ReportSection]
    measures: list[ReportMeasure]
    indicators: list[IndicatorLine]
    overdue: list[ReportMeasure]
    due_soon: list[ReportMeasure]
    returns: list[ReturnLine]
    rectifying: list[ReportMeasure]
    evidence_count: int
    scores: ReportScores | None = None  # the index system's score table (acceptance report)
    panel_opinion: PanelOpinion | None = None  # 专家组评审意见: omitted while None


def plan_report(
    session: Session,
    plan: Plan,
    *,
    today: dt.date,
    unit: str | None = None,
    office: str | None = None,
    report_date: dt.date | None = None,
    report_number: str = "",
    with_scores: bool = False,
) -> PlanReport:
    """The acceptance and self-check reports' data (optionally one unit's measures); with
    the index system's score table if asked for and the plan has one."""
    progress = plan_progress(session, plan, today)
    rows = {r.ref: r for r in progress.rows}
    unit_name = find_unit(session, unit, plan.zone_id).name if unit else None
    items = [report_measure(w, rows[w.ref]) for w in current_works(session, plan)]
    if unit_name:
        items = [m for m in items if unit_name in m.unit_names]

    sections: dict[str, list[ReportMeasure]] = {}
    by_unit: dict[str, list[str]] = defaultdict(list)
    for m in items:
        sections.setdefault(m.section or NO_SECTION, []).append(m)
        for name in m.unit_names or [NO_UNIT]:
            if unit_name is None or name == unit_name:
                by_unit[name].append(m.display_state.value)
    states = [m.display_state.value for m in items]
    scores = [
        m.latest_review.score
        for m in items
        if m.latest_review and m.latest_review.score is not None and m.state == MeasureState.ACCEPTED.value
    ]
    return PlanReport(
        plan=plan_info(plan, office=office, report_date=report_date or today, report_number=report_number),
        today=today,
        unit=unit_name,
        states=DISPLAY_STATES,
        colours=STATE_COLOURS,
        overall=tally("全部措施", states),
        by_section=[tally(name, [m.display_state.value for m in ms]) for name, ms in sections.items()],
        by_unit=[tally(name, s) for name, s in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        average_score=round(sum(scores) / len(scores), 1) if scores else None,
        sections=[ReportSection(name, ms) for name, ms in sections.items()],
        measures=items,
        indicators=[] if unit_name else indicator_lines(session, plan),
        overdue=[m for m in items if m.overdue],
        due_soon=[m for m in items if m.due_soon],
        returns=[
            ReturnLine(m, r, sc.round)
            for m in items
            for sc in m.self_checks
            for r in sc.reviews
            if r.verdict == Verdict.RETURN.value
        ],
        rectifying=[m for m in items if m.display_state is DisplayState.RECTIFYING],
        evidence_count=sum(len(m.evidence_current) for m in items),
        scores=report_scores(session, plan) if with_scores and unit_name is None else None,
        panel_opinion=panel_opinion(session, plan) if with_scores and unit_name is None else None,
    )


@dataclass(frozen=True)
class SelfAssessmentReport:
    """The 自评报告: the plan's self-assessment by its index system, with the measures' states."""

    plan: ReportPlan
    today: dt.date
    scores: ReportScores
    states: list[tuple[str, str]]
    overall: Tally
    by_section: list[Tally]
    evidence_count: int


def selfassessment_report(
    session: Session,
    plan: Plan,
    *,
    today: dt.date,
    office: str | None = None,
    report_number: str = "",
) -> SelfAssessmentReport:
    """The 自评报告's data; InputError (`no_index`) when the plan has no index system."""
    scores = required_scores(session, plan)
    report = plan_report(session, plan, today=today, office=office, report_number=report_number)
    return SelfAssessmentReport(
        plan=report.plan,
        today=today,
        scores=scores,
        states=report.states,
        overall=report.overall,
        by_section=report.by_section,
        evidence_count=report.evidence_count,
    )


# ------------------------------------------------------------------------- stage report


@dataclass(frozen=True)
class StageRow:
    """A measure as the stage report sees it on its `as_of` day (state replayed from the audit)."""

    ref: str
    title: str
    units: list[str]  # lead first
    lead: list[str]
    deadline: str
    display_state: str
    state_label: str
    overdue: list[str]
    evidence: int  # evidence current at the end of that day
    due: dt.date | None  # due within 30 days (not overdue)


@dataclass(frozen=True)
class StageMove:
    """One state change of the period."""

    ref: str
    title: str
    action: str
    from_label: str
    to_label: str
    actor: str
    unit: str
    at: dt.datetime
    comment: str


@dataclass(frozen=True)
class PreviousStage:
    as_of: dt.date
    issued_at: dt.datetime
    sha256: str


@dataclass(frozen=True)
class StageIndicator:
    """An indicator with the value last reported as of the stage report's day."""

    number: int
    text: str
    target: Decimal
    target_max: Decimal | None
    unit: str
    reported: Decimal | None
    as_of: dt.date | None
    met: bool | None


@dataclass(frozen=True)
class StageReport:
    plan: ReportPlan
    as_of: dt.date
    since: dt.date | None
    since_from: str  # given (--since), previous (stage report) or issued (plan)
    previous: PreviousStage | None
    states: list[tuple[str, str]]
    colours: dict[str, str]
    then: Tally
    now: Tally
    delta: dict[str, int]
    by_unit: list[Tally]
    moved: list[StageMove]
    new_evidence: list[tuple[str, int]]  # unit → evidence handed in during the period
    late: list[StageRow]
    due_soon: list[StageRow]
    indicators: list[StageIndicator]


def _day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the office's time zone, in UTC."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=office_zone())
    return start_next.astimezone(dt.UTC)


def _transitions(session: Session, plan: Plan) -> list[AuditEntry]:
    """Every state change of the plan's measures, oldest first (refusals excluded)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.target.like(f"{plan.key}/%"),
                AuditEntry.refused.is_(False),
                AuditEntry.from_state != AuditEntry.to_state,
            )
            .order_by(AuditEntry.seq)
        )
    )


def _states_at(entries: list[AuditEntry], moment: dt.datetime) -> dict[str, str]:
    """Display state of each measure (by ref) at `moment`; measures not listed were planned."""
    states: dict[str, str] = {}
    for e in entries:
        if e.at >= moment:
            break
        ref = e.target.split("/", 1)[1]
        # Replayed, not read from the measure: the return itself marks 整改中.
        rectifying = e.action == Action.RETURN_FOR_RECTIFICATION.value
        states[ref] = DisplayState.RECTIFYING.value if rectifying else e.to_state
    return states


def previous_stage_report(session: Session, plan: Plan, as_of: dt.date) -> IssuedReport | None:
    return session.scalar(
        select(IssuedReport)
        .where(IssuedReport.plan_id == plan.id, IssuedReport.kind == "stage", IssuedReport.as_of < as_of)
        .order_by(IssuedReport.as_of.desc(), IssuedReport.id.desc())
        .limit(1)
    )


def _evidence_dates_at(measure: Measure, end: dt.datetime) -> list[dt.date]:
    """Dates of the measure's evidence current at `end`: handed in before, neither removed nor
    yet superseded then."""
    return [
        e.doc_date
        for e in measure.evidence
        if e.uploaded_at < end
        and e.removed_at is None
        and (e.superseded_by is None or e.superseded_by.uploaded_at >= end)
    ]


def _rectification_due_at(measure: Measure, end: dt.datetime, extensions: list[ExtensionRequest]) -> dt.date | None:
    """The deadline of the last return decided before `end`, as extensions approved after
    that return and before `end` moved it."""
    due, returned_at = None, None
    for sc in measure.self_checks:
        for r in sc.reviews:
            if r.verdict is Verdict.RETURN and r.reviewed_at < end:
                due, returned_at = r.rectification_due, r.reviewed_at
    for e in extensions:
        if e.target is ExtensionTarget.RECTIFICATION and returned_at is not None and returned_at < _decided(e) < end:
            due = e.approved_to
    return due


def _due_on_at(measure: Measure, end: dt.datetime, extensions: list[ExtensionRequest]) -> dt.date | None:
    """The one-off due date in force at `end`: the original, moved by the extensions approved
    by then (without one the measure is judged against the original date)."""
    due = measure.original_due_on or measure.due_on
    for e in extensions:
        if e.target is ExtensionTarget.DUE and _decided(e) < end:
            due = e.approved_to
    return due


def _decided(extension: ExtensionRequest) -> dt.datetime:
    assert extension.decided_at is not None  # approved requests are decided
    return extension.decided_at


def approved_extensions(session: Session, plan: Plan) -> dict[int, list[ExtensionRequest]]:
    """The plan's approved extensions by measure, in the order they were approved."""
    found: dict[int, list[ExtensionRequest]] = defaultdict(list)
    rows = session.scalars(
        select(ExtensionRequest)
        .join(Measure, Measure.id == ExtensionRequest.measure_id)
        .where(Measure.plan_id == plan.id, ExtensionRequest.state == ExtensionState.APPROVED)
        .order_by(ExtensionRequest.decided_at, ExtensionRequest.id)
    )
    for row in rows:
        found[row.measure_id].append(row)
    return found


def stage_report(
    session: Session,
    plan: Plan,
    *,
    as_of: dt.date,
    since: dt.date | None = None,
    office: str | None = None,
    report_number: str = "",
) -> StageReport:
    """What moved between the previous stage report (or `since`) and `as_of`, and what is late.

    States are replayed from the audit trail, so a report as of a past date shows that day's
    picture; evidence counts only if it was handed in by the end of that day.
    """
    previous = previous_stage_report(session, plan, as_of)
    since_from = "given"
    if since is None:
        since = previous.as_of if previous else plan.issued_on
        since_from = "previous" if previous else "issued"
    end = _day_end(as_of)
    start = _day_end(since) if since else None
    entries = _transitions(session, plan)
    now_states = _states_at(entries, end)
    then_states = _states_at(entries, start) if start else {}

    # The stored rows, not the read side's: the replay needs when each piece of evidence was
    # superseded and each return decided. Units come from the read side's progress rows.
    measures = load_measures(session, plan, with_work=True)
    progress = {r.ref: r for r in plan_progress(session, plan, as_of).rows}
    period = plan_period(session, plan)
    extended = approved_extensions(session, plan)
    late: list[StageRow] = []
    due_soon: list[StageRow] = []
    by_unit: dict[str, list[str]] = defaultdict(list)
    rows: list[StageRow] = []
    for m in measures:
        state = now_states.get(m.ref, "planned")
        row = progress[m.ref]
        evidence = _evidence_dates_at(m, end)
        rectifying = state == DisplayState.RECTIFYING.value
        dates = dataclasses.replace(
            measure_dates(m, evidence),
            due_on=_due_on_at(m, end, extended[m.id]),
            state=MeasureState.IN_PROGRESS.value if rectifying else state,
            rectification_due=_rectification_due_at(m, end, extended[m.id]) if rectifying else None,
        )
        overdue = obligations.overdue(dates, period, as_of)
        soon = None if overdue else obligations.due_soon(dates, period, as_of)
        stage_row = StageRow(
            ref=m.ref,
            title=m.title,
            units=row.units,
            lead=row.lead,
            deadline=m.deadline_text,
            display_state=state,
            state_label=dict(DISPLAY_STATES)[state],
            overdue=[o.text for o in overdue],
            evidence=len(evidence),
            due=soon,
        )
        rows.append(stage_row)
        if overdue:
            late.append(stage_row)
        elif soon:
            due_soon.append(stage_row)
        for name in row.units or [NO_UNIT]:
            by_unit[name].append(state)

    titles = {m.ref: m.title for m in measures}
    moved = []
    for e in entries:
        if e.at >= end or (start is not None and e.at < start):
            continue
        ref = e.target.split("/", 1)[1]
        if ref not in titles:  # a measure since withdrawn from the plan
            continue
        returned = e.action == Action.RETURN_FOR_RECTIFICATION.value
        moved.append(
            StageMove(
                ref=ref,
                title=titles[ref],
                action=ACTION_LABELS[Action(e.action)] if e.action in Action._value2member_map_ else e.action,
                from_label=STATE_LABELS_TEXT.get(e.from_state, e.from_state),
                to_label=DISPLAY_LABELS[DisplayState.RECTIFYING] if returned else STATE_LABELS_TEXT.get(e.to_state, e.to_state),
                actor=e.actor,
                unit=e.unit,
                at=e.at,
                comment=e.comment,
            )
        )
    new_evidence: dict[str, int] = defaultdict(int)
    for m in measures:
        for piece in m.evidence:
            if piece.uploaded_at < end and (start is None or piece.uploaded_at >= start):
                new_evidence[piece.unit.name if piece.unit else NO_OFFICE_UNIT] += 1
    then = tally("上期", [then_states.get(m.ref, "planned") for m in measures])
    now = tally("本期", [r.display_state for r in rows])
    return StageReport(
        plan=plan_info(plan, office=office, report_date=as_of, report_number=report_number),
        as_of=as_of,
        since=since,
        since_from=since_from,
        previous=PreviousStage(previous.as_of, previous.issued_at, previous.sha256) if previous else None,
        states=DISPLAY_STATES,
        colours=STATE_COLOURS,
        then=then,
        now=now,
        delta={k: now.counts[k] - then.counts[k] for k, _ in DISPLAY_STATES},
        by_unit=[tally(n, s) for n, s in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        moved=moved,
        new_evidence=sorted(new_evidence.items(), key=lambda kv: (-kv[1], kv[0])),
        late=late,
        due_soon=due_soon,
        indicators=_indicators_as_of(plan, as_of),
    )


def _indicators_as_of(plan: Plan, as_of: dt.date) -> list[StageIndicator]:
    """The current indicators with the value last reported by `as_of` (the read side's
    `indicator_lines` has only the latest value)."""
    rows = []
    for number, ind in enumerate((i for i in plan.indicators if i.retired_at is None), start=1):
        reports = [r for r in ind.reports if r.as_of <= as_of]
        latest = reports[-1] if reports else None
        rows.append(
            StageIndicator(
                number=number,
                text=ind.text,
                target=ind.value,
                target_max=ind.value_max,
                unit=ind.unit,
                reported=latest.value if latest else None,
                as_of=latest.as_of if latest else None,
                met=indicator_met(ind, latest.value) if latest else None,
            )
        )
    return rows


# ------------------------------------------------------------------------------ notices


def reminder_notices(
    session: Session, plan: Plan, *, today: dt.date, unit: str | None = None
) -> list[OverdueUnit]:
    """Per unit: its overdue and due-soon measures (督办通知). Units with neither are left out,
    and so are measures naming no unit (there is nobody to address)."""
    wanted = find_unit(session, unit, plan.zone_id).name if unit else None
    return [
        notice
        for notice in overdue_by_unit(plan_progress(session, plan, today))
        if notice.unit != NO_UNIT and (wanted is None or notice.unit == wanted)
    ]


@dataclass(frozen=True)
class RectificationEntry:
    measure: ReportMeasure
    review: ReviewLine | None  # the return that is being rectified
    role: str  # 牵头 | 配合


@dataclass(frozen=True)
class RectificationNotice:
    unit: str
    entries: list[RectificationEntry]


def rectification_notices(
    session: Session, plan: Plan, *, today: dt.date, unit: str | None = None
) -> list[RectificationNotice]:
    """Per unit: its measures returned for rectification and not yet resubmitted (整改通知)."""
    report = plan_report(session, plan, today=today, unit=unit)
    notices: dict[str, list[RectificationEntry]] = defaultdict(list)
    for m in report.rectifying:
        returns = [r for r in m.reviews if r.verdict == Verdict.RETURN.value]
        for name in m.unit_names:
            if report.unit and name != report.unit:
                continue
            role = "牵头" if name in m.lead else "配合"
            notices[name].append(RectificationEntry(m, returns[-1] if returns else None, role))
    return [RectificationNotice(name, entries) for name, entries in sorted(notices.items())]


def template_context(report: Any) -> dict[str, Any]:
    """A report's typed value as a template's context: its fields, one level deep (the rows
    inside stay typed, read by attribute)."""
    return {f.name: getattr(report, f.name) for f in fields(report)}
