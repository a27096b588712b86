"""Machine-readable export of a plan: the JSON contract other tools and later issues rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from checklists import amounts
from checklists.catalog import UnitRole
from workflow.domain.states import RATING_LABELS, VERDICT_LABELS, Rating, display_label
from workflow.models import Evidence, Measure, Plan, Unit
from workflow.read.evidence import EvidenceRow, evidence_row
from workflow.services.acting import measure_units, members_for
from workflow.services.progress import indicator_met


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


def _work(measure: Measure, members: dict[int, list[Unit]] | None) -> dict[str, Any]:
    """The workflow facts of a measure: parts, evidence per item, self-checks and reviews."""
    units = measure_units(None, measure, members or {})
    parts = {p.unit_id: p for p in measure.parts}

    def part(unit_id: int) -> dict[str, Any]:
        found = parts.get(unit_id)
        done = found is not None and found.done_at is not None
        return {
            "part": "done" if done else "pending",
            "done_at": _when(found.done_at) if done and found else None,
            "done_by": found.done_by.name if done and found and found.done_by else None,
        }

    direct = {link.unit_id for link in measure.unit_links}
    unit_rows = []
    for link in measure.unit_links:
        row: dict[str, Any] = {
            "name": link.unit.name,
            "name_as_written": link.name_as_written,
            "role": link.role.value,
        }
        if link.unit.is_group or link.role is UnitRole.GROUP:
            row["members"] = [
                {"name": u.name} | part(u.id)
                for u in (members or {}).get(link.unit_id, [])
                if u.id not in direct
            ]
            row["mapped"] = link.unit.name not in units.unmapped_groups
        else:
            row |= part(link.unit_id)
        unit_rows.append(row)
    latest = measure.self_checks[-1] if measure.self_checks else None
    by_item: dict[int | None, list[Evidence]] = {}
    for e in measure.evidence:
        by_item.setdefault(e.item_id, []).append(e)
    checklist = []
    for item in measure.checklist:
        rating = latest.rating_of(item.position) if latest else None
        checklist.append(
            {
                "number": item.position,
                "text": item.text,
                "evidence_kinds": list(item.evidence_kinds),
                "min_evidence": item.min_evidence,
                "rating": rating.value if rating else None,
                "rating_label": RATING_LABELS[rating] if rating else None,
                "evidence": [evidence_to_dict(evidence_row(e)) for e in by_item.get(item.id, [])],
            }
        )
    self_checks: list[dict[str, Any]] = [
        {
            "round": sc.round,
            "statement": sc.statement,
            "ratings": {k: RATING_LABELS[Rating(v)] for k, v in sc.ratings.items()},
            "by": sc.person.name,
            "unit": sc.unit.name if sc.unit else None,
            "at": _when(sc.submitted_at),
            "withdrawn_at": _when(sc.withdrawn_at),
            "reviews": [
                {
                    "level": r.level,
                    "level_name": r.level_name,
                    "verdict": r.verdict.value,
                    "verdict_label": VERDICT_LABELS[r.verdict],
                    "comment": r.comment,
                    "score": r.score,
                    "rectification_due": _iso(r.rectification_due),
                    "by": r.person.name,
                    "at": _when(r.reviewed_at),
                }
                for r in sc.reviews
            ],
        }
        for sc in measure.self_checks
    ]
    return {
        "units": unit_rows,
        "checklist": checklist,
        "self_checks": self_checks,
        "reviews": [r for sc in self_checks for r in sc["reviews"]],
    }


def measure_to_dict(measure: Measure, members: dict[int, list[Unit]] | None = None) -> dict[str, Any]:
    work = _work(measure, members)
    return {
        "number": measure.number,
        "ref": measure.ref,
        "kind": measure.kind.value,
        "section": measure.section.path_title() if measure.section else None,
        "title": measure.title,
        "text": measure.text,
        "units": work["units"],
        "deadline": {
            "kind": measure.deadline_kind.value,
            "text": measure.deadline_text,
            "due": _iso(measure.due_on),
            "month": measure.due_month,
            "day": measure.due_day,
        },
        "state": measure.state.value,
        "state_label": display_label(measure.state, measure.rectification_due),
        "rectification_due": _iso(measure.rectification_due),
        "retired": measure.retired_at is not None,
        "checklist": work["checklist"],
        "self_checks": work["self_checks"],
        "reviews": work["reviews"],
        "source_lines": list(measure.source_lines),
    }


def plan_to_dict(session: Session, plan: Plan, measures: list[Measure]) -> dict[str, Any]:
    members = members_for(session, measures)
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
        "measures": [measure_to_dict(m, members) for m in measures],
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
