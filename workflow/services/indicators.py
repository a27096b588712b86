"""Indicators (量化指标): units report actual values, with evidence; met follows the comparator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from checklists import amounts
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor, Work, authorize
from workflow.errors import InputError, NotFound, Refused
from workflow.evidence import EvidenceStore, StoredBlob
from workflow.models import Indicator, IndicatorReport
from workflow.read.indicators import indicator_met
from workflow.read.plans import plan_by_id
from workflow.services.acting import measure_units, person_required, plan_target, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.evidence import NewEvidence, _audit_detail, _check_links, _rows, with_blobs


def parse_value(text: str) -> Decimal:
    """An amount within the bounds of `checklists.amounts` (checked here too, not only at the edges)."""
    try:
        return amounts.parse(text)
    except amounts.AmountError as exc:
        raise InputError(str(exc)) from None


def _find_indicator(session: Session, plan_id: int, number: int, actor: Actor) -> Indicator:
    plan = plan_by_id(session, actor, plan_id)
    indicator = session.scalar(
        select(Indicator).where(
            Indicator.plan_id == plan.id,
            Indicator.position == number - 1,
            Indicator.retired_at.is_(None),
        )
    )
    if indicator is None:
        raise NotFound(
            f"方案 {plan.key} 没有第 {number} 项量化指标", code="indicator_missing", params={"plan": plan.key}
        )
    return indicator


def _may_report(session: Session, actor: Actor, indicator: Indicator) -> None:
    """A measure's target: its responsible units. A plan-wide target (全市有效发明专利拥有量)
    is compiled by whichever department keeps the statistic, or by the office: anyone may
    report it, and the audit log says who did."""
    if indicator.measure is not None:
        authorize(actor, Work.UNIT_WORK, measure_units(session, indicator.measure).responsibility)
    elif actor.zone_id != indicator.plan.zone_id:
        raise Refused(
            f"{actor.describe()}不属于方案 {indicator.plan.key} 所在辖区,不能报送其量化指标", code="other_zone"
        )


def report_value(
    uow: UnitOfWork,
    store: EvidenceStore,
    actor: Actor | None,
    plan_id: int,
    number: int,
    value_text: str,
    *,
    as_of: dt.date | None = None,
    evidence: NewEvidence,
    today: dt.date | None = None,
) -> dict[str, object]:
    """Record an indicator's actual value as of a date, with its evidence (files, links)."""
    person = person_required(actor)
    today = today or office_today()
    value = parse_value(value_text)
    as_of = as_of or today
    if as_of > today:
        raise InputError(f"统计日期 {as_of.isoformat()} 晚于今天")
    _check_links(evidence.links)
    if not evidence.files and not evidence.links:
        raise InputError("填报指标须附佐证材料:文件或链接", code="indicator_evidence")

    def target(session: Session) -> str:
        return f"{plan_target(plan_id)(session)}#指标{number}"

    def check(session: Session, chain: AuditChain) -> Indicator:
        indicator = _find_indicator(session, plan_id, number, person)
        _may_report(session, person, indicator)
        return indicator

    run_audited(uow, person, "indicator_report", target, check)

    def write(blobs: list[StoredBlob]) -> dict[str, object]:
        def work(session: Session, chain: AuditChain) -> dict[str, object]:
            indicator = check(session, chain)
            report = IndicatorReport(
                value=value, as_of=as_of, note=evidence.note.strip(), person_id=person.id, unit_id=person.unit_id
            )
            indicator.reports.append(report)
            session.flush()
            rows = _rows(evidence, blobs, actor=person, doc_date=as_of, indicator_report=report)
            session.add_all(rows)
            session.flush()
            met = indicator_met(indicator, value)
            detail = _audit_detail(rows, None, blobs) | {
                "indicator": number,
                "metric": indicator.metric,
                "value": amounts.plain(value),
                "met": met,
            }
            chain.append(person, "indicator_report", f"{indicator.plan.key}#指标{number}", detail=detail)
            return {"metric": indicator.metric, "value": value, "unit": indicator.unit, "met": met}

        return run_audited(uow, person, "indicator_report", target, work)

    return with_blobs(uow, store, evidence.files, write)
