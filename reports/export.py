"""Machine-readable export of a plan: the JSON contract other tools and later issues rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from checklists import amounts
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.models import Plan
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.read.indicators import indicator_met
from workflow.read.measures import MeasureWork, ReviewLine, UnitLine, current_works
from workflow.read.plans import plan_by_id
from workflow.services.acting import plan_target, run_read


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> int | float | None:
    return amounts.json_number(value)  # bounded even for a value stored before the bounds


def _when(value: dt.datetime | None) -> str | None:
    """UTC with its offset (stored times come back aware: models.UtcDateTime)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


def evidence_to_dict(e: EvidenceRow) -> dict[str, Any]:
    """The export's names for an evidence row (documented; other tools read them)."""
    return {
        "id": e.id,
        "kind": e.kind,
        "name": e.file_name,
        "sha256": e.sha256,
        "size": e.size,
        "type": e.media_type,
        "url": e.url,
        "note": e.note,
        "doc_date": _iso(e.doc_date),
        "who": e.person,
        "unit": e.unit,
        "when": _when(e.uploaded_at),
        "current": e.current,
        "superseded_by": e.superseded_by,
        "removed": e.removed,
    }


def _unit_to_dict(u: UnitLine) -> dict[str, Any]:
    row: dict[str, Any] = {"name": u.name, "name_as_written": u.name_as_written, "role": u.role}
    if u.members is not None:
        row["members"] = [
            {"name": m.name, "part": m.part, "done_at": _when(m.done_at), "done_by": m.done_by}
            for m in u.members
        ]
        row["mapped"] = u.mapped
    else:
        row |= {"part": u.part, "done_at": _when(u.done_at), "done_by": u.done_by}
    return row


def _review_to_dict(r: ReviewLine) -> dict[str, Any]:
    return {
        "level": r.level,
        "level_name": r.level_name,
        "verdict": r.verdict,
        "verdict_label": r.verdict_label,
        "comment": r.comment,
        "score": r.score,
        "rectification_due": _iso(r.rectification_due),
        "by": r.by,
        "at": _when(r.at),
    }


def work_to_dict(work: MeasureWork) -> dict[str, Any]:
    """A measure and its work in the export's documented shape."""
    self_checks: list[dict[str, Any]] = [
        {
            "round": sc.round,
            "statement": sc.statement,
            "ratings": dict(sc.ratings),
            "by": sc.by,
            "unit": sc.unit,
            "at": _when(sc.at),
            "withdrawn_at": _when(sc.withdrawn_at),
            "reviews": [_review_to_dict(r) for r in sc.reviews],
        }
        for sc in work.self_checks
    ]
    return {
        "number": work.number,
        "ref": work.ref,
        "kind": work.kind,
        "section": work.section,
        "title": work.title,
        "text": work.text,
        "units": [_unit_to_dict(u) for u in work.units],
        "deadline": {
            "kind": work.deadline.kind,
            "text": work.deadline.text,
            "due": _iso(work.deadline.due),
            "month": work.deadline.month,
            "day": work.deadline.day,
        },
        "state": work.state,
        "state_label": work.state_label,
        "rectification_due": _iso(work.rectification_due),
        # 延期: the dates as first set (null until an extension of that date is approved).
        "extension": {
            "original_due": _iso(work.original_due),
            "original_rectification_due": _iso(work.original_rectification_due),
            "count": work.extension_count,
        },
        "retired": work.retired,
        "checklist": [
            {
                "number": item.number,
                "text": item.text,
                "evidence_kinds": list(item.evidence_kinds),
                "min_evidence": item.min_evidence,
                "rating": item.rating,
                "rating_label": item.rating_label,
                "evidence": [evidence_to_dict(e) for e in item.evidence],
            }
            for item in work.checklist
        ],
        "self_checks": self_checks,
        "reviews": [r for sc in self_checks for r in sc["reviews"]],
        "source_lines": list(work.source_lines),
    }


def plan_to_dict(plan: Plan, works: list[MeasureWork]) -> dict[str, Any]:
    """The plan, its phases, `works` (its measures, as `read.measures.current_works` reads
    them) and its current indicators with every reported value."""
    return {
        "plan": {
            "id": plan.id,
            "key": plan.key,
            "title": plan.title,
            "issuer": plan.issuer,
            "doc_number": plan.doc_number,
            "issued_on": _iso(plan.issued_on),
            "source_file": plan.source_file,
            "source_sha256": plan.source_sha256,
            "review_levels": list(plan.review_levels),
        },
        "phases": [
            {
                "name": p.name,
                "start": _iso(p.start_on),
                "end": _iso(p.end_on),
                "acceptance": p.acceptance,
                "text": p.text,
            }
            for p in plan.phases
        ],
        "measures": [work_to_dict(w) for w in works],
        "indicators": [
            {
                "text": i.text,
                "metric": i.metric,
                "comparator": i.comparator.value,
                "value": _number(i.value),
                "value_max": _number(i.value_max),
                "unit": i.unit,
                "due": _iso(i.due_on),
                "measure": i.measure.ref if i.measure else None,
                "reported": _report(i),
                "met": indicator_met(i, i.reports[-1].value) if i.reports else None,
                "reports": [
                    {
                        "value": _number(r.value),
                        "as_of": _iso(r.as_of),
                        "met": indicator_met(i, r.value),
                        "note": r.note,
                        "by": r.person.name,
                        "unit": r.unit.name if r.unit else None,
                        "at": _when(r.reported_at),
                        "evidence": [evidence_to_dict(evidence_row(e)) for e in r.evidence],
                    }
                    for r in i.reports
                ],
            }
            for i in plan.indicators
            if i.retired_at is None
        ],
    }


def _report(indicator: Any) -> int | float | None:
    return _number(indicator.reports[-1].value) if indicator.reports else None


def plan_export(uow: UnitOfWork, viewer: Actor | None, plan_id: int) -> dict[str, Any]:
    """Plan `plan_id` in the export's documented shape, if `viewer` may see it (else
    NotFound, audited; None: the operator)."""

    def read(session: Session) -> dict[str, Any]:
        plan = plan_by_id(session, viewer, plan_id)
        return plan_to_dict(plan, current_works(session, plan))

    return run_read(uow, viewer, "export", plan_target(plan_id), read)
