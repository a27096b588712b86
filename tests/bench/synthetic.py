"""Large synthetic databases for the workflow benchmarks, built fast.

Seed plan 000 (70 measures) is imported the normal way; its rows (plan, sections, measures,
unit links, checklist items, phases, indicators) are then copied N-1 times with SQLAlchemy Core
under new plan keys, in one executemany per table. Work (states, parts, evidence, self-checks,
reviews) is likewise bulk-inserted, so building 14,000 measures takes seconds, not the hours the
CLI would need. Only what the benchmarks time goes through the services.

For the report benchmarks, `grow_plan` builds ONE plan of any number of measures (seed 000's
sections and measures repeated in order, renumbered) and `add_files` gives every measure evidence
files (rows only: a report lists a file's name, type, size and hash, never its bytes).

Not a test module (no test_ prefix): imported by the test_bench_*.py modules.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
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
from workflow.domain.permissions import Actor
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
from workflow.services.acting import resolve_actor
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
    admin = actor(app, ADMIN)
    add_unit(app.uow(), admin, BENCH_UNIT)
    add_person(app.uow(), admin, MEMBER, role=Role.MEMBER, unit=BENCH_UNIT)


def actor(app: App, name: str) -> Actor:
    """The person named, as the services take them; resolved before any clock starts."""
    found = resolve_actor(app.uow(), name)
    assert found is not None
    return found


def plan_id(app: App, key: str) -> int:
    with app.engine.connect() as conn:
        return int(conn.execute(select(table(Plan).c.id).where(table(Plan).c.key == key)).scalar_one())


def measure_ids(app: App, idents: Sequence[str]) -> list[int]:
    """The numbers of the measures named `PLAN_KEY/REF`, in the same order."""
    pt, mt = table(Plan), table(Measure)
    with app.engine.connect() as conn:
        found = {
            f"{key}/{ref}": mid
            for key, ref, mid in conn.execute(select(pt.c.key, mt.c.ref, mt.c.id).join(mt, mt.c.plan_id == pt.c.id))
        }
    return [found[ident] for ident in idents]


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
    admin = actor(app, ADMIN)
    for group in groups:
        set_group_members(app.uow(), admin, group, add=plain)


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


# --------------------------------------------------------------------------------------------
# Report benchmarks: one large plan, evidence files
# --------------------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 40 → 四十, 99 → 九十九 (section numbers as plans write them)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")


def grow_plan(engine: Engine, source_key: str, measures: int, *, key: str) -> str:
    """One new plan `key` of `measures` measures: the source's sections and measures, repeated.

    Round r (0-based) of the source adds its sections again, numbered on (seed 000's six
    sections 一…六 become 七…十二 in round 1, with the title marked (第二轮)) and its measures
    with their unit links, checklist items and deadlines, numbered on (71, 72 …). The last round
    stops at `measures` (and adds only the sections it uses). Indicators are copied in every
    round that copies their measure, phases once. The plan reads as a real one, only longer.
    Returns `key`.
    """
    plans_t = table(Plan)
    with engine.begin() as conn:
        plan = dict(conn.execute(select(plans_t).where(plans_t.c.key == source_key)).one()._mapping)
        pid = plan["id"]
        sections = _rows(conn, Section, table(Section).c.plan_id == pid)
        source = [
            m
            for m in _rows(conn, Measure, table(Measure).c.plan_id == pid)
            if m["retired_at"] is None
        ]
        source.sort(key=lambda m: m["position"])
        mids = [m["id"] for m in source]
        links = _rows(conn, MeasureUnit, table(MeasureUnit).c.measure_id.in_(mids))
        items = _rows(conn, ChecklistItem, table(ChecklistItem).c.measure_id.in_(mids))
        phases = _rows(conn, Phase, table(Phase).c.plan_id == pid)
        indicators = _rows(conn, Indicator, table(Indicator).c.plan_id == pid)
        if not source:
            raise ValueError(f"plan {source_key} has no measures to repeat")

        [new_pid] = _insert_returning_ids(
            conn,
            Plan,
            [
                _strip(
                    plan,
                    key=key,
                    title=f"{plan['title']}(基准:{measures} 项措施)",
                    doc_number=f"{plan['doc_number']}-基准{measures}" if plan["doc_number"] else "",
                    catalog_sha256="",
                )
            ],
        )
        rounds = -(-measures // len(source))
        order = [(r, m) for r in range(rounds) for m in source][:measures]
        top = [s for s in sections if s["parent_id"] is None]
        by_id = {s["id"]: s for s in sections}
        # Sections: each round adds those its measures sit in (and their parents), renumbered.
        used: set[tuple[int, int]] = set()
        for r, m in order:
            sid = m["section_id"]
            while sid is not None and (r, sid) not in used:
                used.add((r, sid))
                sid = by_id[sid]["parent_id"]
        wanted = [(r, s) for r in range(rounds) for s in sections if (r, s["id"]) in used]
        sec_rows: list[dict[str, Any]] = []
        for r, s in wanted:
            changes: dict[str, Any] = {"plan_id": new_pid, "parent_id": None}
            changes["ref"] = f"{s['ref']}" if r == 0 else f"{s['ref']}-{r + 1}"
            changes["position"] = r * len(sections) + s["position"]
            if s["parent_id"] is None and r > 0:
                changes["number"] = chinese_number(r * len(top) + top.index(s) + 1)
                changes["title"] = f"{s['title']}(第{chinese_number(r + 1)}轮)"
            sec_rows.append(_strip(s, **changes))
        sec_ids = _insert_returning_ids(conn, Section, sec_rows)
        sec_map = {(r, s["id"]): sid for (r, s), sid in zip(wanted, sec_ids, strict=True)}
        parents = [
            {"sid": sec_map[(r, s["id"])], "pid": sec_map[(r, s["parent_id"])]}
            for r, s in wanted
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
                    plan_id=new_pid,
                    section_id=sec_map[(r, m["section_id"])] if m["section_id"] else None,
                    number=str(pos + 1),
                    ref=str(pos + 1),
                    position=pos,
                    state=MeasureState.PLANNED,
                    rectification_due=None,
                    version_id=1,
                )
                for pos, (r, m) in enumerate(order)
            ],
        )
        m_map = {(r, m["id"]): measure_ids[pos] for pos, (r, m) in enumerate(order)}
        by_measure: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in links:
            by_measure[row["measure_id"]].append(row)
        if links:
            conn.execute(
                insert(table(MeasureUnit)),
                [
                    _strip(link, measure_id=m_map[(r, m["id"])])
                    for r, m in order
                    for link in by_measure[m["id"]]
                ],
            )
        items_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in items:
            items_of[row["measure_id"]].append(row)
        if items:
            conn.execute(
                insert(table(ChecklistItem)),
                [
                    _strip(item, measure_id=m_map[(r, m["id"])])
                    for r, m in order
                    for item in items_of[m["id"]]
                ],
            )
        if phases:
            conn.execute(insert(table(Phase)), [_strip(p, plan_id=new_pid) for p in phases])
        copied = [
            _strip(
                ind,
                plan_id=new_pid,
                position=r * len(indicators) + ind["position"],
                measure_id=m_map.get((r, ind["measure_id"])) if ind["measure_id"] else None,
            )
            for r in range(rounds)
            for ind in indicators
            if ind["measure_id"] is None or (r, ind["measure_id"]) in m_map
        ]
        if copied:
            conn.execute(insert(table(Indicator)), copied)
    return key


_FILE_NAMES: tuple[tuple[str, str], ...] = (
    ("pdf", "{y}年第{q}季度知识产权保护工作台账({unit})"),
    ("docx", "关于{topic}工作情况的报告"),
    ("pdf", "{unit}关于印发《{topic}工作方案》的通知"),
    ("jpg", "{topic}现场照片_{y}{m:02d}{d:02d}_{n}"),
    ("pdf", "{y}年{m}月知识产权保护专项行动工作简报(第{k}期)"),
    ("docx", "{topic}专题会议纪要({y}年{m}月{d}日)"),
    ("pdf", "{unit}{y}年度知识产权保护工作总结"),
)
_SIZES = {"pdf": (60_000, 6_000_000), "docx": (18_000, 600_000), "jpg": (400_000, 5_000_000)}


def _topic(title: str) -> str:
    """The first clause of a measure's title, at most 18 characters: the subject of its files."""
    head = title.replace("《", "").replace("》", "")
    for stop in ",,;;。":
        head = head.split(stop)[0]
    return head[:18]


