"""Render jobs on SQLite and PostgreSQL: a job is rendered once, registered in the commit that
marks it done (with the "报告已生成" message to its requester), reused while the same render is
pending, bounded per person and plan; a broken template override fails it with the Chinese
reason; a worker that stops renewing its lease has its job taken up again, a bounded number of
times. Then with real `zonecheck worker` processes: one killed with SIGKILL mid-render (the next
completes the job: one register row, no partial file), one stopped with SIGTERM, and the queue
in Redis (a throwaway redis-server) instead of SQLite."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from tests.support.redis_server import redis_server
from tests.support.workers import finished, kill_worker, start_worker, stop_worker, wait_for
from workflow.bootstrap import App
from workflow.errors import InputError, Refused
from workflow.jobs.queue import enqueue_render
from workflow.jobs.renders import claim, run_render, sweep
from workflow.jobs.requests import request_render
from workflow.jobs.rules import MAX_ATTEMPTS, MAX_PENDING_PER_PERSON_PLAN, JobState, job_folder
from workflow.models import IssuedReport, OutgoingMessage, Person, RenderJob
from workflow.notify.rules import Channel
from workflow.read.render_jobs import list_jobs

from .workflow_helpers import (
    ADMIN,
    JIADING,
    JIADING_PEOPLE,
    MARKET,
    REVIEWER_A,
    actor,
    add_people,
    import_seed,
    plan_id,
    session_of,
)

TODAY = dt.date(2026, 12, 6)
NOW = dt.datetime(2026, 12, 6, 2, 0, tzinfo=dt.UTC)
LEASE = dt.timedelta(seconds=30)


@pytest.fixture
def jiading(app: App, seeds_dir: Path) -> App:
    assert import_seed(app, seeds_dir, "003") == JIADING
    add_people(app, JIADING_PEOPLE)
    with app.uow() as uow:  # the reviewer is told by e-mail (queued here; sending is the sender's)
        uow.session.execute(update(Person).where(Person.name == REVIEWER_A).values(email="shenhe@jiading.gov.cn"))
        uow.commit()
    return app


def ask(app: App, who: str = REVIEWER_A, kind: str = "acceptance", **options: str) -> int:
    asked = request_render(
        app.uow(), actor(app, who), plan_id(app, JIADING), kind, "pdf", options, today=TODAY, now=NOW, lease=LEASE
    )
    return asked.job_id


def job(app: App, job_id: int) -> RenderJob:
    with session_of(app) as session:
        found = session.get(RenderJob, job_id)
        assert found is not None
        session.expunge(found)
        return found


def registered(app: App) -> list[IssuedReport]:
    with session_of(app) as session:
        return list(session.scalars(select(IssuedReport)))


def told(app: App, job_id: int) -> list[OutgoingMessage]:
    """The in-app messages about a job (the requester's inbox; other channels only when set)."""
    with session_of(app) as session:
        return list(session.scalars(select(OutgoingMessage).where(
            OutgoingMessage.event_key == f"render-job:{job_id}", OutgoingMessage.channel == Channel.INAPP
        )))


def files_of(app: App, job_id: int) -> list[str]:
    folder = job_folder(app.settings.home, job_id)
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_job_is_rendered_once_and_registered_in_the_commit_that_marks_it_done(jiading: App) -> None:
    job_id = ask(jiading, number="嘉知保办〔2026〕9号")
    assert job(jiading, job_id).state is JobState.QUEUED and files_of(jiading, job_id) == []
    assert run_render(jiading, job_id, today=TODAY) is JobState.DONE
    done = job(jiading, job_id)
    [row] = registered(jiading)
    assert (done.state, done.issued_report_id, done.file_name, done.size, done.attempts) == (
        JobState.DONE, row.id, row.file_name, row.size, 1
    )
    assert files_of(jiading, job_id) == [row.file_name]  # renamed into place, no temporary file left
    assert (job_folder(jiading.settings.home, job_id) / row.file_name).read_bytes().startswith(b"%PDF")
    [message] = told(jiading, job_id)
    assert message.subject == "报告已生成:验收报告" and f"/office/jobs/{job_id}" in message.body
    assert message.link == f"/office/jobs/{job_id}"  # the inbox opens the job's page
    # A second delivery of the same task (a retry, a duplicate on the queue) renders nothing.
    assert run_render(jiading, job_id, today=TODAY) is None
    assert len(registered(jiading)) == 1 and len(told(jiading, job_id)) == 1


def test_the_same_render_pending_is_reused_and_a_person_s_queue_is_bounded(jiading: App) -> None:
    first = ask(jiading, number="1号")
    assert ask(jiading, number="1号") == first
    others = [ask(jiading, number=f"{n}号") for n in range(2, MAX_PENDING_PER_PERSON_PLAN + 1)]
    assert len(set(others)) == MAX_PENDING_PER_PERSON_PLAN - 1
    with pytest.raises(InputError, match=f"至多 {MAX_PENDING_PER_PERSON_PLAN} 份") as refused:
        ask(jiading, number="6号")
    assert refused.value.code == "render_queue_full"
    ask(jiading, who=ADMIN, number="6号")  # another person's queue is their own
    assert run_render(jiading, first, today=TODAY) is JobState.DONE
    ask(jiading, number="6号")  # a finished job frees its place
    with pytest.raises(Refused):
        ask(jiading, who=MARKET)  # a unit member asks for no office report
    with pytest.raises(InputError, match="阶段性报告须指定截至日期"):
        ask(jiading, kind="stage")  # checked when asked for, not found out by the worker
    assert len(list_jobs(jiading.uow(), actor(jiading, REVIEWER_A))) == MAX_PENDING_PER_PERSON_PLAN + 2


def test_a_broken_template_override_fails_the_job_with_the_chinese_reason(jiading: App) -> None:
    templates = jiading.settings.home / "templates"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "acceptance.html").write_text("{% extends 'base.html' %}{% block body %}{% if %}{% endblock %}", "utf-8")
    job_id = ask(jiading)
    assert run_render(jiading, job_id, today=TODAY) is JobState.FAILED
    failed = job(jiading, job_id)
    assert "报告模板" in failed.error and "语法错误" in failed.error and failed.attempts == 1
    assert registered(jiading) == [] and files_of(jiading, job_id) == []
    [message] = told(jiading, job_id)
    assert message.subject == "报告生成失败:验收报告" and failed.error in message.body


