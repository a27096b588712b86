"""Experts' opinions (意见): each expert's own on a plan per round, and the panel's (专家组意见)
written by its 组长. Text, bounded, rewritten in place while the round is open, each writing
audited (the audit entry keeps the text's sha256, the row the text)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Conflict, InputError, Refused
from workflow.models import ExpertOpinion
from workflow.services.acting import person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.expert_scores import open_round_of, panel_seat

__all__ = ["MAX_OPINION_CHARS", "OpinionWritten", "write_opinion"]

# A panel's opinion runs to two or three pages; 20,000 characters is ten.
MAX_OPINION_CHARS = 20_000


@dataclass(frozen=True)
class OpinionWritten:
    plan_key: str
    round: int
    panel: bool
    chars: int
    version: int


def write_opinion(
    uow: UnitOfWork,
    actor: Actor | None,
    plan_id: int,
    text: str,
    *,
    panel: bool = False,
    expected_version: int | None = None,
) -> OpinionWritten:
    """Expert `actor`'s opinion on plan `plan_id` in the open round (`panel`: the 专家组意见,
    by the 组长 only)."""
    person = person_required(actor)
    text = text.strip()
    if not text:
        raise InputError("意见不能为空", code="opinion_empty")
    if len(text) > MAX_OPINION_CHARS:
        raise InputError(f"意见过长({len(text)} 字),不能超过 {MAX_OPINION_CHARS} 字", code="opinion_too_long")
    if "\x00" in text:
        raise InputError("意见中含有不可见的控制字符(NUL),请检查文件")
    action = "opinion_panel" if panel else "opinion_write"

    def work(session: Session, chain: AuditChain) -> OpinionWritten:
        plan, seat = panel_seat(session, person, plan_id)
        if panel and not seat.is_leader:
            raise Refused(
                f"{person.describe()}不是方案 {plan.key} 专家组的组长,专家组意见由组长填写", code="not_leader"
            )
        current = open_round_of(session, plan, None)
        row = session.scalar(
            select(ExpertOpinion).where(
                ExpertOpinion.plan_id == plan.id,
                ExpertOpinion.round == current.round,
                ExpertOpinion.person_id == person.id,
                ExpertOpinion.panel.is_(panel),
            )
        )
        if row is None:
            row = ExpertOpinion(plan_id=plan.id, round=current.round, person_id=person.id, panel=panel)
            session.add(row)
        elif expected_version is not None and row.version_id != expected_version:
            raise Conflict(
                f"该意见在您查看之后已被修改(版本 {expected_version} → {row.version_id}),本次操作未生效;请重新查看后再试"
            )
        row.text = text
        row.written_at = dt.datetime.now(dt.UTC)
        try:
            session.flush()
        except IntegrityError:
            raise Conflict("该意见刚被同时填写,本次操作未生效;请重新查看后再试") from None
        what = "专家组意见" if panel else "专家意见"
        chain.append(
            person,
            action,
            plan.key,
            comment=f"填写{what}(第 {current.round} 轮,{len(text)} 字)",
            detail={"round": current.round, "chars": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()},
        )
        return OpinionWritten(plan.key, current.round, panel, len(text), row.version_id)

    return run_audited(uow, person, action, plan_target(plan_id), work)
