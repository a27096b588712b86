"""Zones (示范区/辖区): adding them, finding them by name or path, and the default zone.

Who may add a zone: the operator (the command line without `--as`, as for `db upgrade` and
`import`), or an admin, below their own zone. A zone's people and units are its own admins'
to manage (`people`); the first admin of a new zone is added by the operator.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import Role
from workflow.domain.zones import DEFAULT_ZONE_NAME, MAX_ZONE_DEPTH, MAX_ZONE_NAME
from workflow.errors import InputError, NotFound, Refused
from workflow.models import Person, Plan, Zone
from workflow.services.acting import resolve_actor, run_audited
from workflow.services.audit_log import AuditChain

PATH_SEPARATOR = "/"


@dataclass(frozen=True)
class ZoneView:
    id: int
    name: str
    path: str  # 上海市/嘉定区
    parent: str | None
    plans: int
    people: int
    admins: int


def zone_path(zone: Zone) -> str:
    names: list[str] = []
    node: Zone | None = zone
    while node is not None and len(names) <= MAX_ZONE_DEPTH:
        names.append(node.name)
        node = node.parent
    return PATH_SEPARATOR.join(reversed(names))


def ancestors(zone: Zone) -> list[Zone]:
    """The zone's parent, grandparent, …, outermost last."""
    found: list[Zone] = []
    node = zone.parent
    while node is not None and len(found) < MAX_ZONE_DEPTH:
        found.append(node)
        node = node.parent
    return found


def clean_zone_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise InputError("辖区名称不能为空")
    if len(cleaned) > MAX_ZONE_NAME:
        raise InputError(f"辖区名称过长(不超过 {MAX_ZONE_NAME} 个字符)")
    if PATH_SEPARATOR in cleaned or any(not c.isprintable() for c in cleaned):
        raise InputError(f"辖区名称“{cleaned}”不能含有“/”或控制字符")
    return cleaned


def find_zone(session: Session, name: str) -> Zone:
    """A zone by name, or by path (`上海市/嘉定区`) where the name alone is ambiguous."""
    parts = [p.strip() for p in name.strip().split(PATH_SEPARATOR)]
    if not all(parts):
        raise InputError(f"辖区“{name}”的写法有误,应为名称或 上级/下级 路径")
    candidates = list(session.scalars(select(Zone).where(Zone.name == parts[-1]).order_by(Zone.id)))
    matching = [z for z in candidates if zone_path(z).split(PATH_SEPARATOR)[-len(parts):] == parts]
    if not matching:
        raise NotFound(f"找不到辖区“{name}”", code="zone_missing", params={"zone": name})
    if len(matching) > 1:
        paths = "、".join(zone_path(z) for z in matching)
        raise InputError(f"有多个辖区名为“{name}”({paths}),请写出上级路径,如 {zone_path(matching[0])}")
    return matching[0]


def default_zone(session: Session, named: str | None, actor: Actor | None, *, create: bool) -> Zone:
    """The zone a command means: the one named; else the actor's; else the only zone there is;
    else (an empty deployment, when `create`) a new 默认辖区."""
    if named:
        return find_zone(session, named)
    if actor is not None:
        zone = session.get(Zone, actor.zone_id)
        assert zone is not None
        return zone
    zones = list(session.scalars(select(Zone).order_by(Zone.id).limit(2)))
    if len(zones) == 1:
        return zones[0]
    if zones:
        raise InputError("系统中有多个辖区,须指定辖区", code="zone_ambiguous")
    if not create:
        raise NotFound("系统中还没有辖区", code="no_zones")
    zone = Zone(name=DEFAULT_ZONE_NAME)
    session.add(zone)
    session.flush()
    return zone


def ensure_zone_path(session: Session, names: list[str]) -> Zone:
    """The zone at `names` (outermost first), creating the missing ones (imports, migration)."""
    parent: Zone | None = None
    for name in names[:MAX_ZONE_DEPTH]:
        found = session.scalar(
            select(Zone).where(
                Zone.name == name,
                Zone.parent_id.is_(None) if parent is None else Zone.parent_id == parent.id,
            )
        )
        if found is None:
            found = Zone(name=clean_zone_name(name), parent=parent)
            session.add(found)
            session.flush()
        parent = found
    assert parent is not None, "a zone path names at least one zone"
    return parent


def add_zone(uow: UnitOfWork, actor: Actor | None, name: str, *, parent: str | None) -> ZoneView:
    """Add a zone (below `parent`). Admins add zones only below their own; the operator
    (`actor` None) anywhere."""
    cleaned = clean_zone_name(name)

    def create(session: Session, chain: AuditChain) -> ZoneView:
        parent_zone = find_zone(session, parent) if parent else None
        if actor is not None:
            authorize(actor, Work.ADMINISTER)
            if parent_zone is None or actor.zone_id not in {
                parent_zone.id, *(z.id for z in ancestors(parent_zone))
            }:
                raise Refused(f"{actor.describe()}只能在本辖区之下添加辖区", code="zone_outside")
        if parent_zone is not None and len(ancestors(parent_zone)) + 2 > MAX_ZONE_DEPTH:
            raise InputError(f"辖区层级过深(不超过 {MAX_ZONE_DEPTH} 级)")
        siblings = select(Zone).where(
            Zone.name == cleaned,
            Zone.parent_id.is_(None) if parent_zone is None else Zone.parent_id == parent_zone.id,
        )
        if session.scalar(siblings) is not None:
            where = f"“{zone_path(parent_zone)}”之下" if parent_zone else "顶层"
            raise InputError(f"{where}已有辖区“{cleaned}”")
        zone = Zone(name=cleaned, parent=parent_zone)
        session.add(zone)
        session.flush()
        chain.append(actor, "zone_add", zone_path(zone), detail={"parent": zone_path(parent_zone) if parent_zone else None})
        return _view(session, zone)

    return run_audited(uow, actor, "zone_add", cleaned, create)


def list_zones(uow: UnitOfWork, viewer: Actor | None) -> list[ZoneView]:
    """Every zone for the operator; for a person, their own zone, its ancestors and descendants."""
    with uow:
        session = uow.session
        zones = list(session.scalars(select(Zone).order_by(Zone.id)))
        if viewer is not None:
            own = session.get(Zone, viewer.zone_id)
            assert own is not None
            related = {own.id, *(z.id for z in ancestors(own))}
            related |= {z.id for z in zones if own.id in {a.id for a in ancestors(z)}}
            zones = [z for z in zones if z.id in related]
        views = [_view(session, z) for z in zones]
        return sorted(views, key=lambda v: v.path)


def _view(session: Session, zone: Zone) -> ZoneView:
    def count(*where: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count()).select_from(Person).where(*where)) or 0)

    plans = int(session.scalar(select(func.count()).select_from(Plan).where(Plan.zone_id == zone.id)) or 0)
    return ZoneView(
        id=zone.id,
        name=zone.name,
        path=zone_path(zone),
        parent=zone_path(zone.parent) if zone.parent else None,
        plans=plans,
        people=count(Person.zone_id == zone.id),
        admins=count(Person.zone_id == zone.id, Person.role == Role.ADMIN),
    )


def viewer_of(uow: UnitOfWork, name: str | None) -> Actor | None:
    """The person a command acts as (None: the operator, nobody named)."""
    return resolve_actor(uow, name)
