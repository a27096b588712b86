"""What the reports print, gathered once per report in a fixed number of queries.

The builders here return plain dicts and lists (the templates' whole input), built on the same
read side as the CLI: `plan_to_dict` (the JSON export contract) for the measures' work and
`plan_progress` for deadlines and overdue obligations. Nothing here writes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports.export import plan_to_dict
from workflow.clock import office_zone
from workflow.domain import obligations
from workflow.domain.states import (
    ACTION_LABELS,
    DISPLAY_LABELS,
    STATE_LABELS,
    Action,
    DisplayState,
    Verdict,
    display_state,
)
from workflow.models import AuditEntry, IssuedReport, Measure, Plan
from workflow.read.indicators import indicator_met
from workflow.read.measures import works_of
from workflow.read.overdue import OverdueUnit, overdue_by_unit
from workflow.read.plans import find_unit, load_measures
from workflow.read.progress import NO_UNIT, MeasureRow, plan_progress
from workflow.services.acting import measure_units, members_for
from workflow.services.measure_work import measure_dates, plan_period

STATE_LABELS_TEXT = {state.value: label for state, label in STATE_LABELS.items()}

# The states as a report shows them: 整改中 (returned, not yet resubmitted) apart from 推进中.
DISPLAY_STATES: list[tuple[str, str]] = [(s.value, label) for s, label in DISPLAY_LABELS.items()]
STATE_COLOURS = {
    "planned": "#c9c9c9",
    "in_progress": "#7fa7d9",
    "rectifying": "#e07b5f",
    "self_checked": "#e8c15a",
    "accepted": "#4f9a6b",
}
NO_SECTION = "(未分节)"

_ISSUER_SUFFIXES = (
    "人民政府办公厅",
    "人民政府办公室",
    "人民政府",
    "知识产权工作领导小组办公室",
    "知识产权局",
    "办公厅",
    "办公室",
)


def zone_of(issuer: str) -> str:
    """The zone a plan covers, from its issuer: 上海市嘉定区人民政府 → 上海市嘉定区.

    Joint issuers (中共江西省委办公厅 江西省人民政府办公厅) take the government's name.
    Empty when the issuer names no place (a flagged, spam-damaged issuer, say).
    """
    for part in reversed(issuer.split()):
        for suffix in _ISSUER_SUFFIXES:
            if part.endswith(suffix) and len(part) > len(suffix):
                place = part[: -len(suffix)]
                if re.search(r"[省市区县州盟旗]$", place):
                    return place
    return ""


def tally(label: str, states: list[str]) -> dict[str, Any]:
    counts = {key: 0 for key, _ in DISPLAY_STATES}
    for s in states:
        counts[s] += 1
    total = len(states)
    return {
        "label": label,
        "short": label.split(" / ")[-1],  # a section's own title, for chart labels
        "total": total,
        "counts": counts,
        "accepted_rate": counts["accepted"] / total if total else 0.0,
        "self_checked_or_better": (counts["self_checked"] + counts["accepted"]) / total if total else 0.0,
    }


def _overdue_texts(row: MeasureRow) -> list[str]:
    return [o.text for o in row.overdue]


def _responsible(measure: dict[str, Any]) -> list[dict[str, Any]]:
    """Units of a measure as printed: each with its role and part; groups expanded when mapped."""
    out: list[dict[str, Any]] = []
    for unit in measure["units"]:
        if "members" in unit:
            if unit["members"]:
                out.extend(
                    {"name": m["name"], "role": "co", "done": m["part"] == "done", "via": unit["name"]}
                    for m in unit["members"]
                )
            else:
                out.append({"name": unit["name"], "role": "group", "done": False, "via": None})
        else:
            out.append({"name": unit["name"], "role": unit["role"], "done": unit["part"] == "done", "via": None})
    return out


def _enrich(measure: dict[str, Any], row: MeasureRow) -> dict[str, Any]:
    rounds = [sc for sc in measure["self_checks"] if not sc["withdrawn_at"]]
    latest = rounds[-1] if rounds else None
    reviews = [r for sc in measure["self_checks"] for r in sc["reviews"]]
    evidence = [
        e | {"item": item["number"]}
        for item in measure["checklist"]
        for e in item["evidence"]
        if e["current"]
    ]
    superseded = [
        e | {"item": item["number"]}
        for item in measure["checklist"]
        for e in item["evidence"]
        if not e["current"] and not e["removed"]
    ]
    return measure | {
        "display_state": display_state(measure["state"], measure["rectification_due"]).value,
        "responsible": _responsible(measure),
        "lead": row.lead,
        "unit_names": row.units,
        "overdue": _overdue_texts(row),
        "due_soon": row.due_soon.isoformat() if row.due_soon else None,
        "latest_self_check": latest,
        "all_reviews": reviews,
        "latest_review": reviews[-1] if reviews else None,
        "evidence_current": evidence,
        "evidence_superseded": superseded,
    }


def _indicators(session: Session, plan: Plan, exported: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The indicator table: target, latest reported value, met or not, and its evidence."""
    rows = []
    for number, ind in enumerate(exported, start=1):
        latest = ind["reports"][-1] if ind["reports"] else None
        rows.append(
            {
                "number": number,
                "text": ind["text"],
                "metric": ind["metric"],
                "comparator": ind["comparator"],
                "target": ind["value"],
                "target_max": ind["value_max"],
                "unit": ind["unit"],
                "due": ind["due"],
                "measure": ind["measure"],
                "reported": latest["value"] if latest else None,
                "as_of": latest["as_of"] if latest else None,
                "met": latest["met"] if latest else None,
                "by": latest["by"] if latest else None,
                "unit_reported": latest["unit"] if latest else None,
                "evidence": latest["evidence"] if latest else [],
            }
        )
    return rows


