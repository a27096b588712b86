"""Who is told: the people of the units responsible for something, and the leading office of a
zone. Every kind of message (reminders, decisions, extensions, reports) asks here, so that a
group unit (各成员单位) reaches its member units' staff the same way everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.domain.states import Role
from workflow.models import Person, UnitGroupMember


def unit_people(session: Session, unit_ids: Iterable[int]) -> list[Person]:
    """The active staff of the units, and of the member units of those that are groups, in a
    stable order (by id), each once."""
    wanted = set(unit_ids)
    if not wanted:
        return []
    wanted |= set(
        session.scalars(select(UnitGroupMember.member_id).where(UnitGroupMember.group_id.in_(wanted)))
    )
    return list(
        session.scalars(
            select(Person)
            .where(Person.unit_id.in_(wanted), Person.role == Role.MEMBER, Person.active.is_(True))
            .order_by(Person.id)
        )
    )


def office_people(session: Session, zone_id: int) -> list[Person]:
    """The active reviewers and admins of a zone's leading office, by id."""
    return list(
        session.scalars(
            select(Person)
            .where(
                Person.zone_id == zone_id,
                Person.role.in_((Role.REVIEWER, Role.ADMIN)),
                Person.active.is_(True),
            )
            .order_by(Person.id)
        )
    )
