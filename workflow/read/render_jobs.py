"""Render jobs as the office reads them: a job's state for its page, its file for the download,
and the list on the reports page and `zonecheck jobs list`. An office member sees the jobs
asked for in their zone on plans they see; another zone's job is answered like a missing one
(and audited). Asking for a job is workflow.jobs.requests; rendering it, workflow.jobs.renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, NotFound
from workflow.jobs.requests import job_title
from workflow.jobs.rules import JOB_STATE_LABELS, PENDING, JobState, job_folder
from workflow.models import Person, RenderJob
from workflow.services.acting import run_read
from workflow.services.visibility import sees, visible_plan_ids


@dataclass(frozen=True)
class JobView:
    id: int
    plan_id: int
    plan_key: str
    plan_title: str
    kind: str
    title: str
    format: str
    state: JobState
    state_label: str
    attempts: int
    error: str
    file_name: str
    size: int
    requester: str
    created_at: dt.datetime
    finished_at: dt.datetime | None

    @property
    def pending(self) -> bool:
        return self.state in PENDING



def _view(job: RenderJob) -> JobView:
    return JobView(
        id=job.id, plan_id=job.plan_id, plan_key=job.plan.key, plan_title=job.plan.title,
        kind=job.kind, title=job_title(job.kind), format=job.format, state=job.state,
        state_label=JOB_STATE_LABELS[job.state], attempts=job.attempts, error=job.error,
        file_name=job.file_name, size=job.size, requester=job.requester.name,
        created_at=job.created_at, finished_at=job.finished_at,
    )


def _visible_job(session: Session, viewer: Actor | None, job_id: int) -> RenderJob:
    """Job `job_id` if `viewer` is an office member of the zone of the person who asked for
    it and sees its plan (the operator: any); another zone's is `Hidden`, worded as a missing one."""

    missing = NotFound(f"没有编号为 {job_id} 的报告生成任务", code="render_job_missing")
    job = session.get(RenderJob, job_id)
    if job is None:
        raise missing
    if viewer is not None and (
        not viewer.is_office or job.requester.zone_id != viewer.zone_id or not sees(viewer, job.plan)
    ):
        raise Hidden.like(missing, f"{viewer.describe()}不是申请该报告的人员所在辖区的办公室人员,无权查看")
    return job


def _job_target(job_id: int) -> Callable[[Session], str]:
    def name(session: Session) -> str:
        job = session.get(RenderJob, job_id)
        return job.plan.key if job is not None else f"报告生成任务#{job_id}"

    return name


def get_job(uow: UnitOfWork, viewer: Actor | None, job_id: int) -> JobView:
    """The job's state for its page; another zone's job is refused like a missing one (audited)."""
    return run_read(uow, viewer, "render_job", _job_target(job_id), lambda s: _view(_visible_job(s, viewer, job_id)))


def job_file(uow: UnitOfWork, home: Path, viewer: Actor | None, job_id: int) -> tuple[JobView, Path]:
    """The finished file of job `job_id`, for its download; NotFound while it is not done."""
    view = run_read(uow, viewer, "render_download", _job_target(job_id), lambda s: _view(_visible_job(s, viewer, job_id)))
    path = job_folder(home, job_id) / view.file_name
    if view.state is not JobState.DONE or not view.file_name or not path.is_file():
        raise NotFound(f"报告生成任务 {job_id} 尚未完成,没有可下载的文件", code="render_job_not_done")
    return view, path


def list_jobs(uow: UnitOfWork, viewer: Actor | None, *, plan_id: int | None = None, limit: int = 200) -> list[JobView]:
    """The latest jobs (newest first, at most `limit`): an office member sees those asked for
    in their zone on plans they see; the operator every one."""

    if viewer is not None and not viewer.is_office:
        return []
    with uow:
        session = uow.session
        query = select(RenderJob).join(Person, RenderJob.requester).order_by(RenderJob.id.desc()).limit(limit)
        if plan_id is not None:
            query = query.where(RenderJob.plan_id == plan_id)
        if viewer is not None:
            plans = visible_plan_ids(session, viewer) or set()
            query = query.where(Person.zone_id == viewer.zone_id, RenderJob.plan_id.in_(plans))
        return [_view(job) for job in session.scalars(query)]