def plan_info(plan: Plan, *, office: str | None, report_date: dt.date, report_number: str) -> dict[str, Any]:
    zone = zone_of(plan.issuer)
    return {
        "key": plan.key,
        "title": plan.title,
        "issuer": plan.issuer,
        "doc_number": plan.doc_number,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "zone": zone,
        "office": office or f"{zone}知识产权保护示范区建设领导小组办公室",
        "review_levels": list(plan.review_levels),
        "report_date": report_date.isoformat(),
        "report_number": report_number,
    }


def plan_report(
    session: Session,
    plan: Plan,
    *,
    today: dt.date,
    unit: str | None = None,
    office: str | None = None,
    report_date: dt.date | None = None,
    report_number: str = "",
) -> dict[str, Any]:
    """The context of the acceptance and self-check reports (optionally one unit's measures)."""
    measures = load_measures(session, plan, with_work=True)
    progress = plan_progress(session, plan, today)
    rows = {r.ref: r for r in progress.rows}
    exported = plan_to_dict(plan, works_of(session, measures))
    unit_name = find_unit(session, unit, plan.zone_id).name if unit else None
    items = [_enrich(m, rows[m["ref"]]) for m in exported["measures"]]
    if unit_name:
        items = [m for m in items if unit_name in m["unit_names"]]

    sections: dict[str, list[dict[str, Any]]] = {}
    by_unit: dict[str, list[str]] = defaultdict(list)
    for m in items:
        sections.setdefault(m["section"] or NO_SECTION, []).append(m)
        for name in m["unit_names"] or [NO_UNIT]:
            if unit_name is None or name == unit_name:
                by_unit[name].append(m["display_state"])
    states = [m["display_state"] for m in items]
    scores = [m["latest_review"]["score"] for m in items if m["latest_review"] and m["latest_review"]["score"] is not None and m["state"] == "accepted"]
    returns = [
        {"measure": m, "review": r, "round": sc["round"]}
        for m in items
        for sc in m["self_checks"]
        for r in sc["reviews"]
        if r["verdict"] == "return"
    ]
    return {
        "plan": plan_info(plan, office=office, report_date=report_date or today, report_number=report_number),
        "today": today.isoformat(),
        "unit": unit_name,
        "states": DISPLAY_STATES,
        "colours": STATE_COLOURS,
        "overall": tally("全部措施", states),
        "by_section": [tally(name, [m["display_state"] for m in ms]) for name, ms in sections.items()],
        "by_unit": [
            tally(name, s) for name, s in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ],
        "average_score": round(sum(scores) / len(scores), 1) if scores else None,
        "sections": [{"title": name, "measures": ms} for name, ms in sections.items()],
        "measures": items,
        "indicators": [] if unit_name else _indicators(session, plan, exported["indicators"]),
        "overdue": [m for m in items if m["overdue"]],
        "due_soon": [m for m in items if m["due_soon"]],
        "returns": returns,
        "rectifying": [m for m in items if m["display_state"] == DisplayState.RECTIFYING],
        "evidence_count": sum(len(m["evidence_current"]) for m in items),
    }



