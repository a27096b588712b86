"""A plan's expert panel as the pages and the reports read it: members and 组长, the rounds,
each expert's opinion and scores, the panel's opinion and the consolidated score (typed).

The panel is the office's and the experts' business: a unit member who sees the plan is
refused (audited); another zone's plan, or another panel's, reads as a missing plan.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.domain.states import Role
from workflow.errors import Refused
from workflow.models import (
    ExpertOpinion,
    ExpertRound,
    ExpertScore,
    IndexIndicatorRow,
    IndexSystemRow,
    Person,
    Plan,
    PlanExpert,
)
from workflow.read.plans import plan_by_id
from workflow.read.scores import ScoreSummary, expert_round, plan_scores
from workflow.services.acting import plan_target, run_read
from workflow.services.experts import may_manage_panel  # the service decides who manages
from workflow.services.visibility import zones_of

# The page lists at most this many unseated experts (a zone has a few dozen).
MAX_CANDIDATES = 500

__all__ = [
    "Candidate",
    "ExpertMark",
    "ExpertPanel",
    "Member",
    "Opinion",
    "PanelSeats",
    "RoundState",
    "expert_panel",
    "panel_seats",
    "read_panel",
]


@dataclass(frozen=True)
class Member:
    name: str
    organisation: str
    leader: bool
    assigned_at: dt.datetime


@dataclass(frozen=True)
class RoundState:
    round: int
    opened_at: dt.datetime
    finalised_at: dt.datetime | None
    finalised_by: str | None


@dataclass(frozen=True)
class Opinion:
    author: str
    organisation: str
    panel: bool  # the 专家组意见 (by the 组长)
    text: str
    written_at: dt.datetime
    version: int


@dataclass(frozen=True)
class ExpertMark:
    code: str
    points: Decimal | None  # a 评分 indicator's
    met: bool | None  # a 达标 indicator's
    comment: str
    scored_at: dt.datetime
    version: int


@dataclass(frozen=True)
class ExpertPanel:
    plan_key: str
    round: int  # the round read
    rounds: tuple[RoundState, ...]
    members: tuple[Member, ...]
    opinions: tuple[Opinion, ...]  # the round's: experts' in member order, the panel's last
    marks: dict[str, tuple[ExpertMark, ...]]  # expert name → the round's marks, by indicator order
    scores: ScoreSummary | None  # the consolidated sheet (None: no index system)

    @property
    def leader(self) -> Member | None:
        return next((m for m in self.members if m.leader), None)

    @property
    def panel_opinion(self) -> Opinion | None:
        return next((o for o in self.opinions if o.panel), None)

    def opinion_of(self, name: str) -> Opinion | None:
        """Expert `name`'s own opinion of the round (not the panel's)."""
        return next((o for o in self.opinions if o.author == name and not o.panel), None)

    @property
    def finalised(self) -> bool:
        state = next((r for r in self.rounds if r.round == self.round), None)
        return state is not None and state.finalised_at is not None


def read_panel(session: Session, plan: Plan, round: int | None = None) -> ExpertPanel:
    """The panel of `plan` in `round` (default: the current one); visibility is the caller's."""
    wanted = round if round is not None else expert_round(session, plan)
    seats = list(
        session.scalars(
            select(PlanExpert)
            .where(PlanExpert.plan_id == plan.id)
            .order_by(PlanExpert.is_leader.desc(), PlanExpert.assigned_at, PlanExpert.id)
            .options(selectinload(PlanExpert.person))
        )
    )
    members = tuple(Member(s.person.name, s.person.organisation, s.is_leader, s.assigned_at) for s in seats)
    rounds = tuple(
        RoundState(r.round, r.opened_at, r.finalised_at, r.finalised_by.name if r.finalised_by else None)
        for r in session.scalars(
            select(ExpertRound)
            .where(ExpertRound.plan_id == plan.id)
            .order_by(ExpertRound.round)
            .options(selectinload(ExpertRound.finalised_by))
        )
    )
    order = {s.person_id: n for n, s in enumerate(seats)}
    opinions = sorted(
        session.scalars(
            select(ExpertOpinion)
            .where(ExpertOpinion.plan_id == plan.id, ExpertOpinion.round == wanted)
            .options(selectinload(ExpertOpinion.person))
        ),
        key=lambda o: (o.panel, order.get(o.person_id, len(order)), o.id),
    )
    marks: dict[str, list[ExpertMark]] = defaultdict(list)
    for score in session.scalars(
        select(ExpertScore)
        .join(IndexIndicatorRow, IndexIndicatorRow.id == ExpertScore.indicator_id)
        .join(IndexSystemRow, IndexSystemRow.id == IndexIndicatorRow.system_id)
        .where(IndexSystemRow.plan_id == plan.id, ExpertScore.round == wanted)
        .order_by(IndexIndicatorRow.position)
        .options(selectinload(ExpertScore.expert), selectinload(ExpertScore.indicator))
    ):
        marks[score.expert.name].append(
            ExpertMark(score.indicator.code, score.points, score.met, score.comment, score.scored_at, score.version_id)
        )
    return ExpertPanel(
        plan_key=plan.key,
        round=wanted,
        rounds=rounds,
        members=members,
        opinions=tuple(
            Opinion(o.person.name, o.person.organisation, o.panel, o.text, o.written_at, o.version_id) for o in opinions
        ),
        marks={name: tuple(found) for name, found in marks.items()},
        scores=plan_scores(session, plan, experts_round=wanted),
    )


