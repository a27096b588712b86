"""Reports for download: the registered reports (acceptance, self-check, self-assessment, stage,
督办 and 整改 notices, as PDF or Word; the 验收汇总表 as XLSX), the evidence bundle (ZIP) and the
工作台账 (XLSX), with the register of issued reports.

A report's button records a render job and answers at once with the job's page
(workflow/web/routes/office_jobs.py); the worker renders it with the same functions the CLI
calls (workflow.jobs.renders), so a large PDF never holds a web worker for its minute.
They are POSTs: issuing a report writes the register, and a cross-site link must not start one.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from starlette.background import BackgroundTask

from reports.documents import KIND_FORMATS, KIND_TITLES
from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.errors import InputError, NotFound, ZonecheckError
from workflow.jobs.queue import enqueue_render
from workflow.jobs.requests import request_render
from workflow.jobs.rules import BUNDLE, LEDGER, job_url
from workflow.models import IssuedReport
from workflow.read import progress
from workflow.read.render_jobs import list_jobs
from workflow.web.downloads import content_disposition
from workflow.web.routes.office import OfficeDep
from workflow.web.security import AppDep, Viewer
from workflow.web.templating import redirect, render

router = APIRouter(include_in_schema=False)

MEDIA_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _send(path: Path, folder: Path) -> Response:
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Content-Disposition": content_disposition(path.name)},
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


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
    jobs = list_jobs(zc.uow(), viewer.actor, plan_id=plan_id, limit=20)
    return render(
        request,
        "office_reports.html",
        viewer,
        jobs=jobs,
        plan_id=plan_id,
        plan=status.plan,
        units=sorted(set(units)),
        issued=issued,
        today=today,
        titles=KIND_TITLES,
    )


def _queue(zc: App, viewer: Viewer, plan_id: int, kind: str, fmt: str, options: dict[str, str]) -> Response:
    """Record the render job and hand it to the worker; the answer is the job's page at once
    (it says 生成中 and turns into a download link when the worker is done)."""
    back = f"/office/plans/{plan_id}/reports"
    try:
        asked = request_render(
            zc.uow(), viewer.actor, plan_id, kind, fmt, options,
            today=office_today(), now=dt.datetime.now(dt.UTC),
        )
    except NotFound:
        raise
    except ZonecheckError as exc:
        return redirect(back, str(exc), kind="error")
    if not asked.reused:
        enqueue_render(zc.settings, asked.job_id)
    note = "同样的报告已在生成中" if asked.reused else "已开始生成,完成后可在此下载"
    return redirect(job_url(asked.job_id), note)


@router.post("/office/plans/{plan_id}/reports/bundle")
def download_bundle(
    zc: AppDep,
    viewer: OfficeDep,
    plan_id: int,
    include_old: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    return _queue(zc, viewer, plan_id, BUNDLE, "zip", {"include_old": "1" if include_old else ""})


@router.post("/office/plans/{plan_id}/reports/ledger")
def download_ledger(zc: AppDep, viewer: OfficeDep, plan_id: int) -> Response:
    return _queue(zc, viewer, plan_id, LEDGER, "xlsx", {})


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
    if kind not in KIND_FORMATS:
        return redirect(f"/office/plans/{plan_id}/reports", f"报告类型:没有“{kind}”这种报告", kind="error")
    options = {
        "unit": unit, "as_of": as_of, "since": since, "reply_by": reply_by,
        "office": office, "number": number, "opinion": opinion,
    }
    return _queue(zc, viewer, plan_id, kind, fmt.strip(), options)