# ------------------------------------------------------------------------- stage report


def _day_end(day: dt.date) -> dt.datetime:
    """The first instant after `day` in the office's time zone, in UTC."""
    start_next = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=office_zone())
    return start_next.astimezone(dt.UTC)


def _transitions(session: Session, plan: Plan) -> list[AuditEntry]:
    """Every state change of the plan's measures, oldest first (refusals excluded)."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.target.like(f"{plan.key}/%"),
                AuditEntry.refused.is_(False),
                AuditEntry.from_state != AuditEntry.to_state,
            )
            .order_by(AuditEntry.seq)
        )
    )


def _states_at(entries: list[AuditEntry], moment: dt.datetime) -> dict[str, str]:
    """Display state of each measure (by ref) at `moment`; measures not listed were planned."""
    states: dict[str, str] = {}
    for e in entries:
        if e.at >= moment:
            break
        ref = e.target.split("/", 1)[1]
        # Replayed, not read from the measure: the return itself marks 整改中.
        rectifying = e.action == Action.RETURN_FOR_RECTIFICATION.value
        states[ref] = DisplayState.RECTIFYING.value if rectifying else e.to_state
    return states


def previous_stage_report(session: Session, plan: Plan, as_of: dt.date) -> IssuedReport | None:
    return session.scalar(
        select(IssuedReport)
        .where(IssuedReport.plan_id == plan.id, IssuedReport.kind == "stage", IssuedReport.as_of < as_of)
        .order_by(IssuedReport.as_of.desc(), IssuedReport.id.desc())
        .limit(1)
    )


def stage_report(
    session: Session,
    plan: Plan,
    *,
    as_of: dt.date,
    since: dt.date | None = None,
    office: str | None = None,
    report_number: str = "",
) -> dict[str, Any]:
    """What moved between the previous stage report (or `since`) and `as_of`, and what is late.

    States are replayed from the audit trail, so a report as of a past date shows that day's
    picture; evidence counts only if it was handed in by the end of that day.
    """
    previous = previous_stage_report(session, plan, as_of)
    since_from = "given"
    if since is None:
        since = previous.as_of if previous else plan.issued_on
        since_from = "previous" if previous else "issued"
    end = _day_end(as_of)
    start = _day_end(since) if since else None
    entries = _transitions(session, plan)
    now_states = _states_at(entries, end)
    then_states = _states_at(entries, start) if start else {}

    measures = load_measures(session, plan, with_work=True)
    members = members_for(session, measures)
    period = plan_period(session, plan)
    titles = {m.ref: m for m in measures}
    late: list[dict[str, Any]] = []
    due_soon: list[dict[str, Any]] = []
    by_unit: dict[str, list[str]] = defaultdict(list)
    rows: list[dict[str, Any]] = []
    for m in measures:
        state = now_states.get(m.ref, "planned")
        units = measure_units(session, m, members)
        names, lead = units.names_lead_first(), units.lead_names
        dates = tuple(
            e.doc_date
            for e in m.evidence
            if e.uploaded_at < end and e.removed_at is None and (e.superseded_by is None or e.superseded_by.uploaded_at >= end)
        )
        # The state replayed as of that day, not the stored one.
        md = dataclasses.replace(
            measure_dates(m, dates),
            state="in_progress" if state == DisplayState.RECTIFYING else state,
            rectification_due=_rectification_due_at(m, end) if state == DisplayState.RECTIFYING else None,
        )
        overdue = obligations.overdue(md, period, as_of)
        row = {
            "ref": m.ref,
            "title": m.title,
            "units": names,
            "lead": lead,
            "deadline": m.deadline_text,
            "display_state": state,
            "state_label": dict(DISPLAY_STATES)[state],
            "overdue": [o.text for o in overdue],
            "evidence": len(dates),
        }
        rows.append(row)
        if overdue:
            late.append(row)
        elif soon := obligations.due_soon(md, period, as_of):
            due_soon.append(row | {"due": soon.isoformat()})
        for name in names or [NO_UNIT]:
            by_unit[name].append(state)

    moved = []
    for e in entries:
        at = e.at
        if at >= end or (start is not None and at < start):
            continue
        ref = e.target.split("/", 1)[1]
        moved_measure = titles.get(ref)
        if moved_measure is None:  # a measure since withdrawn from the plan
            continue
        moved.append(
            {
                "ref": ref,
                "title": moved_measure.title,
                "action": ACTION_LABELS.get(Action(e.action), e.action) if e.action in Action._value2member_map_ else e.action,
                "from_label": STATE_LABELS_TEXT.get(e.from_state, e.from_state),
                "to_label": DISPLAY_LABELS[DisplayState.RECTIFYING] if e.action == Action.RETURN_FOR_RECTIFICATION.value else STATE_LABELS_TEXT.get(e.to_state, e.to_state),
                "actor": e.actor,
                "unit": e.unit,
                "at": e.at,
                "comment": e.comment,
            }
        )
    new_evidence: dict[str, int] = defaultdict(int)
    for m in measures:
        for piece in m.evidence:
            at = piece.uploaded_at
            if at < end and (start is None or at >= start):
                new_evidence[piece.unit.name if piece.unit else "(领导小组办公室)"] += 1
    then = tally("上期", [then_states.get(m.ref, "planned") for m in measures])
    now = tally("本期", [r["display_state"] for r in rows])
    return {
        "plan": plan_info(plan, office=office, report_date=as_of, report_number=report_number),
        "as_of": as_of.isoformat(),
        "since": since.isoformat() if since else None,
        "since_from": since_from,  # given (--since), previous (stage report) or issued (plan)
        "previous": {"as_of": previous.as_of.isoformat(), "issued_at": previous.issued_at, "sha256": previous.sha256} if previous else None,
        "states": DISPLAY_STATES,
        "colours": STATE_COLOURS,
        "then": then,
        "now": now,
        "delta": {k: now["counts"][k] - then["counts"][k] for k, _ in DISPLAY_STATES},
        "by_unit": [tally(n, s) for n, s in sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))],
        "moved": moved,
        "new_evidence": sorted(new_evidence.items(), key=lambda kv: (-kv[1], kv[0])),
        "late": late,
        "due_soon": due_soon,
        "indicators": _indicators_as_of(plan, as_of),
    }


def _rectification_due_at(measure: Measure, end: dt.datetime) -> dt.date | None:
    """The deadline of the last return decided before `end`."""
    due = None
    for sc in measure.self_checks:
        for r in sc.reviews:
            if r.verdict is Verdict.RETURN and r.reviewed_at < end:
                due = r.rectification_due
    return due


def _indicators_as_of(plan: Plan, as_of: dt.date) -> list[dict[str, Any]]:
    rows = []
    for number, ind in enumerate((i for i in plan.indicators if i.retired_at is None), start=1):
        reports = [r for r in ind.reports if r.as_of <= as_of]
        latest = reports[-1] if reports else None
        rows.append(
            {
                "number": number,
                "text": ind.text,
                "target": ind.value,
                "target_max": ind.value_max,
                "unit": ind.unit,
                "reported": latest.value if latest else None,
                "as_of": latest.as_of.isoformat() if latest else None,
                "met": indicator_met(ind, latest.value) if latest else None,
            }
        )
    return rows


# ------------------------------------------------------------------------------ notices


def reminder_notices(
    session: Session, plan: Plan, *, today: dt.date, unit: str | None = None
) -> list[OverdueUnit]:
    """Per unit: its overdue and due-soon measures (督办通知). Units with neither are left out,
    and so are measures naming no unit (there is nobody to address)."""
    wanted = find_unit(session, unit, plan.zone_id).name if unit else None
    return [
        notice
        for notice in overdue_by_unit(plan_progress(session, plan, today))
        if notice.unit != NO_UNIT and (wanted is None or notice.unit == wanted)
    ]


def rectification_notices(
    session: Session, plan: Plan, *, today: dt.date, unit: str | None = None
) -> list[dict[str, Any]]:
    """Per unit: its measures returned for rectification and not yet resubmitted (整改通知)."""
    context = plan_report(session, plan, today=today, unit=unit)
    notices: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for m in context["rectifying"]:
        returns = [r for r in m["all_reviews"] if r["verdict"] == "return"]
        entry = {"measure": m, "review": returns[-1] if returns else None}
        for name in m["unit_names"]:
            if context["unit"] and name != context["unit"]:
                continue
            notices[name].append(entry | {"role": "牵头" if name in m["lead"] else "配合"})
    return [{"unit": name, "entries": entries} for name, entries in sorted(notices.items())]
