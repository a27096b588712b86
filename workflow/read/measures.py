"""One measure with its recorded work, typed: units and their parts, the checklist with its
evidence, the self-check rounds and their reviews.

The measure page, the review page, the API, the CLI's `measures`, the reports, the ledger and
the JSON export (`reports.export.work_to_dict`, which keeps the documented field names) all
read this one shape. Built from a `Measure` loaded with `read.plans.MEASURE_LOADS` and
`WORK_LOADS` while its transaction is open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from checklists.kinds import UnitRole
from workflow.db import UnitOfWork
from workflow.domain.extensions import shown_with_original
from workflow.domain.permissions import Actor, Work, authorize
from workflow.domain.states import (
    RATING_LABELS,
    VERDICT_LABELS,
    DisplayState,
    Rating,
    display_label,
    display_state,
)
from workflow.models import Evidence, Measure, MeasurePart, Plan, Unit
from workflow.read.evidence import EvidenceRow, evidence_row, utc
from workflow.read.plans import (
    PlanHead,
    find_unit,
    load_measures,
    measure_with_work,
    plan_by_id,
    plan_head,
)
from workflow.services.acting import (
    MeasureUnits,
    measure_by_id,
    measure_target,
    measure_units,
    members_for,
    plan_target,
    run_read,
)

DONE, PENDING = "done", "pending"


@dataclass(frozen=True)
class GroupMember:
    """A unit the office mapped into a group (各成员单位) named by the measure, with its part."""

    name: str
    part: str  # done | pending
    done_at: dt.datetime | None
    done_by: str | None


@dataclass(frozen=True)
class UnitLine:
    """A responsible unit as the plan names it, with its part; a group with its members."""

    name: str
    name_as_written: str
    role: str  # lead | co | group
    part: str | None  # done | pending; None for a group (its members have parts)
    done_at: dt.datetime | None
    done_by: str | None
    members: tuple[GroupMember, ...] | None  # None: not a group
    mapped: bool | None  # a group: whether the office has mapped its members

    @property
    def is_group(self) -> bool:
        return self.members is not None


@dataclass(frozen=True)
class ResponsibleUnit:
    """A unit that answers for the measure, groups expanded to the members the office mapped
    (each once), in the document's order: who has a part to mark and who leads."""

    name: str
    lead: bool
    done: bool  # its part is marked done


@dataclass(frozen=True)
class ChecklistLine:
    number: int
    text: str
    evidence_kinds: tuple[str, ...]
    min_evidence: int
    rating: str | None  # the latest self-check's own rating of this item
    rating_label: str | None
    evidence: tuple[EvidenceRow, ...]  # current and older, in the order handed in


@dataclass(frozen=True)
class ReviewLine:
    level: int
    level_name: str
    verdict: str  # pass | return
    verdict_label: str
    comment: str
    score: int | None
    rectification_due: dt.date | None
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class SelfCheckLine:
    round: int
    statement: str
    ratings: dict[str, str]  # item number → 完成/部分完成/未完成
    by: str
    unit: str | None
    at: dt.datetime
    withdrawn_at: dt.datetime | None
    reviews: tuple[ReviewLine, ...]


@dataclass(frozen=True)
class DeadlineLine:
    kind: str
    text: str
    due: dt.date | None
    month: int | None
    day: int | None


