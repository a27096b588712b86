"""Use cases that move a measure through its lifecycle: start, parts, self-check, reviews.

Each function is one transaction (see `run_audited`): it checks who may act (permissions),
gathers the facts the guards need, fires the transition on the shared machine, writes the
records that go with it, and appends the audit entry. A refusal changes nothing but the log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from checklists.kinds import DeadlineKind
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain import obligations
from workflow.domain.lifecycle import ItemShortfall, Request, fire, wrong_state
from workflow.domain.permissions import Actor, Work, authorize, level_refusal
from workflow.domain.states import (
    ACTION_LABELS,
    STATE_LABELS,
    Action,
    MeasureState,
    Rating,
    Verdict,
)
from workflow.errors import InputError, Refused
from workflow.models import Measure, MeasurePart, Plan, Review, SelfCheck, utcnow
from workflow.notify.decision_notices import queue_accepted, queue_returned
from workflow.services.acting import (
    MeasureUnits,
    check_version,
    measure_target,
    measure_units,
    open_measure_by_id,
    person_required,
    run_audited,
    target_of,
)
from workflow.services.audit_log import AuditChain
from workflow.services.visibility import zones_of


@dataclass(frozen=True)
class Outcome:
    """What a command did, for the CLI (or web page) to say, and the measure as it now is."""

    target: str  # PLAN_KEY/REF, for display
    action: str
    from_state: MeasureState
    to_state: MeasureState
    message: str
    measure_id: int = 0
    version: int = 0  # after the change: what the next command's expected_version is
    rectification_due: dt.date | None = None


def _settled(session: Session, measure: Measure, outcome: Outcome) -> Outcome:
    """The outcome with the measure's new version, written (flushed) in this transaction."""
    session.flush()
    return dataclasses.replace(
        outcome,
        measure_id=measure.id,
        version=measure.version_id,
        rectification_due=measure.rectification_due,
    )


def plan_period(session: Session, plan: Plan) -> obligations.PlanPeriod:
    latest_due = session.scalar(select(func.max(Measure.due_on)).where(Measure.plan_id == plan.id))
    return obligations.plan_period(
        plan.issued_on,
        [(p.start_on, p.end_on) for p in plan.phases],
        [latest_due] if latest_due else [],
    )


def measure_dates(
    measure: Measure, evidence_dates: Iterable[dt.date] | None = None
) -> obligations.MeasureDates:
    """What the deadline rules decide on: the measure's deadline and state, and the dates of
    its current evidence (`evidence_dates` when the caller read them for many measures at
    once, else from the measure's loaded evidence)."""
    if evidence_dates is None:
        evidence_dates = (e.doc_date for e in measure.evidence if e.current)
    return obligations.MeasureDates(
        deadline_kind=measure.deadline_kind,
        due_on=measure.due_on,
        due_month=measure.due_month,
        due_day=measure.due_day,
        state=measure.state.value,
        rectification_due=measure.rectification_due,
        evidence_dates=tuple(evidence_dates),
    )


def _refuse_if_retired(measure: Measure) -> None:
    if measure.retired_at is not None:
        raise Refused(f"{measure.label}已不在现行方案中(已撤销),不能再办理", code="retired")


def _measure_for(
    session: Session, measure_id: int, actor: Actor, work: Work, expected_version: int | None = None
) -> tuple[Measure, MeasureUnits]:
    """The measure, if `actor` may open it, it is current, unchanged since the caller read it,
    and `actor` may do `work` on it."""
    measure, units = open_measure_by_id(session, actor, measure_id)
    check_version(measure, expected_version)
    _refuse_if_retired(measure)
    authorize(actor, work, units.responsibility)
    return measure, units


def _transition(
    chain: AuditChain,
    actor: Actor,
    measure: Measure,
    action: Action,
    request: Request,
    *,
    comment: str = "",
    detail: Mapping[str, object] | None = None,
) -> Outcome:
    request.measure_label = measure.label
    before, after = fire(measure, action, request)
    target = target_of(measure)
    chain.append(
        actor,
        action.value,
        target,
        from_state=before.value,
        to_state=after.value,
        comment=comment,
        detail=dict(detail or {}),
    )
    message = f"{measure.label}:{STATE_LABELS[before]} → {STATE_LABELS[after]}({ACTION_LABELS[action]})"
    return Outcome(target, action.value, before, after, message)


