"""A render job's page: 排队中/生成中 (the page refreshes itself), then the download link, or
失败 with the reason; and the download itself. Only the office of the zone of the person who
asked for the job sees either (anyone else is answered as for a missing job)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from workflow.read.render_jobs import get_job, job_file
from workflow.web.downloads import content_disposition
from workflow.web.routes.office import OfficeDep
from workflow.web.routes.office_reports import MEDIA_TYPES
from workflow.web.security import AppDep
from workflow.web.templating import render

router = APIRouter(include_in_schema=False)

# How often the page of a pending job reloads itself (seconds).
REFRESH_SECONDS = 3


@router.get("/office/jobs/{job_id}")
def job_page(request: Request, zc: AppDep, viewer: OfficeDep, job_id: int) -> Response:
    job = get_job(zc.uow(), viewer.actor, job_id)
    return render(request, "office_job.html", viewer, job=job, refresh=REFRESH_SECONDS if job.pending else 0)


@router.get("/office/jobs/{job_id}/download")
def job_download(zc: AppDep, viewer: OfficeDep, job_id: int) -> Response:
    job, path = job_file(zc.uow(), zc.settings.home, viewer.actor, job_id)
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream"),
        headers={"Content-Disposition": content_disposition(job.file_name)},
    )
