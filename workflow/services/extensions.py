"""Extensions (延期) as workflow actions: a lead unit requests, the office approves or rejects,
the requester withdraws. One audited transaction each; a refusal changes nothing but the log.

The rules are `workflow.domain.extensions`; an approval moves the measure's date and keeps the
original (`Measure.original_due_on` / `original_rectification_due`, set at the first approved
extension of each, and `extension_count`), never its state. Messages are queued with the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain import extensions as rules
from workflow.domain.extensions import (
    EXTENSION_STATE_LABELS,
    TARGET_LABELS,
    ExtensionAction,
    ExtensionState,
    ExtensionTarget,
)
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import MeasureState
from workflow.errors import NotFound, Refused
from workflow.models import ExtensionRequest, Measure, Person, utcnow
from workflow.notify.outbox import enqueue
from workflow.notify.recipients import office_people, unit_people
from workflow.notify.texts import extensions as texts
from workflow.read.plans import plan_by_id
from workflow.services.acting import (
    measure_by_id,
    measure_target,
    measure_units,
    open_measure_by_id,
    person_required,
    run_audited,
    target_of,
)
from workflow.services.audit_log import AuditChain
from workflow.services.visibility import require_plan


@dataclass(frozen=True)
class ExtensionOutcome:
    """What a command did, for the CLI or a page to say."""

    id: int
    measure: str  # PLAN_KEY/REF
    state: ExtensionState
    message: str


def deadline_facts(measure: Measure) -> rules.DeadlineFacts:
    return rules.DeadlineFacts(
        label=measure.label,
        deadline_kind=measure.deadline_kind,
        due_on=measure.due_on,
        rectification_due=measure.rectification_due,
        rectifying=measure.state is MeasureState.IN_PROGRESS and measure.rectification_due is not None,
        open=measure.state in (MeasureState.PLANNED, MeasureState.IN_PROGRESS),
    )


def acceptance_end(measure: Measure) -> dt.date | None:
    phase = measure.plan.acceptance_phase()
    return phase.end_on if phase is not None else None


def current_date(measure: Measure, target: ExtensionTarget) -> dt.date | None:
    return measure.due_on if target is ExtensionTarget.DUE else measure.rectification_due


def extend(measure: Measure, target: ExtensionTarget, to: dt.date) -> None:
    """Move the measure's date, keeping the original at the first extension of it."""
    if target is ExtensionTarget.DUE:
        if measure.original_due_on is None:
            measure.original_due_on = measure.due_on
        measure.due_on = to
    else:
        if measure.original_rectification_due is None:
            measure.original_rectification_due = measure.rectification_due
        measure.rectification_due = to
    measure.extension_count = (measure.extension_count or 0) + 1
    measure.updated_at = utcnow()  # bumps the version: a page that read the old date is stale


def _label(number: int) -> str:
    return f"延期申请 #{number}"


def _facts(row: ExtensionRequest, measure: Measure, unit: str) -> texts.ExtensionFacts:
    return texts.ExtensionFacts(
        number=row.id,
        measure=target_of(measure),
        title=measure.title,
        unit=unit,
        what=TARGET_LABELS[row.target],
        from_date=row.from_date,
        requested_to=row.requested_to,
        reason=row.reason,
    )


def tell(session: Session, people: list[Person], kind: str, key: str, message: texts.Message, *, link: str) -> None:
    """Queue one event's message to each of `people`, in the caller's transaction; `link` is
    the page the in-app copy opens (the office's 延期与申诉 tab, or the unit's measure page)."""
    subject, body = message
    for person in people:
        enqueue(session, person, event_kind=kind, event_key=key, subject=subject, body=body, link=link)


def office_link(measure: Measure) -> str:
    return f"/office/plans/{measure.plan_id}/extensions"


def unit_link(measure: Measure) -> str:
    return f"/measures/{measure.id}"


