"""What a unit member sees: their unit's worklist, and one measure with what they may do now.

Read-only and typed. Lateness comes from `read.progress.plan_progress` (the office's status and
督办 lists read the same rows), the list is the rows the one visibility rule lets the actor
open (`PlanProgress.rows_for`), the measure is `read.measures.MeasureWork`, and "may I …" comes from the very rules the services enforce
(`permissions.refusal`, the lifecycle's states, the evidence service's ownership rule), so a
button is offered exactly when the command behind it would be accepted by those rules. The
services still check everything again when the command arrives.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import partial

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain import obligations
from workflow.domain.escalation import NO_ESCALATION, Escalation
from workflow.domain.lifecycle import allowed_actions
from workflow.domain.permissions import Actor, Work, refusal
from workflow.domain.states import Action, DisplayState, MeasureState, Verdict, display_state
from workflow.errors import Refused
from workflow.models import (
    Evidence,
    Measure,
    MeasureUnit,
    Plan,
    UnitGroupMember,
)
from workflow.read.measures import MeasureWork, measure_work
from workflow.read.plans import measure_with_work
from workflow.read.progress import plan_progress
from workflow.services import evidence as evidence_service
from workflow.services.acting import (
    measure_target,
    measure_units,
    members_for,
    open_measure_by_id,
    run_read,
    target_of,
)
from workflow.services.measure_work import (
    measure_dates,
    open_round,
    plan_period,
    submission_request,
)

ROLE_LABELS = {"lead": "牵头", "co": "配合"}
# Evidence a browser can show inline (the others are downloaded).
INLINE_TYPES = frozenset({"pdf", "jpg", "png"})


@dataclass(frozen=True)
class WorkItem:
    """One measure on a unit's worklist."""

    measure_id: int
    plan_key: str
    plan_title: str
    ref: str
    title: str
    section: str | None
    state: str
    state_label: str
    role: str  # lead | co
    units: list[str]  # every responsible unit, lead first
    deadline: str
    overdue: list[obligations.Overdue]
    due_soon: dt.date | None
    rectification_due: dt.date | None
    evidence_count: int
    position: int  # plan order, for the stable tail of the sort
    escalation: Escalation = NO_ESCALATION  # 三色督办 of the viewer's unit's part

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def overdue_reasons(self) -> list[str]:
        return [o.text for o in self.overdue]

    @property
    def days_late(self) -> int:
        return max((o.days_late for o in self.overdue), default=0)

    @property
    def display_state(self) -> DisplayState:
        return display_state(self.state, self.rectification_due)


def _plans_of_unit(session: Session, unit_id: int, zone_id: int) -> list[Plan]:
    """The zone's plans with a measure naming the unit directly or through a group it belongs to."""
    groups = select(UnitGroupMember.group_id).where(UnitGroupMember.member_id == unit_id)
    named = (
        select(Measure.plan_id)
        .join(MeasureUnit, MeasureUnit.measure_id == Measure.id)
        .where(
            Measure.retired_at.is_(None),
            or_(MeasureUnit.unit_id == unit_id, MeasureUnit.unit_id.in_(groups)),
        )
    )
    return list(
        session.scalars(
            select(Plan).where(Plan.id.in_(named), Plan.zone_id == zone_id).order_by(Plan.id)
        )
    )


