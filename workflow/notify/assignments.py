"""任务分派: when a plan is loaded, revised or corrected, the people of each unit newly
responsible for measures get one message listing them (not one per measure). Which units
are new is the difference between the plan's responsibilities before and after the change,
so loading the same plan again tells nobody anything."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from checklists.kinds import UnitRole
from workflow.models import Measure, MeasureUnit, Plan, Unit
from workflow.notify.outbox import enqueue
from workflow.notify.recipients import unit_people
from workflow.notify.texts.decisions import Assigned, Assignment, Due, assigned

EVENT_KIND = "assigned"
UNIT_HOME = "/unit"

Responsibilities = dict[int, dict[int, UnitRole]]  # measure id → unit id → role


def responsibilities(session: Session, plan_id: int) -> Responsibilities:
    """Which units answer for which current (not withdrawn) measures of a plan."""
    found: Responsibilities = defaultdict(dict)
    rows = session.execute(
        select(MeasureUnit.measure_id, MeasureUnit.unit_id, MeasureUnit.role)
        .join(Measure, Measure.id == MeasureUnit.measure_id)
        .where(Measure.plan_id == plan_id, Measure.retired_at.is_(None))
    )
    for measure_id, unit_id, role in rows:
        found[measure_id][unit_id] = role
    return dict(found)


def new_pairs(before: Responsibilities, after: Responsibilities) -> list[tuple[int, int, UnitRole]]:
    """(measure, unit, role) responsible now and not before, in measure then unit order."""
    return [
        (measure_id, unit_id, role)
        for measure_id, units in sorted(after.items())
        for unit_id, role in sorted(units.items())
        if unit_id not in before.get(measure_id, {})
    ]


def queue_assignments(
    session: Session, plan: Plan, before: Responsibilities, *, now: dt.datetime | None = None
) -> int:
    """Queue one 任务分派 message per person of each newly responsible unit (a group's through
    its member units), listing every measure newly theirs, in the caller's transaction.
    Returns how many message rows were added."""
    session.flush()
    pairs = new_pairs(before, responsibilities(session, plan.id))
    if not pairs:
        return 0
    measures = {m.id: m for m in session.scalars(select(Measure).where(Measure.id.in_({p[0] for p in pairs})))}
    units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_({p[1] for p in pairs})))}
    by_unit: dict[int, list[tuple[int, UnitRole]]] = defaultdict(list)
    for measure_id, unit_id, role in pairs:
        by_unit[unit_id].append((measure_id, role))
    # A person may be reached through their own unit and a group it belongs to: one message.
    by_person: dict[int, list[tuple[int, int, UnitRole]]] = defaultdict(list)
    people = {}
    for unit_id, unit_items in by_unit.items():
        for person in unit_people(session, [unit_id]):
            people[person.id] = person
            by_person[person.id] += [(measure_id, unit_id, role) for measure_id, role in unit_items]
    added = 0
    for person_id, items in by_person.items():
        items.sort(key=lambda item: (measures[item[0]].position, item[1]))
        facts = Assigned(
            plan_key=plan.key,
            plan_title=plan.title,
            items=tuple(
                Assignment(
                    ref=measures[m].ref,
                    title=measures[m].title,
                    unit=units[u].name,
                    role=role,
                    due=Due(measures[m].deadline_kind, measures[m].due_on, measures[m].due_month, measures[m].due_day),
                )
                for m, u, role in items
            ),
        )
        subject, body = assigned(facts)
        # The event is this set of measures becoming this person's: a later revision adding
        # others is a new event, the same load repeated is not.
        digest = hashlib.sha256(",".join(f"{m}:{u}" for m, u, _ in items).encode()).hexdigest()[:16]
        added += enqueue(
            session, people[person_id], event_kind=EVENT_KIND, event_key=f"{EVENT_KIND}:{plan.id}:{digest}",
            subject=subject, body=body, link=UNIT_HOME, now=now,
        )
    return added
