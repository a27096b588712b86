"""Extension requests (延期) and appeals (申诉) as people read them: a plan's (the office's
延期与申诉 tab, `extension list` / `appeal list`) and one measure's (its page's history).

The office and the plan's experts see every request of a plan they see; a unit member sees
its own unit's requests only, and a measure's only if the unit may open that measure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from checklists.kinds import DeadlineKind
from workflow.db import UnitOfWork
from workflow.domain.appeals import ANSWER_LABELS, APPEAL_STATE_LABELS, GROUND_LABELS, AppealState
from workflow.domain.extensions import (
    EXTENSION_STATE_LABELS,
    TARGET_LABELS,
    DeadlineFacts,
    ExtensionState,
    extension_target,
    request_refusal,
)
from workflow.domain.permissions import Actor
from workflow.domain.states import DisplayState, MeasureState, Role
from workflow.errors import Refused
from workflow.models import Appeal, ExtensionRequest, Measure, Person, Plan, Review, Unit
from workflow.read.plans import plan_by_id
from workflow.read.worklist import MeasureDetail
from workflow.services.acting import measure_target, open_measure_by_id, plan_target, run_read

MAX_LISTED = 1000  # a plan's requests, newest first


@dataclass(frozen=True)
class ExtensionView:
    id: int
    measure_id: int
    measure: str  # PLAN_KEY/REF
    ref: str
    title: str
    target: str  # due_on / rectification_due
    target_label: str  # 完成期限 / 整改期限
    from_date: dt.date
    requested_to: dt.date
    approved_to: dt.date | None
    reason: str
    state: str
    state_label: str
    unit: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    note: str
    appeal_id: int | None

    @property
    def open(self) -> bool:
        return self.state == ExtensionState.REQUESTED.value


@dataclass(frozen=True)
class AppealView:
    id: int
    measure_id: int
    measure: str
    ref: str
    title: str
    ground: str
    ground_label: str
    reason: str
    return_comment: str
    rectification_due: dt.date | None  # as the return set it
    state: str
    state_label: str
    answer_label: str  # 采纳 / 不予采纳, "" while pending
    answer: str
    unit: str
    filed_by: str
    filed_at: dt.datetime
    answered_by: str
    answered_at: dt.datetime | None

    @property
    def open(self) -> bool:
        return self.state == AppealState.PENDING.value


@dataclass(frozen=True)
class Requests:
    extensions: list[ExtensionView]
    appeals: list[AppealView]


def plan_requests(uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, action: str = "view") -> Requests:
    """Every extension request and appeal of plan `plan_id` that `viewer` may read, newest first."""

    def read(session: Session) -> Requests:
        plan = plan_by_id(session, viewer, plan_id)
        own_unit = viewer.unit_id if viewer is not None and viewer.role is Role.MEMBER else None
        only_unit = viewer is not None and viewer.role is Role.MEMBER
        return Requests(
            _extensions(session, Measure.plan_id == plan.id, own_unit, only_unit),
            _appeals(session, Measure.plan_id == plan.id, own_unit, only_unit),
        )

    return run_read(uow, viewer, action, plan_target(plan_id), read)


def measure_requests(uow: UnitOfWork, viewer: Actor | None, measure_id: int, *, action: str = "view") -> Requests:
    """The extension requests and appeals of one measure, if `viewer` may open it."""

    def read(session: Session) -> Requests:
        measure, _ = open_measure_by_id(session, viewer, measure_id)
        return Requests(
            _extensions(session, Measure.id == measure.id, None, False),
            _appeals(session, Measure.id == measure.id, None, False),
        )

    return run_read(uow, viewer, action, measure_target(measure_id), read)


def _extensions(session: Session, where: ColumnElement[bool], own_unit: int | None, only_unit: bool) -> list[ExtensionView]:
    requester, decider = aliased(Person), aliased(Person)
    query = (
        select(ExtensionRequest, Measure.ref, Measure.title, Plan.key, Unit.name, requester.name, decider.name)
        .join(Measure, Measure.id == ExtensionRequest.measure_id)
        .join(Plan, Plan.id == Measure.plan_id)
        .join(requester, requester.id == ExtensionRequest.requested_by_id)
        .outerjoin(decider, decider.id == ExtensionRequest.decided_by_id)
        .outerjoin(Unit, Unit.id == ExtensionRequest.unit_id)
        .where(where)
        .order_by(ExtensionRequest.id.desc())
        .limit(MAX_LISTED)
    )
    if only_unit:
        query = query.where(ExtensionRequest.unit_id == own_unit)
    rows = session.execute(query)
    return [
        ExtensionView(
            id=e.id, measure_id=e.measure_id, measure=f"{key}/{ref}", ref=ref, title=title,
            target=e.target.value, target_label=TARGET_LABELS[e.target], from_date=e.from_date,
            requested_to=e.requested_to, approved_to=e.approved_to, reason=e.reason, state=e.state.value,
            state_label=EXTENSION_STATE_LABELS[e.state], unit=unit or "", requested_by=asker,
            requested_at=e.requested_at, decided_by=decider_name or "", decided_at=e.decided_at, note=e.note,
            appeal_id=e.appeal_id,
        )
        for e, ref, title, key, unit, asker, decider_name in rows
    ]


def _appeals(session: Session, where: ColumnElement[bool], own_unit: int | None, only_unit: bool) -> list[AppealView]:
    filer, answerer = aliased(Person), aliased(Person)
    query = (
        select(Appeal, Measure.ref, Measure.title, Plan.key, Unit.name, filer.name, answerer.name, Review)
        .join(Measure, Measure.id == Appeal.measure_id)
        .join(Plan, Plan.id == Measure.plan_id)
        .join(Review, Review.id == Appeal.review_id)
        .join(filer, filer.id == Appeal.filed_by_id)
        .outerjoin(answerer, answerer.id == Appeal.answered_by_id)
        .outerjoin(Unit, Unit.id == Appeal.unit_id)
        .where(where)
        .order_by(Appeal.id.desc())
        .limit(MAX_LISTED)
    )
    if only_unit:
        query = query.where(Appeal.unit_id == own_unit)
    rows = session.execute(query)
    return [
        AppealView(
            id=a.id, measure_id=a.measure_id, measure=f"{key}/{ref}", ref=ref, title=title,
            ground=a.ground.value, ground_label=GROUND_LABELS[a.ground], reason=a.reason,
            return_comment=review.comment, rectification_due=review.rectification_due, state=a.state.value,
            state_label=APPEAL_STATE_LABELS[a.state], answer_label=ANSWER_LABELS[a.upheld] if a.upheld is not None else "",
            answer=a.answer, unit=unit or "", filed_by=who, filed_at=a.filed_at, answered_by=answerer_name or "",
            answered_at=a.answered_at,
        )
        for a, ref, title, key, unit, who, answerer_name, review in rows
    ]


@dataclass(frozen=True)
class ExtensionPanel:
    """What a measure's page offers about extensions and appeals: the history, and whether
    (or why not) the viewer's unit may ask for an extension or appeal now."""

    requests: Requests
    target_label: str  # 完成期限 / 整改期限 an extension would move ("" when none)
    current: dt.date | None  # its date now
    request_refusal: str | None  # why no extension can be asked for (None: it can)
    can_appeal: bool  # 整改中 with no appeal waiting for an answer


def extension_panel(detail: MeasureDetail, requests: Requests, today: dt.date) -> ExtensionPanel:
    """The panel of `detail`'s page, from the measure's requests (`measure_requests`)."""
    facts = DeadlineFacts(
        label=detail.label,
        deadline_kind=DeadlineKind(detail.deadline.kind),
        due_on=detail.deadline.due,
        rectification_due=detail.rectification_due,
        rectifying=detail.display_state is DisplayState.RECTIFYING,
        open=detail.state in (MeasureState.PLANNED.value, MeasureState.IN_PROGRESS.value),
    )
    try:
        target, current = extension_target(facts)
        label: str = TARGET_LABELS[target]
    except Refused:
        label, current = "", None
    waiting = sum(1 for e in requests.extensions if e.open)
    refusal = detail.why_not.get("submit") or request_refusal(facts, today=today, open_requests=waiting)
    rectifying = detail.display_state is DisplayState.RECTIFYING
    return ExtensionPanel(
        requests=requests,
        target_label=label,
        current=current,
        request_refusal=refusal,
        can_appeal=rectifying and not detail.why_not.get("unit_work") and not any(a.open for a in requests.appeals),
    )
