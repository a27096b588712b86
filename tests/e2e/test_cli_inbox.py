"""The in-app inbox at the command line: `zonecheck inbox [--unread] [--json]`, `inbox read ID`
(the whole message, then read) and `inbox read --all`; another person's message is refused
like a missing one; the operator (no --as) has no inbox."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from workflow.bootstrap import bootstrap
from workflow.cli import cli
from workflow.config import Settings
from workflow.models import Person
from workflow.notify.outbox import enqueue


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def test_a_person_lists_reads_and_marks_their_own_messages(cli_env: Path, db_url: str) -> None:
    assert run("db", "upgrade").exit_code == 0
    run("user", "add", "王主任", "--role", "admin")
    run("--as", "王主任", "user", "add", "李审核", "--role", "reviewer")
    app = bootstrap(Settings(home=cli_env, db_url=db_url))
    try:
        with app.uow() as uow:
            li = uow.session.scalars(select(Person).where(Person.name == "李审核")).one()
            wang = uow.session.scalars(select(Person).where(Person.name == "王主任")).one()
            for k in (1, 2):
                enqueue(uow.session, li, event_kind="returned", event_key=f"returned:{k}",
                        subject=f"【退回整改】措施 003/{k}", body=f"审核意见:缺少台账 {k}", link=f"/measures/{k}")
            enqueue(uow.session, wang, event_kind="accepted", event_key="accepted:1", subject="【审核通过】", body="好")
            uow.commit()
    finally:
        app.close()

    listing = json.loads(run("--as", "李审核", "inbox", "--json").output)
    assert (listing["unread"], listing["total"]) == (2, 2)
    newest, oldest = listing["messages"]
    assert newest["subject"] == "【退回整改】措施 003/2" and newest["unread"] is True
    table = run("--as", "李审核", "inbox")
    assert table.exit_code == 0 and "●" in table.output and "未读 2 条" in table.output

    shown = run("--as", "李审核", "inbox", "read", str(oldest["id"]))
    assert shown.exit_code == 0, shown.output
    assert "【退回整改】措施 003/1" in shown.output and "审核意见:缺少台账 1" in shown.output
    assert "相关页面:/measures/1" in shown.output
    unread = json.loads(run("--as", "李审核", "inbox", "--unread", "--json").output)
    assert [m["id"] for m in unread["messages"]] == [newest["id"]]

    theirs = json.loads(run("--as", "王主任", "inbox", "--json").output)["messages"][0]["id"]
    refused = run("--as", "李审核", "inbox", "read", str(theirs))
    assert refused.exit_code == 1 and f"找不到编号为 {theirs} 的消息" in refused.output
    assert run("--as", "李审核", "inbox", "read").exit_code == 2  # neither an id nor --all
    done = run("--as", "李审核", "inbox", "read", "--all")
    assert done.exit_code == 0 and "已把 1 条消息标为已读" in done.output
    assert "没有未读消息" in run("--as", "李审核", "inbox", "--unread").output
    assert run("inbox").exit_code == 2  # the operator has no inbox
