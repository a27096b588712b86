"""Machine-readable export of a plan: the JSON contract other tools and later issues rely on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from workflow.models import Measure, Plan


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def measure_to_dict(measure: Measure) -> dict[str, Any]:
    return {
        "number": measure.number,
        "ref": measure.ref,
        "kind": measure.kind.value,
        "section": measure.section.path_title() if measure.section else None,
        "title": measure.title,
        "text": measure.text,
        "units": [
            {"name": link.unit.name, "name_as_written": link.name_as_written, "role": link.role.value}
            for link in measure.unit_links
        ],
        "deadline": {
            "kind": measure.deadline_kind.value,
            "text": measure.deadline_text,
            "due": _iso(measure.due_on),
            "month": measure.due_month,
            "day": measure.due_day,
        },
        "state": measure.state.value,
        "checklist": [
            {
                "number": item.position,
                "text": item.text,
                "evidence_kinds": list(item.evidence_kinds),
                "min_evidence": item.min_evidence,
            }
            for item in measure.checklist
        ],
        "source_lines": list(measure.source_lines),
    }


def plan_to_dict(plan: Plan, measures: list[Measure]) -> dict[str, Any]:
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
        "measures": [measure_to_dict(m) for m in measures],
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
            }
            for i in plan.indicators
        ],
    }
