"""Channel addresses at the command line (issue 15's contract): `user add … --email ADDR
[--dingtalk ID] [--wecom ID]` and `user edit NAME --email …`; a bad address exits 2 naming
it, nothing changes; someone who is not an admin edits only their own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from tests.support.notify_servers import MailCatcher, smtp_server
from workflow.bootstrap import bootstrap
from workflow.cli import cli
from workflow.config import Settings
from workflow.models import Person
from workflow.notify.outbox import enqueue


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def people(*names: str) -> dict[str, tuple[str, str, str]]:
    listed = json.loads(run("user", "list", "--json").output)
    return {p["name"]: (p["email"], p["dingtalk_userid"], p["wecom_userid"]) for p in listed if p["name"] in names}


def test_people_are_added_and_edited_with_their_channels(cli_env: Path) -> None:
    assert run("db", "upgrade").exit_code == 0
    added = run("user", "add", "王主任", "--role", "admin", "--email", "wang@jiading.gov.cn", "--wecom", "wangzr")
    assert added.exit_code == 0, added.output
    added = run("--as", "王主任", "user", "add", "李审核", "--role", "reviewer", "--dingtalk", "li01")
    assert added.exit_code == 0, added.output
    assert people("王主任", "李审核") == {
        "王主任": ("wang@jiading.gov.cn", "", "wangzr"), "李审核": ("", "li01", "")
    }

    edited = run("--as", "王主任", "user", "edit", "李审核", "--email", "li@jiading.gov.cn", "--dingtalk", "")
    assert edited.exit_code == 0, edited.output
    assert "邮箱 li@jiading.gov.cn" in edited.output and "钉钉 (已清除)" in edited.output
    assert run("--as", "李审核", "user", "edit", "李审核", "--wecom", "li_wecom").exit_code == 0
    assert people("李审核") == {"李审核": ("li@jiading.gov.cn", "", "li_wecom")}


def test_a_bad_address_or_someone_elses_person_is_refused_and_nothing_changes(cli_env: Path) -> None:
    run("db", "upgrade")
    run("user", "add", "王主任", "--role", "admin", "--email", "wang@jiading.gov.cn")
    run("--as", "王主任", "user", "add", "李审核", "--role", "reviewer")

    bad = run("--as", "王主任", "user", "add", "张三", "--role", "reviewer", "--email", "zhangsan.jiading.gov.cn")
    assert bad.exit_code == 2
    assert "电子邮件地址“zhangsan.jiading.gov.cn”格式不正确" in bad.output
    bad = run("--as", "王主任", "user", "edit", "李审核", "--wecom", "li|wang")
    assert bad.exit_code == 2 and "企业微信的用户 ID" in bad.output
    refused = run("--as", "李审核", "user", "edit", "王主任", "--email", "x@jiading.gov.cn")
    assert refused.exit_code == 1
    nothing = run("--as", "王主任", "user", "edit", "李审核")
    assert nothing.exit_code == 2 and "--email" in nothing.output
    assert people("王主任", "李审核", "张三") == {
        "王主任": ("wang@jiading.gov.cn", "", ""), "李审核": ("", "", "")
    }


def test_notify_run_sends_over_the_configured_server_and_notify_list_shows_failures_to_the_office(
    cli_env: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("db", "upgrade")
    run("user", "add", "王主任", "--role", "admin", "--email", "wang@jiading.gov.cn")
    run("--as", "王主任", "user", "add", "李审核", "--role", "reviewer", "--email", "li@jiading.gov.cn")
    app = bootstrap(Settings(home=cli_env, db_url=db_url))
    try:
        with app.uow() as uow:
            for person in uow.session.scalars(select(Person)):
                enqueue(uow.session, person, event_kind="assigned", event_key="assigned:5",
                        subject="【任务分配】措施 003/5", body="请于 2024-04-30 前完成。")
            uow.commit()
    finally:
        app.close()
    catcher = MailCatcher(refuse_rcpt="550 5.1.1 用户不存在")
    with smtp_server(catcher) as port:
        monkeypatch.setenv("ZONECHECK_SMTP", f"smtp://127.0.0.1:{port}")
        sent = run("notify", "run")
    assert sent.exit_code == 0, sent.output
    assert "已放弃 2 条" in sent.output
    listed = run("--as", "王主任", "notify", "list", "--failed")
    assert listed.exit_code == 0
    assert "王主任" in listed.output and "李审核" in listed.output and "550" in listed.output
    own = json.loads(run("--as", "李审核", "notify", "list", "--json").output)
    # A reviewer is the office: the zone's messages, each person's e-mail and in-app copy.
    assert sorted((m["person"], m["channel"]) for m in own) == [
        ("李审核", "email"), ("李审核", "inapp"), ("王主任", "email"), ("王主任", "inapp")
    ]
    assert run("notify", "list", "--failed", "--json").exit_code == 0
