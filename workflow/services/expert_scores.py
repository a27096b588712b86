"""Experts' scores: each expert's own (专家评分), the 组长's consolidated score where the index
system consolidates by the 组长, and the 组长 finalising the round.

Only an expert seated on the plan's panel scores it (anyone else is refused; an expert of
another panel is answered as for a missing plan); marks go on leaves, within the points, with
optimistic locking, each audited. Once the 组长 finalised the round nothing of it changes;
the office may open the next (`experts.open_round`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from checklists.indexsys.model import MAX_CODE_CHARS, Consolidation
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, expert_refusal
from workflow.domain.scoring import Mark, mark_points
from workflow.errors import Conflict, InputError, Refused
from workflow.models import ExpertOpinion, ExpertRound, ExpertScore, PanelScore, Plan, PlanExpert
from workflow.read.plans import plan_by_id
from workflow.read.scores import plan_scores
from workflow.services.acting import person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.experts import current_round
from workflow.services.index_store import current_row
from workflow.services.index_systems import leaf_mark
from workflow.services.visibility import zones_of

__all__ = ["MAX_COMMENT_CHARS", "ExpertScoreSet", "finalise_round", "set_expert_score", "set_panel_score"]

MAX_COMMENT_CHARS = 4000
EXPERT_ACTION = "score_expert"
FINAL_ACTION = "score_final"
FINALISE_ACTION = "score_finalise"


@dataclass(frozen=True)
class ExpertScoreSet:
    plan_key: str
    label: str  # the indicator, "1.1 建立工作机制"
    points: Decimal  # what the mark is worth
    round: int
    version: int


@dataclass(frozen=True)
class Finalised:
    plan_key: str
    round: int
    total: Decimal
    grade: str | None


def panel_seat(session: Session, actor: Actor, plan_id: int) -> tuple[Plan, PlanExpert]:
    """The plan and `actor`'s seat on its panel, if `actor` is one of its experts."""
    plan = plan_by_id(session, actor, plan_id)  # another panel's plan: as a missing plan
    refusal = expert_refusal(actor, Work.SCORE, zones_of(plan), f"方案 {plan.key}")
    if refusal is not None:
        raise refusal
    seat = session.scalar(select(PlanExpert).where(PlanExpert.plan_id == plan.id, PlanExpert.person_id == actor.id))
    if seat is None:  # the actor was read before its seat was taken away
        raise Refused(f"{actor.describe()}已不是方案 {plan.key} 专家组的成员", code="not_panel")
    return plan, seat


def open_round_of(session: Session, plan: Plan, round: int | None) -> ExpertRound:
    """The plan's current round, if open (and `round`, when given, is it)."""
    current = current_round(session, plan.id)
    if current is None:
        raise Refused(f"方案 {plan.key} 尚未组建专家组", code="no_panel", params={"plan": plan.key})
    if round is not None and round != current.round:
        raise Refused(
            f"方案 {plan.key} 当前为第 {current.round} 轮专家评审,第 {round} 轮不能再评分或修改", code="round_closed"
        )
    if current.finalised_at is not None:
        raise Refused(
            f"方案 {plan.key} 第 {current.round} 轮专家评审已由组长于 {current.finalised_at:%Y-%m-%d} 确认,"
            "评分与意见不能再修改",
            code="round_closed",
            params={"plan": plan.key},
        )
    return current


def _leader_seat(session: Session, actor: Actor, plan_id: int) -> tuple[Plan, PlanExpert]:
    plan, seat = panel_seat(session, actor, plan_id)
    if not seat.is_leader:
        raise Refused(f"{actor.describe()}不是方案 {plan.key} 专家组的组长,只有组长可以汇总与确认", code="not_leader")
    return plan, seat


def _check_comment(code: str, comment: str) -> None:
    if not code.strip() or len(code) > MAX_CODE_CHARS:
        raise InputError(f"指标编号应为 1-{MAX_CODE_CHARS} 个字符,收到“{code[:MAX_CODE_CHARS]}…”")
    if len(comment) > MAX_COMMENT_CHARS:
        raise InputError(f"评分意见过长({len(comment)} 字),不能超过 {MAX_COMMENT_CHARS} 字")


def _said(points: Decimal, mark: Mark) -> str:
    return ("达标" if mark else "不达标") if isinstance(mark, bool) else f"{format(points.normalize(), 'f')} 分"


