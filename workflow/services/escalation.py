"""A zone's 三色督办 rules: read with defaults, and set by the zone's admin (audited)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.escalation import EscalationRules, RuleError, parse_assignments
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.errors import InputError, Refused
from workflow.models import EscalationSettings, Zone
from workflow.services.acting import person_required, run_audited, run_read
from workflow.services.audit_log import AuditChain


def _rules(row: EscalationSettings | None) -> EscalationRules:
    if row is None:
        return EscalationRules()
    return EscalationRules(
        blue_days=row.blue_days,
        yellow_days=row.yellow_days,
        yellow_share=row.yellow_share,
        report_to_office=row.report_to_office,
    )


def zone_rules(session: Session, zone_id: int) -> EscalationRules:
    """The rules of zone `zone_id` (the defaults when its admin set none)."""
    return _rules(session.get(EscalationSettings, zone_id))


def rules_by_zone(session: Session, zone_ids: Iterable[int]) -> dict[int, EscalationRules]:
    """The rules of several zones in one query; a zone without a row gets the defaults."""
    ids = set(zone_ids)
    found = {
        row.zone_id: _rules(row)
        for row in session.scalars(select(EscalationSettings).where(EscalationSettings.zone_id.in_(ids)))
    }
    return {zone_id: found.get(zone_id, EscalationRules()) for zone_id in ids}


def show_rules(uow: UnitOfWork, actor: Actor | None) -> tuple[str, EscalationRules]:
    """The rules of the actor's zone, with the zone's name."""
    person = person_required(actor)

    def read(session: Session) -> tuple[str, EscalationRules]:
        return person.zone_name, zone_rules(session, person.zone_id)

    return run_read(uow, actor, "escalation_show", person.zone_name, read)


def set_rules(uow: UnitOfWork, actor: Actor | None, assignments: list[str]) -> EscalationRules:
    """Change the rules of the actor's zone with ``KEY=VALUE`` assignments; only the zone's
    admin may. Audited with the old and new values."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> EscalationRules:
        if person.role is not Role.ADMIN:
            raise Refused("只有本辖区的管理员可以设置督办规则", code="not_admin")
        row = session.get(EscalationSettings, person.zone_id)
        old = _rules(row)
        try:
            new = parse_assignments(old, assignments)
        except RuleError as exc:
            raise InputError(str(exc), code="bad_rule") from None
        if row is None:
            row = EscalationSettings(zone_id=person.zone_id, **new.as_dict())
            session.add(row)
        else:
            for key, value in new.as_dict().items():
                setattr(row, key, value)
        row.updated_by_id = person.id
        zone = session.get(Zone, person.zone_id)
        name = zone.name if zone is not None else person.zone_name
        chain.append(actor, "escalation_set", name, detail={"old": old.as_dict(), "new": new.as_dict()})
        return new

    return run_audited(uow, actor, "escalation_set", person.zone_name, work)
