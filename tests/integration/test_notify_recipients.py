"""Who is told: a unit's staff (a group's through its member units) and a zone's office, active
people only, each once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.workflow_helpers import make_app
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Person, Unit, UnitGroupMember, Zone
from workflow.notify.recipients import office_people, unit_people


@pytest.fixture
def app(db_url: str, tmp_path: Path) -> Iterator[App]:
    app = make_app(db_url, tmp_path / "home")
    with app.uow() as uow:
        s = uow.session
        zone, other = Zone(name="嘉定区"), Zone(name="武汉市某区")
        s.add_all([zone, other])
        s.flush()
        group, a, b = (Unit(zone_id=zone.id, name=n, is_group=n == "各成员单位") for n in ("各成员单位", "区科委", "区法院"))
        s.add_all([group, a, b])
        s.flush()
        s.add(UnitGroupMember(group_id=group.id, member_id=a.id))
        s.add_all([
            Person(name="科委甲", role=Role.MEMBER, zone_id=zone.id, unit_id=a.id),
            Person(name="科委乙", role=Role.MEMBER, zone_id=zone.id, unit_id=a.id, active=False),
            Person(name="法院丙", role=Role.MEMBER, zone_id=zone.id, unit_id=b.id),
            Person(name="审核丁", role=Role.REVIEWER, zone_id=zone.id, unit_id=b.id),
            Person(name="管理戊", role=Role.ADMIN, zone_id=zone.id),
            Person(name="武汉己", role=Role.ADMIN, zone_id=other.id),
            Person(name="专家庚", role=Role.EXPERT, zone_id=zone.id),
        ])
        uow.commit()
    yield app
    app.close()


def _ids(app: App, *names: str) -> list[int]:
    with app.uow() as uow:
        return [uow.session.scalars(select(Unit.id).where(Unit.name == n)).one() for n in names]


def test_a_group_reaches_its_members_staff_once_and_inactive_people_are_left_out(app: App) -> None:
    group, science, court = _ids(app, "各成员单位", "区科委", "区法院")
    with app.uow() as uow:
        assert [p.name for p in unit_people(uow.session, [group, science])] == ["科委甲"]
        assert [p.name for p in unit_people(uow.session, [court])] == ["法院丙"]  # not the reviewer of that unit
        assert unit_people(uow.session, []) == []


def test_the_office_is_its_zones_reviewers_and_admins(app: App) -> None:
    with app.uow() as uow:
        zone = uow.session.scalars(select(Zone.id).where(Zone.name == "嘉定区")).one()
        assert [p.name for p in office_people(uow.session, zone)] == ["审核丁", "管理戊"]