def request_extension(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    to: dt.date,
    reason: str,
    today: dt.date | None = None,
) -> ExtensionOutcome:
    """A member of the measure's lead unit asks, before the deadline, to move it to `to`."""
    today = today or office_today()
    person = person_required(actor)
    reason = rules.clean_text(reason, "延期理由")

    def work(session: Session, chain: AuditChain) -> ExtensionOutcome:
        measure, units = open_measure_by_id(session, person, measure_id)
        if measure.retired_at is not None:
            raise Refused(f"{measure.label}已不在现行方案中(已撤销),不能再办理", code="retired")
        authorize(person, Work.UNIT_WORK, units.responsibility)
        if person.unit_id not in units.responsibility.lead_unit_ids:
            raise Refused(
                f"{person.describe()}所在单位不是{measure.label}的牵头单位,只有牵头单位可以申请延期",
                code="not_lead",
            )
        open_requests = session.scalar(
            select(func.count())
            .select_from(ExtensionRequest)
            .where(ExtensionRequest.measure_id == measure.id, ExtensionRequest.state == ExtensionState.REQUESTED)
        )
        target, current = rules.check_request(
            deadline_facts(measure),
            today=today,
            wanted=to,
            acceptance_end=acceptance_end(measure),
            open_requests=open_requests or 0,
        )
        row = ExtensionRequest(
            measure_id=measure.id,
            target=target,
            from_date=current,
            requested_to=to,
            reason=reason,
            requested_by_id=person.id,
            unit_id=person.unit_id,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:  # another request filed at the same moment won
            raise Refused(
                f"{measure.label}已有一份申请中的延期,请等待办公室决定或先撤回", code="extension_open"
            ) from None
        chain.append(
            person,
            "extension_request",
            target_of(measure),
            comment=reason,
            detail={"extension": row.id, "target": target.value, "from": current.isoformat(), "to": to.isoformat()},
        )
        message = texts.extension_requested(_facts(row, measure, person.unit_name or ""))
        tell(session, office_people(session, measure.plan.zone_id), "extension_requested", f"extension_requested:{row.id}", message,
             link=office_link(measure))
        return ExtensionOutcome(
            row.id,
            target_of(measure),
            row.state,
            f"{measure.label}:已申请将{TARGET_LABELS[target]}由 {current.isoformat()} 延至 {to.isoformat()}"
            f"({_label(row.id)},待办公室审批)",
        )

    return run_audited(uow, person, "extension_request", measure_target(measure_id), work)


def _open_request(
    session: Session, viewer: Actor, extension_id: int, *, plan_id: int | None = None, measure_id: int | None = None
) -> tuple[ExtensionRequest, Measure]:
    """Request number `extension_id` of a plan `viewer` sees: another zone's is Hidden in the
    words of a missing one. A page names the plan or measure it shows in its address: that is
    opened first (another zone's is Hidden), and a request of another is missing."""
    if plan_id is not None:
        plan_by_id(session, viewer, plan_id)
    if measure_id is not None:
        open_measure_by_id(session, viewer, measure_id)
    row = session.get(ExtensionRequest, extension_id, options=[selectinload(ExtensionRequest.unit)])
    missing = NotFound(f"找不到编号为 {extension_id} 的延期申请", code="extension_missing")
    if row is None or measure_id not in (None, row.measure_id):
        raise missing
    measure = measure_by_id(session, None, row.measure_id)
    require_plan(viewer, measure.plan, missing)
    if plan_id not in (None, measure.plan_id):
        raise missing
    return row, measure


def extension_target(extension_id: int) -> Callable[[Session], str]:
    """A request is logged under its measure (it shows in the measure's history)."""

    def name(session: Session) -> str:
        row = session.get(ExtensionRequest, extension_id)
        return measure_target(row.measure_id)(session) if row is not None else _label(extension_id)

    return name


def decide_extension(
    uow: UnitOfWork,
    actor: Actor | None,
    extension_id: int,
    *,
    approve: bool,
    note: str = "",
    to: dt.date | None = None,
    plan_id: int | None = None,
) -> ExtensionOutcome:
    """The office of the plan's zone (or of a review level's) approves, possibly with an
    earlier date than asked, or rejects with a note."""
    person = person_required(actor)
    action = ExtensionAction.APPROVE if approve else ExtensionAction.REJECT
    note = rules.clean_text(note, "审批意见" if approve else "不予批准的理由", required=not approve)

    def work(session: Session, chain: AuditChain) -> ExtensionOutcome:
        row, measure = _open_request(session, person, extension_id, plan_id=plan_id)
        units = measure_units(session, measure)
        authorize(person, Work.REVIEW, units.responsibility)
        label = _label(row.id)
        rules.decide(row, action, label)
        approved: dt.date | None = None
        if approve:
            current = current_date(measure, row.target)
            if current != row.from_date or (
                row.target is ExtensionTarget.RECTIFICATION and not deadline_facts(measure).rectifying
            ):
                raise Refused(
                    f"{measure.label}的{TARGET_LABELS[row.target]}已不是申请时的 {row.from_date.isoformat()},"
                    f"{label}不能再批准;请不予批准,由单位按现行期限重新申请",
                    code="extension_stale",
                )
            approved = rules.approved_date(label, row.requested_to, to, current)
            rules.check_new_date(measure.label, current, approved, acceptance_end(measure))
            row.approved_to = approved
            extend(measure, row.target, approved)
        row.decided_by_id, row.decided_at, row.note = person.id, utcnow(), note
        chain.append(
            person,
            f"extension_{action.value}",
            target_of(measure),
            comment=note,
            detail={"extension": row.id, "target": row.target.value, "from": row.from_date.isoformat(),
                    "to": approved.isoformat() if approved else None},
        )
        unit = row.unit.name if row.unit else ""
        message = texts.extension_decided(_facts(row, measure, unit), approved_to=approved, note=note)
        recipients = unit_people(session, [row.unit_id]) if row.unit_id is not None else []
        tell(session, recipients, "extension_decided", f"extension_decided:{row.id}", message, link=unit_link(measure))
        session.flush()
        said = f",{TARGET_LABELS[row.target]}延至 {approved.isoformat()}" if approved else ""
        return ExtensionOutcome(
            row.id, target_of(measure), row.state, f"{label}({measure.label}){EXTENSION_STATE_LABELS[row.state]}{said}"
        )

    return run_audited(uow, person, f"extension_{action.value}", extension_target(extension_id), work)


def withdraw_extension(
    uow: UnitOfWork, actor: Actor | None, extension_id: int, *, measure_id: int | None = None
) -> ExtensionOutcome:
    """The requesting unit takes back a request the office has not decided."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> ExtensionOutcome:
        row, measure = _open_request(session, person, extension_id, measure_id=measure_id)
        label = _label(row.id)
        if person.unit_id is None or person.unit_id != row.unit_id:
            raise Refused(f"{person.describe()}不是{label}的申请单位,不能撤回", code="not_requester")
        rules.decide(row, ExtensionAction.WITHDRAW, label)
        row.decided_by_id, row.decided_at = person.id, utcnow()
        chain.append(
            person,
            "extension_withdraw",
            target_of(measure),
            detail={"extension": row.id},
        )
        session.flush()
        return ExtensionOutcome(row.id, target_of(measure), row.state, f"{label}({measure.label})已撤回")

    return run_audited(uow, person, "extension_withdraw", extension_target(extension_id), work)