def unit_worklist(uow: UnitOfWork, viewer: Actor, today: dt.date) -> list[WorkItem]:
    """Every current measure the viewer's unit is responsible for, most urgent first.

    Overdue measures come first (longest overdue first), then those due soon (earliest
    first), then the rest in plan and document order. Office people (even a reviewer working
    in a unit) do no unit work: empty.
    """
    if viewer.is_office or viewer.unit_id is None or viewer.unit_name is None:
        return []
    items: list[WorkItem] = []
    with uow:
        session = uow.session
        for plan_index, plan in enumerate(_plans_of_unit(session, viewer.unit_id, viewer.zone_id)):
            progress = plan_progress(session, plan, today)
            order = {row.id: position for position, row in enumerate(progress.rows)}
            counts: dict[int | None, int] = {
                mid: n
                for mid, n in session.execute(
                    select(Evidence.measure_id, func.count())
                    .join(Measure, Measure.id == Evidence.measure_id)
                    .where(
                        Measure.plan_id == plan.id,
                        Evidence.superseded_by_id.is_(None),
                        Evidence.removed_at.is_(None),
                    )
                    .group_by(Evidence.measure_id)
                )
            }
            for row in progress.rows_for(viewer):
                items.append(
                    WorkItem(
                        measure_id=row.id,
                        plan_key=plan.key,
                        plan_title=plan.title,
                        ref=row.ref,
                        title=row.title,
                        section=row.section,
                        state=row.state,
                        state_label=row.state_label,
                        role="lead" if viewer.unit_name in row.lead else "co",
                        units=row.units,
                        deadline=row.deadline,
                        overdue=row.overdue,
                        due_soon=row.due_soon,
                        rectification_due=row.rectification_due,
                        evidence_count=counts.get(row.id, 0),
                        position=plan_index * 100_000 + order[row.id],
                        escalation=next(
                            (p.escalation for p in row.unit_escalations if p.unit_id == viewer.unit_id),
                            row.escalation,
                        ),
                    )
                )

    def urgency(item: WorkItem) -> tuple[int, int, int]:
        if item.overdue:
            return (0, -item.days_late, item.position)
        if item.due_soon is not None:
            return (1, item.due_soon.toordinal(), item.position)
        return (2, 0, item.position)

    return sorted(items, key=urgency)


def worklist_counts(items: list[WorkItem]) -> dict[str, int]:
    """The figures at the top of the unit's home page."""
    return {
        "total": len(items),
        "lead": sum(1 for i in items if i.role == "lead"),
        "overdue": sum(1 for i in items if i.overdue),
        "due_soon": sum(1 for i in items if i.due_soon is not None),
        "planned": sum(1 for i in items if i.state == MeasureState.PLANNED.value),
        "in_progress": sum(1 for i in items if i.state == MeasureState.IN_PROGRESS.value),
        "rectifying": sum(1 for i in items if i.display_state is DisplayState.RECTIFYING),
        "self_checked": sum(1 for i in items if i.state == MeasureState.SELF_CHECKED.value),
        "accepted": sum(1 for i in items if i.state == MeasureState.ACCEPTED.value),
    }


# ------------------------------------------------------------------------------ one measure


def _load(session: Session, measure_id: int) -> Measure:
    """The measure with everything `measure_work` reads, in a fixed number of queries."""
    measure = measure_with_work(session, measure_id)
    assert measure is not None, "opened just before, in the same transaction"
    return measure


def _accepted(check: Callable[[], None]) -> bool:
    """Whether a service rule lets the action through (it raises Refused when not)."""
    try:
        check()
    except Refused:
        return False
    return True


@dataclass(frozen=True)
class PlanBrief:
    id: int
    key: str
    title: str


@dataclass(frozen=True)
class UnitName:
    name: str
    lead: bool


@dataclass(frozen=True)
class Lateness:
    overdue: tuple[obligations.Overdue, ...]
    due_soon: dt.date | None


@dataclass(frozen=True)
class LastReturn:
    comment: str
    level_name: str
    by: str
    rectification_due: dt.date | None


@dataclass(frozen=True)
class ItemShort:
    number: int
    text: str
    needed: int
    have: int


@dataclass(frozen=True)
class SelfCheckFacts:
    """What still stands in the way of the self-check (only while in progress)."""

    pending_parts: tuple[str, ...]
    unmapped_groups: tuple[str, ...]
    items_short: tuple[ItemShort, ...]
    missing_years: tuple[int, ...]
    ongoing_without_dated_evidence: bool


@dataclass(frozen=True)
class Can:
    """What the actor may do now (the services decide again when the command arrives)."""

    start: bool
    add_evidence: bool
    mark_part: bool
    part_done: bool  # the actor's unit's part is marked done
    submit: bool
    withdraw: bool
    replace: tuple[int, ...]  # evidence the actor may replace
    remove: tuple[int, ...]  # evidence the actor may remove


