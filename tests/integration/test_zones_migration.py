"""Migration 0005 on real data: the demo state of the five seed plans, as a database at
revision 0004 holds it (tests/fixtures/demo_state_0004.sqlite.gz, built before zones existed),
upgraded on SQLite and on PostgreSQL.

Before zones, every district's 区市场监管局 was one unit: Wuhan's and Jiading's plans shared it,
and so did 区法院 and 区司法局. After the upgrade each plan has a zone derived from its issuer,
each zone its own units, and every measure keeps exactly its units, parts, evidence, self-checks,
reviews and history, by name.
"""

from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Connection, MetaData, create_engine, inspect, select, text

import migrations
from workflow.db import alembic_config, make_engine, upgrade

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "demo_state_0004.sqlite.gz"

# What each measure's work is, read through unit and person *names*, on either schema.
WORK_QUERIES = {
    "units": "SELECT p.key, m.ref, mu.role, mu.name_as_written, u.name FROM measure_units mu"
    " JOIN measures m ON m.id = mu.measure_id JOIN plans p ON p.id = m.plan_id JOIN units u ON u.id = mu.unit_id",
    "parts": "SELECT p.key, m.ref, u.name, mp.done_at IS NOT NULL FROM measure_parts mp"
    " JOIN measures m ON m.id = mp.measure_id JOIN plans p ON p.id = m.plan_id JOIN units u ON u.id = mp.unit_id",
    "evidence": "SELECT p.key, m.ref, e.sha256, e.kind, e.file_name, u.name, pe.name FROM evidence e"
    " JOIN measures m ON m.id = e.measure_id JOIN plans p ON p.id = m.plan_id"
    " LEFT JOIN units u ON u.id = e.unit_id JOIN people pe ON pe.id = e.person_id",
    "self_checks": "SELECT p.key, m.ref, s.round, u.name, pe.name FROM self_checks s"
    " JOIN measures m ON m.id = s.measure_id JOIN plans p ON p.id = m.plan_id"
    " LEFT JOIN units u ON u.id = s.unit_id JOIN people pe ON pe.id = s.person_id",
    "reviews": "SELECT p.key, m.ref, r.level, r.verdict, pe.name FROM reviews r"
    " JOIN self_checks s ON s.id = r.self_check_id JOIN measures m ON m.id = s.measure_id"
    " JOIN plans p ON p.id = m.plan_id JOIN people pe ON pe.id = r.person_id",
    "indicator_reports": "SELECT p.key, i.position, ir.value, u.name, pe.name FROM indicator_reports ir"
    " JOIN indicators i ON i.id = ir.indicator_id JOIN plans p ON p.id = i.plan_id"
    " LEFT JOIN units u ON u.id = ir.unit_id JOIN people pe ON pe.id = ir.person_id",
    "people": "SELECT pe.name, pe.role, u.name FROM people pe LEFT JOIN units u ON u.id = pe.unit_id",
    "history": "SELECT target, action, refused, hash FROM audit_log",
    "groups": "SELECT g.name, m.name FROM unit_group_members x JOIN units g ON g.id = x.group_id"
    " JOIN units m ON m.id = x.member_id",
}


def work(conn: Connection) -> dict[str, Counter[tuple[Any, ...]]]:
    return {name: Counter(tuple(row) for row in conn.execute(text(q))) for name, q in WORK_QUERIES.items()}


def _load_fixture(db_url: str, tmp_path: Path) -> None:
    """The 0004 demo database at `db_url`: the file itself on SQLite, its rows on PostgreSQL."""
    source = tmp_path / "demo_0004.db"
    with gzip.open(FIXTURE, "rb") as packed, source.open("wb") as out:
        shutil.copyfileobj(packed, out)
    if db_url.startswith("sqlite"):
        shutil.copyfile(source, db_url.removeprefix("sqlite:///"))
        return
    upgrade(db_url, "0004")
    src, dst = create_engine(f"sqlite:///{source}"), make_engine(db_url)
    try:
        tables_src, tables_dst = MetaData(), MetaData()
        tables_src.reflect(src)
        tables_dst.reflect(dst)
        with src.connect() as s, dst.begin() as d:
            # Rows go in as they are (evidence points at later evidence): no triggers meanwhile.
            d.execute(text("SET session_replication_role = replica"))
            d.execute(text("DELETE FROM audit_head"))  # the migrations' genesis row, replaced below
            for table in tables_dst.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = [dict(r) for r in s.execute(select(tables_src.tables[table.name])).mappings()]
                if rows:
                    d.execute(table.insert(), rows)
                if "id" in table.c:
                    d.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                        f" (SELECT COALESCE(MAX(id), 1) FROM {table.name}))"
                    ))
            d.execute(text("SET session_replication_role = origin"))
    finally:
        src.dispose()
        dst.dispose()


