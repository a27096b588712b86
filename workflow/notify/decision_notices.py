"""The immediate messages of a review's decision: a return for rectification (退回整改) and
the last level's pass (通过), to the people of the measure's units, queued in the decision's
own transaction (a decision rolled back tells nobody)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from workflow.models import Measure, Review
from workflow.notify.outbox import enqueue
from workflow.notify.recipients import unit_people
from workflow.notify.texts.decisions import Accepted, Returned, accepted, returned


def measure_link(measure: Measure) -> str:
    return f"/measures/{measure.id}"


def _tell_units(session: Session, measure: Measure, kind: str, review: Review, subject: str, body: str,
                now: dt.datetime | None) -> int:
    session.flush()  # the review's id names the event
    added = 0
    for person in unit_people(session, [link.unit_id for link in measure.unit_links]):
        added += enqueue(
            session, person, event_kind=kind, event_key=f"{kind}:{review.id}", subject=subject, body=body,
            link=measure_link(measure), now=now,
        )
    return added


def queue_returned(session: Session, measure: Measure, review: Review, reviewer: str,
                   *, now: dt.datetime | None = None) -> int:
    """Tell the measure's units that it was returned, with the comment and the date to rectify by."""
    assert review.rectification_due is not None
    subject, body = returned(
        Returned(measure.label, measure.title, review.level_name, reviewer, review.comment, review.rectification_due)
    )
    return _tell_units(session, measure, "returned", review, subject, body, now)


def queue_accepted(session: Session, measure: Measure, review: Review, reviewer: str,
                   *, now: dt.datetime | None = None) -> int:
    """Tell the measure's units that the last review level passed it: it is accepted."""
    subject, body = accepted(
        Accepted(measure.label, measure.title, review.level_name, reviewer, review.score, review.comment)
    )
    return _tell_units(session, measure, "accepted", review, subject, body, now)
