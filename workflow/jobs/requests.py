"""Render jobs as the office sees them: asking for one (bounded per person and plan; the same
render already pending is handed back instead of a second one), its state for its page, its
file for the download, and the list. The worker's side is workflow.jobs.renders."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, InputError, NotFound, Refused
from workflow.jobs.rules import (
    BUNDLE,
    DEFAULT_LEASE,
    JOB_STATE_LABELS,
    LEDGER,
    MAX_OPTIONS_CHARS,
    MAX_PENDING_PER_PERSON_PLAN,
    PENDING,
    JobState,
    job_folder,
)
from workflow.models import Person, RenderJob
from workflow.services.access import open_plan_id
from workflow.services.acting import run_read

# The options a report form may carry (reports.documents.ReportRequest's), each a short text.
OPTION_NAMES = ("unit", "as_of", "since", "reply_by", "office", "number", "opinion", "include_old")
EXTRA_TITLES = {BUNDLE: "佐证材料汇编", LEDGER: "工作台账"}
EXTRA_FORMATS = {BUNDLE: "zip", LEDGER: "xlsx"}


def job_title(kind: str) -> str:
    from reports.documents import KIND_TITLES

    return EXTRA_TITLES.get(kind) or KIND_TITLES.get(kind, kind)


@dataclass(frozen=True)
class Requested:
    job_id: int
    reused: bool  # the same render was already pending: no new job


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


def _check_options(options: dict[str, str]) -> dict[str, str]:
    unknown = set(options) - set(OPTION_NAMES)
    if unknown:
        raise InputError(f"报告选项:没有“{'、'.join(sorted(unknown))}”这一项", code="render_options")
    kept = {k: v.strip() for k, v in sorted(options.items()) if v and v.strip()}
    if len(json.dumps(kept, ensure_ascii=False)) > MAX_OPTIONS_CHARS:
        raise InputError(f"报告选项过长(合计至多 {MAX_OPTIONS_CHARS} 个字符)", code="render_options")
    return kept


def report_request(kind: str, fmt: str, plan_key: str, options: dict[str, str], today: dt.date) -> Any:
    """The ReportRequest a job's options make (checked when the job is asked for, and built
    again by the worker): dates as YYYY-MM-DD, a stage report's date required."""
    from reports.documents import ReportRequest, report_format

    def day(name: str, label: str) -> dt.date | None:
        text = options.get(name, "")
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise InputError(f"{label}:应为 YYYY-MM-DD 格式的日期,收到“{text}”") from None

    stage_day = day("as_of", "截至日期") if kind == "stage" else None
    if kind == "stage" and stage_day is None:
        raise InputError("截至日期:阶段性报告须指定截至日期")
    return ReportRequest(
        kind=kind,
        plan=plan_key,
        today=stage_day or today,
        unit=options.get("unit") or None,
        as_of=stage_day,
        since=day("since", "起始日期") if kind == "stage" else None,
        office=options.get("office") or None,
        number=options.get("number", ""),
        opinion=options.get("opinion", "") if kind == "acceptance" else "",
        reply_by=day("reply_by", "回复期限") if kind in ("reminders", "rectification") else None,
        format=report_format(kind, fmt),
    )


def request_render(
    uow: UnitOfWork,
    actor: Actor,
    plan_id: int,
    kind: str,
    fmt: str,
    options: dict[str, str],
    *,
    today: dt.date,
    now: dt.datetime,
    lease: dt.timedelta = DEFAULT_LEASE,
) -> Requested:
    """Queue a render of `kind` for plan `plan_id`, asked for by an office member; the same
    render (kind, format, options) already pending for them is handed back instead."""
    from reports.documents import KIND_FORMATS

    if not actor.is_office:
        raise Refused(f"{actor.describe()}不是领导小组办公室人员,不能生成报告", code="render_not_office")
    plan = open_plan_id(uow, actor, plan_id, action="report")
    options = _check_options(options)
    if kind in EXTRA_FORMATS:
        fmt = EXTRA_FORMATS[kind]
    elif kind in KIND_FORMATS:
        fmt = report_request(kind, fmt, plan.key, options, today).format
    else:
        raise InputError(f"报告类型:没有“{kind}”这种报告", code="report_kind")
    with uow:
        session = uow.session
        pending = list(
            session.scalars(
                select(RenderJob).where(
                    RenderJob.requested_by == actor.id,
                    RenderJob.plan_id == plan.id,
                    RenderJob.state.in_(PENDING),
                )
            )
        )
        for job in pending:
            if (job.kind, job.format, job.options) == (kind, fmt, options):
                return Requested(job.id, reused=True)
        if len(pending) >= MAX_PENDING_PER_PERSON_PLAN:
            raise InputError(
                f"您在本方案已有 {len(pending)} 份报告在排队或生成中(至多 {MAX_PENDING_PER_PERSON_PLAN} 份),"
                "请待其完成后再申请",
                code="render_queue_full",
            )
        job = RenderJob(
            plan_id=plan.id, kind=kind, format=fmt, options=options, requested_by=actor.id,
            state=JobState.QUEUED, lease_until=now + lease, created_at=now,
        )
        session.add(job)
        session.flush()
        job_id = job.id
        uow.commit()
    return Requested(job_id, reused=False)


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
    from workflow.services.visibility import sees

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
    from workflow.services.visibility import visible_plan_ids

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