@pytest.fixture
def migrated(db_url: str, tmp_path: Path) -> tuple[str, dict[str, Counter[tuple[Any, ...]]]]:
    _load_fixture(db_url, tmp_path)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            before = work(conn)
    finally:
        engine.dispose()
    upgrade(db_url)
    return db_url, before


def test_every_measure_keeps_its_units_parts_evidence_and_history(
    migrated: tuple[str, dict[str, Counter[tuple[Any, ...]]]],
) -> None:
    db_url, before = migrated
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            after = work(conn)
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == migrations.HEAD
    finally:
        engine.dispose()
    assert before["units"] and before["evidence"] and before["history"]
    for name in WORK_QUERIES:
        assert after[name] == before[name], name


def test_plans_get_their_issuers_zones_and_shared_units_are_split(
    migrated: tuple[str, dict[str, Counter[tuple[Any, ...]]]],
) -> None:
    db_url, _ = migrated
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            zone_of_plan = dict(conn.execute(text(
                "SELECT substr(p.key, 1, 3), COALESCE(parent.name || '/', '') || z.name FROM plans p"
                " JOIN zones z ON z.id = p.zone_id LEFT JOIN zones parent ON parent.id = z.parent_id"
            )).all())
            market = dict(conn.execute(text(
                "SELECT DISTINCT substr(p.key, 1, 3), u.id FROM measure_units mu"
                " JOIN measures m ON m.id = mu.measure_id JOIN plans p ON p.id = m.plan_id"
                " JOIN units u ON u.id = mu.unit_id WHERE u.name = '区市场监管局'"
            )).all())
            mismatched = conn.execute(text(
                "SELECT COUNT(*) FROM measure_units mu JOIN measures m ON m.id = mu.measure_id"
                " JOIN plans p ON p.id = m.plan_id JOIN units u ON u.id = mu.unit_id"
                " WHERE u.zone_id <> p.zone_id"
            )).scalar()
            people_zones = dict(conn.execute(text(
                "SELECT pe.name, z.name FROM people pe JOIN zones z ON z.id = pe.zone_id"
            )).all())
            members_outside = conn.execute(text(
                "SELECT COUNT(*) FROM people pe JOIN units u ON u.id = pe.unit_id WHERE u.zone_id <> pe.zone_id"
            )).scalar()
    finally:
        engine.dispose()
    assert zone_of_plan == {
        "000": "默认辖区",  # its issuer is a web site's spam text: no region in it
        "001": "江西省",
        "002": "许昌市",
        "003": "上海市/嘉定区",
        "004": "济南市",
    }
    assert market["000"] != market["003"]  # Wuhan's 区市场监管局 is not Jiading's any more
    assert mismatched == 0 and members_outside == 0
    assert people_zones["张卫东"] == "默认辖区" and people_zones["陆建华"] == "嘉定区"
    assert people_zones["周主任"] == "默认辖区"


def test_the_demo_state_upgrades_to_plans_without_corrections(
    migrated: tuple[str, dict[str, Counter[tuple[Any, ...]]]],
) -> None:
    """0006 adds the table of an office's corrections; the demo's plans have none yet, and a
    correction of one of them is stored against its plan and a person of the old data."""
    db_url, _ = migrated
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM plan_corrections")).scalar() == 0
            plan, person = conn.execute(text(
                "SELECT p.id, pe.id FROM plans p, people pe WHERE p.key LIKE '003%' AND pe.name = '陆建华'"
            )).one()
            conn.execute(
                text(
                    "INSERT INTO plan_corrections (plan_id, position, kind, payload, person_id, created_at,"
                    " stale_reason) VALUES (:p, 1, 'kind', :payload, :who, CURRENT_TIMESTAMP, '')"
                ),
                {"p": plan, "who": person, "payload": '{"op": "kind", "ref": "22", "kind": "outcome"}'},
            )
            assert conn.execute(text("SELECT kind FROM plan_corrections")).scalar() == "kind"
    finally:
        engine.dispose()


