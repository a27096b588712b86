"""Issuing a report: gather its data, render it, record it in the register, write the file.

One function per command, shared by the CLI and the web pages. Every report is a PDF or a
Word document (.docx) from the same data; the 验收汇总表 is an XLSX workbook. An issued file is
recorded in `issued_reports` and the audit trail in the same transaction that the file is
written under: if writing fails nothing is recorded, and if recording fails the file is
removed. The register has no format column: the file name's suffix (.pdf, .docx, .xlsx) says
it, and the audit entry's detail carries it too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from reports import data
from reports.docx import DocxRenderer
from reports.output import check_output, write_atomically
from reports.render import Renderer, RenderTimings
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, InputError
from workflow.models import IssuedReport, Plan
from workflow.read.overdue import OverdueUnit
from workflow.read.plans import find_plan, find_unit
from workflow.services.acting import record_refusal
from workflow.services.audit_log import AuditChain

if TYPE_CHECKING:
    from reports.signing import PdfSigner

KIND_TITLES = {
    "acceptance": "验收报告",
    "selfcheck": "自查报告",
    "stage": "阶段性报告",
    "reminders": "督办通知",
    "rectification": "整改通知",
    "selfassessment": "自评报告",
    "summary": "验收汇总表",
    "bundle_index": "佐证材料汇编目录",
    "formal_notice": "一次性告知书",
}
# The formats each report is issued in, the first the default.
KIND_FORMATS: dict[str, tuple[str, ...]] = {
    "acceptance": ("pdf", "docx"),
    "selfcheck": ("pdf", "docx"),
    "stage": ("pdf", "docx"),
    "reminders": ("pdf", "docx"),
    "rectification": ("pdf", "docx"),
    "selfassessment": ("pdf", "docx"),
    "summary": ("xlsx",),
}
FORMAT_LABELS = {"pdf": "PDF", "docx": "Word", "xlsx": "Excel", "html": "HTML"}


@dataclass
class ReportRequest:
    kind: str  # a key of KIND_TITLES
    plan: str  # as typed: key, prefix, document number or id
    today: dt.date = field(default_factory=dt.date.today)
    unit: str | None = None
    as_of: dt.date | None = None  # stage report
    since: dt.date | None = None  # stage report: instead of the previous one's date
    office: str | None = None  # 审核机关 / 发文机关 on the cover and in the sign-off
    number: str = ""  # the report's own document number
    opinion: str = ""  # 审核意见 printed in the sign-off block
    reply_by: dt.date | None = None  # notices: the date units must answer by
    format: str = ""  # pdf | docx | xlsx (a key of KIND_FORMATS[kind]); empty: the kind's first


@dataclass
class Issued:
    path: Path
    kind: str
    plan_key: str
    pages: int
    size: int
    sha256: str
    html: bool
    timings: RenderTimings
    summary: str
    format: str = "pdf"
    signed_by: str = ""  # the office and signer of the certificate, when signed


def default_file_name(
    kind: str, plan_key: str, day: dt.date, unit: str | None, *, html: bool, fmt: str = "pdf"
) -> str:
    unit_part = f"-{unit}" if unit else ""
    suffix = "html" if html else fmt
    return f"{plan_key}-{KIND_TITLES[kind]}{unit_part}-{day.isoformat()}.{suffix}"


def report_format(kind: str, fmt: str, *, html: bool = False) -> str:
    """The format a report is issued in: `fmt` if the kind has it, else InputError saying
    which it has; empty `fmt` is the kind's default."""
    formats = KIND_FORMATS.get(kind)
    if formats is None:
        raise InputError(f"未知的报告类型:{kind}", code="report_kind")
    chosen = fmt or formats[0]
    if chosen not in formats:
        offered = "、".join(FORMAT_LABELS[f] + f"(.{f})" for f in formats)
        raise InputError(f"{KIND_TITLES[kind]}只能生成为 {offered},不能生成为 .{chosen}", code="report_format")
    if html and chosen != "pdf":
        raise InputError(f"HTML 只用于检查 PDF 的版式,不能与 {FORMAT_LABELS[chosen]} 格式同时生成", code="report_format")
    return chosen


