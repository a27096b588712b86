"""zones: plans, units and people each belong to a jurisdiction

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 12:00:00

Existing databases held every plan in one space, with units shared by name across cities
(every district's 区市场监管局 was one row). This migration:

1. gives each plan a zone derived from its issuer (上海市嘉定区人民政府 → 上海市 → 嘉定区;
   an issuer naming no region → 默认辖区);
2. splits every unit that plans of different zones share into one unit per zone, and points
   each measure's units, parts, evidence, self-checks, indicator reports, issued reports and
   group memberships at the unit of that plan's zone;
3. puts each person in the zone of the plans they worked on (most often; else their unit's
   first zone; else the first plan's), in that zone's copy of their unit.

Nothing is deleted: every row keeps its history, only unit ids move to the zone's copy.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The rule that names a zone after an issuer is the product's own (the import uses it too).
from workflow.domain.zones import DEFAULT_ZONE_NAME, zone_path_from_issuer

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

zones_t = sa.table(
    'zones',
    sa.column('id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('parent_id', sa.Integer),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
units_t = sa.table(
    'units',
    sa.column('id', sa.Integer),
    sa.column('name', sa.String),
    sa.column('is_group', sa.Boolean),
    sa.column('zone_id', sa.Integer),
    sa.column('created_at', sa.DateTime(timezone=True)),
)
aliases_t = sa.table(
    'unit_aliases',
    sa.column('id', sa.Integer),
    sa.column('unit_id', sa.Integer),
    sa.column('zone_id', sa.Integer),
    sa.column('alias', sa.String),
)
members_t = sa.table(
    'unit_group_members',
    sa.column('id', sa.Integer),
    sa.column('group_id', sa.Integer),
    sa.column('member_id', sa.Integer),
)

# (table, SQL giving row id, unit id, plan id) for every row that names a unit of some plan.
UNIT_USES = {
    'measure_units': "SELECT t.id, t.unit_id, m.plan_id FROM measure_units t JOIN measures m ON m.id = t.measure_id",
    'measure_parts': "SELECT t.id, t.unit_id, m.plan_id FROM measure_parts t JOIN measures m ON m.id = t.measure_id",
    'self_checks': "SELECT t.id, t.unit_id, m.plan_id FROM self_checks t JOIN measures m ON m.id = t.measure_id WHERE t.unit_id IS NOT NULL",
    'evidence': (
        "SELECT t.id, t.unit_id, COALESCE(m.plan_id, i.plan_id) FROM evidence t"
        " LEFT JOIN measures m ON m.id = t.measure_id"
        " LEFT JOIN indicator_reports r ON r.id = t.indicator_report_id"
        " LEFT JOIN indicators i ON i.id = r.indicator_id WHERE t.unit_id IS NOT NULL"
    ),
    'indicator_reports': "SELECT t.id, t.unit_id, i.plan_id FROM indicator_reports t JOIN indicators i ON i.id = t.indicator_id WHERE t.unit_id IS NOT NULL",
    'issued_reports': "SELECT t.id, t.unit_id, t.plan_id FROM issued_reports t WHERE t.unit_id IS NOT NULL",
}
# (person id, plan id) for everything a person did on some plan.
PERSON_ACTS = (
    "SELECT e.person_id, COALESCE(m.plan_id, i.plan_id) FROM evidence e"
    " LEFT JOIN measures m ON m.id = e.measure_id"
    " LEFT JOIN indicator_reports r ON r.id = e.indicator_report_id"
    " LEFT JOIN indicators i ON i.id = r.indicator_id",
    "SELECT s.person_id, m.plan_id FROM self_checks s JOIN measures m ON m.id = s.measure_id",
    "SELECT v.person_id, m.plan_id FROM reviews v JOIN self_checks s ON s.id = v.self_check_id"
    " JOIN measures m ON m.id = s.measure_id",
    "SELECT p.done_by_id, m.plan_id FROM measure_parts p JOIN measures m ON m.id = p.measure_id"
    " WHERE p.done_by_id IS NOT NULL",
    "SELECT r.person_id, i.plan_id FROM indicator_reports r JOIN indicators i ON i.id = r.indicator_id",
    "SELECT r.person_id, r.plan_id FROM issued_reports r WHERE r.person_id IS NOT NULL",
)


def upgrade() -> None:
    op.create_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['zones.id'], name=op.f('fk_zones_parent_id_zones'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_zones')),
    sa.UniqueConstraint('parent_id', 'name', name=op.f('uq_zones_parent_id_name'))
    )
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_zones_parent_id'), ['parent_id'], unique=False)

    for table in ('plans', 'units', 'unit_aliases', 'people'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('zone_id', sa.Integer(), nullable=True))
    # Names become unique per zone: the old global constraints go before units are copied.
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_units_name'), type_='unique')
    with op.batch_alter_table('unit_aliases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_unit_aliases_alias'), type_='unique')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level_zones', sa.JSON(), nullable=True))
    op.execute("UPDATE plans SET level_zones = '{}'")

    _assign_zones(op.get_bind())

    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('level_zones', existing_type=sa.JSON(), nullable=False)
        batch_op.create_index(batch_op.f('ix_plans_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plans_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_units_zone_id_name'), ['zone_id', 'name'])
        batch_op.create_index(batch_op.f('ix_units_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_units_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('unit_aliases', schema=None) as batch_op:
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_unit_aliases_zone_id_alias'), ['zone_id', 'alias'])
        batch_op.create_foreign_key(batch_op.f('fk_unit_aliases_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.alter_column('zone_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_people_zone_id'), ['zone_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_zone_id_zones'), 'zones', ['zone_id'], ['id'], ondelete='RESTRICT')


class _Zones:
    """Zones created on demand by path, outermost first."""

    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        self.by_path: dict[tuple[str, ...], int] = {}
        self.now = dt.datetime.now(dt.UTC)

    def at(self, path: list[str]) -> int:
        parent: int | None = None
        for depth in range(1, len(path) + 1):
            key = tuple(path[:depth])
            if key not in self.by_path:
                self.by_path[key] = self.conn.execute(
                    zones_t.insert()
                    .values(name=path[depth - 1][:100], parent_id=parent, created_at=self.now)
                    .returning(zones_t.c.id)
                ).scalar_one()
            parent = self.by_path[key]
        assert parent is not None
        return parent


def _assign_zones(conn: sa.Connection) -> None:
    zones = _Zones(conn)
    plan_zone: dict[int, int] = {}
    for plan_id, issuer in conn.execute(sa.text("SELECT id, issuer FROM plans ORDER BY id")):
        plan_zone[plan_id] = zones.at(zone_path_from_issuer(issuer or "") or [DEFAULT_ZONE_NAME])
        conn.execute(sa.text("UPDATE plans SET zone_id = :z WHERE id = :p"), {"z": plan_zone[plan_id], "p": plan_id})
    first_zone: list[int] = []

    def fallback() -> int:
        if not first_zone:
            first_zone.append(plan_zone[min(plan_zone)] if plan_zone else zones.at([DEFAULT_ZONE_NAME]))
        return first_zone[0]

    # Which zones each unit is used in, and by which rows; the zone of its first plan is its own.
    uses: list[tuple[str, int, int, int]] = []
    unit_zones: dict[int, dict[int, int]] = defaultdict(dict)  # unit → zone → first plan id
    for table, query in UNIT_USES.items():
        for row_id, unit_id, plan_id in conn.execute(sa.text(query)):
            if plan_id is None:
                continue
            zone = plan_zone[plan_id]
            uses.append((table, row_id, unit_id, zone))
            first = unit_zones[unit_id].get(zone)
            unit_zones[unit_id][zone] = plan_id if first is None else min(first, plan_id)

    # People: the zone of what they did most, else their unit's first zone, else the first plan's.
    acts: dict[int, Counter[int]] = defaultdict(Counter)
    for query in PERSON_ACTS:
        for person_id, plan_id in conn.execute(sa.text(query)):
            if plan_id is not None:
                acts[person_id][plan_zone[plan_id]] += 1
    person_zone: dict[int, int] = {}
    people = list(conn.execute(sa.text("SELECT id, unit_id FROM people ORDER BY id")))
    for person_id, unit_id in people:
        if acts[person_id]:
            top = max(acts[person_id].values())
            person_zone[person_id] = min(z for z, n in acts[person_id].items() if n == top)
        elif unit_id is not None and unit_zones.get(unit_id):
            person_zone[person_id] = _own_zone(unit_zones[unit_id])
        else:
            person_zone[person_id] = fallback()
        if unit_id is not None:
            unit_zones[unit_id].setdefault(person_zone[person_id], 1 << 62)

    # A unit nobody used stays in the first zone; a group's members must exist wherever the
    # group is used.
    for (unit_id,) in conn.execute(sa.select(units_t.c.id)):
        if not unit_zones.get(unit_id):
            unit_zones[unit_id] = {fallback(): 1 << 62}
    memberships = list(conn.execute(sa.select(members_t.c.id, members_t.c.group_id, members_t.c.member_id)))
    for _row, group_id, member_id in memberships:
        for zone, first in list(unit_zones.get(group_id, {}).items()):
            unit_zones[member_id].setdefault(zone, first)

    # Keep each unit in its own zone; copy it (with its aliases) into every other zone using it.
    copy_of: dict[tuple[int, int], int] = {}
    aliases = defaultdict(list)
    for unit_id, alias in conn.execute(sa.select(aliases_t.c.unit_id, aliases_t.c.alias)):
        aliases[unit_id].append(alias)
    for unit_id, name, is_group, created_at in conn.execute(
        sa.select(units_t.c.id, units_t.c.name, units_t.c.is_group, units_t.c.created_at).order_by(units_t.c.id)
    ).all():
        used = unit_zones[unit_id]
        own = _own_zone(used)
        copy_of[(unit_id, own)] = unit_id
        conn.execute(units_t.update().where(units_t.c.id == unit_id).values(zone_id=own))
        conn.execute(aliases_t.update().where(aliases_t.c.unit_id == unit_id).values(zone_id=own))
        for zone in sorted(used, key=used.__getitem__):
            if zone == own:
                continue
            copy = conn.execute(
                units_t.insert()
                .values(name=name, is_group=is_group, zone_id=zone, created_at=created_at)
                .returning(units_t.c.id)
            ).scalar_one()
            copy_of[(unit_id, zone)] = copy
            for alias in aliases[unit_id]:
                conn.execute(aliases_t.insert().values(unit_id=copy, zone_id=zone, alias=alias))

    for table, row_id, unit_id, zone in uses:
        if copy_of[(unit_id, zone)] != unit_id:
            conn.execute(
                sa.text(f"UPDATE {table} SET unit_id = :u WHERE id = :r"),  # table: a fixed name above
                {"u": copy_of[(unit_id, zone)], "r": row_id},
            )
    for person_id, unit_id in people:
        zone = person_zone[person_id]
        conn.execute(
            sa.text("UPDATE people SET zone_id = :z, unit_id = :u WHERE id = :p"),
            {"z": zone, "u": copy_of[(unit_id, zone)] if unit_id is not None else None, "p": person_id},
        )
    group_zone = {u: z for (u, z), copy in copy_of.items() if copy == u}
    for row_id, group_id, member_id in memberships:
        own = group_zone[group_id]
        conn.execute(members_t.update().where(members_t.c.id == row_id).values(member_id=copy_of[(member_id, own)]))
        for (unit_id, zone), copy in copy_of.items():
            if unit_id == group_id and copy != group_id:
                conn.execute(members_t.insert().values(group_id=copy, member_id=copy_of[(member_id, zone)]))


def _own_zone(used: dict[int, int]) -> int:
    """A unit stays in the zone of the first plan that named it."""
    return min(used, key=lambda zone: (used[zone], zone))


def downgrade() -> None:
    conn = op.get_bind()
    shared = conn.execute(
        sa.text("SELECT name FROM units GROUP BY name HAVING COUNT(*) > 1 LIMIT 1")
    ).first()
    if shared is not None:
        raise RuntimeError(
            f"不能降级:多个辖区都有单位“{shared[0]}”,降级后单位名称须全局唯一;请先合并或改名这些单位"
        )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_zone_id'))
        batch_op.drop_column('zone_id')
    with op.batch_alter_table('unit_aliases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_unit_aliases_zone_id_zones'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_unit_aliases_zone_id_alias'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_unit_aliases_alias'), ['alias'])
        batch_op.drop_column('zone_id')
    with op.batch_alter_table('units', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_units_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_units_zone_id'))
        batch_op.drop_constraint(batch_op.f('uq_units_zone_id_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_units_name'), ['name'])
        batch_op.drop_column('zone_id')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plans_zone_id_zones'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plans_zone_id'))
        batch_op.drop_column('level_zones')
        batch_op.drop_column('zone_id')
    with op.batch_alter_table('zones', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_zones_parent_id'))
    op.drop_table('zones')