def test_a_job_whose_worker_went_silent_is_queued_again_a_bounded_number_of_times(jiading: App) -> None:
    job_id = ask(jiading)
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        held = claim(jiading.uow(), job_id, moment, LEASE)
        assert held is not None and held.attempts == attempt
        assert claim(jiading.uow(), job_id, moment, LEASE) is None  # one worker at a time
        assert sweep(jiading.uow(), moment + LEASE / 2, LEASE) == []  # its lease still runs
        moment += LEASE + dt.timedelta(seconds=1)  # …and is never renewed: the worker died
        again = sweep(jiading.uow(), moment, LEASE)
        if attempt < MAX_ATTEMPTS:
            assert again == [job_id] and job(jiading, job_id).state is JobState.QUEUED
            moment += LEASE + dt.timedelta(seconds=1)
    gave_up = job(jiading, job_id)
    assert again == [] and gave_up.state is JobState.FAILED and "中断 3 次" in gave_up.error
    assert told(jiading, job_id)[0].subject == "报告生成失败:验收报告"


# ----------------------------------------------------------------------------- real workers


@pytest.fixture
def worker_env(jiading: App, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = {
        "ZONECHECK_HOME": str(jiading.settings.home),
        "ZONECHECK_DB": db_url,
        "ZONECHECK_JOB_LEASE": "3",  # a killed worker's job is taken up again 3 s later
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    yield env


def test_a_worker_killed_mid_render_leaves_the_job_to_the_next_one(
    jiading: App, worker_env: dict[str, str], tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    job_id = ask(jiading)
    enqueue_render(jiading.settings, job_id)
    first = start_worker(worker_env, log)
    try:
        wait_for(jiading, job_id, lambda j: j.state is JobState.RUNNING, 60, log)
    finally:
        kill_worker(first)
    killed = job(jiading, job_id)
    assert killed.state is JobState.RUNNING and killed.attempts == 1  # nobody marked it anything
    assert registered(jiading) == []
    assert not [name for name in files_of(jiading, job_id) if not name.endswith(".part")]
    second = start_worker(worker_env, log)
    try:
        done = wait_for(jiading, job_id, finished, 120, log)
    finally:
        assert stop_worker(second) == 0  # SIGTERM: a graceful exit
    assert done.state is JobState.DONE and done.attempts == 2, done.error
    [row] = registered(jiading)
    assert done.issued_report_id == row.id
    assert files_of(jiading, job_id) == [row.file_name]  # the killed try's temporary file is gone
    assert len(told(jiading, job_id)) == 1


def test_the_worker_renders_with_its_queue_in_redis(
    jiading: App, worker_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "worker.log"
    with redis_server(tmp_path / "redis") as url:
        monkeypatch.setenv("ZONECHECK_REDIS_URL", url)
        job_id = ask(jiading, kind="ledger")
        enqueue_render(jiading.settings, job_id)
        worker = start_worker({**worker_env, "ZONECHECK_REDIS_URL": url}, log, "--workers", "2")
        try:
            done = wait_for(jiading, job_id, finished, 120, log)
        finally:
            assert stop_worker(worker) == 0
        assert "Redis redis://127.0.0.1" in log.read_text()
    assert done.state is JobState.DONE, done.error
    assert done.file_name.endswith(".xlsx") and files_of(jiading, job_id) == [done.file_name]
    assert not (jiading.settings.home / "jobs" / "jobs.sqlite3").exists()  # nothing went to SQLite
