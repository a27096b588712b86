"""Reports for download: the registered reports (acceptance, self-check, self-assessment, stage,
督办 and 整改 notices, as PDF or Word; the 验收汇总表 as XLSX), the evidence bundle (ZIP) and the
工作台账 (XLSX), with the register of issued reports.

Each download is made into a private temporary folder by the same functions the CLI calls
(`issue_report` registers and audits the PDFs), streamed back, and the folder removed once sent.
They are POSTs: issuing a report writes the register, and a cross-site link must not start one.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.background import BackgroundTask

from reports.bundle import build_bundle, default_bundle_name
from reports.documents import (
    KIND_FORMATS,
    KIND_TITLES,
    ReportRequest,
    default_file_name,
    issue_report,
    report_format,
)
from reports.ledger import write_ledger
from reports.render import Renderer
from reports.signing import office_signer
from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.errors import InputError, ZonecheckError
from workflow.models import IssuedReport
from workflow.read import progress
from workflow.web.downloads import content_disposition
from workflow.web.routes.office import OfficeDep, plan_key_of
from workflow.web.security import AppDep
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
LEDGER_TITLE = "工作台账"


def _send(path: Path, folder: Path) -> Response:
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Content-Disposition": content_disposition(path.name)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


def _renderer(zc: App) -> Renderer:
    # Offices may override the report templates in the data folder, as for the CLI.
    return Renderer(zc.settings.home / "templates")


def _date(text: str, field: str) -> dt.date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field}:应为 YYYY-MM-DD 格式的日期,收到“{text}”") from None


@router.get("/office/plans/{plan_id}/reports")
def reports_page(request: Request, zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    today = office_today()
    status = progress.plan_status(zc.uow(), viewer.actor, plan_id, today=today)
    units = [u.unit for u in status.by_unit if u.unit != progress.NO_UNIT]
    with zc.uow() as uow:
        issued = [
            {
                "kind": KIND_TITLES.get(r.kind, r.kind),
                "as_of": r.as_of,
                "unit": r.unit.name if r.unit else "",
                "file_name": r.file_name,
                "pages": r.pages,
                "size": r.size,
                "sha256": r.sha256,
                "issued_at": r.issued_at,
                "by": r.person.name if r.person else "",
            }
            for r in uow.session.scalars(
                select(IssuedReport)
                .where(IssuedReport.plan_id == plan_id)
                .order_by(IssuedReport.id.desc())
                .options(selectinload(IssuedReport.unit), selectinload(IssuedReport.person))
            )
        ]
    return render(
        request,
        "office_reports.html",
        viewer,
        plan_id=plan_id,
        plan=status.plan,
        units=sorted(set(units)),
        issued=issued,
        today=today,
        titles=KIND_TITLES,
    )


@router.post("/office/plans/{plan_id}/reports/bundle")
def download_bundle(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    include_old: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    key = plan_key_of(zc, viewer, plan_id)
    folder = Path(tempfile.mkdtemp(prefix="zc-bundle-"))
    try:
        path = folder / default_bundle_name(key, office_today())
        build_bundle(
            zc.uow(), zc.store, _renderer(zc), key, path, viewer=viewer.actor,
            include_superseded=bool(include_old),
        )
    except ZonecheckError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return redirect(f"/office/plans/{plan_id}/reports", str(exc), kind="error")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _send(path, folder)


@router.post("/office/plans/{plan_id}/reports/ledger")
def download_ledger(zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    key = plan_key_of(zc, viewer, plan_id)
    today = office_today()
    folder = Path(tempfile.mkdtemp(prefix="zc-ledger-"))
    try:
        path = folder / f"{key}-{LEDGER_TITLE}-{today.isoformat()}.xlsx"
        write_ledger(zc.uow(), viewer.actor, plan_id, path, today=today)
    except ZonecheckError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return redirect(f"/office/plans/{plan_id}/reports", str(exc), kind="error")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _send(path, folder)


@router.post("/office/plans/{plan_id}/reports/{kind}")
def download_report(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    kind: str,
    unit: Annotated[str, Form(max_length=200)] = "",
    as_of: Annotated[str, Form(max_length=20)] = "",
    since: Annotated[str, Form(max_length=20)] = "",
    reply_by: Annotated[str, Form(max_length=20)] = "",
    office: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=100)] = "",
    opinion: Annotated[str, Form(max_length=5000)] = "",
    fmt: Annotated[str, Form(alias="format", max_length=10)] = "",
) -> Response:
    back = f"/office/plans/{plan_id}/reports"
    if kind not in KIND_FORMATS:
        return redirect(back, f"报告类型:没有“{kind}”这种报告", kind="error")
    key = plan_key_of(zc, viewer, plan_id)
    today = office_today()
    folder = Path(tempfile.mkdtemp(prefix="zc-report-"))
    try:
        stage_day = _date(as_of, "截至日期") if kind == "stage" else None
        if kind == "stage" and stage_day is None:
            raise InputError("截至日期:阶段性报告须指定截至日期")
        request = ReportRequest(
            kind=kind,
            plan=key,
            today=stage_day or today,
            unit=unit.strip() or None,
            as_of=stage_day,
            since=_date(since, "起始日期") if kind == "stage" else None,
            office=office.strip() or None,
            number=number.strip(),
            opinion=opinion.strip() if kind == "acceptance" else "",
            reply_by=_date(reply_by, "回复期限") if kind in ("reminders", "rectification") else None,
            format=report_format(kind, fmt.strip()),
        )
        name = default_file_name(kind, key, stage_day or today, request.unit, html=False, fmt=request.format)
        # Signed like the CLI's when the office configured a certificate (checked first; a PDF only).
        signer = office_signer(zc.settings.signing, now=dt.datetime.now(dt.UTC)) if request.format == "pdf" else None
        issued = issue_report(
            zc.uow(), _renderer(zc), request, folder / _safe_name(name), actor=viewer.actor, signer=signer
        )
    except ZonecheckError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return redirect(back, str(exc), kind="error")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return _send(issued.path, folder)


def _safe_name(name: str) -> str:
    """A unit's name goes into the file name: keep it to one path component."""
    return re.sub(r"[\\/\x00-\x1f]+", "_", name).lstrip(".") or "report.pdf"
