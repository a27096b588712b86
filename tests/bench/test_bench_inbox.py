"""Benchmarks of the in-app inbox (issue 15, part 3).

On each backend: the header's unread count and the first inbox page of one person, in a table
holding every person's messages (200 people × 500 in-app messages under `make bench`, 20 × 50
in the normal run), as every page pays the count; and loading Jiading's plan with its units'
people in place (20 people a unit under `make bench`, 2 otherwise), each told their measures
in one message, then the same plan again (nothing queued). Figures are printed at the end of
the run; nothing fails on time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import func, insert, select

from tests.integration.workflow_helpers import import_seed
from workflow.bootstrap import App
from workflow.domain.states import Role
from workflow.models import OutgoingMessage, Person, Unit, Zone
from workflow.notify.rules import Channel, MessageStatus
from workflow.read.inbox import inbox, unread_count
from workflow.services.acting import actor_of

from .synthetic import BenchRow, BenchTable
from .test_bench_index_scores import measured

NOW = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)
REPEAT = 50


def fill_inboxes(app: App, people: int, each: int) -> int:
    """`people` reviewers with `each` in-app messages, half of them read; the first one's id."""
    with app.uow() as uow:
        zone = Zone(name="嘉定区")
        rows = [Person(name=f"人员{n:04d}", role=Role.REVIEWER, zone=zone) for n in range(people)]
        uow.session.add_all(rows)
        uow.session.flush()
        for person in rows:
            uow.session.execute(
                insert(OutgoingMessage),
                [
                    {
                        "person_id": person.id, "channel": Channel.INAPP, "event_kind": "returned",
                        "event_key": f"returned:{k}", "subject": f"【退回整改】措施 003/{k}", "body": "审核意见:缺少台账",
                        "status": MessageStatus.SENT, "attempts": 0, "last_error": "", "sent_at": NOW,
                        "read_at": NOW if k % 2 else None, "link": f"/measures/{k}",
                    }
                    for k in range(each)
                ],
            )
        first = rows[0].id
        uow.commit()
        return first


def test_unread_count_and_first_page_in_a_full_table(
    app: App, db_url: str, bench_table: BenchTable, full_size: bool
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    people, each = (200, 500) if full_size else (20, 50)
    first = fill_inboxes(app, people, each)
    with app.uow() as uow:
        viewer = actor_of(uow.session.get_one(Person, first))
    note = f"{people * each} in-app rows, {each} the viewer's"

    seconds, queries, counts = measured(app, lambda: [unread_count(app.uow(), viewer) for _ in range(REPEAT)])
    assert counts == [each // 2] * REPEAT
    bench_table.add(BenchRow("inbox: header unread count", backend, 0, REPEAT, seconds, queries, note))
    seconds, queries, pages = measured(app, lambda: [inbox(app.uow(), viewer) for _ in range(REPEAT)])
    assert all(len(p.items) == 20 and p.total == each for p in pages)
    bench_table.add(BenchRow("inbox: first page of 20", backend, 0, REPEAT, seconds, queries, note))


def test_loading_a_plan_tells_its_units_people(
    app: App, db_url: str, seeds_dir: Path, bench_table: BenchTable, full_size: bool
) -> None:
    backend = db_url.split(":", 1)[0].split("+", 1)[0]
    per_unit = 20 if full_size else 2
    units = ("区市场监管局", "区经委", "区法院", "区检察院", "公安嘉定分局", "区委宣传部")
    with app.uow() as uow:
        zone = Zone(name="默认辖区")
        uow.session.add(Person(name="管理员", role=Role.ADMIN, zone=zone))
        for name in units:
            unit = Unit(zone=zone, name=name)
            uow.session.add_all(
                Person(name=f"{name}{n:02d}", role=Role.MEMBER, zone=zone, unit=unit) for n in range(per_unit)
            )
        uow.commit()

    def told() -> int:
        with app.uow() as uow:
            query = select(func.count()).select_from(OutgoingMessage).where(OutgoingMessage.event_kind == "assigned")
            return int(uow.session.scalar(query) or 0)

    seconds, queries, _key = measured(app, lambda: import_seed(app, seeds_dir, "003"))
    messages = told()
    assert messages == per_unit * len(units)
    note = f"{messages} people told (one message each), {per_unit} a unit"
    bench_table.add(BenchRow("import Jiading (22 measures) + 任务分派", backend, 22, 1, seconds, queries, note))
    seconds, queries, _key = measured(app, lambda: import_seed(app, seeds_dir, "003"))
    assert told() == messages
    bench_table.add(BenchRow("import Jiading again (nothing new)", backend, 22, 1, seconds, queries, "no message"))
