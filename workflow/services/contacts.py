"""Where notices reach a person: their e-mail address, DingTalk userid and WeCom userid, set by
the office (an admin of the person's zone) or by the person themselves."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import InputError
from workflow.models import Person
from workflow.notify.rules import Channel, address_problem
from workflow.services.acting import find_person, person_required, run_audited
from workflow.services.audit_log import AuditChain


@dataclass(frozen=True)
class Contacts:
    """A person's channel addresses; None: leave as it is, "": clear it."""

    email: str | None = None
    dingtalk: str | None = None
    wecom: str | None = None

    def checked(self) -> Contacts:
        """The addresses trimmed, or an InputError saying which one is wrong and why."""
        values: dict[Channel, str | None] = {
            Channel.EMAIL: self.email, Channel.DINGTALK: self.dingtalk, Channel.WECOM: self.wecom
        }
        clean: dict[Channel, str | None] = {}
        for channel, value in values.items():
            if value is None:
                clean[channel] = None
                continue
            value = value.strip()
            if value and (problem := address_problem(channel, value)):
                raise InputError(problem, code="bad_address", params={"channel": channel.value})
            clean[channel] = value
        return Contacts(clean[Channel.EMAIL], clean[Channel.DINGTALK], clean[Channel.WECOM])

    def apply(self, person: Person) -> dict[str, str]:
        """Set the given addresses on `person`; what changed, for the audit entry."""
        changed: dict[str, str] = {}
        for attribute, value in (("email", self.email), ("dingtalk_userid", self.dingtalk), ("wecom_userid", self.wecom)):
            if value is not None and (getattr(person, attribute) or "") != value:
                setattr(person, attribute, value)
                changed[attribute] = value
        return changed


def set_contacts(uow: UnitOfWork, actor: Actor | None, name: str, contacts: Contacts) -> dict[str, str]:
    """Set a person's channel addresses: an admin of their zone, or the person themselves.
    Returns what changed (nothing: no audit entry is needed, but one is written all the same
    so the attempt is on record)."""
    acting = person_required(actor)
    contacts = contacts.checked()

    def work(session: Session, chain: AuditChain) -> dict[str, str]:
        person = find_person(session, name)
        if person.id != acting.id:
            authorize(acting, Work.ADMINISTER, zone_id=person.zone_id)
        changed = contacts.apply(person)
        chain.append(acting, "user_contacts", person.name, detail=changed)
        return changed

    return run_audited(uow, acting, "user_contacts", name.strip(), work)


def own_contacts(uow: UnitOfWork, actor: Actor | None) -> Contacts:
    """The actor's own channel addresses, for their profile page."""
    acting = person_required(actor)
    with uow:
        person = uow.session.get_one(Person, acting.id)
        return Contacts(person.email, person.dingtalk_userid, person.wecom_userid)
