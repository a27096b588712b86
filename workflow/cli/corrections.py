"""Plan correction commands: the office corrects an imported plan at the command line, as on
the web's 校正 page (the same service, the same validation, the same audit trail)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from workflow.cli.main import cli, get_app
from workflow.cli.output import echo_json, local_time, table
from workflow.cli.resolve import acting, plan_of
from workflow.errors import InputError

if TYPE_CHECKING:
    from checklists.corrections import Edit


@cli.group("plan")
def plan_group() -> None:
    """方案校正:修改措施的责任单位与牵头单位、时限、类别和自查清单,合并或拆分措施(重新导入同一方案时保留)。

    示例: zonecheck --as 王主任 plan correct 003/5 --lead 区市场监管局 --co 区经委
    """


def _apply(ctx: click.Context, plan_ident: str, edits: list[Edit]) -> None:
    from workflow.services.plan_corrections import correct_plan

    who = acting(ctx)
    plan = plan_of(ctx, who, plan_ident, "plan_correct")
    result = correct_plan(get_app(ctx).uow(), who, plan.id, edits)
    for line in result.applied:
        click.echo(f"已校正 {result.plan_key}:{line}")
    for change in result.changes:
        click.echo(f"  变化:{change}")


@plan_group.command("correct")
@click.argument("measure", metavar="方案/编号")
@click.option("--lead", default=None, metavar="单位、单位", help="牵头单位(多个用“、”分隔)。")
@click.option("--co", default=None, metavar="单位、单位", help="配合单位。")
@click.option("--group", "groups", default=None, metavar="群体", help="单位群体,如“各成员单位”。")
@click.option("--deadline", "due", default=None, metavar="YYYY-MM-DD", help="完成日期(时限类型默认为 fixed)。")
@click.option(
    "--deadline-kind",
    type=click.Choice(["fixed", "fixed_then_ongoing", "ongoing", "annual", "none"]),
    default=None,
    help="时限类型。",
)
@click.option("--month", default=None, metavar="月", help="每年的月份(annual)。")
@click.option("--day", default=None, metavar="日", help="每年的日(annual,可省略)。")
@click.option("--deadline-text", default=None, metavar="文字", help="时限原文。")
@click.option("--kind", type=click.Choice(["measure", "safeguard", "outcome"]), default=None, help="类别。")
@click.option("--item", "items", multiple=True, metavar="条目", help="自查清单条目(可多次;“条目 | 文件、链接 | 份数”)。")
@click.pass_context
def correct_cmd(
    ctx: click.Context,
    measure: str,
    lead: str | None,
    co: str | None,
    groups: str | None,
    due: str | None,
    deadline_kind: str | None,
    month: str | None,
    day: str | None,
    deadline_text: str | None,
    kind: str | None,
    items: tuple[str, ...],
) -> None:
    """校正一项措施:责任单位与牵头单位、时限、类别、自查清单(只改所给的项)。

    \b
    示例:
      zonecheck --as 王主任 plan correct 003/5 --lead 区市场监管局 --co 区经委
      zonecheck --as 王主任 plan correct 003/5 --deadline 2024-12-31
      zonecheck --as 王主任 plan correct 003/5 --deadline-kind annual --month 4
      zonecheck --as 王主任 plan correct 003/5 --item "工作方案 | 文件" --item "新闻报道 | 链接"
      zonecheck --as 王主任 plan correct 003/22 --kind outcome
    """
    from checklists.correction_text import parse_deadline, parse_items, parse_units
    from checklists.corrections import CorrectionError, SetChecklist, SetDeadline, SetKind, SetUnits
    from checklists.kinds import MeasureKind
    from workflow.services.acting import split_measure_ident

    plan_ident, ref = split_measure_ident(measure)
    edits: list[Edit] = []
    try:
        if lead is not None or co is not None or groups is not None:
            edits.append(SetUnits(ref=ref, units=parse_units(lead or "", co or "", groups or "")))
        if any(v is not None for v in (due, deadline_kind, month, day, deadline_text)):
            chosen = deadline_kind or ("fixed" if due else "annual" if month else "none")
            deadline = parse_deadline(chosen, due=due or "", month=month or "", day=day or "", text=deadline_text or "")
            edits.append(SetDeadline(ref=ref, deadline=deadline))
        if items:
            edits.append(SetChecklist(ref=ref, items=parse_items("\n".join(items))))
        if kind is not None:
            edits.append(SetKind(ref=ref, kind=MeasureKind(kind)))
    except CorrectionError as exc:
        raise InputError(f"措施 {ref}:{exc}") from None
    if not edits:
        raise InputError("请指明要校正的内容(--lead、--co、--group、--deadline、--kind、--item 等)")
    _apply(ctx, plan_ident, edits)


@plan_group.command("merge")
@click.argument("plan", metavar="方案")
@click.argument("refs", nargs=-1, required=True, metavar="编号…")
@click.pass_context
def merge_cmd(ctx: click.Context, plan: str, refs: tuple[str, ...]) -> None:
    """合并措施:后列各项并入第一项(仅限尚无工作记录的措施)。

    示例: zonecheck --as 王主任 plan merge 003 6 7
    """
    from checklists.corrections import Merge

    if len(refs) < 2:
        raise InputError("合并至少需要两项措施的编号")
    _apply(ctx, plan, [Merge(refs=list(refs))])


@plan_group.command("split")
@click.argument("measure", metavar="方案/编号")
@click.option("--part", "parts", multiple=True, required=True, metavar="内容", help="拆分后的一项(至少两次)。")
@click.pass_context
def split_cmd(ctx: click.Context, measure: str, parts: tuple[str, ...]) -> None:
    """拆分措施:第一项保留原编号,其余编为 编号-2、编号-3…(仅限尚无工作记录的措施)。

    示例: zonecheck --as 王主任 plan split 003/8 --part "开展专项行动" --part "加强精准监管"
    """
    from checklists.correction_text import parse_parts
    from checklists.corrections import CorrectionError, Split
    from workflow.services.acting import split_measure_ident

    plan_ident, ref = split_measure_ident(measure)
    try:
        split = Split(ref=ref, parts=parse_parts("\n".join(p.replace("\n", " ") for p in parts)))
    except (CorrectionError, ValueError):
        raise InputError("拆分至少需要两项 --part,每项不超过 20000 字") from None
    _apply(ctx, plan_ident, [split])


@plan_group.command("corrections")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def corrections_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """列出方案已保存的校正:内容、操作人、时间,以及最近一次导入时未能应用的原因。

    示例: zonecheck --as 王主任 plan corrections 003
    """
    from workflow.cli.main import viewer
    from workflow.services.plan_corrections import list_corrections

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "plan_corrections")
    views = list_corrections(get_app(ctx).uow(), who, found.id)
    if as_json:
        echo_json(
            [
                {
                    "position": v.position,
                    "kind": v.kind,
                    "description": v.description,
                    "author": v.author,
                    "created_at": v.created_at.isoformat(),
                    "stale_reason": v.stale_reason,
                }
                for v in views
            ]
        )
        return
    if not views:
        click.echo(f"方案 {found.key} 尚无校正")
        return
    rows = [
        (v.position, v.description, v.author, local_time(v.created_at), v.stale_reason or "已应用")
        for v in views
    ]
    click.echo(table(["序号", "内容", "操作人", "时间", "状态"], rows, [4, 50, 10, 16, 30]))