def start(
    uow: UnitOfWork, actor: Actor | None, measure_id: int, *, expected_version: int | None = None
) -> Outcome:
    """A responsible unit starts work on a planned measure."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.UNIT_WORK, expected_version)
        return _settled(session, measure, _transition(chain, person, measure, Action.START, Request()))

    return run_audited(uow, person, Action.START.value, measure_target(measure_id), work)


def set_part(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    done: bool = True,
    expected_version: int | None = None,
) -> Outcome:
    """The acting person's unit marks its part of the measure done (or not done after all)."""
    action = "part_done" if done else "part_undone"
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, units = _measure_for(session, measure_id, person, Work.UNIT_WORK, expected_version)
        if measure.state is not MeasureState.IN_PROGRESS:
            raise Refused(
                f"{measure.label}当前为“{STATE_LABELS[measure.state]}”,只有推进中的措施可以标记单位部分",
                code="not_started" if measure.state is MeasureState.PLANNED else "wrong_state",
                params={"measure": target_of(measure)},
            )
        assert person.unit_id is not None  # members always belong to a unit
        part = next((p for p in measure.parts if p.unit_id == person.unit_id), None)
        if part is None:
            part = MeasurePart(unit_id=person.unit_id)
            measure.parts.append(part)
        if bool(part.done_at) == done:
            state = "已" if done else "尚未"
            raise Refused(
                f"{person.unit_name}在{measure.label}中的部分{state}标记完成,无需重复操作", code="part_unchanged"
            )
        part.done_at, part.done_by_id = (utcnow(), person.id) if done else (None, None)
        measure.updated_at = utcnow()  # bumps the version: parts count for optimistic locking
        target = target_of(measure)
        chain.append(person, action, target, detail={"unit": person.unit_name})
        pending = [
            name
            for uid, name in units.unit_names.items()
            if not any(p.unit_id == uid and p.done_at for p in measure.parts)
        ]
        left = f";尚待:{'、'.join(pending)}" if pending else ";所有责任单位均已完成"
        what = "已标记完成" if done else "已取消完成标记"
        message = f"{person.unit_name}在{measure.label}中的部分{what}{left}"
        return _settled(session, measure, Outcome(target, action, measure.state, measure.state, message))

    return run_audited(uow, person, action, measure_target(measure_id), work)


def submission_request(
    session: Session, measure: Measure, statement: str, today: dt.date
) -> Request:
    """The facts the self-check guards decide on."""
    units = measure_units(session, measure)
    done = {p.unit_id for p in measure.parts if p.done_at}
    current = [e for e in measure.evidence if e.current]
    short: list[ItemShortfall] = []
    for item in measure.checklist:
        if item.min_evidence <= 0:
            continue
        kinds = set(item.evidence_kinds)
        have = sum(1 for e in current if e.item_id == item.id and e.kind.value in kinds)
        if have < item.min_evidence:
            short.append(ItemShortfall(item.position, item.text, item.min_evidence, have))
    period = plan_period(session, measure.plan)
    dates = measure_dates(measure)
    missing: list[int] = []
    if measure.deadline_kind is DeadlineKind.ANNUAL:
        missing = obligations.missing_years(dates, period, today)
    ongoing_undated = measure.deadline_kind is DeadlineKind.ONGOING and not (
        obligations.evidence_in_period(dates.evidence_dates, period)
    )
    return Request(
        statement=statement,
        pending_parts=[name for uid, name in units.unit_names.items() if uid not in done],
        unmapped_groups=units.unmapped_groups,
        items_short=short,
        missing_years=missing,
        ongoing_without_dated_evidence=ongoing_undated,
    )


