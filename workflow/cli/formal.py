"""Formal review commands (形式审查): the office opens the review of a plan, reads every unit's
gaps, issues one one-time notice (一次性告知书) per unit, follows the supplies and closes it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from workflow.cli.main import DATE, get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.cli.resolve import acting, plan_of

_BASIS = {"index": "按评价指标体系", "measures": "按措施自查清单(方案未载入指标体系)"}


@click.group("formal")
def formal_group() -> None:
    """形式审查:一次性告知各单位全部缺漏,限期补正(按工作日计),跟踪补正材料,结束后自评分不再修改。

    \b
    示例:
      zonecheck --as 李审核 formal open 003 --days 5
      zonecheck --as 李审核 formal notices 003 -o 告知书
    """


@formal_group.command("open")
@click.argument("plan", metavar="方案")
@click.option("--days", default=5, show_default=True, type=click.IntRange(1, 60), metavar="N", help="补正期限(工作日)。")
@click.option("--today", type=DATE, default=None, metavar="日期", help="告知日期(默认今天),补正期限自次日起算。")
@click.pass_context
def open_cmd(ctx: click.Context, plan: str, days: int, today: dt.date | None) -> None:
    """开始形式审查:列出每个单位的全部缺漏(各为一份告知书),按工作日计算补正期限。

    示例: zonecheck --as 李审核 formal open 003 --days 5 --today 2026-09-24
    """
    from workflow.services.formal_review import open_formal_review

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "formal_open")
    app = get_app(ctx)
    result = open_formal_review(
        app.uow(), app.store, who, found.id, days=days, today=today
    )
    click.echo(
        f"已开始方案 {result.plan_key} 的形式审查({_BASIS[result.basis]}):"
        f"告知日期 {result.opened_on},补正期限 {result.deadline}({result.working_days} 个工作日)"
    )
    if not result.units:
        click.echo("未发现缺漏,无需发一次性告知书。")
    for unit in result.units:
        click.echo(f"  {unit.unit}:{len(unit.gaps)} 项缺漏")


@formal_group.command("gaps")
@click.argument("plan", metavar="方案")
@click.option("--unit", default=None, metavar="单位", help="只看这个单位。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def gaps_cmd(ctx: click.Context, plan: str, unit: str | None, as_json: bool) -> None:
    """复核:各单位现在仍缺的材料,及告知书所列缺漏中已补正的(尚未开始时为将发现的缺漏)。

    示例: zonecheck --as 李审核 formal gaps 003 --unit 区市场监管局
    """
    from workflow.services.formal_review import recheck_gaps

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "formal_gaps")
    app = get_app(ctx)
    result = recheck_gaps(app.uow(), app.store, who, found.id, unit=unit)
    if as_json:
        echo_json(
            {
                "plan": result.plan_key,
                "opened_on": result.opened_on.isoformat() if result.opened_on else None,
                "deadline": result.deadline.isoformat() if result.deadline else None,
                "closed": result.closed,
                "units": [
                    {
                        "unit": u.unit,
                        "issued": len(u.issued),
                        "resolved": len(u.resolved),
                        "open": [{"kind": g.kind.value, "subject": g.subject, "message": g.message} for g in u.open],
                    }
                    for u in result.units
                ],
            }
        )
        return
    if result.opened_on is None:
        click.echo(f"方案 {result.plan_key} 尚未开始形式审查;以下为现在审查将发现的缺漏。")
    else:
        state = "已结束" if result.closed else "进行中"
        click.echo(f"方案 {result.plan_key} 形式审查({state}):告知日期 {result.opened_on},补正期限 {result.deadline}")
    if not result.units:
        click.echo("没有缺漏。")
    for u in result.units:
        told = f",告知书所列 {len(u.issued)} 项中已补正 {len(u.resolved)} 项" if u.issued else ""
        click.echo(f"{u.unit}:仍缺 {len(u.open)} 项{told}")
        for n, gap in enumerate(u.open, start=1):
            click.echo(f"  {n}. {gap.subject}:{gap.message}")


@formal_group.command("notices")
@click.argument("plan", metavar="方案")
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), metavar="文件夹", help="告知书 PDF 写入的文件夹(不存在则创建)。")
@click.option("--unit", default=None, metavar="单位", help="只发这个单位的告知书。")
@click.option("--office", default=None, metavar="机关", help="发文机关(默认为该辖区的领导小组办公室)。")
@click.option("--number", "number", default=None, metavar="文号前缀", help="文号前缀,如 嘉知保办〔2026〕,其后接序号与“号”。")
@click.pass_context
def notices_cmd(
    ctx: click.Context, plan: str, out_dir: Path, unit: str | None, office: str | None, number: str | None
) -> None:
    """为每个有缺漏的单位生成一次性告知书 PDF(登记在案),并列出文件。

    示例: zonecheck --as 李审核 formal notices 003 -o 告知书 --number 嘉知保办〔2026〕
    """
    from reports.formal_notices import issue_formal_notices
    from reports.render import Renderer
    from workflow.errors import InputError

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "formal_notice")
    try:
        out_dir.mkdir(exist_ok=True)
    except OSError as exc:
        raise InputError(f"无法创建文件夹 {out_dir}:{exc.strerror or exc}") from None
    app = get_app(ctx)
    issued = issue_formal_notices(
        app.uow(),
        Renderer(app.settings.home / "templates"),
        who,
        found.id,
        out_dir,
        office=office,
        number_prefix=number,
        unit=unit,
    )
    for notice in issued:
        click.echo(f"{notice.path}  {notice.unit}  {notice.number}  {notice.gaps} 项缺漏,{notice.pages} 页,sha256 {notice.sha256[:12]}")


@formal_group.command("close")
@click.argument("plan", metavar="方案")
@click.pass_context
def close_cmd(ctx: click.Context, plan: str) -> None:
    """结束形式审查:自评分不再修改,此后提交的材料标记为逾期。

    示例: zonecheck --as 李审核 formal close 003
    """
    from workflow.services.formal_review import close_formal_review

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "formal_close")
    result = close_formal_review(get_app(ctx).uow(), who, found.id)
    tail = ",自评分不再修改" if result.self_scoring_closed else ""
    click.echo(f"方案 {result.plan_key} 的形式审查已结束{tail};此后提交的材料将标记为逾期。")


@formal_group.command("status")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def status_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """形式审查情况:各单位的缺漏与告知书、补正材料及其中逾期的。

    示例: zonecheck --as 李审核 formal status 003 --json
    """
    from workflow.clock import local_time
    from workflow.errors import InputError
    from workflow.read.formal_review import formal_status

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "formal_status")
    status = formal_status(get_app(ctx).uow(), who, found.id)
    if as_json:
        echo_json(status.as_dict() if status else None)
        return
    if status is None:
        raise InputError(f"方案 {found.key} 尚未开始形式审查", code="formal_not_open", params={"plan": found.key})
    state = f"已于 {status.closed_at:%Y-%m-%d} 由{status.closed_by}结束" if status.closed_at else "进行中"
    click.echo(
        f"方案 {status.plan_key} 形式审查({state},{_BASIS[status.basis]}):{status.opened_by} 于 {status.opened_on} 告知,"
        f"补正期限 {status.deadline}({status.working_days} 个工作日)"
    )
    rows = [
        [str(n.position), n.unit, str(n.gaps), n.file_name or "未发", str(n.supplies), str(n.late)]
        for n in status.notices
    ]
    click.echo(table(["序号", "单位", "缺漏", "告知书", "补正", "逾期"], rows, [4, 20]))
    if status.supplies:
        click.echo("补正材料:")
        for s in status.supplies:
            mark = "逾期" if s.late else "按期"
            click.echo(f"  #{s.evidence_id} {s.unit} {s.label} {local_time(s.supplied_at)} {mark}")