def _context(session: Any, plan: Plan, request: ReportRequest) -> tuple[dict[str, Any], str]:
    """The template's context and a one-line summary of what the report holds."""
    kind = request.kind
    if kind in ("acceptance", "selfcheck"):
        report = data.plan_report(
            session,
            plan,
            today=request.today,
            unit=request.unit,
            office=request.office,
            report_number=request.number,
            with_scores=kind == "acceptance",
        )
        ctx = data.template_context(report) | {"opinion": request.opinion, "self_check_only": kind == "selfcheck"}
        return ctx, f"{len(report.measures)} 项措施,佐证材料 {report.evidence_count} 份"
    if kind == "selfassessment":
        assessment = data.selfassessment_report(
            session, plan, today=request.today, office=request.office, report_number=request.number
        )
        own = assessment.scores.own
        return data.template_context(assessment), f"{len(assessment.scores.lines)} 项指标,自评总分 {own.total} 分,等次 {own.grade}"
    if kind == "summary":
        from reports.summary_xlsx import summary_report  # openpyxl: only this report needs it

        summary = summary_report(session, plan, today=request.today, office=request.office)
        scores = summary.scores
        return {"summary": summary}, f"{len(scores.lines)} 项指标,{len(summary.measures)} 项措施,等次 {scores.grade}"
    if kind == "stage":
        if request.as_of is None:
            raise InputError("阶段性报告需要指定截至日期", code="stage_without_as_of")
        if request.since and request.since >= request.as_of:
            raise InputError(
                f"起始日期 {request.since} 应早于截至日期 {request.as_of}", code="since_not_before_as_of"
            )
        stage = data.stage_report(
            session,
            plan,
            as_of=request.as_of,
            since=request.since,
            office=request.office,
            report_number=request.number,
        )
        return data.template_context(stage), f"本期变化 {len(stage.moved)} 项,逾期 {len(stage.late)} 项"
    if kind in ("reminders", "rectification"):
        notices: list[OverdueUnit] | list[data.RectificationNotice]
        if kind == "reminders":
            notices = data.reminder_notices(session, plan, today=request.today, unit=request.unit)
        else:
            notices = data.rectification_notices(session, plan, today=request.today, unit=request.unit)
        if not notices:
            what = "逾期或临期措施" if kind == "reminders" else "退回整改未完成的措施"
            whom = f"{request.unit}" if request.unit else "任何单位"
            raise InputError(f"截至 {request.today},{whom}没有{what},无需发{KIND_TITLES[kind]}")
        ctx = {
            "plan": data.plan_info(
                plan, office=request.office, report_date=request.today, report_number=request.number
            ),
            "today": request.today,
            "reply_by": request.reply_by or request.today + dt.timedelta(days=7),
            "notices": notices,
        }
        return ctx, f"{len(notices)} 个单位"
    raise InputError(f"未知的报告类型:{kind}")