def test_the_demo_state_upgrades_to_plans_without_index_systems_and_back(
    migrated: tuple[str, dict[str, Counter[tuple[Any, ...]]]],
) -> None:
    """0007 adds index systems, their indicators and scores: the demo's plans have none; one
    stored against a plan and a person of the old data goes again with a downgrade to 0006,
    and the upgrade after it leaves every measure's work as it was."""
    db_url, before = migrated
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            for table in ("index_systems", "index_indicators", "self_scores", "expert_scores"):
                assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0, table
            plan, person = conn.execute(text(
                "SELECT p.id, pe.id FROM plans p, people pe WHERE p.key LIKE '003%' AND pe.name = '陆建华'"
            )).one()
            conn.execute(text(
                "INSERT INTO index_systems (id, plan_id, name, total, grades, consolidation, note, source_name,"
                " source_sha256, person_id, loaded_at) VALUES (1, :p, '指标体系', '100', '{\"passing\": \"60\"}',"
                " 'leader', '', 'x.yaml', '', :who, CURRENT_TIMESTAMP)"
            ), {"p": plan, "who": person})
            conn.execute(text(
                "INSERT INTO index_indicators (id, system_id, position, code, name, level, points, type, bonus,"
                " veto, guidance, evidence_slots, measure_refs, metric_names)"
                " VALUES (1, 1, 1, '1', '统筹', 1, '100', 'scored', false, false, '', '[]', '[\"1\"]', '[]')"
            ))
            conn.execute(text(
                "INSERT INTO self_scores (indicator_id, round, points, statement, evidence_ids, person_id,"
                " scored_at, version_id) VALUES (1, 1, '88.5', '说明', '[]', :who, CURRENT_TIMESTAMP, 1)"
            ), {"who": person})
        command.downgrade(alembic_config(db_url), "0006")
        assert not {"index_systems", "self_scores"} & set(inspect(engine).get_table_names())
        upgrade(db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT COUNT(*) FROM index_systems")).scalar() == 0
            assert work(conn) == before
    finally:
        engine.dispose()


def test_the_demo_state_upgrades_to_people_who_may_be_experts_and_back(
    migrated: tuple[str, dict[str, Counter[tuple[Any, ...]]]],
) -> None:
    """0008 adds the 专家 role (the role's CHECK constraint rewritten), a person's organisation,
    panels, rounds, the 组长's scores and opinions: the demo's people keep their roles with an
    empty organisation; an expert seated on a plan is stored, a made-up role still refused; the
    downgrade is refused while an expert exists and, once none does, leaves every measure's
    work as it was through the upgrade after it."""
    db_url, before = migrated
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            assert set(conn.execute(text("SELECT DISTINCT organisation FROM people")).scalars()) == {""}
            for table in ("plan_experts", "expert_rounds", "panel_scores", "expert_opinions"):
                assert conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0, table
            plan, zone, admin = conn.execute(text(
                "SELECT p.id, p.zone_id, pe.id FROM plans p, people pe WHERE p.key LIKE '003%' AND pe.name = '陆建华'"
            )).one()
            expert = conn.execute(text(
                "INSERT INTO people (name, role, zone_id, active, created_at, organisation)"
                " VALUES ('赵专家', 'expert', :z, true, CURRENT_TIMESTAMP, '上海市知识产权服务中心') RETURNING id"
            ), {"z": zone}).scalar_one()
            conn.execute(text(
                "INSERT INTO plan_experts (plan_id, person_id, is_leader, assigned_at, assigned_by_id)"
                " VALUES (:p, :e, true, CURRENT_TIMESTAMP, :a)"
            ), {"p": plan, "e": expert, "a": admin})
        with pytest.raises(Exception, match="ck_people_person_role|CHECK constraint"), engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO people (name, role, zone_id, active, created_at, organisation)"
                " VALUES ('某人', 'auditor', :z, true, CURRENT_TIMESTAMP, '')"
            ), {"z": zone})
        with pytest.raises(RuntimeError, match="专家"):
            command.downgrade(alembic_config(db_url), "0007")
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM plan_experts"))
            conn.execute(text("DELETE FROM people WHERE role = 'expert'"))
        command.downgrade(alembic_config(db_url), "0007")
        assert "plan_experts" not in set(inspect(engine).get_table_names())
        upgrade(db_url)
        with engine.connect() as conn:
            assert work(conn) == before
    finally:
        engine.dispose()
