"""The formal review (形式审查) of a plan: open it (every unit's gaps, one notice each, a 补正
deadline in working days), re-check what is still missing, close it.

Only the office (reviewers and admins) of the plan's own zone runs it; anyone else of a zone
that sees the plan is refused, and another zone's plan reads as a missing one. Each change is
one audited transaction. The gaps come from `workflow.domain.formal_review` over the facts
`workflow.services.formal_facts` gathers; the deadline from `workflow.domain.workdays`.
Notices are printed by `reports.formal_notices`; supplies are marked as evidence arrives
(`workflow.services.formal_supplies`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.formal_review import Gap, GapKind, UnitGaps, formal_review_gaps
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.domain.workdays import MAX_WORKING_DAYS, CalendarRangeError, deadline_after
from workflow.errors import InputError, NotFound, Refused
from workflow.evidence import MEDIA_LABELS, EvidenceStore
from workflow.models import FormalNotice, FormalReview, Plan, utcnow
from workflow.read.plans import plan_by_id
from workflow.services.acting import person_required, plan_target, run_audited, run_read
from workflow.services.audit_log import AuditChain
from workflow.services.formal_facts import gather_facts
from workflow.services.index_store import current_row

__all__ = [
    "DEFAULT_WORKING_DAYS",
    "MAX_NOTICE_GAPS",
    "FormalOpened",
    "FormalRecheck",
    "UnitRecheck",
    "close_formal_review",
    "gap_of",
    "gaps_json",
    "latest_review",
    "office_plan",
    "open_formal_review",
    "recheck_gaps",
]

OPEN_ACTION = "formal_open"
CLOSE_ACTION = "formal_close"
DEFAULT_WORKING_DAYS = 5
ROUND = 1  # one review round for now, as the scores
# A notice lists every gap; past this many for one unit it is no longer a notice but a sign
# the index system or the catalog asks for the wrong things.
MAX_NOTICE_GAPS = 2000
_ACCEPTED_TYPES = frozenset(MEDIA_LABELS)


def office_plan(session: Session, actor: Actor | None, plan_id: int, *, panel_reads: bool = False) -> Plan:
    """The plan, if `actor` is the office of its zone (None: the operator); a zone that does
    not see it is told what a missing plan gets. With `panel_reads`, the experts on the
    plan's panel may read too: they judge what arrived late as it stands."""
    plan = plan_by_id(session, actor, plan_id)
    if panel_reads and actor is not None and actor.role is Role.EXPERT:
        return plan  # plan_by_id confines an expert to the plans of its panels
    if actor is not None:
        if not actor.is_office:
            raise Refused(
                f"{actor.describe()}不是领导小组办公室人员,形式审查由方案所在辖区的办公室进行", code="not_office"
            )
        if actor.zone_id != plan.zone_id:
            raise Refused(
                f"{actor.describe()}不属于方案 {plan.key} 所在辖区的办公室,不能对其进行形式审查", code="other_zone"
            )
    return plan


def latest_review(session: Session, plan: Plan) -> FormalReview | None:
    return session.scalar(
        select(FormalReview)
        .where(FormalReview.plan_id == plan.id)
        .order_by(FormalReview.round.desc())
        .limit(1)
        .options(selectinload(FormalReview.notices))
    )


def gaps_json(gaps: tuple[Gap, ...]) -> list[dict[str, str]]:
    return [{"kind": g.kind.value, "subject": g.subject, "message": g.message} for g in gaps]


def gap_of(data: dict[str, Any]) -> Gap:
    return Gap(GapKind(data["kind"]), str(data["subject"]), str(data["message"]))


def _current_gaps(session: Session, plan: Plan, store: EvidenceStore) -> tuple[str, list[UnitGaps], dict[str, int | None]]:
    facts = gather_facts(session, plan, store)
    try:
        found = formal_review_gaps(facts.slots, facts.statements, period=facts.period, accepted_types=_ACCEPTED_TYPES)
    except ValueError as exc:
        raise InputError(str(exc), code="formal_too_large") from None
    return facts.basis, found, facts.unit_ids


@dataclass(frozen=True)
class FormalOpened:
    plan_key: str
    round: int
    opened_on: dt.date
    working_days: int
    deadline: dt.date
    basis: str  # index | measures
    units: list[UnitGaps]  # the units given a notice, with their gaps


