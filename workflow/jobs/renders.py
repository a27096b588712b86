"""Render jobs as the worker runs them: `run_render` claims a job under a lease, renders it
through the same functions as the CLI (`reports.documents.issue_report`, `build_bundle`,
`write_ledger`) into the job's own folder (a temporary file renamed into place), and marks it
done in the transaction that registers the issued report, with the "报告已生成" message queued
in it too. `sweep` finds jobs whose worker died (lease expired) and queues them again, a
bounded number of times. The office's side (asking, viewing) is workflow.jobs.requests.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from workflow.bootstrap import App
from workflow.clock import office_today
from workflow.db import UnitOfWork
from workflow.domain.permissions import Actor
from workflow.errors import ZonecheckError
from workflow.jobs.requests import EXTRA_TITLES, job_title, report_request
from workflow.jobs.rules import (
    BUNDLE,
    DEFAULT_LEASE,
    LEDGER,
    PENDING,
    JobState,
    job_folder,
    job_url,
    lease_expired,
    may_retry,
    short_error,
)
from workflow.models import IssuedReport, RenderJob
from workflow.notify.outbox import enqueue
from workflow.notify.texts.reports import RenderOutcome, report_failed, report_ready
from workflow.services.acting import actor_of


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
        event_key=f"render-job:{job.id}", subject=subject, body=body, link=outcome.job_url,
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
    plan_id: int
    plan_key: str
    kind: str
    format: str
    options: dict[str, str]
    actor: Actor


def _facts(uow: UnitOfWork, job_id: int) -> _Facts:
    with uow:
        job = uow.session.get(RenderJob, job_id)
        assert job is not None
        return _Facts(job.plan_id, job.plan.key, job.kind, job.format, dict(job.options), actor_of(job.requester))


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
        write_ledger(app.uow(), facts.actor, facts.plan_id, path, today=today)
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
