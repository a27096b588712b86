"""Immediate messages of decisions, on SQLite and PostgreSQL: a return for rectification and
the last level's pass reach the people of the measure's units in the decision's transaction;
a plan loaded (or revised, or corrected) tells each newly responsible unit's people once,
listing their measures; loading the same plan again tells nobody anything."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from checklists.catalog import UnitRef
from checklists.corrections import SetUnits
from checklists.kinds import UnitRole
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.errors import Refused
from workflow.models import OutgoingMessage, Person
from workflow.notify.rules import Channel, MessageStatus
from workflow.services import measure_work, people
from workflow.services.contacts import Contacts, set_contacts
from workflow.services.plan_corrections import correct_plan

from .test_ledger import self_checked
from .workflow_helpers import (
    ADMIN,
    COURT,
    ECONOMY,
    JIADING_PEOPLE,
    MARKET,
    MARKET_REVIEWER,
    REVIEWER_A,
    actor,
    add_people,
    import_seed,
    measure_id,
    plan_id,
    session_of,
)

TODAY = dt.date(2024, 3, 1)


def inbox_rows(app: App, name: str | None = None, kind: str | None = None) -> list[tuple[str, str, str, str]]:
    """(person, channel, kind, event key) of every message, oldest first."""
    with session_of(app) as session:
        query = select(Person.name, OutgoingMessage).join(Person).order_by(OutgoingMessage.id)
        if name:
            query = query.where(Person.name == name)
        if kind:
            query = query.where(OutgoingMessage.event_kind == kind)
        return [(n, m.channel.value, m.event_kind, m.event_key) for n, m in session.execute(query)]


def people_first(app: App) -> None:
    """The office sets up units and people before loading the plan, so the load tells them."""
    people.add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    admin = actor(app, ADMIN)
    for unit in ("区市场监管局", "区经委", "区法院"):
        people.add_unit(app.uow(), admin, unit)
    for name, role, unit in JIADING_PEOPLE:
        people.add_person(app.uow(), admin, name, role=role, unit=unit)


def test_loading_a_plan_tells_each_responsible_units_people_once_and_reloading_tells_nobody(
    app: App, seeds_dir: Path
) -> None:
    people_first(app)
    plan = import_seed(app, seeds_dir, "003")
    assigned = inbox_rows(app, kind="assigned")
    # One in-app message per member (reviewers of a unit are the office, not told), none twice.
    assert sorted(r[0] for r in assigned) == sorted([MARKET, ECONOMY, COURT])
    assert {r[1] for r in assigned} == {"inapp"}
    with session_of(app) as session:
        market = session.scalars(
            select(OutgoingMessage).join(Person).where(Person.name == MARKET, OutgoingMessage.event_kind == "assigned")
        ).one()
    assert market.subject.startswith("【任务分派】") and market.status is MessageStatus.SENT
    assert market.sent_at is not None and market.read_at is None and market.link == "/unit"
    listed = [line for line in market.body.splitlines() if line.startswith("· ")]
    assert len(listed) > 5 and any("牵头" in line for line in listed)
    assert f"({len(listed)} 项" not in market.subject and f"有 {len(listed)} 项措施" in market.subject

    import_seed(app, seeds_dir, "003")  # the same document again
    assert inbox_rows(app, kind="assigned") == assigned
    assert plan


def test_a_correction_that_adds_a_unit_tells_only_that_units_people(app: App, seeds_dir: Path) -> None:
    people_first(app)
    plan = import_seed(app, seeds_dir, "003")
    before = inbox_rows(app, kind="assigned")
    # Measure 3 is 区市场监管局's and 区经委's; 区法院 joins it.
    units = [UnitRef(name=n, role=r) for n, r in (("区市场监管局", UnitRole.LEAD), ("区经委", UnitRole.CO), ("区法院", UnitRole.CO))]
    edit = SetUnits(ref="3", units=units)
    correct_plan(app.uow(), actor(app, ADMIN), plan_id(app, plan), [edit])
    added = inbox_rows(app, kind="assigned")[len(before):]
    assert [(r[0], r[1]) for r in added] == [(COURT, "inapp")]
    with session_of(app) as session:
        body = session.scalars(select(OutgoingMessage.body).where(OutgoingMessage.event_key == added[0][3])).one()
    assert [line for line in body.splitlines() if line.startswith("· ")][0].startswith("· 3 ")
    assert "区法院配合" in body


def test_a_return_tells_the_units_people_once_per_channel_with_comment_and_date(app: App, seeds_dir: Path, tmp_path: Path) -> None:
    plan = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    set_contacts(app.uow(), actor(app, ADMIN), MARKET, Contacts(email="zhang@jiading.gov.cn"))
    self_checked(app, tmp_path, plan, "17")
    measure_work.return_for_rectification(
        app.uow(), actor(app, REVIEWER_A), measure_id(app, plan, "17"), comment="缺少<b>台账</b>", due=dt.date(2024, 3, 15),
        today=TODAY,
    )
    returned = inbox_rows(app, kind="returned")
    assert [(r[0], r[1]) for r in returned] == [(MARKET, "email"), (MARKET, "inapp")]
    assert returned[0][3] == returned[1][3]  # one event, one row per channel
    with session_of(app) as session:
        rows = list(session.scalars(select(OutgoingMessage).where(OutgoingMessage.event_kind == "returned")))
    email, inapp = sorted(rows, key=lambda m: m.channel.value)
    assert (email.status, inapp.status) == (MessageStatus.QUEUED, MessageStatus.SENT)
    assert "缺少<b>台账</b>" in inapp.body and "2024-03-15" in inapp.body and "2024-03-15" in inapp.subject
    assert inapp.link == f"/measures/{measure_id(app, plan, '17')}"


def test_the_last_levels_pass_tells_the_units_people_and_a_refused_decision_tells_nobody(
    app: App, seeds_dir: Path, tmp_path: Path
) -> None:
    plan = import_seed(app, seeds_dir, "003")
    add_people(app, JIADING_PEOPLE)
    self_checked(app, tmp_path, plan, "12")
    m12 = measure_id(app, plan, "12")
    with pytest.raises(Refused):
        measure_work.accept(app.uow(), actor(app, MARKET_REVIEWER), m12, score=90)  # must recuse
    assert inbox_rows(app, kind="accepted") == []
    measure_work.accept(app.uow(), actor(app, REVIEWER_A), m12, score=92, comment="材料齐全")
    accepted = inbox_rows(app, kind="accepted")
    assert [(r[0], r[1]) for r in accepted] == [(MARKET, Channel.INAPP.value)]
    with session_of(app) as session:
        message = session.scalars(select(OutgoingMessage).where(OutgoingMessage.event_kind == "accepted")).one()
    assert "已验收" in message.subject and "评分:92" in message.body and "材料齐全" in message.body
