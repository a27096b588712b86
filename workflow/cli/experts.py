"""Expert panel and opinion commands: the office seats experts on a plan's panel (专家组), the
experts and their 组长 write opinions (专家意见, 专家组意见)."""

from __future__ import annotations

from pathlib import Path

import click

from workflow.cli.main import get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.cli.resolve import acting, plan_of
from workflow.errors import InputError


@click.group("expert")
def expert_group() -> None:
    """专家组:为方案指定评审专家与组长(由方案所在辖区或其审核辖区的管理员操作)。

    示例: zonecheck --as 王主任 expert assign 003 赵专家 --leader
    """


@expert_group.command("assign")
@click.argument("plan", metavar="方案")
@click.argument("name", metavar="专家姓名")
@click.option("--leader", is_flag=True, help="指定为专家组组长(每个方案至多一名)。")
@click.pass_context
def assign_cmd(ctx: click.Context, plan: str, name: str, leader: bool) -> None:
    """把专家加入方案的专家组(已在组内的专家加 --leader 即改任组长)。所在机构为方案责任单位的专家须回避。

    \b
    示例:
      zonecheck --as 王主任 user add 赵专家 --role expert --org 上海市知识产权服务中心
      zonecheck --as 王主任 expert assign 003 赵专家 --leader
    """
    from workflow.services.experts import assign_expert

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "expert_assign")
    result = assign_expert(get_app(ctx).uow(), who, found.id, name, leader=leader)
    role = "组长" if result.leader else "成员"
    click.echo(f"已将专家 {result.expert}({result.organisation or '未填机构'})加入方案 {result.plan_key} 的专家组,任{role}")


@expert_group.command("remove")
@click.argument("plan", metavar="方案")
@click.argument("name", metavar="专家姓名")
@click.pass_context
def remove_cmd(ctx: click.Context, plan: str, name: str) -> None:
    """把尚未评分、未填写意见的专家移出方案的专家组。

    示例: zonecheck --as 王主任 expert remove 003 赵专家
    """
    from workflow.services.experts import remove_expert

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "expert_remove")
    result = remove_expert(get_app(ctx).uow(), who, found.id, name)
    click.echo(f"已将专家 {result.expert} 移出方案 {result.plan_key} 的专家组")


@expert_group.command("list")
@click.argument("plan", metavar="方案")
@click.option("--round", "round_", type=click.IntRange(1, 20), default=None, metavar="N", help="评审轮次(默认当前一轮)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def list_cmd(ctx: click.Context, plan: str, round_: int | None, as_json: bool) -> None:
    """列出方案的专家组:成员、组长、各轮次是否已确认,以及每位专家的评分项数与意见。

    示例: zonecheck expert list 003
    """
    from workflow.read.panel import expert_panel

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "expert_panel")
    panel = expert_panel(get_app(ctx).uow(), who, found.id, round=round_)
    written = {o.author for o in panel.opinions if not o.panel}
    if as_json:
        echo_json(
            {
                "plan": panel.plan_key,
                "round": panel.round,
                "finalised": panel.finalised,
                "rounds": [
                    {"round": r.round, "opened_at": r.opened_at.isoformat(), "finalised_at": r.finalised_at.isoformat() if r.finalised_at else None, "finalised_by": r.finalised_by}
                    for r in panel.rounds
                ],
                "members": [
                    {"name": m.name, "organisation": m.organisation, "leader": m.leader, "scored": len(panel.marks.get(m.name, ())), "opinion": m.name in written}
                    for m in panel.members
                ],
                "panel_opinion": panel.panel_opinion is not None,
                "expert": panel.scores.panel.as_dict() if panel.scores and panel.scores.panel else None,
            }
        )
        return
    if not panel.members:
        click.echo(f"方案 {panel.plan_key} 尚未组建专家组。示例:zonecheck --as 管理员 expert assign {panel.plan_key} 专家姓名 --leader")
        return
    state = "已由组长确认" if panel.finalised else "评审中"
    click.echo(f"方案 {panel.plan_key} 专家组(第 {panel.round} 轮,{state})")
    rows = [
        [m.name, m.organisation, "组长" if m.leader else "成员", len(panel.marks.get(m.name, ())), "已填写" if m.name in written else "-"]
        for m in panel.members
    ]
    click.echo(table(["姓名", "所在机构", "角色", "已评指标", "意见"], rows, [20, 40]))
    sheet = panel.scores.panel if panel.scores else None
    if sheet is not None:
        total = format(sheet.total.normalize(), "f")
        click.echo(f"专家组评分 {total},未评 {sheet.unscored} 项,等次 {sheet.grade or '-'}")