def expert_panel(uow: UnitOfWork, viewer: Actor | None, plan_id: int, *, round: int | None = None) -> ExpertPanel:
    """Plan `plan_id`'s panel, for its office and its experts (a unit member is refused)."""

    def read(session: Session) -> ExpertPanel:
        plan = plan_by_id(session, viewer, plan_id)
        if viewer is not None and not (viewer.is_office or viewer.is_expert):
            raise Refused(
                f"{viewer.describe()}无权查看方案 {plan.key} 的专家组评分与意见(由办公室与专家组查看)", code="no_view"
            )
        return read_panel(session, plan, round)

    return run_read(uow, viewer, "expert_panel", plan_target(plan_id), read)


@dataclass(frozen=True)
class Candidate:
    """An expert account the office may seat (its organisation shown; the recusal rule is the
    service's, told when the seat is asked for)."""

    name: str
    organisation: str


@dataclass(frozen=True)
class PanelSeats:
    """The panel as its office manages it: the panel, and the experts not yet seated."""

    panel: ExpertPanel
    candidates: tuple[Candidate, ...]  # empty when the viewer may not manage the panel
    manage_refusal: str | None  # why the viewer may not manage it (None: they may)


def panel_seats(uow: UnitOfWork, viewer: Actor, plan_id: int) -> PanelSeats:
    """Plan `plan_id`'s panel for its office, with the expert accounts of the zones working on
    the plan that an admin may seat (a unit member or an expert is refused)."""
    def read(session: Session) -> PanelSeats:
        plan = plan_by_id(session, viewer, plan_id)
        if not viewer.is_office:
            raise Refused(f"{viewer.describe()}无权管理方案 {plan.key} 的专家组", code="no_view")
        panel = read_panel(session, plan)
        try:
            may_manage_panel(session, viewer, plan_id)
        except Refused as refused:
            return PanelSeats(panel, (), str(refused))
        seated = select(PlanExpert.person_id).where(PlanExpert.plan_id == plan.id)
        experts = session.scalars(
            select(Person)
            .where(
                Person.role == Role.EXPERT,
                Person.active.is_(True),
                Person.zone_id.in_(zones_of(plan).office_zone_ids),
                Person.id.not_in(seated),
            )
            .order_by(Person.name)
            .limit(MAX_CANDIDATES)
        )
        return PanelSeats(panel, tuple(Candidate(p.name, p.organisation) for p in experts), None)

    return run_read(uow, viewer, "expert_panel", plan_target(plan_id), read)
