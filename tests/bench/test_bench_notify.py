"""Benchmarks of the outbox and the sender (issue 15, part 1).

On each backend: queueing an event for 200 people on two channels (e-mail, WeCom) and queueing
it again (nothing added); one run of `send_due` delivering them to an aiosmtpd server and the
loopback WeCom API (claim, send, record: three transactions a message; runs of at most MAX_PER_RUN until
nothing is left); the run after it (nothing due). 2,000 people under `make bench`, 20 in the normal test run. Figures (time,
messages a second, statements) are printed at the end of the run; nothing fails on time.
"""

from __future__ import annotations

import datetime as dt

from tests.support.notify_servers import CorpApi, MailCatcher, corp_api_server, smtp_server
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import Person, Zone
from workflow.notify.channels import Sender
from workflow.notify.config import smtp_settings
from workflow.notify.http import make_client
from workflow.notify.outbox import enqueue
from workflow.notify.rules import MAX_PER_RUN, Channel
from workflow.notify.sender import send_due
from workflow.notify.smtp import SmtpChannel
from workflow.notify.wecom import WeComChannel

from .synthetic import BenchRow, BenchTable
from .test_bench_index_scores import measured

NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
BODY = "区市场监管局:\n“建立知识产权纠纷快速处理机制”将于 2024-04-30 到期,请及时提交佐证材料。\n" * 5


def add_people(app: App, count: int) -> list[int]:
    with app.uow() as uow:
        zone = Zone(name="嘉定区")
        rows = [
            Person(name=f"人员{n:04d}", role=Role.REVIEWER, zone=zone, email=f"p{n}@jiading.gov.cn", wecom_userid=f"p{n}")
            for n in range(count)
        ]
        uow.session.add_all(rows)
        uow.session.flush()
        ids = [p.id for p in rows]
        uow.commit()
        return ids


def queue_all(app: App, ids: list[int], key: str) -> int:
    with app.uow() as uow:
        added = 0
        for person_id in ids:
            person = uow.session.get_one(Person, person_id)
            added += enqueue(
                uow.session, person, event_kind="due_soon", event_key=key, subject="【督办提醒】措施将于 3 日后到期", body=BODY,
                channels=[Channel.EMAIL, Channel.WECOM],  # the outside channels (in-app: test_bench_inbox.py)
            )
        uow.commit()
        return added


def test_queue_and_send_a_days_messages(
    app: App, db_url: str, bench_table: BenchTable, full_size: bool
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    people = 2000 if full_size else 20
    ids = add_people(app, people)

    seconds, queries, added = measured(app, lambda: queue_all(app, ids, "due_soon:5:2026-12-07"))
    assert added == 2 * people
    bench_table.add(BenchRow("notify queue: one event, 2 channels", backend, 0, added, seconds, queries, f"{people} people"))
    seconds, queries, again = measured(app, lambda: queue_all(app, ids, "due_soon:5:2026-12-07"))
    assert again == 0
    bench_table.add(BenchRow("notify queue: the same event again", backend, 0, 2 * people, seconds, queries, "nothing added"))

    catcher, api = MailCatcher(), CorpApi("ww1", "s")
    with smtp_server(catcher) as port, corp_api_server(api) as base:
        settings = smtp_settings({"ZONECHECK_SMTP": f"smtp://127.0.0.1:{port}"})
        assert settings is not None
        senders: dict[Channel, Sender] = {
            Channel.EMAIL: SmtpChannel(settings),
            Channel.WECOM: WeComChannel(make_client(), corpid="ww1", corpsecret="s", agent_id=1, base_url=base),
        }
        try:
            def until_done() -> tuple[int, int]:
                sent = runs = 0
                while batch := send_due(app.uow(), NOW, senders).sent:
                    sent, runs = sent + len(batch), runs + 1
                return sent, runs

            seconds, queries, (sent, runs) = measured(app, until_done)
            assert sent == 2 * people
            note = f"{runs} run(s) of at most {MAX_PER_RUN}; aiosmtpd + loopback WeCom"
            bench_table.add(BenchRow("notify send_due: every message", backend, 0, sent, seconds, queries, note))
            seconds, queries, idle = measured(app, lambda: send_due(app.uow(), NOW, senders))
            assert idle.sent == []
            bench_table.add(BenchRow("notify send_due: nothing due", backend, 0, 1, seconds, queries))
        finally:
            for sender in senders.values():
                sender.close()
    assert len(catcher.received) == len(api.accepted) == people