@dataclass(frozen=True)
class MeasureWork:
    number: str
    ref: str
    kind: str
    section: str | None  # the section's path title
    title: str
    text: str
    units: tuple[UnitLine, ...]
    responsible: tuple[ResponsibleUnit, ...]
    unmapped_groups: tuple[str, ...]  # groups named whose members the office has not mapped
    deadline: DeadlineLine
    state: str  # the stored state
    rectification_due: dt.date | None
    retired: bool
    checklist: tuple[ChecklistLine, ...]
    evidence: tuple[EvidenceRow, ...]  # all of it, in the order handed in (items' and any other)
    self_checks: tuple[SelfCheckLine, ...]
    source_lines: tuple[Any, ...]
    # The dates as first set, kept by an approved extension (延期), and how many were approved.
    original_due: dt.date | None
    original_rectification_due: dt.date | None
    extension_count: int

    @property
    def due_shown(self) -> str:
        """The due date as reports show it: `2024-06-30(原定 2024-05-31,延期 1 次)`."""
        return shown_with_original(self.deadline.due, self.original_due, self.extension_count)

    @property
    def rectification_shown(self) -> str:
        return shown_with_original(self.rectification_due, self.original_rectification_due, self.extension_count)

    @property
    def display_state(self) -> DisplayState:
        return display_state(self.state, self.rectification_due)

    @property
    def state_label(self) -> str:
        return display_label(self.state, self.rectification_due)

    @property
    def reviews(self) -> list[ReviewLine]:
        """Every review of every round, oldest first."""
        return [r for sc in self.self_checks for r in sc.reviews]


def _when(value: dt.datetime | None) -> dt.datetime | None:
    return utc(value) if value is not None else None


def _part(found: MeasurePart | None) -> tuple[str, dt.datetime | None, str | None]:
    done = found is not None and found.done_at is not None
    if not done or found is None:
        return PENDING, None, None
    return DONE, _when(found.done_at), found.done_by.name if found.done_by else None


def _units(measure: Measure, members: dict[int, list[Unit]], units: MeasureUnits) -> tuple[UnitLine, ...]:
    parts = {p.unit_id: p for p in measure.parts}
    direct = {link.unit_id for link in measure.unit_links}
    lines = []
    for link in measure.unit_links:
        group: tuple[GroupMember, ...] | None = None
        part: str | None = None
        done_at, done_by = None, None
        if link.unit.is_group or link.role is UnitRole.GROUP:
            group = tuple(
                GroupMember(u.name, *_part(parts.get(u.id)))
                for u in members.get(link.unit_id, [])
                if u.id not in direct  # a member named on its own has its own line
            )
        else:
            part, done_at, done_by = _part(parts.get(link.unit_id))
        lines.append(
            UnitLine(
                name=link.unit.name,
                name_as_written=link.name_as_written,
                role=link.role.value,
                part=part,
                done_at=done_at,
                done_by=done_by,
                members=group,
                mapped=None if group is None else link.unit.name not in units.unmapped_groups,
            )
        )
    return tuple(lines)


def _responsible(measure: Measure, units: MeasureUnits) -> tuple[ResponsibleUnit, ...]:
    done = {p.unit_id for p in measure.parts if p.done_at is not None}
    lead = units.responsibility.lead_unit_ids
    return tuple(ResponsibleUnit(name, uid in lead, uid in done) for uid, name in units.unit_names.items())


def _checklist(measure: Measure) -> tuple[ChecklistLine, ...]:
    latest = measure.self_checks[-1] if measure.self_checks else None
    by_item: dict[int | None, list[Evidence]] = {}
    for e in measure.evidence:
        by_item.setdefault(e.item_id, []).append(e)
    lines = []
    for item in measure.checklist:
        rating = latest.rating_of(item.position) if latest else None
        lines.append(
            ChecklistLine(
                number=item.position,
                text=item.text,
                evidence_kinds=tuple(item.evidence_kinds),
                min_evidence=item.min_evidence,
                rating=rating.value if rating else None,
                rating_label=RATING_LABELS[rating] if rating else None,
                evidence=tuple(evidence_row(e) for e in by_item.get(item.id, [])),
            )
        )
    return tuple(lines)


