"""Notification commands: send what is due, and read what was sent or failed."""

from __future__ import annotations

import datetime as dt

import click

from workflow.cli.main import DATE, get_app, viewer
from workflow.cli.output import echo_json, local_time, table
from workflow.clock import office_today
from workflow.notify.rules import MessageStatus


@click.group("notify")
def notify_group() -> None:
    """通知:发送到期的邮件、钉钉与企业微信消息,查看发送记录与失败原因。

    示例: zonecheck notify run
    """


@notify_group.command("run")
@click.option("--today", type=DATE, default=None, metavar="日期", help="按此日期生成当天的提醒(默认今天)。")
@click.pass_context
def notify_run_cmd(ctx: click.Context, today: dt.date | None) -> None:
    """生成当天的提醒,并发送所有待发送、以及重试时间已到的消息(按 ZONECHECK_SMTP 等环境变量配置的渠道)。

    每条消息发送一次并记录结果;同一天重复运行不会重复发送。失败的按退避时间重试,多次失败后放弃并显示在
    notify list --failed 中。由系统运维人员或定时任务运行。

    示例: ZONECHECK_SMTP=smtp://127.0.0.1:25 zonecheck notify run --today 2026-12-07
    """
    from workflow.notify.daily import run_notifications

    report = run_notifications(get_app(ctx).uow(), today or office_today(), dt.datetime.now(dt.UTC))
    click.echo(report.summary())


@notify_group.command("list")
@click.option("--failed", is_flag=True, help="只列出发送失败(待重试或已放弃)的消息。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def notify_list_cmd(ctx: click.Context, failed: bool, as_json: bool) -> None:
    """列出发出的消息(最新的在前,至多 500 条):办公室人员看本辖区人员的,其他人看自己的。

    示例: zonecheck --as 王主任 notify list --failed
    """
    from workflow.read.messages import list_messages

    statuses = (MessageStatus.FAILED, MessageStatus.GAVE_UP) if failed else ()
    views = list_messages(get_app(ctx).uow(), viewer(ctx), statuses=statuses)
    if as_json:
        echo_json([v.__dict__ for v in views])
        return
    if not views:
        click.echo("没有发送失败的消息" if failed else "尚无消息")
        return
    rows = [
        [v.person, v.channel_label, v.subject, v.status_label, v.attempts,
         local_time(v.sent_at or v.next_attempt_at or v.created_at), v.last_error]
        for v in views
    ]
    click.echo(table(["收件人", "渠道", "标题", "状态", "次数", "时间", "原因"], rows, [10, 8, 30, 10, 4, 16, 60]))
