"""补正材料: evidence arriving while (or after) a plan's formal review runs is marked as a
supply of its unit, late when it came after the 补正 deadline or after the review closed.

A mark, never a refusal: what arrives late is kept and judged as it stands. Called inside the
transaction that writes the evidence, so a supply is marked exactly when its evidence exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.domain.workdays import is_late
from workflow.models import Evidence, FormalReview, FormalSupply

__all__ = ["mark_supplies"]


def mark_supplies(
    session: Session,
    plan_id: int,
    unit_id: int | None,
    rows: Sequence[Evidence],
    now: dt.datetime,
    today: dt.date,
) -> bool | None:
    """Mark flushed evidence `rows` of plan `plan_id` by unit `unit_id`, arriving at `now`
    (the office's `today`), as supplies; whether they are late (None: the plan has no formal
    review, nothing is marked)."""
    review = session.scalar(
        select(FormalReview)
        .where(FormalReview.plan_id == plan_id)
        .order_by(FormalReview.round.desc())
        .limit(1)
        .options(selectinload(FormalReview.notices))
    )
    if review is None or not rows:
        return None
    notice = next((n for n in review.notices if unit_id is not None and n.unit_id == unit_id), None)
    late = review.closed_at is not None or is_late(today, review.deadline)
    session.add_all(
        FormalSupply(review_id=review.id, notice_id=notice.id if notice else None, evidence_id=r.id, supplied_at=now, late=late)
        for r in rows
    )
    return late