def submit_self_check(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    statement: str,
    ratings: Mapping[int, Rating] | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """The lead unit submits the measure's self-check (自查) with its statement and ratings."""
    today = today or office_today()
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.SUBMIT, expected_version)
        positions = {item.position for item in measure.checklist}
        unknown = sorted(set(ratings or {}) - positions)
        if unknown:
            raise InputError(
                f"{measure.label}没有清单第 {'、'.join(map(str, unknown))} 项(共 {len(positions)} 项)"
            )
        given = dict(ratings or {})
        # Items the unit did not rate are rated by their evidence: some → 完成, none → 未完成.
        evidenced = {e.item_id for e in measure.evidence if e.current}
        resolved = {
            str(item.position): (
                given.get(item.position)
                or (Rating.DONE if item.id in evidenced else Rating.NOT_DONE)
            ).value
            for item in measure.checklist
        }
        request = submission_request(session, measure, statement, today)
        outcome = _transition(
            chain,
            person,
            measure,
            Action.SUBMIT_SELF_CHECK,
            request,
            comment=statement,
            detail={"ratings": resolved},
        )
        rounds = len(measure.self_checks)
        measure.self_checks.append(
            SelfCheck(
                round=rounds + 1,
                statement=statement.strip(),
                ratings=resolved,
                person_id=person.id,
                unit_id=person.unit_id,
            )
        )
        measure.rectification_due = None
        measure.original_rectification_due = None  # a later return starts a new rectification
        return _settled(session, measure, outcome)

    return run_audited(uow, person, Action.SUBMIT_SELF_CHECK.value, measure_target(measure_id), work)


def open_round(measure: Measure) -> SelfCheck | None:
    """The self-check under review: the latest one, unless it was withdrawn."""
    latest = measure.self_checks[-1] if measure.self_checks else None
    return latest if latest is not None and latest.withdrawn_at is None else None


def withdraw(
    uow: UnitOfWork, actor: Actor | None, measure_id: int, *, expected_version: int | None = None
) -> Outcome:
    """The lead unit takes back its self-check before any review level has decided."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.SUBMIT, expected_version)
        current = open_round(measure)
        request = Request(reviews_in_round=len(current.reviews) if current else 0)
        outcome = _transition(chain, person, measure, Action.WITHDRAW, request)
        if current is not None:
            current.withdrawn_at = utcnow()
        return _settled(session, measure, outcome)

    return run_audited(uow, person, Action.WITHDRAW.value, measure_target(measure_id), work)


def _reviewable(measure: Measure, action: Action) -> SelfCheck:
    current = open_round(measure)
    if measure.state is not MeasureState.SELF_CHECKED or current is None:
        raise wrong_state(measure.label, measure.state, action)
    return current


def level_name(levels: list[str], level: int) -> str:
    # The office may cut the levels back while a round has passed more of them than remain;
    # the next verdict is then beyond the list (and a pass accepts, by the guard).
    return levels[level - 1] if level <= len(levels) else f"第 {level} 级审核"


def accept(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    score: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> Outcome:
    """A review level passes the self-check; the last level's pass accepts the measure."""
    _check_score(score)
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.REVIEW, expected_version)
        current = _reviewable(measure, Action.ACCEPT)
        levels = list(measure.plan.review_levels) or ["领导小组办公室审核"]
        passed = [r for r in current.reviews if r.verdict is Verdict.PASS]
        if any(r.person_id == person.id for r in passed):
            raise Refused(
                f"{person.describe()}已在本轮通过了{measure.label}的“{passed[-1].level_name}”,"
                "下一级审核须由其他审核人进行",
                code="passed_earlier_level",
            )
        level = len(passed) + 1
        _check_level(person, measure, level, level_name(levels, level))
        review = Review(
            level=level,
            level_name=level_name(levels, level),
            verdict=Verdict.PASS,
            comment=comment.strip(),
            score=score,
            person_id=person.id,
        )
        current.reviews.append(review)
        detail = {"level": level, "level_name": review.level_name, "score": score}
        if level < len(levels):
            target = target_of(measure)
            chain.append(
                person,
                "review_pass",
                target,
                from_state=measure.state.value,
                to_state=measure.state.value,
                comment=comment,
                detail=detail,
            )
            measure.updated_at = utcnow()
            passed_level = Outcome(
                target,
                "review_pass",
                measure.state,
                measure.state,
                f"{measure.label}:{review.level_name}通过(第 {level}/{len(levels)} 级),"
                f"待{levels[level]}",
            )
            return _settled(session, measure, passed_level)
        request = Request(levels_passed=level, levels_required=len(levels))
        outcome = _transition(chain, person, measure, Action.ACCEPT, request, comment=comment, detail=detail)
        settled = _settled(session, measure, outcome)
        queue_accepted(session, measure, review, person.describe())
        return settled

    return run_audited(uow, person, Action.ACCEPT.value, measure_target(measure_id), work)


