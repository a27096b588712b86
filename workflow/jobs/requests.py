"""Asking for a render job: bounded per person and plan, and the same render already pending is
handed back instead of a second one. Reading jobs is workflow.read.render_jobs; the worker's
side is workflow.jobs.renders."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import InputError, Refused
from workflow.jobs.rules import (
    BUNDLE,
    DEFAULT_LEASE,
    LEDGER,
    MAX_OPTIONS_CHARS,
    MAX_PENDING_PER_PERSON_PLAN,
    PENDING,
    JobState,
)
from workflow.models import RenderJob
from workflow.services.access import open_plan_id

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
