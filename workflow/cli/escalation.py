"""三色督办 rules of the acting person's zone: show them, and let the zone's admin set them."""

from __future__ import annotations

import click

from workflow.cli.main import get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.domain.escalation import FIELD_LABELS, EscalationRules


def _echo(zone: str, rules: EscalationRules, as_json: bool) -> None:
    if as_json:
        echo_json({"zone": zone, "rules": rules.as_dict()})
        return
    values = rules.as_dict()
    rows = [[key, FIELD_LABELS[key], ("是" if values[key] else "否") if isinstance(values[key], bool) else values[key]]
            for key in FIELD_LABELS]
    click.echo(f"{zone} 督办规则(蓝:临近提醒;黄:到期催办;红:逾期,情况通报)")
    click.echo(table(["键", "含义", "值"], rows, [18, 24, 6]))


@click.group("escalation")
def escalation_group() -> None:
    """三色督办规则:查看本辖区的规则,管理员设置临近提醒天数、到期催办天数等。

    示例: zonecheck --as 王主任 escalation show
    """


@escalation_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def escalation_show_cmd(ctx: click.Context, as_json: bool) -> None:
    """显示本辖区的三色督办规则(未设置时为默认值)。

    示例: zonecheck --as 王主任 escalation show
    """
    from workflow.services.escalation import show_rules

    zone, rules = show_rules(get_app(ctx).uow(), viewer(ctx))
    _echo(zone, rules, as_json)


@escalation_group.command("set")
@click.argument("assignments", nargs=-1, metavar="键=值…")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def escalation_set_cmd(ctx: click.Context, assignments: tuple[str, ...], as_json: bool) -> None:
    """设置本辖区的三色督办规则(仅管理员),可设置的键见 escalation show。

    \b
    blue_days         临近提醒天数:期限前多少天变为蓝色(1–90,默认 15)
    yellow_days       到期催办天数:期限前多少天仍未自查变为黄色(0–60,不大于 blue_days,默认 5)
    yellow_share      无佐证进度比例:期限前的时间过去百分之多少仍无本单位佐证即为黄色(10–95,默认 60)
    report_to_office  情况通报是否抄送牵头办公室(是/否,默认 是)

    示例: zonecheck --as 王主任 escalation set blue_days=20 report_to_office=否
    """
    from workflow.services.escalation import set_rules

    actor = viewer(ctx)
    rules = set_rules(get_app(ctx).uow(), actor, list(assignments))
    _echo(actor.zone_name if actor else "", rules, as_json)
