"""Large synthetic databases for the workflow benchmarks, built fast.

Seed plan 000 (70 measures) is imported the normal way; its rows (plan, sections, measures,
unit links, checklist items, phases, indicators) are then copied N-1 times with SQLAlchemy Core
under new plan keys, in one executemany per table. Work (states, parts, evidence, self-checks,
reviews) is likewise bulk-inserted, so building 14,000 measures takes seconds, not the hours the
CLI would need. Only what the benchmarks time goes through the services.

Not a test module (no test_ prefix): imported by test_bench_workflow.py and test_bench_progress.py.
"""

from __future__ import annotations

import datetime as dt
import gc
import random
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Table, bindparam, event, insert, select, text, update

from checklists.catalog import EvidenceKind, UnitRole
from workflow.bootstrap import App
from workflow.domain.states import MeasureState, Rating, Role, Verdict
from workflow.models import (
    ChecklistItem,
    Evidence,
    Indicator,
    Measure,
    MeasurePart,
    MeasureUnit,
    Person,
    Phase,
    Plan,
    Review,
    Section,
    SelfCheck,
    Unit,
    utcnow,
)
from workflow.services.people import add_person, add_unit, set_group_members
from workflow.services.plan_import import import_documents

SEED_PREFIX = "000"
SEED_MEASURES = 70
ADMIN = "基准管理员"
MEMBER = "基准经办人"
BENCH_UNIT = "基准测试局"


def table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined, no-any-return]


