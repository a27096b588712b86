"""Issuing the one-time notices (一次性告知书) of a plan's formal review: one PDF per unit told
of gaps, every gap numbered, the 补正 deadline in a Chinese date, registered like every report.

The notices are rendered before the transaction that registers them (a PDF takes a second or
two and the audit chain is locked while registering); then each is recorded in
`issued_reports` (kind `formal_notice`), linked from its notice and written, all in one
transaction: if writing or committing fails, the files written are removed again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from reports import data
from reports.documents import KIND_TITLES, default_file_name
from reports.output import write_atomically
from reports.render import Renderer
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, InputError, Refused
from workflow.evidence import safe_component
from workflow.models import FormalReview, IssuedReport, Plan
from workflow.services.acting import person_required, plan_target, record_refusal, run_audited
from workflow.services.audit_log import AuditChain
from workflow.services.formal_review import gap_of, latest_review, office_plan

__all__ = ["KIND", "IssuedNotice", "issue_formal_notices", "notice_number"]

KIND = "formal_notice"
ACTION = "formal_notice"
MAX_PREFIX_CHARS = 60


@dataclass(frozen=True)
class IssuedNotice:
    unit: str
    number: str
    path: Path
    gaps: int
    pages: int
    size: int
    sha256: str


def notice_number(prefix: str | None, opened_on: dt.date, position: int) -> str:
    """The notice's document number: the office's prefix (嘉知保办〔2026〕) and its place in
    the review; without a prefix, 形审告〔YEAR〕N号."""
    return f"{prefix or f'形审告〔{opened_on.year}〕'}{position}号"


def _review(session: Session, actor: Actor, plan_id: int) -> tuple[Plan, FormalReview]:
    plan = office_plan(session, actor, plan_id)
    review = latest_review(session, plan)
    if review is None:
        raise Refused(f"方案 {plan.key} 尚未开始形式审查,没有告知书可发", code="formal_not_open", params={"plan": plan.key})
    return plan, review


def issue_formal_notices(
    uow: UnitOfWork,
    renderer: Renderer,
    actor: Actor | None,
    plan_id: int,
    out_dir: Path,
    *,
    office: str | None = None,
    number_prefix: str | None = None,
    unit: str | None = None,
) -> list[IssuedNotice]:
    """Render, register and write the notice PDF of each unit (or of `unit` alone) of plan
    `plan_id`'s formal review into `out_dir`; the notices as issued."""
    person = person_required(actor)
    if number_prefix is not None and len(number_prefix) > MAX_PREFIX_CHARS:
        raise InputError(f"文号前缀不能超过 {MAX_PREFIX_CHARS} 个字符", code="formal_number")
    if office is not None and len(office) > 200:
        raise InputError("发文机关名称不能超过 200 个字符")
    if not out_dir.is_dir():
        raise InputError(f"输出文件夹不存在:{out_dir};请先创建该文件夹或换一个路径")
    with uow:
        try:
            plan, review = _review(uow.session, person, plan_id)
        except (Refused, Hidden) as exc:
            record_refusal(uow, person, ACTION, plan_target(plan_id), exc)
            raise
        notices = [n for n in review.notices if unit is None or n.unit_name == unit]
        if not notices:
            whom = f"单位“{unit}”" if unit else "任何单位"
            raise InputError(f"方案 {plan.key} 的形式审查没有发现{whom}的缺漏,无需发一次性告知书", code="formal_no_notice")
        jobs: list[tuple[int, str, str, Path, dict[str, Any]]] = []
        for n in notices:
            number = notice_number(number_prefix, review.opened_on, n.position)
            context = {
                "plan": data.plan_info(plan, office=office, report_date=review.opened_on, report_number=number),
                "notice": {"unit": n.unit_name, "gaps": [gap_of(g) for g in n.gaps]},
                "deadline": review.deadline,
                "working_days": review.working_days,
            }
            name = default_file_name(KIND, plan.key, review.opened_on, safe_component(n.unit_name), html=False)
            jobs.append((n.id, n.unit_name, number, out_dir / name, context))
        review_id = review.id
    rendered = [(job, renderer.pdf(f"{KIND}.html", job[4])) for job in jobs]

    written: list[Path] = []

    def work(session: Session, chain: AuditChain) -> list[IssuedNotice]:
        plan, review = _review(session, person, plan_id)
        if review.id != review_id:
            raise InputError("形式审查在生成告知书期间已变化,请重新运行", code="formal_changed")
        by_id = {n.id: n for n in review.notices}
        out: list[IssuedNotice] = []
        for (notice_id, unit_name, number, path, _), pdf in rendered:
            notice = by_id[notice_id]
            digest = hashlib.sha256(pdf.data).hexdigest()
            report = IssuedReport(
                plan_id=plan.id,
                kind=KIND,
                as_of=review.opened_on,
                unit_id=notice.unit_id,
                file_name=path.name,
                sha256=digest,
                size=len(pdf.data),
                pages=pdf.pages,
                person_id=person.id,
            )
            session.add(report)
            session.flush()
            notice.report_id = report.id
            chain.append(
                person,
                ACTION,
                plan.key,
                comment=f"{KIND_TITLES[KIND]} {number} {path.name}",
                detail={"unit": unit_name, "number": number, "gaps": len(notice.gaps), "sha256": digest, "pages": pdf.pages},
            )
            write_atomically(path, pdf.data)
            written.append(path)
            out.append(IssuedNotice(unit_name, number, path, len(notice.gaps), pdf.pages, len(pdf.data), digest))
        return out

    try:
        return run_audited(uow, person, ACTION, plan_target(plan_id), work)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
