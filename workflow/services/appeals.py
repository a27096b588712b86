"""Appeals (申诉) on a return for rectification: a unit files one, the office answers once.
One audited transaction each; a refusal changes nothing but the log.

The rules are `workflow.domain.appeals`. Answering never changes the measure's state; an upheld
appeal on the ground 暂无法解决需持续跟进 may carry a later rectification date, recorded as an
approved extension (`workflow.services.extensions.extend`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain import appeals as rules
from workflow.domain.appeals import ANSWER_LABELS, GROUND_LABELS, AppealGround, AppealState
from workflow.domain.extensions import (
    MAX_REASON,
    ExtensionState,
    ExtensionTarget,
    check_new_date,
    clean_text,
)
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import MeasureState, Verdict
from workflow.errors import NotFound, Refused
from workflow.models import Appeal, ExtensionRequest, Measure, Review, SelfCheck, utcnow
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
from workflow.services.extensions import (
    acceptance_end,
    deadline_facts,
    extend,
    office_link,
    tell,
    unit_link,
)
from workflow.services.visibility import require_plan


@dataclass(frozen=True)
class AppealOutcome:
    id: int
    measure: str  # PLAN_KEY/REF
    state: AppealState
    message: str


def latest_return(session: Session, measure_id: int) -> Review | None:
    """The measure's most recent 退回整改 verdict."""
    return session.scalar(
        select(Review)
        .join(SelfCheck)
        .where(SelfCheck.measure_id == measure_id, Review.verdict == Verdict.RETURN)
        .order_by(Review.id.desc())
        .limit(1)
    )


def _label(number: int) -> str:
    return f"申诉 #{number}"


def _facts(appeal: Appeal, measure: Measure, unit: str, return_comment: str) -> texts.AppealFacts:
    return texts.AppealFacts(
        number=appeal.id,
        measure=target_of(measure),
        title=measure.title,
        unit=unit,
        ground=GROUND_LABELS[appeal.ground],
        reason=appeal.reason,
        return_comment=return_comment,
    )


def file_appeal(
    uow: UnitOfWork, actor: Actor | None, measure_id: int, *, ground: AppealGround, reason: str
) -> AppealOutcome:
    """A member of one of the measure's units appeals against its latest return."""
    person = person_required(actor)
    reason = clean_text(reason, "申诉理由")

    def work(session: Session, chain: AuditChain) -> AppealOutcome:
        measure, units = open_measure_by_id(session, person, measure_id)
        authorize(person, Work.UNIT_WORK, units.responsibility)
        review = latest_return(session, measure.id)
        appealed = review is not None and session.scalar(
            select(Appeal.id).where(Appeal.review_id == review.id)
        ) is not None
        rules.check_filing(
            rules.ReturnFacts(
                label=measure.label,
                rectifying=deadline_facts(measure).rectifying and review is not None,
                accepted=measure.state is MeasureState.ACCEPTED,
                appealed_before=appealed,
            )
        )
        assert review is not None  # check_filing refused a measure never returned
        appeal = Appeal(
            measure_id=measure.id,
            review_id=review.id,
            ground=ground,
            reason=reason,
            filed_by_id=person.id,
            unit_id=person.unit_id,
        )
        session.add(appeal)
        try:
            session.flush()
        except IntegrityError:  # another appeal on the same return filed at the same moment won
            raise Refused(f"{measure.label}的本次退回整改已提出过申诉,不能重复申诉", code="appeal_exists") from None
        chain.append(
            person,
            "appeal_file",
            target_of(measure),
            comment=reason,
            detail={"appeal": appeal.id, "review": review.id, "ground": ground.value},
        )
        message = texts.appeal_filed(_facts(appeal, measure, person.unit_name or "", review.comment))
        tell(session, office_people(session, measure.plan.zone_id), "appeal_filed", f"appeal_filed:{appeal.id}", message,
             link=office_link(measure))
        return AppealOutcome(
            appeal.id,
            target_of(measure),
            appeal.state,
            f"{measure.label}:已对退回整改提出申诉({GROUND_LABELS[ground]},{_label(appeal.id)},待办公室答复)",
        )

    return run_audited(uow, person, "appeal_file", measure_target(measure_id), work)


