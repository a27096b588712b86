"""Render jobs: the office asks for a report on the web, a worker renders it.

`request_render` records the job (bounded per person and plan; the same render already
pending is handed back instead of a second one); `run_render` is what the worker runs: it
claims the job under a lease, renders through the same functions as the CLI
(`reports.documents.issue_report`, `build_bundle`, `write_ledger`) into the job's own folder
(a temporary file renamed into place), and marks the job done in the transaction that
registers the issued report, with the "报告已生成" message queued in it too. `sweep` finds
jobs whose worker died (lease expired) and queues them again, a bounded number of times.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import Hidden, InputError, NotFound, Refused, ZonecheckError
from workflow.jobs.rules import (
    BUNDLE,
    DEFAULT_LEASE,
    JOB_STATE_LABELS,
    LEDGER,
    MAX_OPTIONS_CHARS,
    MAX_PENDING_PER_PERSON_PLAN,
    PENDING,
    JobState,
    lease_expired,
    may_retry,
    short_error,
)
from workflow.models import IssuedReport, Person, Plan, RenderJob
from workflow.notify.outbox import enqueue
from workflow.notify.texts.reports import RenderOutcome, report_failed, report_ready
from workflow.services.access import open_plan_id
from workflow.services.acting import actor_of, run_read

# The options a report form may carry (reports.documents.ReportRequest's), each a short text.
OPTION_NAMES = ("unit", "as_of", "since", "reply_by", "office", "number", "opinion", "include_old")
EXTRA_TITLES = {BUNDLE: "佐证材料汇编", LEDGER: "工作台账"}
EXTRA_FORMATS = {BUNDLE: "zip", LEDGER: "xlsx"}


def job_title(kind: str) -> str:
    from reports.documents import KIND_TITLES

    return EXTRA_TITLES.get(kind) or KIND_TITLES.get(kind, kind)


def job_url(job_id: int) -> str:
    return f"/office/jobs/{job_id}"


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


def job_folder(home: Path, job_id: int) -> Path:
    return home / "renders" / str(job_id)


# ----------------------------------------------------------------------------- the worker's side


class LeaseLost(Exception):
    """Another worker took the job over (this one was too slow to renew its lease)."""


@dataclass(frozen=True)
class Claim:
    job_id: int
    token: str
    attempts: int


def claim(uow: UnitOfWork, job_id: int, now: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE) -> Claim | None:
    """Take job `job_id` to render: it must be queued, or running under an expired lease
    (its worker died). One UPDATE, so two workers never both take it; None: not to run."""
    token = uuid.uuid4().hex
    with uow:
        result = uow.session.execute(
            update(RenderJob)
            .where(
                RenderJob.id == job_id,
                or_(
                    RenderJob.state == JobState.QUEUED,
                    (RenderJob.state == JobState.RUNNING) & (RenderJob.lease_until <= now),
                ),
            )
            .values(
                state=JobState.RUNNING, attempts=RenderJob.attempts + 1, lease_token=token,
                lease_until=now + lease, started_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        attempts = uow.session.scalar(select(RenderJob.attempts).where(RenderJob.id == job_id))
        uow.commit()
    return Claim(job_id, token, int(attempts or 0))


def _renew(uow: UnitOfWork, held: Claim, lease: dt.timedelta) -> bool:
    with uow:
        result = uow.session.execute(
            update(RenderJob)
            .where(RenderJob.id == held.job_id, RenderJob.lease_token == held.token, RenderJob.state == JobState.RUNNING)
            .values(lease_until=dt.datetime.now(dt.UTC) + lease)
            .execution_options(synchronize_session=False)
        )
        uow.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


@contextmanager
def heartbeat(new_uow: Callable[[], UnitOfWork], held: Claim, lease: dt.timedelta) -> Iterator[None]:
    """Renew the lease every third of it while the block renders (a render holds no
    transaction open; the renewals are their own short ones)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(lease.total_seconds() / 3):
            try:
                if not _renew(new_uow(), held, lease):
                    return
            except Exception:  # a database hiccup: the next beat tries again
                continue

    thread = threading.Thread(target=beat, name=f"render-job-{held.job_id}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _finish(session: Session, held: Claim, now: dt.datetime, *, file_name: str, size: int, issued_id: int | None) -> None:
    """Mark the job done and tell the person who asked, in the caller's transaction; the
    lease token must still be ours (else LeaseLost, and the transaction is rolled back)."""
    result = session.execute(
        update(RenderJob)
        .where(RenderJob.id == held.job_id, RenderJob.lease_token == held.token, RenderJob.state == JobState.RUNNING)
        .values(
            state=JobState.DONE, file_name=file_name, size=size, issued_report_id=issued_id,
            finished_at=now, lease_until=None, error="",
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise LeaseLost(held.job_id)
    job = session.get(RenderJob, held.job_id)
    assert job is not None
    _tell(session, job, file_name=file_name, error="")


def _tell(session: Session, job: RenderJob, *, file_name: str, error: str) -> None:
    outcome = RenderOutcome(
        title=job_title(job.kind), plan_title=job.plan.title, plan_key=job.plan.key,
        file_name=file_name, job_url=job_url(job.id), error=error,
    )
    subject, body = report_failed(outcome) if error else report_ready(outcome)
    enqueue(
        session, job.requester, event_kind="report_failed" if error else "report_ready",
        event_key=f"render-job:{job.id}", subject=subject, body=body,
    )


def _fail(uow: UnitOfWork, held: Claim, error: str, *, final: bool, now: dt.datetime, lease: dt.timedelta) -> JobState:
    """Record a failed try: the job is failed (and the requester told) when `final` or out
    of tries, else queued again for the sweep to send to a worker after the lease."""
    with uow:
        session = uow.session
        job = session.get(RenderJob, held.job_id)
        if job is None or job.lease_token != held.token or job.state is not JobState.RUNNING:
            return job.state if job else JobState.FAILED
        job.error = short_error(error)
        if final or not may_retry(job.attempts):
            job.state = JobState.FAILED
            job.finished_at = now
            job.lease_until = None
            _tell(session, job, file_name="", error=job.error)
        else:
            job.state = JobState.QUEUED
            job.lease_until = now + lease
        state = job.state
        uow.commit()
    return state


@dataclass(frozen=True)
class _Facts:
    plan_key: str
    kind: str
    format: str
    options: dict[str, str]
    actor: Actor


def _facts(uow: UnitOfWork, job_id: int) -> _Facts:
    with uow:
        job = uow.session.get(RenderJob, job_id)
        assert job is not None
        return _Facts(job.plan.key, job.kind, job.format, dict(job.options), actor_of(job.requester))


def _clear_leftovers(folder: Path) -> None:
    """A worker killed mid-write leaves its temporary file; the next try starts clean."""
    if folder.is_dir():
        for part in folder.glob(".*.part"):
            part.unlink(missing_ok=True)


def run_render(
    app: App,
    job_id: int,
    *,
    today: dt.date | None = None,
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    lease: dt.timedelta = DEFAULT_LEASE,
) -> JobState | None:
    """Render job `job_id` if it is to run (see `claim`); the state it was left in, or None
    when it was not ours to run. Refusals (no such data, a broken template override) fail the
    job at once with their Chinese reason; anything else is tried again, a bounded number of times."""
    held = claim(app.uow(), job_id, now(), lease)
    if held is None:
        return None
    facts = _facts(app.uow(), job_id)
    folder = job_folder(app.settings.home, job_id)
    _clear_leftovers(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with heartbeat(app.uow, held, lease):
            _render(app, held, facts, folder, today or office_today(), now)
    except LeaseLost:
        return None
    except ZonecheckError as exc:
        return _fail(app.uow(), held, str(exc), final=True, now=now(), lease=lease)
    except Exception as exc:
        return _fail(app.uow(), held, f"生成时出错:{type(exc).__name__}: {exc}", final=False, now=now(), lease=lease)
    return JobState.DONE


def _render(app: App, held: Claim, facts: _Facts, folder: Path, today: dt.date, now: Callable[[], dt.datetime]) -> None:
    from reports.documents import default_file_name, issue_report
    from reports.render import Renderer

    # Offices may override the report templates in the data folder, as for the CLI.
    renderer = Renderer(app.settings.home / "templates")
    if facts.kind == BUNDLE:
        from reports.bundle import build_bundle, default_bundle_name

        path = folder / default_bundle_name(facts.plan_key, today)
        build_bundle(
            app.uow(), app.store, renderer, facts.plan_key, path, viewer=facts.actor,
            include_superseded=bool(facts.options.get("include_old")),
        )
        _finish_file(app, held, path, now())
        return
    if facts.kind == LEDGER:
        from reports.ledger import write_ledger

        path = folder / f"{facts.plan_key}-{EXTRA_TITLES[LEDGER]}-{today.isoformat()}.xlsx"
        with app.uow() as uow:
            plan_id = uow.session.scalar(select(Plan.id).where(Plan.key == facts.plan_key))
        assert plan_id is not None
        write_ledger(app.uow(), facts.actor, plan_id, path, today=today)
        _finish_file(app, held, path, now())
        return
    from reports.signing import office_signer

    request = report_request(facts.kind, facts.format, facts.plan_key, facts.options, today)
    day = request.as_of or request.today
    name = default_file_name(facts.kind, facts.plan_key, day, request.unit, html=False, fmt=request.format)
    signer = office_signer(app.settings.signing, now=now()) if request.format == "pdf" else None
    path = folder / safe_name(name)

    def record(session: Session, row: IssuedReport) -> None:
        _finish(session, held, now(), file_name=path.name, size=row.size, issued_id=row.id)

    issue_report(app.uow(), renderer, request, path, actor=facts.actor, signer=signer, on_record=record)


def _finish_file(app: App, held: Claim, path: Path, now: dt.datetime) -> None:
    with app.uow() as uow:
        _finish(uow.session, held, now, file_name=path.name, size=path.stat().st_size, issued_id=None)
        uow.commit()


def safe_name(name: str) -> str:
    """A unit's name goes into the file name: keep it to one path component."""
    import re

    return re.sub(r"[\\/\x00-\x1f]+", "_", name).lstrip(".") or "report.pdf"


def sweep(uow: UnitOfWork, now: dt.datetime, lease: dt.timedelta = DEFAULT_LEASE) -> list[int]:
    """Jobs to send to a worker again: queued ones no worker took within the lease (their
    message lost with a queue that was emptied, say) and running ones whose worker stopped
    renewing its lease. A running job out of tries is failed here, its requester told."""
    again: list[int] = []
    with uow:
        session = uow.session
        stale = session.scalars(
            select(RenderJob).where(RenderJob.state.in_(PENDING), RenderJob.lease_until <= now).with_for_update()
        )
        for job in stale:
            if not lease_expired(job.lease_until, now):
                continue
            if job.state is JobState.RUNNING and not may_retry(job.attempts):
                job.state = JobState.FAILED
                job.error = short_error(f"生成过程中工作进程中断 {job.attempts} 次,已停止重试")
                job.finished_at = now
                job.lease_until = None
                _tell(session, job, file_name="", error=job.error)
                continue
            # Queued again, with a fresh lease: the next sweep leaves it alone unless it waits that long again.
            job.state = JobState.QUEUED
            job.lease_until = now + lease
            again.append(job.id)
        uow.commit()
    return again


def pending_count(uow: UnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(RenderJob).where(RenderJob.state.in_(PENDING))) or 0)


def remove_folder(home: Path, job_id: int) -> None:
    shutil.rmtree(job_folder(home, job_id), ignore_errors=True)