def _score(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    code: str,
    mark: Mark,
    comment: str,
    *,
    round: int | None,
    expected_version: int | None,
    action: str,
    seat_of: Callable[[Session, Actor, int], tuple[Plan, PlanExpert]],
    row_of: Callable[[Session, int, int, Actor], ExpertScore | PanelScore],
    what: str,
    consolidating: bool = False,  # the 组长's consolidated score: only under the 组长 rule
) -> ExpertScoreSet:
    """One mark of `actor` (an expert's own, or the 组长's consolidated) in one transaction."""
    person = person_required(actor)
    _check_comment(code, comment)

    def work(session: Session, chain: AuditChain) -> ExpertScoreSet:
        plan, _ = seat_of(session, person, plan_id)
        current = open_round_of(session, plan, round)
        system, indicator_row, checked = leaf_mark(current_row(session, plan), plan, code, mark, what)
        if consolidating and system.consolidation is not Consolidation.LEADER:
            raise Refused(
                f"方案 {plan.key} 的指标体系按“{system.consolidation.label}”汇总专家评分,无需组长汇总评分",
                code="not_leader_rule",
            )
        indicator = system.indicator(code)
        score = row_of(session, indicator_row.id, current.round, person)
        if expected_version is not None and score.id is not None and score.version_id != expected_version:
            raise Conflict(
                f"指标 {indicator.label} 的{what}在您查看之后已被修改(版本 {expected_version} → {score.version_id}),"
                "本次操作未生效;请重新查看后再试"
            )
        score.points = None if isinstance(checked, bool) else Decimal(checked)
        score.met = checked if isinstance(checked, bool) else None
        score.comment = comment
        score.scored_at = dt.datetime.now(dt.UTC)
        try:
            session.flush()
        except IntegrityError:  # the first score of this indicator given twice at once
            raise Conflict(f"指标 {indicator.label} 刚被同时评分,本次操作未生效;请重新查看后再试") from None
        worth = mark_points(indicator, checked)
        said = _said(worth, checked)
        chain.append(
            person,
            action,
            plan.key,
            comment=f"{what} {indicator.label}:{said}(第 {current.round} 轮)",
            detail={"code": code, "round": current.round, "mark": said, "comment": comment[:200]},
        )
        return ExpertScoreSet(plan.key, indicator.label, worth, current.round, score.version_id)

    return run_audited(uow, person, action, plan_target(plan_id), work)


def _expert_row(session: Session, indicator_id: int, round: int, actor: Actor) -> ExpertScore:
    found = session.scalar(
        select(ExpertScore).where(
            ExpertScore.indicator_id == indicator_id, ExpertScore.round == round, ExpertScore.expert_id == actor.id
        )
    )
    if found is None:
        found = ExpertScore(indicator_id=indicator_id, round=round, expert_id=actor.id)
        session.add(found)
    return found


def _panel_row(session: Session, indicator_id: int, round: int, actor: Actor) -> PanelScore:
    found = session.scalar(select(PanelScore).where(PanelScore.indicator_id == indicator_id, PanelScore.round == round))
    if found is None:
        found = PanelScore(indicator_id=indicator_id, round=round, person_id=actor.id)
        session.add(found)
    found.person_id = actor.id
    return found


def set_expert_score(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    code: str,
    mark: Mark,
    comment: str = "",
    *,
    round: int | None = None,
    expected_version: int | None = None,
) -> ExpertScoreSet:
    """Expert `actor`'s own score of leaf indicator `code` of plan `plan_id` in the open round."""
    return _score(
        uow, actor, plan_id, code, mark, comment, round=round, expected_version=expected_version,
        action=EXPERT_ACTION, seat_of=panel_seat, row_of=_expert_row, what="专家评分",
    )


def set_panel_score(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    code: str,
    mark: Mark,
    comment: str = "",
    *,
    round: int | None = None,
    expected_version: int | None = None,
) -> ExpertScoreSet:
    """The 组长's consolidated score of leaf `code` (index systems consolidating by the 组长)."""
    return _score(
        uow, actor, plan_id, code, mark, comment, round=round, expected_version=expected_version,
        action=FINAL_ACTION, seat_of=_leader_seat, row_of=_panel_row, what="组长汇总评分", consolidating=True,
    )


def finalise_round(uow: UnitOfWork, actor: Actor | None, plan_id: int) -> Finalised:
    """The 组长 closes the open round: every leaf has the panel's mark and the panel's opinion
    (专家组意见) is written; afterwards nothing of the round changes."""
    person = person_required(actor)

    def work(session: Session, chain: AuditChain) -> Finalised:
        plan, _ = _leader_seat(session, person, plan_id)
        current = open_round_of(session, plan, None)
        summary = plan_scores(session, plan, experts_round=current.round)
        if summary is None:
            raise Refused(f"方案 {plan.key} 尚未载入评价指标体系,无法确认专家评审", code="no_index", params={"plan": plan.key})
        panel = summary.panel
        if panel is None or panel.unscored:
            missing = panel.unscored if panel is not None else sum(1 for line in summary.lines if line.leaf)
            raise Refused(
                f"方案 {plan.key} 第 {current.round} 轮还有 {missing} 项指标没有专家组评分,不能确认",
                code="panel_incomplete",
                params={"plan": plan.key},
            )
        opinion = session.scalar(
            select(ExpertOpinion.id).where(
                ExpertOpinion.plan_id == plan.id, ExpertOpinion.round == current.round, ExpertOpinion.panel.is_(True)
            )
        )
        if opinion is None:
            raise Refused(
                f"方案 {plan.key} 第 {current.round} 轮尚无专家组意见,请组长先填写再确认",
                code="panel_opinion_missing",
                params={"plan": plan.key},
            )
        current.finalised_at = dt.datetime.now(dt.UTC)
        current.finalised_by_id = person.id
        chain.append(
            person,
            FINALISE_ACTION,
            plan.key,
            comment=f"确认第 {current.round} 轮专家评审:{format(panel.total.normalize(), 'f')} 分,{panel.grade}",
            detail={"round": current.round, "total": str(panel.total), "grade": panel.grade},
        )
        return Finalised(plan.key, current.round, panel.total, panel.grade)

    return run_audited(uow, person, FINALISE_ACTION, plan_target(plan_id), work)
