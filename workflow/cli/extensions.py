"""Extension (延期) and appeal (申诉) commands: parse, call a service, say what happened."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any

import click

from workflow.cli.main import DATE, IntParam, get_app, viewer
from workflow.cli.output import echo_json, local_time, table
from workflow.cli.resolve import acting, measure_of, plan_of
from workflow.domain.appeals import GROUND_LABELS, parse_ground

NUMBER = IntParam(min=1)
GROUNDS = "、".join(GROUND_LABELS.values())


def _ground(ctx: click.Context, param: click.Parameter, value: str) -> Any:
    try:
        return parse_ground(value)
    except ValueError:
        raise click.BadParameter(f"应为 {GROUNDS} 之一") from None


@click.group("extension")
def extension_group() -> None:
    """延期:牵头单位在期限届满前申请,办公室批准(可批准较早的日期)或不予批准;原定期限保留。

    示例: zonecheck --as 张三 extension request 003/5 --to 2024-04-30 --reason "数据延后发布"
    """


@extension_group.command("request")
@click.argument("measure", metavar="方案/编号")
@click.option("--to", "to", type=DATE, required=True, metavar="日期", help="申请延期至此日期(晚于现行期限,一年以内)。")
@click.option("--reason", required=True, metavar="文字", help="延期理由(必填,至多 2000 字)。")
@click.option("--today", type=DATE, default=None, metavar="日期", help="以此日期为今天(默认今天)。")
@click.pass_context
def request_cmd(ctx: click.Context, measure: str, to: dt.date, reason: str, today: dt.date | None) -> None:
    """申请延期:措施的完成期限,整改中的措施为整改期限;须在期限届满前(含当天)申请。

    示例: zonecheck --as 张三 extension request 003/5 --to 2024-04-30 --reason "统计数据 4 月发布"
    """
    from workflow.services.extensions import request_extension

    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "extension_request")
    click.echo(request_extension(get_app(ctx).uow(), who, ref.id, to=to, reason=reason, today=today).message)


@extension_group.command("decide")
@click.argument("number", type=NUMBER, metavar="申请编号")
@click.option("--approve/--reject", default=None, help="批准或不予批准(必选其一)。")
@click.option("--to", "to", type=DATE, default=None, metavar="日期", help="批准延至此日期(不晚于申请的日期;默认为申请的日期)。")
@click.option("--note", default="", metavar="文字", help="审批意见(不予批准时必填)。")
@click.pass_context
def decide_cmd(ctx: click.Context, number: int, approve: bool | None, to: dt.date | None, note: str) -> None:
    """办公室审批延期申请(方案所在辖区或其审核辖区的审核人、管理员)。

    示例: zonecheck --as 李审核 extension decide 3 --approve --to 2024-04-20
    """
    from workflow.services.extensions import decide_extension

    if approve is None:
        raise click.UsageError("请用 --approve 或 --reject 给出决定")
    if to is not None and not approve:
        raise click.UsageError("--to 只用于 --approve")
    who = acting(ctx)
    click.echo(decide_extension(get_app(ctx).uow(), who, number, approve=approve, note=note, to=to).message)


@extension_group.command("withdraw")
@click.argument("number", type=NUMBER, metavar="申请编号")
@click.pass_context
def withdraw_cmd(ctx: click.Context, number: int) -> None:
    """撤回本单位尚未审批的延期申请。

    示例: zonecheck --as 张三 extension withdraw 3
    """
    from workflow.services.extensions import withdraw_extension

    click.echo(withdraw_extension(get_app(ctx).uow(), acting(ctx), number).message)


@extension_group.command("list")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def extension_list_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """列出方案的延期申请(最新的在前):办公室看全部,单位成员看本单位的。

    示例: zonecheck --as 李审核 extension list 003 --json
    """
    from workflow.read.extensions_appeals import plan_requests

    who = viewer(ctx)
    found = plan_requests(get_app(ctx).uow(), who, plan_of(ctx, who, plan, "view").id)
    if as_json:
        echo_json([asdict(e) for e in found.extensions])
        return
    if not found.extensions:
        click.echo("尚无延期申请")
        return
    rows = [
        [e.id, e.measure, e.target_label, e.from_date, e.requested_to, e.approved_to or "", e.state_label,
         e.unit, local_time(e.requested_at), e.reason, e.note]
        for e in found.extensions
    ]
    headers = ["编号", "措施", "期限", "现行", "申请至", "批准至", "状态", "单位", "申请时间", "理由", "意见"]
    click.echo(table(headers, rows, [6, 30, 6, 10, 10, 10, 4, 12, 16, 30, 30]))


@click.group("appeal")
def appeal_group() -> None:
    """申诉:单位对退回整改提出申诉(表述有误、仅需说明、暂无法解决需持续跟进),办公室答复(采纳或不予采纳)。

    示例: zonecheck --as 张三 appeal file 003/5 --ground 仅需说明 --reason "台账已在附件 2 中"
    """


@appeal_group.command("file")
@click.argument("measure", metavar="方案/编号")
@click.option("--ground", required=True, callback=_ground, metavar="理由类别", help=f"申诉类别:{GROUNDS}。")
@click.option("--reason", required=True, metavar="文字", help="申诉理由(必填,至多 2000 字)。")
@click.pass_context
def file_cmd(ctx: click.Context, measure: str, ground: Any, reason: str) -> None:
    """对整改中措施最近一次的退回整改提出申诉(措施责任单位成员;每次退回可申诉一次)。

    示例: zonecheck --as 张三 appeal file 003/5 --ground 暂无法解决需持续跟进 --reason "需跨年度协调"
    """
    from workflow.services.appeals import file_appeal

    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "appeal_file")
    click.echo(file_appeal(get_app(ctx).uow(), who, ref.id, ground=ground, reason=reason).message)


@appeal_group.command("answer")
@click.argument("number", type=NUMBER, metavar="申诉编号")
@click.option("--uphold/--dismiss", default=None, help="采纳或不予采纳(必选其一)。")
@click.option("--note", required=True, metavar="文字", help="答复意见(必填)。")
@click.option("--due", type=DATE, default=None, metavar="日期", help="采纳“暂无法解决需持续跟进”时可给出新的整改期限(记为一次批准的延期)。")
@click.pass_context
def answer_cmd(ctx: click.Context, number: int, uphold: bool | None, note: str, due: dt.date | None) -> None:
    """办公室答复申诉(每份申诉答复一次);措施仍为整改中,单位按答复重新提交自查。

    示例: zonecheck --as 李审核 appeal answer 2 --uphold --note "同意持续跟进" --due 2024-04-30
    """
    from workflow.services.appeals import answer_appeal

    if uphold is None:
        raise click.UsageError("请用 --uphold 或 --dismiss 给出答复")
    click.echo(answer_appeal(get_app(ctx).uow(), acting(ctx), number, uphold=uphold, note=note, new_due=due).message)


@appeal_group.command("list")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def appeal_list_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """列出方案的申诉(最新的在前):办公室看全部,单位成员看本单位的。

    示例: zonecheck --as 李审核 appeal list 003
    """
    from workflow.read.extensions_appeals import plan_requests

    who = viewer(ctx)
    found = plan_requests(get_app(ctx).uow(), who, plan_of(ctx, who, plan, "view").id)
    if as_json:
        echo_json([asdict(a) for a in found.appeals])
        return
    if not found.appeals:
        click.echo("尚无申诉")
        return
    rows = [
        [a.id, a.measure, a.ground_label, a.state_label, a.answer_label, a.unit, local_time(a.filed_at), a.reason, a.answer]
        for a in found.appeals
    ]
    click.echo(table(["编号", "措施", "类别", "状态", "答复", "单位", "申诉时间", "理由", "答复意见"], rows,
                     [6, 30, 12, 4, 4, 12, 16, 30, 30]))