def _self_checks(measure: Measure) -> tuple[SelfCheckLine, ...]:
    return tuple(
        SelfCheckLine(
            round=sc.round,
            statement=sc.statement,
            ratings={k: RATING_LABELS[Rating(v)] for k, v in sc.ratings.items()},
            by=sc.person.name,
            unit=sc.unit.name if sc.unit else None,
            at=utc(sc.submitted_at),
            withdrawn_at=_when(sc.withdrawn_at),
            reviews=tuple(
                ReviewLine(
                    level=r.level,
                    level_name=r.level_name,
                    verdict=r.verdict.value,
                    verdict_label=VERDICT_LABELS[r.verdict],
                    comment=r.comment,
                    score=r.score,
                    rectification_due=r.rectification_due,
                    by=r.person.name,
                    at=utc(r.reviewed_at),
                )
                for r in sc.reviews
            ),
        )
        for sc in measure.self_checks
    )


def measure_work(measure: Measure, members: dict[int, list[Unit]] | None = None) -> MeasureWork:
    """`measure` and its work as one typed value; `members`: the unit groups' mapped members
    (`acting.members_for`), without which groups show no members."""
    units = measure_units(None, measure, members or {})
    return MeasureWork(
        number=measure.number,
        ref=measure.ref,
        kind=measure.kind.value,
        section=measure.section.path_title() if measure.section else None,
        title=measure.title,
        text=measure.text,
        units=_units(measure, members or {}, units),
        responsible=_responsible(measure, units),
        unmapped_groups=units.unmapped_groups,
        deadline=DeadlineLine(
            kind=measure.deadline_kind.value,
            text=measure.deadline_text,
            due=measure.due_on,
            month=measure.due_month,
            day=measure.due_day,
        ),
        state=measure.state.value,
        rectification_due=measure.rectification_due,
        retired=measure.retired_at is not None,
        checklist=_checklist(measure),
        evidence=tuple(evidence_row(e) for e in measure.evidence),
        self_checks=_self_checks(measure),
        source_lines=tuple(measure.source_lines),
        original_due=measure.original_due_on,
        original_rectification_due=measure.original_rectification_due,
        extension_count=measure.extension_count or 0,
    )


def works_of(session: Session, measures: list[Measure]) -> list[MeasureWork]:
    """`measures` (loaded with their work) as typed values, their groups' members read at once."""
    members = members_for(session, measures)
    return [measure_work(m, members) for m in measures]


def current_works(session: Session, plan: Plan, *, unit_id: int | None = None) -> list[MeasureWork]:
    """The plan's current measures with their work, in document order (optionally those naming
    unit `unit_id`), in a fixed number of queries. The caller has checked that its viewer may
    see `plan`."""
    return works_of(session, load_measures(session, plan, unit_id=unit_id, with_work=True))


@dataclass(frozen=True)
class PlanWorks:
    plan: PlanHead
    measures: list[MeasureWork]


def plan_works(uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, unit: str | None = None) -> PlanWorks:
    """Plan `plan_id`'s current measures with their work (those naming `unit`, a unit of the
    plan's zone, when given), if `viewer` may see the plan (else NotFound, audited): what
    `zonecheck measures` lists."""

    def read(session: Session) -> PlanWorks:
        plan = plan_by_id(session, viewer, plan_id)
        unit_id = find_unit(session, unit, plan.zone_id).id if unit is not None else None
        return PlanWorks(plan_head(plan), current_works(session, plan, unit_id=unit_id))

    return run_read(uow, viewer, "measures", plan_target(plan_id), read)


@dataclass(frozen=True)
class OneWork:
    """One measure's work, and the version a change to it must name (optimistic locking)."""

    work: MeasureWork
    version: int


def one_work(uow: UnitOfWork, viewer: Actor | None, measure_id: int) -> OneWork:
    """Measure `measure_id` with its work, if `viewer` may open it (else NotFound or Refused,
    audited): what `zonecheck measure` shows."""

    def read(session: Session) -> OneWork:
        measure = measure_by_id(session, viewer, measure_id)
        if viewer is not None:
            authorize(viewer, Work.VIEW, measure_units(session, measure).responsibility)
        loaded = measure_with_work(session, measure.id)
        assert loaded is not None  # found just above, in this transaction
        return OneWork(works_of(session, [loaded])[0], loaded.version_id)

    return run_read(uow, viewer, "view", measure_target(measure_id), read)