def add_files(
    engine: Engine,
    plan_keys: Sequence[str],
    *,
    per_measure: int = 5,
    today: dt.date,
    seed: int = 0,
) -> int:
    """`per_measure` evidence files on every measure of the plans, bulk-inserted; returns the count.

    Rows only (no stored bytes): realistic names (工作台账, 工作总结, 会议纪要, 现场照片 …, with
    the measure's subject and its lead unit), type pdf/docx/jpg, a size, the sha256 of some
    bytes, handed in by the bench member for the measure's first responsible unit, dated within
    the plan's period, spread over the measure's checklist items. Needs `add_bench_people`.
    """
    pt, mt, lt, it, ut = (
        table(Plan),
        table(Measure),
        table(MeasureUnit),
        table(ChecklistItem),
        table(Unit),
    )
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        member_id, member_unit = conn.execute(
            select(table(Person).c.id, table(Person).c.unit_id).where(
                table(Person).c.name == MEMBER
            )
        ).one()
        plan_ids = list(
            conn.execute(select(pt.c.id).where(pt.c.key.in_(list(plan_keys)))).scalars()
        )
        measures = conn.execute(
            select(mt.c.id, mt.c.plan_id, mt.c.position, mt.c.title)
            .where(mt.c.plan_id.in_(plan_ids))
            .order_by(mt.c.id)
        ).all()
        ids = [m.id for m in measures]
        unit_of: dict[int, tuple[int, str]] = {}
        for mid, uid, name in conn.execute(
            select(lt.c.measure_id, ut.c.id, ut.c.name)
            .join(ut, ut.c.id == lt.c.unit_id)
            .where(lt.c.measure_id.in_(ids), ut.c.is_group.is_(False))
            .order_by(lt.c.measure_id, lt.c.position)
        ):
            unit_of.setdefault(mid, (uid, name))
        items: dict[int, list[int]] = defaultdict(list)
        for mid, iid in conn.execute(
            select(it.c.measure_id, it.c.id).where(it.c.measure_id.in_(ids)).order_by(it.c.position)
        ):
            items[mid].append(iid)
        start = dt.date(2024, 2, 1)
        span = max(1, (today - start).days)
        for m in measures:
            rng = random.Random(f"files:{seed}:{m.plan_id}:{m.position}")
            unit_id, unit_name = unit_of.get(m.id, (member_unit, BENCH_UNIT))
            topic = _topic(m.title)
            for n in range(per_measure):
                media, pattern = _FILE_NAMES[(m.position + n) % len(_FILE_NAMES)]
                day = start + dt.timedelta(days=rng.randrange(span))
                name = pattern.format(
                    y=day.year,
                    q=(day.month - 1) // 3 + 1,
                    m=day.month,
                    d=day.day,
                    n=n + 1,
                    k=rng.randint(1, 40),
                    unit=unit_name,
                    topic=topic,
                )
                uploaded = dt.datetime.combine(
                    min(day + dt.timedelta(days=rng.randint(0, 9)), today),
                    dt.time(rng.randint(8, 17), rng.randint(0, 59)),
                    tzinfo=dt.UTC,
                )
                low, high = _SIZES[media]
                rows.append(
                    {
                        "measure_id": m.id,
                        "item_id": items[m.id][n % len(items[m.id])] if items[m.id] else None,
                        "indicator_report_id": None,
                        "kind": EvidenceKind.FILE,
                        "sha256": hashlib.sha256(f"{seed}:{m.id}:{n}".encode()).hexdigest(),
                        "size": rng.randint(low, high),
                        "media_type": media,
                        "file_name": f"{name}.{media}",
                        "url": "",
                        "note": "",
                        "doc_date": day,
                        "uploaded_at": uploaded,
                        "person_id": member_id,
                        "unit_id": unit_id,
                        "superseded_by_id": None,
                        "removed_at": None,
                    }
                )
        if rows:
            conn.execute(insert(table(Evidence)), rows)
    return len(rows)
