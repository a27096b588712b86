"""The formal review of a plan as the office reads it: the review's dates, each unit's notice
(gaps told, the PDF issued) and the supplies that came after it, late ones marked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.formal_review import Gap
from workflow.domain.permissions import Actor
from workflow.models import Evidence, FormalNotice, FormalReview, FormalSupply, Person
from workflow.services.acting import plan_target, run_read
from workflow.services.formal_review import gap_of, latest_review, office_plan
from workflow.services.visibility import sees

__all__ = ["FormalStatus", "NoticeLine", "SupplyLine", "UnitNotice", "formal_status", "unit_notices"]

# A unit is told of one review a plan; a page lists the latest few dozen.
MAX_UNIT_NOTICES = 50


@dataclass(frozen=True)
class SupplyLine:
    evidence_id: int
    unit: str  # the supplying unit (办公室 when none)
    label: str  # file name, link or note
    supplied_at: dt.datetime
    late: bool


@dataclass(frozen=True)
class NoticeLine:
    position: int
    unit: str
    gaps: int
    file_name: str | None  # the PDF issued for it, once issued
    sha256: str | None
    supplies: int
    late: int


@dataclass(frozen=True)
class FormalStatus:
    plan_key: str
    round: int
    opened_on: dt.date
    working_days: int
    deadline: dt.date
    basis: str
    opened_by: str
    closed_at: dt.datetime | None
    closed_by: str | None
    notices: list[NoticeLine]
    supplies: list[SupplyLine]

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan_key,
            "round": self.round,
            "opened_on": self.opened_on.isoformat(),
            "working_days": self.working_days,
            "deadline": self.deadline.isoformat(),
            "basis": self.basis,
            "opened_by": self.opened_by,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
            "closed_by": self.closed_by,
            "notices": [
                {
                    "number": n.position,
                    "unit": n.unit,
                    "gaps": n.gaps,
                    "file": n.file_name,
                    "sha256": n.sha256,
                    "supplies": n.supplies,
                    "late": n.late,
                }
                for n in self.notices
            ],
            "supplies": [
                {
                    "evidence": s.evidence_id,
                    "unit": s.unit,
                    "label": s.label,
                    "supplied_at": s.supplied_at.isoformat(),
                    "late": s.late,
                }
                for s in self.supplies
            ],
        }


def _supply_line(supply: FormalSupply) -> SupplyLine:
    evidence = supply.evidence
    return SupplyLine(
        supply.evidence_id,
        evidence.unit.name if evidence.unit else "领导小组办公室",
        evidence.file_name or evidence.url or evidence.note[:40],
        supply.supplied_at,
        supply.late,
    )


def _name(session: Session, person_id: int | None) -> str:
    person = session.get(Person, person_id) if person_id is not None else None
    return person.name if person else "系统操作员"


def formal_status(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> FormalStatus | None:
    """Plan `plan_id`'s latest formal review (None: none opened), for its zone's office."""

    def read(session: Session) -> FormalStatus | None:
        plan = office_plan(session, viewer, plan_id, panel_reads=True)
        review = latest_review(session, plan)
        if review is None:
            return None
        supplies = list(
            session.scalars(
                select(FormalSupply)
                .where(FormalSupply.review_id == review.id)
                .order_by(FormalSupply.id)
                .options(selectinload(FormalSupply.evidence).selectinload(Evidence.unit))
            )
        )
        by_notice: dict[int | None, list[FormalSupply]] = {}
        for s in supplies:
            by_notice.setdefault(s.notice_id, []).append(s)
        notices = list(
            session.scalars(
                select(FormalNotice)
                .where(FormalNotice.review_id == review.id)
                .order_by(FormalNotice.position)
                .options(selectinload(FormalNotice.report))
            )
        )
        return FormalStatus(
            plan_key=plan.key,
            round=review.round,
            opened_on=review.opened_on,
            working_days=review.working_days,
            deadline=review.deadline,
            basis=review.basis,
            opened_by=_name(session, review.opened_by_id),
            closed_at=review.closed_at,
            closed_by=_name(session, review.closed_by_id) if review.closed_at else None,
            notices=[
                NoticeLine(
                    n.position,
                    n.unit_name,
                    len(n.gaps),
                    n.report.file_name if n.report else None,
                    n.report.sha256 if n.report else None,
                    len(by_notice.get(n.id, [])),
                    sum(s.late for s in by_notice.get(n.id, [])),
                )
                for n in notices
            ],
            supplies=[_supply_line(s) for s in supplies],
        )

    return run_read(uow, viewer, "formal_status", plan_target(plan_id), read)


@dataclass(frozen=True)
class UnitNotice:
    """A unit's own one-time notice as the unit reads it: its gaps and the window to supply."""

    plan_title: str
    plan_key: str
    number: int
    opened_on: dt.date
    deadline: dt.date
    closed: bool
    gaps: list[Gap]
    supplies: list[SupplyLine]  # what the unit has supplied since


def unit_notices(uow: UnitOfWork, viewer: Actor) -> list[UnitNotice]:
    """The notices addressed to `viewer`'s unit, newest first, of the plans it sees."""
    if viewer.unit_id is None:
        return []

    def read(session: Session) -> list[UnitNotice]:
        rows = session.scalars(
            select(FormalNotice)
            .where(FormalNotice.unit_id == viewer.unit_id)
            .order_by(FormalNotice.id.desc())
            .limit(MAX_UNIT_NOTICES)
            .options(selectinload(FormalNotice.review).selectinload(FormalReview.plan))
        )
        out: list[UnitNotice] = []
        for notice in rows:
            plan = notice.review.plan
            if not sees(viewer, plan):
                continue
            supplies = session.scalars(
                select(FormalSupply)
                .join(Evidence, Evidence.id == FormalSupply.evidence_id)
                .where(FormalSupply.review_id == notice.review_id, Evidence.unit_id == viewer.unit_id)
                .order_by(FormalSupply.id)
                .options(selectinload(FormalSupply.evidence).selectinload(Evidence.unit))
            )
            out.append(
                UnitNotice(
                    plan.title,
                    plan.key,
                    notice.position,
                    notice.review.opened_on,
                    notice.review.deadline,
                    notice.review.closed_at is not None,
                    [gap_of(g) for g in notice.gaps],
                    [_supply_line(s) for s in supplies],
                )
            )
        return out

    return run_read(uow, viewer, "formal_notices", "本单位告知书", read)
