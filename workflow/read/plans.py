"""Plans: finding one by what a person types or by its number, the plans a viewer may list
with their counts, and a plan's measures loaded for the other reads.

`find_plan` and `plan_by_id` ask the one visibility rule (`services.visibility`); another
zone's plan is answered like a missing one. `load_measures` is the one query every plan-wide
read of measures goes through (current ones, or with the retired ones for the evidence
bundle), with their work when asked.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from checklists.kinds import MeasureKind
from checklists.unit_names import normalise_unit_name
from workflow.domain.permissions import Actor
from workflow.errors import NotFound
from workflow.models import (
    Evidence,
    Indicator,
    Measure,
    MeasurePart,
    MeasureUnit,
    Plan,
    Review,
    Section,
    SelfCheck,
    Unit,
    UnitAlias,
)
from workflow.services.visibility import require_plan, visible_plan_ids


def find_plan(session: Session, ident: str, viewer: Actor | None) -> Plan:
    """A plan by key, document number, unique key prefix (`003` for `003_ae65…`) or id,
    among the plans `viewer` may see (None: the operator, every plan).

    The prefix comes before the id: in a database of the five seeds, `003` must be Jiading's
    plan (key 003_…), not the plan that happens to have id 3. Another zone's plan is answered
    like a missing one (`Hidden`).
    """
    ident = ident.strip()
    missing = NotFound(f"找不到方案“{ident}”", code="plan_missing", params={"plan": ident})
    visible = visible_plan_ids(session, viewer)

    def among_visible(query: Select[Plan]) -> Select[Plan]:
        return query if visible is None else query.where(Plan.id.in_(visible))

    plan = session.scalars(
        among_visible(select(Plan).where(or_(Plan.key == ident, Plan.doc_number == ident)))
        .order_by(Plan.id)
    ).first()
    if plan is None and ident:
        by_prefix = list(
            session.scalars(
                among_visible(select(Plan).where(Plan.key.startswith(ident, autoescape=True))).limit(2)
            )
        )
        if len(by_prefix) > 1:
            raise NotFound(
                f"“{ident}”对应多个方案,请写出完整的方案编号", code="plan_ambiguous", params={"plan": ident}
            )
        plan = by_prefix[0] if by_prefix else None
    if plan is None and ident.isdigit() and len(ident) <= 18:
        plan = session.get(Plan, int(ident))
    if plan is None:
        # Recognised but not visible: refused (and audited) in the words of a missing plan.
        hidden = session.scalars(
            select(Plan).where(or_(Plan.key == ident, Plan.doc_number == ident)).limit(1)
        ).first() or session.scalars(
            select(Plan).where(Plan.key.startswith(ident, autoescape=True)).limit(1)
        ).first()
        if hidden is not None and ident:
            require_plan(viewer, hidden, missing)  # raises Hidden: audited by the caller
        raise missing
    return require_plan(viewer, plan, missing)


def plan_by_id(session: Session, viewer: Actor | None, plan_id: int) -> Plan:
    """Plan number `plan_id` (the web's addresses; the CLI once it has resolved a name), if
    `viewer` may see it; another zone's plan is Hidden in the words of a missing one."""
    missing = NotFound(f"找不到编号为 {plan_id} 的方案")
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise missing
    return require_plan(viewer, plan, missing)


def find_unit(session: Session, name: str, zone_id: int | None) -> Unit:
    """A unit of `zone_id` by its name or an alias (None: any zone, if the name is unique)."""
    normalised = normalise_unit_name(name)

    def in_zone(query: Select[Unit]) -> Select[Unit]:
        return query if zone_id is None else query.where(Unit.zone_id == zone_id)

    units = list(session.scalars(in_zone(select(Unit).where(Unit.name == normalised)).limit(2)))
    if not units:
        units = list(
            session.scalars(
                in_zone(
                    select(Unit).join(UnitAlias).where(UnitAlias.alias.in_([name, normalised]))
                ).limit(2)
            )
        )
    if len(units) > 1:
        raise NotFound(f"多个辖区都有责任单位“{name}”", code="unit_ambiguous", params={"unit": name})
    if not units:
        raise NotFound(f"找不到责任单位“{name}”", code="unit_missing", params={"unit": name})
    return units[0]


@dataclass(frozen=True)
class PlanHead:
    """The plan a read is about: what pages and listings print above it."""

    id: int
    key: str
    title: str
    doc_number: str
    issuer: str
    issued_on: dt.date | None
    source_file: str


def plan_head(plan: Plan) -> PlanHead:
    return PlanHead(plan.id, plan.key, plan.title, plan.doc_number, plan.issuer, plan.issued_on, plan.source_file)


@dataclass(frozen=True)
class PlanSummary:
    """A plan as `zonecheck plans`, the office's home page and `GET /api/v1/plans` list it."""

    id: int
    key: str
    zone: str
    title: str
    issuer: str
    doc_number: str
    issued_on: str | None
    measures: int
    safeguards: int
    outcomes: int
    units: int
    phases: int
    indicators: int
    states: dict[str, int]
    acceptance_phase: str | None


def plan_summaries(session: Session, viewer: Actor | None) -> list[PlanSummary]:
    """The plans `viewer` may see, with their counts."""
    query = select(Plan).order_by(Plan.id).options(selectinload(Plan.phases), selectinload(Plan.zone))
    visible = visible_plan_ids(session, viewer)
    if visible is not None:
        query = query.where(Plan.id.in_(visible))
    plans = session.scalars(query).all()
    kinds = Counter(
        (plan_id, kind)
        for plan_id, kind in session.execute(
            select(Measure.plan_id, Measure.kind).where(Measure.retired_at.is_(None))
        )
    )
    states: dict[int, Counter[str]] = {}
    for plan_id, state, n in session.execute(
        select(Measure.plan_id, Measure.state, func.count())
        .where(Measure.retired_at.is_(None))
        .group_by(Measure.plan_id, Measure.state)
    ):
        states.setdefault(plan_id, Counter())[state.value] = n
    indicators = dict(
        session.execute(select(Indicator.plan_id, func.count()).group_by(Indicator.plan_id)).all()
    )
    units = dict(
        session.execute(
            select(Measure.plan_id, func.count(func.distinct(MeasureUnit.unit_id)))
            .join(MeasureUnit)
            .group_by(Measure.plan_id)
        ).all()
    )
    out = []
    for plan in plans:
        phase = plan.acceptance_phase()
        out.append(
            PlanSummary(
                id=plan.id,
                key=plan.key,
                zone=plan.zone.name,
                title=plan.title,
                issuer=plan.issuer,
                doc_number=plan.doc_number,
                issued_on=plan.issued_on.isoformat() if plan.issued_on else None,
                measures=kinds[(plan.id, MeasureKind.MEASURE)],
                safeguards=kinds[(plan.id, MeasureKind.SAFEGUARD)],
                outcomes=kinds[(plan.id, MeasureKind.OUTCOME)],
                units=units.get(plan.id, 0),
                phases=len(plan.phases),
                indicators=indicators.get(plan.id, 0),
                states=dict(states.get(plan.id, {})),
                acceptance_phase=_phase_span(phase.start_on, phase.end_on) if phase else None,
            )
        )
    return out


def _phase_span(start: object, end: object) -> str:
    return f"{start or '?'} ~ {end or '?'}"


# A measure's units, checklist and section (with its parents, for path titles), and with them
# its recorded work: what `read.measures.measure_work` reads.
MEASURE_LOADS = (
    selectinload(Measure.unit_links).selectinload(MeasureUnit.unit),
    selectinload(Measure.checklist),
    selectinload(Measure.section).selectinload(Section.parent),
)
WORK_LOADS = (
    selectinload(Measure.parts).options(
        selectinload(MeasurePart.unit), selectinload(MeasurePart.done_by)
    ),
    selectinload(Measure.evidence).options(selectinload(Evidence.person), selectinload(Evidence.unit)),
    selectinload(Measure.self_checks).options(
        selectinload(SelfCheck.person),
        selectinload(SelfCheck.unit),
        selectinload(SelfCheck.reviews).selectinload(Review.person),
    ),
)


def measure_with_work(session: Session, measure_id: int) -> Measure | None:
    """One measure with its plan and everything `measure_work` reads, in fixed queries."""
    return session.scalar(
        select(Measure)
        .where(Measure.id == measure_id)
        .options(selectinload(Measure.plan), *MEASURE_LOADS, *WORK_LOADS)
    )


def load_measures(
    session: Session,
    plan: Plan,
    *,
    unit_id: int | None = None,
    with_work: bool = False,
    include_retired: bool = False,
) -> list[Measure]:
    """The plan's current measures in document order (the caller has checked that its viewer
    may see `plan`), optionally those naming unit `unit_id`.

    `with_work` also loads parts, evidence, self-checks and reviews (for exports, reports and
    the ledger) in a fixed number of queries; `include_retired` also takes the measures a
    revision withdrew from the plan (the work recorded on them is still evidence).
    """
    query = select(Measure).where(Measure.plan_id == plan.id).order_by(Measure.position).options(*MEASURE_LOADS)
    if not include_retired:
        query = query.where(Measure.retired_at.is_(None))
    if with_work:
        query = query.options(*WORK_LOADS)
    if unit_id is not None:
        query = query.where(Measure.unit_links.any(MeasureUnit.unit_id == unit_id))
    return list(session.scalars(query))