def appeal_target(appeal_id: int) -> Callable[[Session], str]:
    """An appeal is logged under its measure (it shows in the measure's history)."""

    def name(session: Session) -> str:
        appeal = session.get(Appeal, appeal_id)
        return measure_target(appeal.measure_id)(session) if appeal is not None else _label(appeal_id)

    return name


def answer_appeal(
    uow: UnitOfWork,
    actor: Actor | None,
    appeal_id: int,
    *,
    uphold: bool,
    note: str,
    new_due: dt.date | None = None,
    plan_id: int | None = None,
) -> AppealOutcome:
    """The office answers an appeal once: 采纳 or 不予采纳, with its answer; an upheld
    需持续跟进 may move the rectification date (an approved extension)."""
    person = person_required(actor)
    note = clean_text(note, "答复意见")

    def work(session: Session, chain: AuditChain) -> AppealOutcome:
        if plan_id is not None:  # the page's plan: another zone's is Hidden
            plan_by_id(session, person, plan_id)
        appeal = session.get(Appeal, appeal_id, options=[selectinload(Appeal.unit), selectinload(Appeal.review)])
        missing = NotFound(f"找不到编号为 {appeal_id} 的申诉", code="appeal_missing")
        if appeal is None:
            raise missing
        measure = measure_by_id(session, None, appeal.measure_id)
        require_plan(person, measure.plan, missing)
        if plan_id not in (None, measure.plan_id):
            raise missing
        authorize(person, Work.REVIEW, measure_units(session, measure).responsibility)
        label = _label(appeal.id)
        rules.check_answer(label, appeal.state, ground=appeal.ground, upheld=uphold, gives_date=new_due is not None)
        if new_due is not None:
            _extend_rectification(session, person, appeal, measure, new_due)
        appeal.state, appeal.upheld, appeal.answer = AppealState.ANSWERED, uphold, note
        appeal.answered_by_id, appeal.answered_at = person.id, utcnow()
        chain.append(
            person,
            "appeal_uphold" if uphold else "appeal_dismiss",
            target_of(measure),
            comment=note,
            detail={"appeal": appeal.id, "ground": appeal.ground.value,
                    "rectification_due": new_due.isoformat() if new_due else None},
        )
        unit = appeal.unit.name if appeal.unit else ""
        message = texts.appeal_answered(
            _facts(appeal, measure, unit, appeal.review.comment), upheld=uphold, answer=note, new_due=new_due
        )
        recipients = unit_people(session, [appeal.unit_id]) if appeal.unit_id is not None else []
        tell(session, recipients, "appeal_answered", f"appeal_answered:{appeal.id}", message, link=unit_link(measure))
        session.flush()
        moved = f";整改期限延至 {new_due.isoformat()}" if new_due else ""
        return AppealOutcome(
            appeal.id, target_of(measure), appeal.state, f"{label}({measure.label})已答复:{ANSWER_LABELS[uphold]}{moved}"
        )

    return run_audited(uow, person, "appeal_answer", appeal_target(appeal_id), work)


def _extend_rectification(session: Session, person: Actor, appeal: Appeal, measure: Measure, to: dt.date) -> None:
    """An upheld 需持续跟进: the later rectification date as an approved extension."""
    facts = deadline_facts(measure)
    if not facts.rectifying or facts.rectification_due is None:
        raise Refused(f"{measure.label}已不在整改中,不能再延长整改期限", code="appeal_not_returned")
    current = facts.rectification_due
    check_new_date(measure.label, current, to, acceptance_end(measure))
    session.add(
        ExtensionRequest(
            measure_id=measure.id,
            target=ExtensionTarget.RECTIFICATION,
            from_date=current,
            requested_to=to,
            approved_to=to,
            reason=f"申诉采纳({GROUND_LABELS[appeal.ground]}):{appeal.reason}"[:MAX_REASON],
            state=ExtensionState.APPROVED,
            requested_by_id=appeal.filed_by_id,
            unit_id=appeal.unit_id,
            decided_by_id=person.id,
            decided_at=utcnow(),
            appeal_id=appeal.id,
        )
    )
    extend(measure, ExtensionTarget.RECTIFICATION, to)