def _expected_pages(session: Any, plan: Plan, kind: str, context: dict[str, Any]) -> int:
    """For the progress bar: the last issue of this report, else a rough guess from its size."""
    last = session.scalar(
        select(IssuedReport.pages)
        .where(IssuedReport.plan_id == plan.id, IssuedReport.kind == kind)
        .order_by(IssuedReport.id.desc())
        .limit(1)
    )
    if last:
        return int(last)
    measures = len(context.get("measures", ())) + len(context.get("moved", ())) // 8
    evidence = context.get("evidence_count", 0)
    return int(max(2, 4 + measures * 3 // 4 + evidence // 12 + len(context.get("notices", ()))))


def issue_report(
    uow: UnitOfWork,
    renderer: Renderer,
    request: ReportRequest,
    output: Path | None,
    *,
    actor: Actor | None = None,
    html: bool = False,
    on_stage: Callable[[str], None] | None = None,
    on_estimate: Callable[[int], None] | None = None,
    signer: PdfSigner | None = None,
    on_record: Callable[[Session, IssuedReport], None] | None = None,
) -> Issued:
    """Render, sign (when the office configured a certificate: `signer`, checked before),
    record and write one report; the register keeps the sha256 of the file as written.

    `on_record` runs in the register's transaction before the file is written (a render job
    marks itself done there, so a retried job cannot register the report twice); if it
    raises, nothing is recorded or written."""
    timings = RenderTimings()
    fmt = report_format(request.kind, request.format, html=html)
    if fmt != "pdf":
        signer = None  # PAdES signs PDFs; a Word or Excel file is sealed on paper
    with uow:
        session = uow.session
        with timings.stage("queries"):
            try:
                plan = find_plan(session, request.plan, actor)
            except Hidden as exc:
                record_refusal(uow, actor, "report_issue", request.plan, exc)
                raise
            unit = find_unit(session, request.unit, plan.zone_id) if request.unit else None
            if on_stage:
                on_stage("data")
            context, summary = _context(session, plan, request)
            # A signed PDF gets the signature block in the seal box instead of "(盖章)".
            context["signed"] = signer is not None and not html
            if on_estimate and fmt == "pdf":  # only a PDF is laid out page by page here
                on_estimate(_expected_pages(session, plan, request.kind, context))
        template = f"{request.kind}.html"
        day = request.as_of if request.kind == "stage" and request.as_of else request.today
        path = output or Path(
            default_file_name(request.kind, plan.key, day, unit.name if unit else None, html=html, fmt=fmt)
        )
        check_output(path)  # before rendering: a mistyped folder fails at once
        if html:
            markup = renderer.html(template, context).encode("utf-8")
            write_atomically(path, markup)
            return Issued(path, request.kind, plan.key, 0, len(markup), hashlib.sha256(markup).hexdigest(), True, timings, summary, "html")
        pages = 0  # Word and Excel paginate when the file is opened
        if fmt == "pdf":
            rendered = renderer.pdf(template, context, timings=timings, on_stage=on_stage)
            body, pages = rendered.data, rendered.pages
            if signer is not None:
                if on_stage:
                    on_stage("sign")
                with timings.stage("sign"):
                    body = signer.sign(body, reason=f"签发{KIND_TITLES[request.kind]}", day=office_today())
        elif fmt == "docx":
            if on_stage:
                on_stage("docx")
            with timings.stage("docx"):
                body = DocxRenderer(renderer.override_dir).render(request.kind, context)
        else:
            from reports.summary_xlsx import summary_workbook

            with timings.stage("xlsx"):
                body = summary_workbook(context["summary"])
        digest = hashlib.sha256(body).hexdigest()
        # Recorded and written in one go: the register never names a file that was not written.
        chain = AuditChain(session)
        row = IssuedReport(
            plan_id=plan.id,
            kind=request.kind,
            as_of=day,
            unit_id=unit.id if unit else None,
            file_name=path.name,
            sha256=digest,
            size=len(body),
            pages=pages,
            person_id=actor.id if actor else None,
        )
        session.add(row)
        chain.append(
            actor,
            "report_issue",
            plan.key,
            comment=f"{KIND_TITLES[request.kind]} {path.name}",
            detail={
                "kind": request.kind,
                "format": fmt,
                "as_of": day.isoformat(),
                "unit": unit.name if unit else None,
                "sha256": digest,
                "size": len(body),
                "pages": pages,
                "signer": signer.certificate.certificate.subject.rfc4514_string() if signer else None,
            },
        )
        session.flush()
        if on_record is not None:
            on_record(session, row)
        write_atomically(path, body)
        try:
            uow.commit()
        except BaseException:
            path.unlink(missing_ok=True)
            raise
    signed_by = f"{signer.certificate.office}({signer.certificate.signer_name})" if signer else ""
    return Issued(path, request.kind, plan.key, pages, len(body), digest, False, timings, summary, fmt, signed_by)