@click.group("opinion")
def opinion_group() -> None:
    """专家意见:专家填写对方案的评审意见,组长填写专家组意见。

    示例: zonecheck --as 赵专家 opinion write 003 --file 意见.txt --panel
    """


def _read_text(file: Path) -> str:
    from workflow.services.opinions import MAX_OPINION_CHARS

    limit = MAX_OPINION_CHARS * 4  # UTF-8 takes at most four bytes a character
    try:
        with file.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise InputError(f"无法读取文件 {file}:{exc.strerror or exc}") from None
    if len(data) > limit:
        raise InputError(f"{file}: 文件过大,意见不能超过 {MAX_OPINION_CHARS} 字", code="opinion_too_long")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{file}: 第 {line} 行不是 UTF-8 文本;意见文件应为 UTF-8 纯文本") from None


@opinion_group.command("write")
@click.argument("plan", metavar="方案")
@click.option("--text", default=None, metavar="意见", help="意见全文。")
@click.option("--file", "file", default=None, type=click.Path(dir_okay=False, path_type=Path), metavar="文件", help="从 UTF-8 文本文件读取意见。")
@click.option("--panel", is_flag=True, help="专家组意见(仅限组长)。")
@click.option("--version", "version", type=int, default=None, metavar="N", help="查看时的版本号;已被修改则拒绝。")
@click.pass_context
def write_cmd(ctx: click.Context, plan: str, text: str | None, file: Path | None, panel: bool, version: int | None) -> None:
    """填写(或改写)本人对方案的专家意见;组长加 --panel 填写专家组意见。至多 20,000 字。

    \b
    示例:
      zonecheck --as 钱专家 opinion write 003 --text "工作机制健全,建议加强数据统计"
      zonecheck --as 赵专家 opinion write 003 --file 专家组意见.txt --panel
    """
    from workflow.services.opinions import write_opinion

    if (text is None) == (file is None):
        raise InputError("请用 --text 给出意见,或用 --file 指定意见文件,二者选一")
    body = text if text is not None else _read_text(file)  # type: ignore[arg-type]
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "opinion_write")
    result = write_opinion(get_app(ctx).uow(), who, found.id, body, panel=panel, expected_version=version)
    what = "专家组意见" if result.panel else "专家意见"
    click.echo(f"已填写方案 {result.plan_key} 第 {result.round} 轮{what}({result.chars} 字,版本 {result.version})")


@opinion_group.command("show")
@click.argument("plan", metavar="方案")
@click.option("--round", "round_", type=click.IntRange(1, 20), default=None, metavar="N", help="评审轮次(默认当前一轮)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def show_cmd(ctx: click.Context, plan: str, round_: int | None, as_json: bool) -> None:
    """查看方案一轮评审中各专家的意见与专家组意见。

    示例: zonecheck opinion show 003
    """
    from workflow.read.panel import expert_panel

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "expert_panel")
    panel = expert_panel(get_app(ctx).uow(), who, found.id, round=round_)
    if as_json:
        echo_json(
            [
                {"author": o.author, "organisation": o.organisation, "panel": o.panel, "text": o.text, "written_at": o.written_at.isoformat(), "version": o.version}
                for o in panel.opinions
            ]
        )
        return
    if not panel.opinions:
        click.echo(f"方案 {panel.plan_key} 第 {panel.round} 轮尚无专家意见")
        return
    for o in panel.opinions:
        title = "专家组意见" if o.panel else "专家意见"
        click.echo(f"【{title}】{o.author}({o.organisation or '未填机构'}),{o.written_at:%Y-%m-%d %H:%M},版本 {o.version}")
        click.echo(o.text)
        click.echo("")