def open_formal_review(
    uow: UnitOfWork,
    store: EvidenceStore,
    actor: Actor | None,
    plan_id: int,
    *,
    days: int = DEFAULT_WORKING_DAYS,
    today: dt.date | None = None,
) -> FormalOpened:
    """Open plan `plan_id`'s formal review: every unit's gaps, kept as its notice, and the 补正
    deadline `days` working days after `today` (the day of issue)."""
    person = person_required(actor)
    if isinstance(days, bool) or not 1 <= days <= MAX_WORKING_DAYS:
        raise InputError(f"补正期限应为 1 至 {MAX_WORKING_DAYS} 个工作日,收到 {days}", code="formal_days")
    day = today or office_today()
    try:
        deadline = deadline_after(day, days)
    except CalendarRangeError as exc:
        raise InputError(str(exc), code="calendar_range") from None

    def unopened(session: Session) -> Plan:
        plan = office_plan(session, person, plan_id)
        existing = latest_review(session, plan)
        if existing is not None:
            state = f"已于 {existing.closed_at:%Y-%m-%d} 结束" if existing.closed_at else f"正在进行(补正期限 {existing.deadline})"
            raise Refused(
                f"方案 {plan.key} 的形式审查{state},不能再次开始", code="formal_exists", params={"plan": plan.key}
            )
        return plan

    def read(session: Session) -> tuple[str, list[UnitGaps], dict[str, int | None]]:
        return _current_gaps(session, unopened(session), store)

    # The gaps are found before the audit chain is locked: reading a plan's every slot and
    # file takes a fraction of a second (seconds for 700 measures), and no writer should wait
    # for it. Evidence arriving in between is neither a gap nor a supply; the re-check sees it.
    basis, found, unit_ids = run_read(uow, person, OPEN_ACTION, plan_target(plan_id), read)
    for unit in found:
        if len(unit.gaps) > MAX_NOTICE_GAPS:
            raise InputError(
                f"{unit.unit}有 {len(unit.gaps)} 项缺漏,超过一份告知书 {MAX_NOTICE_GAPS} 项的上限;"
                "请先核对指标体系或方案目录所要求的材料",
                code="formal_too_large",
            )

    def work(session: Session, chain: AuditChain) -> FormalOpened:
        plan = unopened(session)  # again, under the lock: two opens at once, the second is refused
        review = FormalReview(
            plan_id=plan.id,
            round=ROUND,
            opened_on=day,
            working_days=days,
            deadline=deadline,
            basis=basis,
            opened_by_id=person.id,
        )
        review.notices = [
            FormalNotice(position=n, unit_id=unit_ids.get(u.unit), unit_name=u.unit, gaps=gaps_json(u.gaps))
            for n, u in enumerate(found, start=1)
        ]
        session.add(review)
        total = sum(len(u.gaps) for u in found)
        chain.append(
            person,
            OPEN_ACTION,
            plan.key,
            comment=f"形式审查:{len(found)} 个单位共 {total} 项缺漏,补正期限 {deadline.isoformat()}({days} 个工作日)",
            detail={
                "round": ROUND,
                "opened_on": day.isoformat(),
                "deadline": deadline.isoformat(),
                "working_days": days,
                "basis": basis,
                "units": {u.unit: len(u.gaps) for u in found},
            },
        )
        return FormalOpened(plan.key, ROUND, day, days, deadline, basis, found)

    return run_audited(uow, person, OPEN_ACTION, plan_target(plan_id), work)


@dataclass(frozen=True)
class UnitRecheck:
    unit: str
    issued: tuple[Gap, ...]  # as told on the notice (empty: no notice)
    open: tuple[Gap, ...]  # what is missing now

    @property
    def resolved(self) -> tuple[Gap, ...]:
        now = {(g.subject, g.message) for g in self.open}
        return tuple(g for g in self.issued if (g.subject, g.message) not in now)


@dataclass(frozen=True)
class FormalRecheck:
    plan_key: str
    opened_on: dt.date | None  # None: no review opened yet (the gaps as it would find them)
    deadline: dt.date | None
    closed: bool
    units: list[UnitRecheck]


def recheck_gaps(
    uow: UnitOfWork, store: EvidenceStore, viewer: Actor | None, plan_id: int, *, unit: str | None = None
) -> FormalRecheck:
    """What each unit is still missing, beside what its notice told it (before a review is
    opened: the gaps it would find)."""

    def read(session: Session) -> FormalRecheck:
        plan = office_plan(session, viewer, plan_id)
        _, found, _ = _current_gaps(session, plan, store)
        review = latest_review(session, plan)
        issued = {n.unit_name: tuple(gap_of(g) for g in n.gaps) for n in review.notices} if review else {}
        now = {u.unit: u.gaps for u in found}
        names = list(dict.fromkeys([*issued, *now]))
        if unit is not None:
            if unit not in names:
                raise NotFound(
                    f"方案 {plan.key} 的形式审查中没有单位“{unit}”(该单位没有缺漏)",
                    code="formal_unit_missing",
                    params={"plan": plan.key},
                )
            names = [unit]
        rows = [UnitRecheck(n, issued.get(n, ()), now.get(n, ())) for n in names]
        return FormalRecheck(
            plan.key,
            review.opened_on if review else None,
            review.deadline if review else None,
            bool(review and review.closed_at),
            rows,
        )

    return run_read(uow, viewer, "formal_gaps", plan_target(plan_id), read)


@dataclass(frozen=True)
class FormalClosed:
    plan_key: str
    closed_at: dt.datetime
    self_scoring_closed: bool  # the plan has an index system, whose self-scores are now final


def close_formal_review(uow: UnitOfWork, actor: Actor | None, plan_id: int) -> FormalClosed:
    """Close plan `plan_id`'s formal review: the self-assessment is final from now on, and
    evidence arriving later is marked late."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> FormalClosed:
        plan = office_plan(session, person, plan_id)
        review = latest_review(session, plan)
        if review is None:
            raise Refused(f"方案 {plan.key} 尚未开始形式审查", code="formal_not_open", params={"plan": plan.key})
        if review.closed_at is not None:
            raise Refused(f"方案 {plan.key} 的形式审查已于 {review.closed_at:%Y-%m-%d} 结束", code="formal_closed")
        now = utcnow()
        review.closed_at = now
        review.closed_by_id = person.id
        index = current_row(session, plan)
        if index is not None and index.self_scoring_closed_at is None:
            index.self_scoring_closed_at = now
        chain.append(
            person,
            CLOSE_ACTION,
            plan.key,
            comment="形式审查结束" + (",自评分不再修改" if index is not None else ""),
            detail={"round": review.round, "deadline": review.deadline.isoformat()},
        )
        return FormalClosed(plan.key, now, index is not None)

    return run_audited(uow, person, CLOSE_ACTION, plan_target(plan_id), work)