# --------------------------------------------------------------------------------------------
# Figures, printed by conftest.py at the end of the run
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchRow:
    what: str
    backend: str
    measures: int  # measures in the database
    ops: int  # operations timed (transitions, calls, entries)
    seconds: float
    queries: int | None = None  # statements sent for all `ops`
    note: str = ""

    @property
    def per_second(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else float("inf")


ROWS: list[BenchRow] = []
NOTES: list[str] = []


class BenchTable:
    def add(self, row: BenchRow) -> None:
        ROWS.append(row)

    def note(self, text: str) -> None:
        NOTES.append(text)


# --------------------------------------------------------------------------------------------
# Query counting
# --------------------------------------------------------------------------------------------


@dataclass
class QueryCounter:
    """Counts statements sent to the database (an executemany counts once)."""

    count: int = 0
    statements: list[str] = field(default_factory=list)
    keep: bool = False

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        if self.keep:
            self.statements.append(statement)


@contextmanager
def counting(engine: Engine, *, keep: bool = False) -> Iterator[QueryCounter]:
    counter = QueryCounter(keep=keep)
    event.listen(engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", counter)


class Stopwatch:
    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


# --------------------------------------------------------------------------------------------
# Plans
# --------------------------------------------------------------------------------------------


def seed_file(seeds_dir: Path) -> Path:
    return next(seeds_dir.glob(f"{SEED_PREFIX}_*.txt"))


def import_seed(app: App, seeds_dir: Path) -> str:
    """Import seed 000 through the service, as `zonecheck import` does; returns its plan key."""
    [result] = import_documents(
        app.uow, [seed_file(seeds_dir)], catalog_dir=app.settings.catalog_dir
    )
    return result.plan_key


def _rows(conn: Connection, model: type, where: Any) -> list[dict[str, Any]]:
    t = table(model)
    return [dict(r._mapping) for r in conn.execute(select(t).where(where).order_by(t.c.id))]


def _insert_returning_ids(conn: Connection, model: type, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    t = table(model)
    stmt = insert(t).returning(t.c.id, sort_by_parameter_order=True)
    return [r[0] for r in conn.execute(stmt, rows)]


def _strip(row: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "id"}
    out.update(changes)
    return out


def copy_plan(
    engine: Engine, source_key: str, copies: int, *, key_prefix: str = "bench"
) -> list[str]:
    """Copy the plan `source_key` `copies` times under keys bench0001…; returns the new keys."""
    if copies <= 0:
        return []
    plans_t = table(Plan)
    with engine.begin() as conn:
        plan = dict(conn.execute(select(plans_t).where(plans_t.c.key == source_key)).one()._mapping)
        pid = plan["id"]
        sections = _rows(conn, Section, table(Section).c.plan_id == pid)
        measures = _rows(conn, Measure, table(Measure).c.plan_id == pid)
        mids = [m["id"] for m in measures]
        links = _rows(conn, MeasureUnit, table(MeasureUnit).c.measure_id.in_(mids))
        items = _rows(conn, ChecklistItem, table(ChecklistItem).c.measure_id.in_(mids))
        phases = _rows(conn, Phase, table(Phase).c.plan_id == pid)
        indicators = _rows(conn, Indicator, table(Indicator).c.plan_id == pid)

        keys = [f"{key_prefix}{k:04d}" for k in range(1, copies + 1)]
        new_pids = _insert_returning_ids(
            conn,
            Plan,
            [
                _strip(
                    plan,
                    key=key,
                    title=f"{plan['title']}(基准副本 {k})",
                    doc_number=f"{plan['doc_number']}-基准{k}" if plan["doc_number"] else "",
                    catalog_sha256="",
                )
                for k, key in enumerate(keys, start=1)
            ],
        )

        sec_ids = _insert_returning_ids(
            conn,
            Section,
            [_strip(s, plan_id=p, parent_id=None) for p in new_pids for s in sections],
        )
        sec_map = {
            (p, s["id"]): sec_ids[i * len(sections) + j]
            for i, p in enumerate(new_pids)
            for j, s in enumerate(sections)
        }
        parents = [
            {"sid": sec_map[(p, s["id"])], "pid": sec_map[(p, s["parent_id"])]}
            for p in new_pids
            for s in sections
            if s["parent_id"] is not None
        ]
        if parents:
            st = table(Section)
            conn.execute(
                update(st).where(st.c.id == bindparam("sid")).values(parent_id=bindparam("pid")),
                parents,
            )

        measure_ids = _insert_returning_ids(
            conn,
            Measure,
            [
                _strip(
                    m,
                    plan_id=p,
                    section_id=sec_map[(p, m["section_id"])] if m["section_id"] else None,
                )
                for p in new_pids
                for m in measures
            ],
        )
        m_map = {
            (p, m["id"]): measure_ids[i * len(measures) + j]
            for i, p in enumerate(new_pids)
            for j, m in enumerate(measures)
        }
        if links:
            conn.execute(
                insert(table(MeasureUnit)),
                [
                    _strip(r, measure_id=m_map[(p, r["measure_id"])])
                    for p in new_pids
                    for r in links
                ],
            )
        if items:
            conn.execute(
                insert(table(ChecklistItem)),
                [
                    _strip(r, measure_id=m_map[(p, r["measure_id"])])
                    for p in new_pids
                    for r in items
                ],
            )
        if phases:
            conn.execute(
                insert(table(Phase)), [_strip(r, plan_id=p) for p in new_pids for r in phases]
            )
        if indicators:
            conn.execute(
                insert(table(Indicator)),
                [
                    _strip(
                        r,
                        plan_id=p,
                        measure_id=m_map[(p, r["measure_id"])] if r["measure_id"] else None,
                    )
                    for p in new_pids
                    for r in indicators
                ],
            )
    return keys


def settle(engine: Engine) -> None:
    """After a bulk load, before timing: do now what would otherwise land in the timings.

    On PostgreSQL, what autovacuum would do (VACUUM ANALYZE: fresh planner statistics, no vacuum
    of the new rows running in the background); in Python, collect the build's garbage.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    gc.collect()


# --------------------------------------------------------------------------------------------
# People and units
# --------------------------------------------------------------------------------------------


def add_bench_people(app: App) -> None:
    """An admin, a unit `基准测试局` and a member of it, through the services (audited)."""
    add_person(app.uow(), None, ADMIN, role=Role.ADMIN, unit=None)
    add_unit(app.uow(), ADMIN, BENCH_UNIT)
    add_person(app.uow(), ADMIN, MEMBER, role=Role.MEMBER, unit=BENCH_UNIT)


def make_bench_unit_lead_everywhere(engine: Engine) -> int:
    """Give every measure the bench unit as an extra lead unit; returns the number of measures."""
    ut, mt, lt = table(Unit), table(Measure), table(MeasureUnit)
    with engine.begin() as conn:
        unit_id = conn.execute(select(ut.c.id).where(ut.c.name == BENCH_UNIT)).scalar_one()
        ids = list(conn.execute(select(mt.c.id).order_by(mt.c.id)).scalars())
        conn.execute(
            insert(lt),
            [
                {
                    "measure_id": mid,
                    "unit_id": unit_id,
                    "role": UnitRole.LEAD,
                    "name_as_written": BENCH_UNIT,
                    "position": 99,
                }
                for mid in ids
            ],
        )
    return len(ids)


def map_groups(app: App) -> None:
    """Map every group unit (各成员单位 …) to four ordinary units, through the service."""
    ut = table(Unit)
    with app.engine.connect() as conn:
        groups = list(
            conn.execute(select(ut.c.name).where(ut.c.is_group).order_by(ut.c.id)).scalars()
        )
        plain = list(
            conn.execute(
                select(ut.c.name)
                .where(ut.c.is_group.is_(False), ut.c.name != BENCH_UNIT)
                .order_by(ut.c.id)
                .limit(4)
            ).scalars()
        )
    for group in groups:
        set_group_members(app.uow(), ADMIN, group, add=plain)


# --------------------------------------------------------------------------------------------
# Work on measures
# --------------------------------------------------------------------------------------------


@dataclass
class WorkMix:
    """How many rows of each kind `add_work` wrote."""

    measures: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    rows: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def merge(self, other: WorkMix) -> None:
        for k, v in other.measures.items():
            self.measures[k] += v
        for k, v in other.rows.items():
            self.rows[k] += v


def add_work(engine: Engine, plan_keys: Sequence[str], *, today: dt.date, seed: int = 0) -> WorkMix:
    """A realistic spread of work on the plans' measures, bulk-inserted.

    Per measure (seeded by plan and position, so re-runs build the same database): about 30 %
    planned, 25 % in progress (a third of them returned for rectification, half of those past
    their rectification deadline), 15 % self-checked, 30 % accepted with a score. Measures past
    `planned` get the responsible units' parts (mostly done) and 1-3 pieces of evidence (notes and
    links, some superseded or removed); self-checked and later ones a self-check round with
    ratings, reviews as the state implies, and sometimes an earlier returned round.
    """
    mix = WorkMix()
    pt, mt, lt, it = table(Plan), table(Measure), table(MeasureUnit), table(ChecklistItem)
    with engine.begin() as conn:
        member_id, member_unit = conn.execute(
            select(table(Person).c.id, table(Person).c.unit_id).where(
                table(Person).c.name == MEMBER
            )
        ).one()
        admin_id = conn.execute(
            select(table(Person).c.id).where(table(Person).c.name == ADMIN)
        ).scalar_one()
        plans = dict(
            conn.execute(select(pt.c.key, pt.c.id).where(pt.c.key.in_(list(plan_keys)))).all()
        )
        measures = conn.execute(
            select(mt.c.id, mt.c.plan_id, mt.c.position)
            .where(mt.c.plan_id.in_(list(plans.values())))
            .order_by(mt.c.id)
        ).all()
        ids = [m.id for m in measures]
        units: dict[int, list[int]] = defaultdict(list)
        for mid, uid in conn.execute(
            select(lt.c.measure_id, lt.c.unit_id).where(lt.c.measure_id.in_(ids))
        ):
            units[mid].append(uid)
        items: dict[int, list[int]] = defaultdict(list)
        for mid, iid in conn.execute(
            select(it.c.measure_id, it.c.id).where(it.c.measure_id.in_(ids)).order_by(it.c.position)
        ):
            items[mid].append(iid)

        state_rows: list[dict[str, Any]] = []
        parts: list[dict[str, Any]] = []
        evidence: list[dict[str, Any]] = []
        checks: list[dict[str, Any]] = []
        check_reviews: list[list[dict[str, Any]]] = []  # reviews of checks[i]
        now = utcnow()
        for m in measures:
            rng = random.Random(f"{seed}:{m.plan_id}:{m.position}")
            roll = rng.random()
            state = (
                MeasureState.PLANNED
                if roll < 0.30
                else MeasureState.IN_PROGRESS
                if roll < 0.55
                else MeasureState.SELF_CHECKED
                if roll < 0.70
                else MeasureState.ACCEPTED
            )
            rectifying = state is MeasureState.IN_PROGRESS and rng.random() < 1 / 3
            rect_due = (
                today + dt.timedelta(days=rng.choice((-20, -5, 10, 30))) if rectifying else None
            )
            mix.measures["rectifying" if rectifying else state.value] += 1
            if state is MeasureState.PLANNED:
                continue
            state_rows.append({"mid": m.id, "st": state, "rd": rect_due})
            for uid in units[m.id]:
                done = state is not MeasureState.IN_PROGRESS or rng.random() < 0.5
                parts.append(
                    {
                        "measure_id": m.id,
                        "unit_id": uid,
                        "done_at": now if done else None,
                        "done_by_id": member_id if done else None,
                    }
                )
            for n in range(rng.randint(1, 3)):
                kind = EvidenceKind.NOTE if n % 2 == 0 else EvidenceKind.LINK
                doc_date = dt.date(2024, 2, 1) + dt.timedelta(days=rng.randint(0, 600))
                evidence.append(
                    {
                        "measure_id": m.id,
                        "item_id": rng.choice(items[m.id]) if items[m.id] else None,
                        "indicator_report_id": None,
                        "kind": kind,
                        "sha256": None,
                        "size": None,
                        "media_type": None,
                        "file_name": "",
                        "url": f"https://example.gov.cn/news/{m.id}-{n}.html"
                        if kind is EvidenceKind.LINK
                        else "",
                        "note": "已按要求开展工作,详见附件说明。"
                        if kind is EvidenceKind.NOTE
                        else "",
                        "doc_date": min(doc_date, today),
                        "uploaded_at": now,
                        "person_id": member_id,
                        "unit_id": member_unit,
                        "superseded_by_id": None,
                        "removed_at": now if rng.random() < 0.1 else None,
                    }
                )
            if state is MeasureState.IN_PROGRESS and not rectifying:
                continue
            ratings = {str(i + 1): Rating.DONE.value for i in range(len(items[m.id]))}
            rounds: list[tuple[int, list[dict[str, Any]]]] = []
            returned_before = rectifying or rng.random() < 0.2
            if returned_before:
                rounds.append(
                    (
                        1,
                        [
                            {
                                "level": 1,
                                "level_name": "领导小组办公室审核",
                                "verdict": Verdict.RETURN,
                                "comment": "佐证材料不足,请补充。",
                                "score": rng.randint(40, 59),
                                "rectification_due": rect_due or today - dt.timedelta(days=40),
                                "person_id": admin_id,
                            }
                        ],
                    )
                )
            if not rectifying:
                last: list[dict[str, Any]] = []
                if state is MeasureState.ACCEPTED:
                    last.append(
                        {
                            "level": 1,
                            "level_name": "领导小组办公室审核",
                            "verdict": Verdict.PASS,
                            "comment": "",
                            "score": rng.randint(60, 100),
                            "rectification_due": None,
                            "person_id": admin_id,
                        }
                    )
                rounds.append((len(rounds) + 1, last))
            for round_no, reviews in rounds:
                checks.append(
                    {
                        "measure_id": m.id,
                        "round": round_no,
                        "statement": "已完成各项工作,现提交自查。",
                        "ratings": ratings,
                        "person_id": member_id,
                        "unit_id": member_unit,
                        "submitted_at": now,
                        "withdrawn_at": None,
                    }
                )
                check_reviews.append(reviews)

        if state_rows:
            conn.execute(
                update(mt)
                .where(mt.c.id == bindparam("mid"))
                .values(
                    state=bindparam("st"),
                    rectification_due=bindparam("rd"),
                    version_id=mt.c.version_id + 1,
                ),
                state_rows,
            )
        if parts:
            conn.execute(insert(table(MeasurePart)), parts)
        ev_ids = _insert_returning_ids(conn, Evidence, evidence)
        # Every fifth piece of evidence was replaced: the replacement is a later row.
        replaced = [
            (i, e) for i, e in enumerate(evidence) if i % 5 == 4 and e["removed_at"] is None
        ]
        new_ids = _insert_returning_ids(
            conn, Evidence, [e | {"note": e["note"] + "(更新版)"} for _, e in replaced]
        )
        if replaced:
            et = table(Evidence)
            conn.execute(
                update(et)
                .where(et.c.id == bindparam("old"))
                .values(superseded_by_id=bindparam("new")),
                [{"old": ev_ids[i], "new": n} for (i, _), n in zip(replaced, new_ids, strict=True)],
            )
        check_ids = _insert_returning_ids(conn, SelfCheck, checks)
        reviews = [
            r | {"self_check_id": cid, "reviewed_at": now}
            for cid, rs in zip(check_ids, check_reviews, strict=True)
            for r in rs
        ]
        if reviews:
            conn.execute(insert(table(Review)), reviews)
    mix.rows.update(
        parts=len(parts),
        evidence=len(evidence) + len(new_ids),
        self_checks=len(checks),
        reviews=len(reviews),
    )
    return mix