@dataclass(frozen=True)
class MeasureDetail(MeasureWork):
    """One measure and its work, with its lateness and what the viewer may do now."""

    id: int
    ident: str  # PLAN_KEY/REF, for display
    label: str
    version: int
    plan: PlanBrief
    unit_names: tuple[UnitName, ...]
    progress: Lateness
    last_return: LastReturn | None
    self_check_facts: SelfCheckFacts | None
    can: Can
    why_not: dict[str, str | None]  # unit_work, submit: the refusal's reason, if any


def measure_detail(uow: UnitOfWork, viewer: Actor, measure_id: int, today: dt.date) -> MeasureDetail:
    """One measure and its work, plus its lateness and what `viewer` may do now.

    Refused (audited) when the viewer may not see it, NotFound when there is no such measure.
    """
    return run_read(
        uow, viewer, "view", measure_target(measure_id), partial(_detail, viewer, measure_id, today)
    )


def _detail(actor: Actor, measure_id: int, today: dt.date, session: Session) -> MeasureDetail:
    open_measure_by_id(session, actor, measure_id)
    measure = _load(session, measure_id)
    members = members_for(session, [measure])
    work = measure_work(measure, members)
    units = measure_units(session, measure, members)
    responsibility = units.responsibility
    period = plan_period(session, measure.plan)
    dates = measure_dates(measure)
    late = obligations.overdue(dates, period, today)
    soon = None if late else obligations.due_soon(dates, period, today)

    state = measure.state
    live = measure.retired_at is None
    allowed = allowed_actions(state) if live else []
    unit_refusal = refusal(actor, Work.UNIT_WORK, responsibility)
    submit_refusal = refusal(actor, Work.SUBMIT, responsibility)
    writable = live and _accepted(
        partial(evidence_service.check_writable, session, actor, measure)
    )
    current_round = open_round(measure)
    own_part = next(
        (p for p in measure.parts if actor.unit_id is not None and p.unit_id == actor.unit_id),
        None,
    )
    in_progress = state is MeasureState.IN_PROGRESS and live
    replace: list[int] = []
    remove: list[int] = []
    for e in measure.evidence:
        if not (writable and e.current):
            continue
        # The evidence service's own rule: a unit changes only what it handed in, the
        # lead unit may tidy everything.
        if _accepted(partial(evidence_service.check_own_evidence, session, actor, e)):
            replace.append(e.id)
            if not measure.self_checks:
                remove.append(e.id)
    facts = None
    if in_progress:
        request = submission_request(session, measure, "", today)
        facts = SelfCheckFacts(
            pending_parts=tuple(request.pending_parts),
            unmapped_groups=tuple(request.unmapped_groups),
            items_short=tuple(ItemShort(s.position, s.text, s.needed, s.have) for s in request.items_short),
            missing_years=tuple(request.missing_years),
            ongoing_without_dated_evidence=request.ongoing_without_dated_evidence,
        )
    returns = [r for sc in measure.self_checks for r in sc.reviews if r.verdict is Verdict.RETURN]
    last = returns[-1] if returns else None
    return MeasureDetail(
        **{f.name: getattr(work, f.name) for f in fields(MeasureWork)},
        id=measure.id,
        ident=target_of(measure),
        label=measure.label,
        version=measure.version_id,
        plan=PlanBrief(measure.plan.id, measure.plan.key, measure.plan.title),
        unit_names=tuple(UnitName(u.name, u.lead) for u in work.responsible),
        progress=Lateness(tuple(late), soon),
        last_return=None
        if last is None
        else LastReturn(last.comment, last.level_name, last.person.name, last.rectification_due),
        self_check_facts=facts,
        can=Can(
            start=Action.START in allowed and unit_refusal is None,
            add_evidence=writable,
            mark_part=in_progress and unit_refusal is None,
            part_done=own_part is not None and own_part.done_at is not None,
            submit=Action.SUBMIT_SELF_CHECK in allowed and submit_refusal is None,
            withdraw=Action.WITHDRAW in allowed
            and submit_refusal is None
            and current_round is not None
            and not current_round.reviews,
            replace=tuple(replace),
            remove=tuple(remove),
        ),
        why_not={"unit_work": unit_refusal, "submit": submit_refusal},
    )


def inline_viewable(media_type: str | None) -> bool:
    return media_type in INLINE_TYPES