def return_for_rectification(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    comment: str,
    due: dt.date | None = None,
    score: int | None = None,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> Outcome:
    """A review level returns the self-check for rectification (退回整改) with a deadline."""
    _check_score(score)
    today = today or office_today()
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.REVIEW, expected_version)
        current = _reviewable(measure, Action.RETURN_FOR_RECTIFICATION)
        if due is not None and due < today:
            raise InputError(f"整改期限 {due.isoformat()} 早于今天 {today.isoformat()}")
        deadline = due or today + dt.timedelta(days=measure.plan.rectification_days)
        levels = list(measure.plan.review_levels) or ["领导小组办公室审核"]
        level = sum(1 for r in current.reviews if r.verdict is Verdict.PASS) + 1
        this_level = level_name(levels, level)
        _check_level(person, measure, level, this_level)
        detail = {
            "level": level,
            "level_name": this_level,
            "rectification_due": deadline.isoformat(),
            "score": score,
        }
        outcome = _transition(
            chain,
            person,
            measure,
            Action.RETURN_FOR_RECTIFICATION,
            Request(comment=comment),
            comment=comment,
            detail=detail,
        )
        current.reviews.append(
            Review(
                level=level,
                level_name=this_level,
                verdict=Verdict.RETURN,
                comment=comment.strip(),
                score=score,
                rectification_due=deadline,
                person_id=person.id,
            )
        )
        measure.rectification_due = deadline
        measure.original_rectification_due = None  # this return's date is the one extensions keep
        outcome = dataclasses.replace(outcome, message=f"{outcome.message};整改期限 {deadline.isoformat()}")
        settled = _settled(session, measure, outcome)
        queue_returned(session, measure, current.reviews[-1], person.describe())
        return settled

    return run_audited(
        uow, person, Action.RETURN_FOR_RECTIFICATION.value, measure_target(measure_id), work
    )


def reopen(
    uow: UnitOfWork,
    actor: Actor | None,
    measure_id: int,
    *,
    reason: str,
    expected_version: int | None = None,
) -> Outcome:
    """The office reopens an accepted measure (e.g. after a spot check), with a reason."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Outcome:
        measure, _ = _measure_for(session, measure_id, person, Work.REVIEW, expected_version)
        zones = zones_of(measure.plan)
        if person.zone_id not in (zones.zone_id, zones.level_zone_id(len(measure.plan.review_levels))):
            raise Refused(
                f"{person.describe()}所在辖区既非{measure.label}所属辖区,也不负责其最终审核,不能重新打开",
                code="other_zone_level",
            )
        outcome = _transition(chain, person, measure, Action.REOPEN, Request(comment=reason), comment=reason)
        return _settled(session, measure, outcome)

    return run_audited(uow, person, Action.REOPEN.value, measure_target(measure_id), work)


def _check_level(actor: Actor, measure: Measure, level: int, name: str) -> None:
    reason = level_refusal(actor, zones_of(measure.plan), measure.label, level, name)
    if reason:
        raise Refused(reason, code="other_zone_level")


def _check_score(score: int | None) -> None:
    if score is not None and not 0 <= score <= 100:
        raise InputError(f"评分应为 0 到 100 之间的整数,收到 {score}")
