"""The day's 三色督办 run: record each measure's and unit part's colour change (audited), then
queue one reminder digest per person with something to do, and the office's 情况通报 digest.

One transaction per plan for its colours and their audit entries, then one per zone for its
digests. Everything is keyed on `today`, so a second run the same day finds no colour change
and queues nothing new (digests are unique per person, channel and day).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.escalation import Colour, Escalation
from workflow.models import EscalationMark, Person, Plan, Zone
from workflow.notify.outbox import enqueue
from workflow.notify.recipients import office_people, unit_people
from workflow.notify.texts.reminders import ReminderItem, office_digest, unit_digest
from workflow.read.progress import MeasureRow, PlanProgress, plan_progress
from workflow.services.acting import plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.escalation import rules_by_zone

DIGEST_KIND = "digest"


@dataclass
class ReminderReport:
    changes: int = 0  # colour changes recorded (and audited)
    queued: int = 0  # digest messages queued (one per person and channel)
    people: set[int] = field(default_factory=set)  # who got a digest

    def summary(self) -> str:
        return f"督办颜色变化 {self.changes} 项,督办提醒 {len(self.people)} 人、{self.queued} 条"


def digest_key(person_id: int, today: dt.date) -> str:
    return f"digest:{person_id}:{today.isoformat()}"


@dataclass
class _ZoneItems:
    """What a zone's plans gave the digests: each unit's items, and the red ones for the office."""

    by_unit: dict[int, list[ReminderItem]] = field(default_factory=lambda: defaultdict(list))
    red: list[ReminderItem] = field(default_factory=list)


def run_reminders(uow: UnitOfWork, today: dt.date) -> ReminderReport:
    """Record the colours of every plan's open measures on `today`, then queue the digests.

    One transaction per plan for its colours and their audit entries, so the audit chain's
    lock is held for one plan's writes at a time and never makes the pages wait for the whole
    run; then one per zone for its digests, built from the colours of `today` (a run stopped
    half-way and run again finds the recorded plans unchanged and queues the same digests)."""
    with uow:
        plans = [(plan_id, zone_id) for plan_id, zone_id in uow.session.execute(
            select(Plan.id, Plan.zone_id).order_by(Plan.zone_id, Plan.id)
        )]
        zones = {zone_id: name for zone_id, name in uow.session.execute(select(Zone.id, Zone.name))}
        rules = rules_by_zone(uow.session, zones)
    report = ReminderReport()
    found: dict[int, _ZoneItems] = defaultdict(_ZoneItems)
    for plan_id, zone_id in plans:
        work = partial(_plan, plan_id=plan_id, today=today, report=report, items=found[zone_id])
        run_audited(uow, None, "escalation_run", plan_target(plan_id), work)
    for zone_id, items in found.items():
        if items.by_unit:
            with uow:
                _digests(uow.session, zone_id, zones[zone_id], rules[zone_id].report_to_office, items, today, report)
                uow.commit()
    return report


def _plan(
    session: Session, chain: AuditChain, *, plan_id: int, today: dt.date, report: ReminderReport, items: _ZoneItems
) -> None:
    plan = session.get_one(Plan, plan_id, options=[selectinload(Plan.phases)])
    progress = plan_progress(session, plan, today)
    report.changes += _record(session, chain, plan, progress, today)
    for row in progress.rows:
        for part in row.unit_escalations:
            if part.escalation.colour is not Colour.NONE:
                item = _item(plan, row, part.unit, part.escalation)
                items.by_unit[part.unit_id].append(item)
                if item.colour is Colour.RED:
                    items.red.append(item)


def _digests(
    session: Session, zone_id: int, zone_name: str, report_to_office: bool, items: _ZoneItems, today: dt.date,
    report: ReminderReport,
) -> None:
    for person in unit_people(session, items.by_unit):
        own = items.by_unit.get(person.unit_id or 0)
        if own:
            subject, body = unit_digest(person.name, today, own)
            _queue(session, report, person, today, subject, body)
    if items.red and report_to_office:
        for person in office_people(session, zone_id):
            subject, body = office_digest(person.name, zone_name, today, items.red)
            _queue(session, report, person, today, subject, body)


def _queue(session: Session, report: ReminderReport, person: Person, today: dt.date, subject: str, body: str) -> None:
    added = enqueue(
        session, person, event_kind=DIGEST_KIND, event_key=digest_key(person.id, today), subject=subject, body=body
    )
    if added:
        report.queued += added
        report.people.add(person.id)


def _item(plan: Plan, row: MeasureRow, unit: str, esc: Escalation) -> ReminderItem:
    assert esc.due is not None and esc.days_left is not None
    return ReminderItem(
        plan=plan.title, ref=row.ref, title=row.title, unit=unit, colour=esc.colour,
        due=esc.due, days_left=esc.days_left, rectification=esc.rectification,
    )


def _record(session: Session, chain: AuditChain, plan: Plan, progress: PlanProgress, today: dt.date) -> int:
    """Write the colours that changed since the last recorded ones, one audit entry each."""
    ids = [row.id for row in progress.rows]
    marks = {
        (mark.measure_id, mark.unit_id): mark
        for mark in session.scalars(select(EscalationMark).where(EscalationMark.measure_id.in_(ids)))
    }
    changes = 0
    for row in progress.rows:
        current: list[tuple[int | None, str, Escalation]] = [(None, "", row.escalation)]
        current += [(p.unit_id, p.unit, p.escalation) for p in row.unit_escalations]
        for unit_id, unit, esc in current:
            mark = marks.get((row.id, unit_id))
            old = mark.colour if mark is not None else Colour.NONE
            if old is esc.colour:
                continue
            if mark is None:
                session.add(EscalationMark(measure_id=row.id, unit_id=unit_id, colour=esc.colour, since=today))
            else:
                mark.colour, mark.since = esc.colour, today
            chain.append(
                None,
                "escalation",
                f"{plan.key}/{row.ref}",
                # Colours go in the detail: from_state/to_state hold measure states only.
                comment=_comment(unit, old, esc),
                detail={
                    "unit": unit,
                    "from": old.value,
                    "to": esc.colour.value,
                    "stage": esc.stage.value,
                    "due": esc.due.isoformat() if esc.due else None,
                    "days_left": esc.days_left,
                    "today": today.isoformat(),
                },
            )
            changes += 1
    return changes


def _comment(unit: str, old: Colour, esc: Escalation) -> str:
    who = unit or "措施"
    return f"{who}督办等级 {old.label} → {esc.colour.label}({esc.stage.label})"
