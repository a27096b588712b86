"""The office's review queue: every self-checked measure waiting for a review level, oldest first.

Read-only; the verdicts themselves go through `measure_work.accept` and
`return_for_rectification`, which decide again under lock. The queue only tells a reviewer
what is waiting, at which level, and where they must recuse (their own unit is responsible)
or have already passed this round's earlier level (the next level needs someone else).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, level_refusal, refusal
from workflow.domain.states import MeasureState, Verdict
from workflow.models import (
    DEFAULT_REVIEW_LEVELS,
    Measure,
    MeasureUnit,
    SelfCheck,
)
from workflow.read.measures import MeasureWork, measure_work
from workflow.read.plans import measure_with_work
from workflow.services.acting import (
    measure_target,
    measure_units,
    members_for,
    open_measure_by_id,
    run_read,
    target_of,
)

# The same naming of a level as the verdicts use (a round may be past a shortened list).
from workflow.services.measure_work import level_name, open_round
from workflow.services.visibility import visible_plan_ids


@dataclass(frozen=True)
class QueueRow:
    measure_id: int
    ident: str  # PLAN_KEY/REF, for display
    version: int  # for the verdict forms' expected_version
    plan_id: int
    plan_key: str
    plan_title: str
    ref: str
    title: str
    lead: list[str]
    units: list[str]  # every responsible unit, lead first
    submitted_at: dt.datetime
    round: int
    level: int  # the review level that decides next (1-based)
    level_name: str
    levels: int  # how many levels the plan has
    waiting_days: int
    recuse: bool  # the actor's unit is responsible: must not review
    recuse_reason: str | None
    passed_by_me: bool  # the actor passed an earlier level of this round: someone else is next


def review_queue(uow: UnitOfWork, viewer: Actor, today: dt.date | None = None) -> list[QueueRow]:
    """Self-checked measures awaiting a review level that `viewer`'s zone's office reviews,
    oldest submission first.

    A fixed number of queries, however many plans and measures: the measures with their
    plans, units, rounds and reviews, then the members of any unit groups.
    """
    if viewer.is_expert:
        return []  # experts score plans; they review no measure
    today = today or office_today()
    with uow:
        session = uow.session
        visible = visible_plan_ids(session, viewer)
        assert visible is not None
        measures = list(
            session.scalars(
                select(Measure)
                .where(
                    Measure.state == MeasureState.SELF_CHECKED,
                    Measure.retired_at.is_(None),
                    Measure.plan_id.in_(visible),
                )
                .options(
                    selectinload(Measure.plan),
                    selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
                    selectinload(Measure.self_checks).selectinload(SelfCheck.reviews),
                )
            )
        )
        members = members_for(session, measures)
        rows = []
        for m in measures:
            current = open_round(m)
            if current is None:  # not reviewable (a withdrawn round); the services would refuse
                continue
            units = measure_units(None, m, members)
            levels = list(m.plan.review_levels) or list(DEFAULT_REVIEW_LEVELS)
            passed = [r for r in current.reviews if r.verdict is Verdict.PASS]
            level = len(passed) + 1
            if units.responsibility.zones.level_zone_id(level) != viewer.zone_id:
                continue  # this level is another zone's office's to review
            reason = refusal(viewer, Work.REVIEW, units.responsibility)
            submitted = current.submitted_at
            rows.append(
                QueueRow(
                    measure_id=m.id,
                    ident=target_of(m),
                    version=m.version_id,
                    plan_id=m.plan_id,
                    plan_key=m.plan.key,
                    plan_title=m.plan.title,
                    ref=m.ref,
                    title=m.title,
                    lead=units.lead_names,
                    units=units.names_lead_first(),
                    submitted_at=submitted,
                    round=current.round,
                    level=level,
                    level_name=level_name(levels, level),
                    levels=len(levels),
                    waiting_days=max(0, (today - submitted.date()).days),
                    recuse=reason is not None,
                    recuse_reason=reason,
                    passed_by_me=any(r.person_id == viewer.id for r in passed),
                )
            )
        rows.sort(key=lambda r: (r.submitted_at, r.plan_id, r.measure_id))
        return rows


@dataclass(frozen=True)
class ReviewDetail:
    """One measure as the review page shows it, with the facts the verdict forms need."""

    measure: MeasureWork  # units, parts, items, evidence, rounds
    measure_id: int
    ident: str  # PLAN_KEY/REF, for display
    version: int
    plan_id: int
    plan_title: str
    levels: list[str]
    rectification_days: int  # a return without a deadline gets this many days
    level: int | None  # the level that decides next, while the measure awaits review
    level_name: str | None
    recuse_reason: str | None
    passed_by_me: bool
    reviewable: bool  # self-checked with an open round


def review_detail(
    uow: UnitOfWork, viewer: Actor, measure_id: int, *, action: str = "review_view"
) -> ReviewDetail:
    """Everything a reviewer reads before a verdict, in a fixed number of queries, if `viewer`
    may open the measure (another zone's reads as missing; either refusal audited)."""

    def read(session: Session) -> ReviewDetail:
        open_measure_by_id(session, viewer, measure_id)
        measure = measure_with_work(session, measure_id)
        assert measure is not None, "opened just before, in the same transaction"
        members = members_for(session, [measure])
        units = measure_units(None, measure, members)
        levels = list(measure.plan.review_levels) or list(DEFAULT_REVIEW_LEVELS)
        current = open_round(measure)
        reviewable = (
            measure.state is MeasureState.SELF_CHECKED
            and current is not None
            and measure.retired_at is None
        )
        passed = (
            [r for r in current.reviews if r.verdict is Verdict.PASS] if current is not None else []
        )
        level = len(passed) + 1 if reviewable else None
        return ReviewDetail(
            measure=measure_work(measure, members),
            measure_id=measure.id,
            ident=target_of(measure),
            version=measure.version_id,
            plan_id=measure.plan_id,
            plan_title=measure.plan.title,
            levels=levels,
            rectification_days=measure.plan.rectification_days,
            level=level,
            level_name=level_name(levels, level) if level else None,
            recuse_reason=refusal(viewer, Work.REVIEW, units.responsibility)
            or (
                level_refusal(viewer, units.responsibility.zones, measure.label, level, level_name(levels, level))
                if level
                else None
            ),
            passed_by_me=reviewable and any(r.person_id == viewer.id for r in passed),
            reviewable=reviewable,
        )

    return run_read(uow, viewer, action, measure_target(measure_id), read)
