"""The register of issued reports, looked up by a file's sha256 (`report verify`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import IssuedReport, Person
from workflow.services.visibility import visible_plan_ids


@dataclass(frozen=True)
class IssuedRow:
    """One issue of a report, as the register recorded it."""

    plan_key: str
    plan_title: str
    kind: str  # a key of reports.documents.KIND_TITLES
    as_of: dt.date
    unit: str  # the unit the report was limited to, or ""
    file_name: str
    pages: int
    size: int
    issued_at: dt.datetime  # UTC
    person: str  # who issued it, or "" (the operator, without --as)
    person_office: str  # that person's unit, or their zone's leading office


def issued_by_sha256(uow: UnitOfWork, viewer: Actor | None, sha256: str) -> list[IssuedRow]:
    """Every issue of the file with this sha256 among the plans `viewer` may see, oldest
    first; another zone's issue is left out, exactly like one never made."""
    with uow:
        return _issued(uow.session, viewer, sha256.lower())


def _issued(session: Session, viewer: Actor | None, sha256: str) -> list[IssuedRow]:
    rows = session.scalars(
        select(IssuedReport)
        .where(IssuedReport.sha256 == sha256)
        .order_by(IssuedReport.id)
        .options(
            selectinload(IssuedReport.plan),
            selectinload(IssuedReport.unit),
            selectinload(IssuedReport.person).selectinload(Person.unit),
            selectinload(IssuedReport.person).selectinload(Person.zone),
        )
    ).all()
    visible = visible_plan_ids(session, viewer) if rows else None
    return [
        IssuedRow(
            plan_key=row.plan.key,
            plan_title=row.plan.title,
            kind=row.kind,
            as_of=row.as_of,
            unit=row.unit.name if row.unit else "",
            file_name=row.file_name,
            pages=row.pages,
            size=row.size,
            issued_at=row.issued_at,
            person=row.person.name if row.person else "",
            person_office=_office_of(row.person),
        )
        for row in rows
        if visible is None or row.plan_id in visible
    ]


def _office_of(person: Person | None) -> str:
    if person is None:
        return ""
    if person.unit is not None:
        return person.unit.name
    return f"{person.zone.name}领导小组办公室"
