"""The in-app inbox (站内消息) from the command line: list one's messages, read one, mark all read."""

from __future__ import annotations

import datetime as dt

import click

from workflow.cli.main import get_app, viewer
from workflow.cli.output import echo_json, local_time, table


@click.group("inbox", invoke_without_command=True)
@click.option("--unread", is_flag=True, help="只列出未读消息。")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, show_default=True, help="第几页(每页 20 条)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def inbox_group(ctx: click.Context, unread: bool, page: int, as_json: bool) -> None:
    """站内消息:列出本人的消息,查看全文并标为已读。

    消息最新的在前,未读的标有 ●;用 inbox read 编号 查看全文。

    示例: zonecheck --as 张三 inbox --unread
    """
    if ctx.invoked_subcommand is not None:
        return
    from workflow.read.inbox import inbox

    listing = inbox(get_app(ctx).uow(), viewer(ctx), unread_only=unread, page=page)
    if as_json:
        echo_json(
            {
                "unread": listing.unread,
                "total": listing.total,
                "page": listing.page,
                "pages": listing.pages,
                "messages": [item.__dict__ | {"unread": item.unread} for item in listing.items],
            }
        )
        return
    if not listing.items:
        click.echo("没有未读消息" if unread else "没有消息")
        return
    rows = [["●" if m.unread else "", m.id, m.kind_label, m.subject, local_time(m.at)] for m in listing.items]
    click.echo(table(["", "编号", "类别", "标题", "时间"], rows, [1, 6, 8, 60, 16]))
    click.echo(f"未读 {listing.unread} 条;第 {listing.page}/{listing.pages} 页,共 {listing.total} 条")


@inbox_group.command("read")
@click.argument("message_id", metavar="编号", type=click.IntRange(1, 2**62), required=False)
@click.option("--all", "read_all", is_flag=True, help="把全部未读消息标为已读。")
@click.pass_context
def inbox_read_cmd(ctx: click.Context, message_id: int | None, read_all: bool) -> None:
    """显示一条消息的全文并标为已读;--all 把全部未读消息标为已读。

    示例: zonecheck --as 张三 inbox read 12
    """
    from workflow.read.inbox import inbox_message
    from workflow.services.inbox import mark_all_read, mark_read

    if (message_id is None) == (not read_all):
        raise click.UsageError("请给出消息编号,或用 --all 把全部消息标为已读(二者选一)")
    app, who, now = get_app(ctx), viewer(ctx), dt.datetime.now(dt.UTC)
    if read_all:
        click.echo(f"已把 {mark_all_read(app.uow(), who, now)} 条消息标为已读")
        return
    assert message_id is not None
    message = inbox_message(app.uow(), who, message_id)
    mark_read(app.uow(), who, message_id, now)
    click.echo(f"【{message.kind_label}】{message.subject}")
    click.echo(f"时间:{local_time(message.at)}")
    if message.link:
        click.echo(f"相关页面:{message.link}")
    click.echo("")
    click.echo(message.body)
