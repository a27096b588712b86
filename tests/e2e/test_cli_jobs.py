"""The worker's periodic tasks against a real database and a real SMTP server on loopback (the
daily task is `run_notifications`, as `zonecheck notify run`), `zonecheck jobs list` for the
office, and `zonecheck worker` refusing a bad setting in Chinese before it starts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from tests.support.notify_servers import MailCatcher, smtp_server
from workflow.bootstrap import App, bootstrap
from workflow.cli import cli
from workflow.config import Settings
from workflow.jobs.queue import QueueConfig, build_queue
from workflow.models import Person
from workflow.notify.outbox import enqueue


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def office(cli_env: Path, db_url: str) -> Iterator[App]:
    assert run("db", "upgrade").exit_code == 0
    run("user", "add", "王主任", "--role", "admin", "--email", "wang@jiading.gov.cn")
    run("--as", "王主任", "user", "add", "李审核", "--role", "reviewer", "--email", "li@jiading.gov.cn")
    app = bootstrap(Settings(home=cli_env, db_url=db_url))
    yield app
    app.close()


def queue_message(app: App, key: str) -> None:
    with app.uow() as uow:
        for person in uow.session.scalars(select(Person)):
            enqueue(uow.session, person, event_kind="assigned", event_key=key, subject="【任务分配】措施 003/5", body="请于 2024-04-30 前完成。")
        uow.commit()


def test_the_worker_s_periodic_tasks_send_what_is_due(office: App, monkeypatch: pytest.MonkeyPatch) -> None:
    catcher = MailCatcher()
    with smtp_server(catcher) as port:
        monkeypatch.setenv("ZONECHECK_SMTP", f"smtp://127.0.0.1:{port}")
        settings = Settings.from_env()
        queue = build_queue(settings, QueueConfig.from_env(settings))
        try:
            queue_message(office, "assigned:5")
            queue.daily.call_local()  # the day's run: what `notify run` does
            assert sorted(r[0] for r in catcher.recipients) == ["li@jiading.gov.cn", "wang@jiading.gov.cn"]
            queue_message(office, "assigned:6")
            queue.send.call_local()  # every few minutes: what is due
            assert len(catcher.received) == 4
            queue.daily.call_local()  # run again the same day: nothing is sent twice
            assert len(catcher.received) == 4
        finally:
            queue.close()


def test_jobs_list_shows_the_office_its_zone_s_jobs(office: App) -> None:
    assert run("jobs", "list").output.strip() == "尚无报告生成任务"
    assert run("jobs", "--help").exit_code == 0 and run("worker", "--help").exit_code == 0
    listed = run("--as", "王主任", "jobs", "list", "--json")
    assert listed.exit_code == 0 and json.loads(listed.output) == []


def test_the_worker_refuses_a_bad_setting_before_it_starts(office: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONECHECK_NOTIFY_AT", "8点")
    refused = run("worker")
    assert refused.exit_code == 2 and "ZONECHECK_NOTIFY_AT" in refused.output and "HH:MM" in refused.output
