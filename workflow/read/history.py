"""A measure's history: every audited event about it, oldest first, refusals included."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import AuditEntry
from workflow.services.acting import measure_target, open_measure_by_id, run_read, target_of


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    actor: str
    role: str
    unit: str
    action: str
    from_state: str
    to_state: str
    comment: str
    detail: dict[str, Any]  # the audit entry's own JSON (evidence names, level, score…)
    refused: bool
    seq: int


def measure_history(
    uow: UnitOfWork, viewer: Actor | None, measure_id: int, *, action: str = "history"
) -> tuple[str, list[HistoryLine]]:
    """The measure's label and title, and its audited events, if `viewer` may open it (else
    NotFound/Refused, audited as `action`)."""
    return run_read(
        uow, viewer, action, measure_target(measure_id), lambda s: _history(s, viewer, measure_id)
    )


def _history(session: Session, viewer: Actor | None, measure_id: int) -> tuple[str, list[HistoryLine]]:
    measure, _ = open_measure_by_id(session, viewer, measure_id)
    entries = session.scalars(
        select(AuditEntry).where(AuditEntry.target == target_of(measure)).order_by(AuditEntry.seq)
    )
    lines = [
        HistoryLine(
            e.at, e.actor, e.role, e.unit, e.action, e.from_state, e.to_state, e.comment, dict(e.detail), e.refused, e.seq
        )
        for e in entries
    ]
    return f"{measure.label} {measure.title}", lines
