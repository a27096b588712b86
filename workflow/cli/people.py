"""People and unit commands: the office's administration."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from workflow.cli.main import cli, get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.cli.resolve import acting
from workflow.domain.states import ROLE_LABELS, Role
from workflow.services import accounts, contacts, people, zones
from workflow.services.contacts import Contacts


def contact_options(command: Callable[..., None]) -> Callable[..., None]:
    """--email, --dingtalk and --wecom: where notices reach the person."""
    for option in reversed([
        click.option("--email", default=None, metavar="邮箱", help="接收通知的电子邮件地址。"),
        click.option("--dingtalk", default=None, metavar="用户ID", help="钉钉用户 ID(userid),接收工作通知。"),
        click.option("--wecom", default=None, metavar="用户ID", help="企业微信/政务微信用户 ID(userid)。"),
    ]):
        command = option(command)
    return command


@cli.group("user")
def user_group() -> None:
    """人员:添加与查看。第一位人员须为管理员;此后仅管理员可添加人员。

    示例: zonecheck --as 管理员 user add 张三 --unit 区市场监管局 --role member
    """


@user_group.command("add")
@click.argument("name", metavar="姓名")
@click.option("--unit", default=None, metavar="单位", help="所在单位(单位成员必填;办公室人员可不填)。")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.MEMBER.value,
    show_default=True,
    help="member 单位成员 / reviewer 审核人 / admin 管理员 / expert 专家。",
)
@click.option(
    "--zone", default=None, metavar="辖区",
    help="所在辖区(名称,或 上级/下级 路径;默认为操作人所在辖区,或系统中唯一的辖区)。",
)
@click.option("--org", "organisation", default="", metavar="机构", help="专家的所在机构(如 上海市知识产权服务中心)。")
@contact_options
@click.pass_context
def user_add_cmd(
    ctx: click.Context, name: str, unit: str | None, role: str, zone: str | None, organisation: str,
    email: str | None, dingtalk: str | None, wecom: str | None,
) -> None:
    """添加人员。每个辖区的第一位人员须为管理员(无需 --as);此后由该辖区的管理员添加本辖区人员。

    \b
    示例:
      zonecheck user add 王主任 --zone 嘉定区 --role admin
      zonecheck --as 王主任 user add 李四 --role reviewer
      zonecheck --as 王主任 user add 张三 --unit 区市场监管局 --role member
      zonecheck --as 王主任 user add 赵专家 --role expert --org 上海市知识产权服务中心
      zonecheck --as 王主任 user add 张三 --unit 区市场监管局 --email zhangsan@example.gov.cn --dingtalk zhangsan01
    """
    view = people.add_person(
        get_app(ctx).uow(), viewer(ctx), name, role=Role(role), unit=unit, zone=zone, organisation=organisation,
        contacts=Contacts(email, dingtalk, wecom),
    )
    where = view.organisation if view.role == Role.EXPERT.value else view.unit or "领导小组办公室"
    click.echo(f"已添加人员 {view.name}({view.zone} {where or '未填机构'},{view.role_label})")


@user_group.command("edit")
@click.argument("name", metavar="姓名")
@contact_options
@click.pass_context
def user_edit_cmd(ctx: click.Context, name: str, email: str | None, dingtalk: str | None, wecom: str | None) -> None:
    """修改人员接收通知的邮箱、钉钉与企业微信用户 ID(给出空值即清除)。

    管理员可修改本辖区任何人的,其他人只能修改自己的。

    \b
    示例:
      zonecheck --as 王主任 user edit 张三 --email zhangsan@example.gov.cn --wecom zhangsan
      zonecheck --as 张三 user edit 张三 --dingtalk ""
    """
    if email is None and dingtalk is None and wecom is None:
        raise click.UsageError("请至少给出 --email、--dingtalk、--wecom 之一")
    changed = contacts.set_contacts(get_app(ctx).uow(), acting(ctx), name, Contacts(email, dingtalk, wecom))
    labels = {"email": "邮箱", "dingtalk_userid": "钉钉", "wecom_userid": "企业微信"}
    shown = "、".join(f"{labels[k]} {v or '(已清除)'}" for k, v in changed.items())
    click.echo(f"已更新 {name.strip()} 的通知方式:{shown}" if changed else f"{name.strip()} 的通知方式没有变化")


@user_group.command("passwd")
@click.argument("name", metavar="姓名")
@click.pass_context
def user_passwd_cmd(ctx: click.Context, name: str) -> None:
    """设置网页登录密码(至少 8 个字符)。终端中会提示输入两次;否则从标准输入读取第一行。

    管理员可为任何人设置密码,其他人只能设置自己的密码。设置后此人已登录的会话全部失效。

    \b
    示例:
      zonecheck --as 王主任 user passwd 张三
      printf '%s\\n' "$PASSWORD" | zonecheck --as 王主任 user passwd 张三
    """
    who = acting(ctx)
    if sys.stdin.isatty():
        password = str(click.prompt(f"{name} 的新密码", hide_input=True, confirmation_prompt="再输入一次"))
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    accounts.set_password(get_app(ctx).uow(), who, name, password)
    click.echo(f"已设置 {name.strip()} 的登录密码")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def user_list_cmd(ctx: click.Context, as_json: bool) -> None:
    """列出人员。

    示例: zonecheck user list
    """
    views = people.list_people(get_app(ctx).uow(), viewer(ctx))
    if as_json:
        echo_json([v.__dict__ for v in views])
        return
    if not views:
        click.echo("尚无人员。示例:zonecheck user add 王主任 --role admin")
        return
    rows = [
        [v.name, ROLE_LABELS[Role(v.role)], v.zone, v.unit or "领导小组办公室", "在用" if v.active else "已停用"]
        for v in views
    ]
    click.echo(table(["姓名", "角色", "辖区", "单位", "状态"], rows))


@cli.group("unit")
def unit_group() -> None:
    """责任单位与单位群体(如“各成员单位”)。

    示例: zonecheck unit list
    """


@unit_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def unit_list_cmd(ctx: click.Context, as_json: bool) -> None:
    """列出单位;单位群体同时列出已指定的成员单位。

    示例: zonecheck unit list --json
    """
    views = people.list_units(get_app(ctx).uow(), viewer(ctx))
    if as_json:
        echo_json([v.__dict__ for v in views])
        return
    rows = [
        [
            v.zone,
            v.name,
            "群体" if v.is_group else "单位",
            "、".join(v.members) or ("(未指定成员)" if v.is_group else ""),
            v.people or "",
        ]
        for v in views
    ]
    click.echo(table(["辖区", "名称", "类型", "成员单位", "人员"], rows, [16, 30, 4, 60]))


@unit_group.command("add")
@click.argument("name", metavar="单位名称")
@click.pass_context
def unit_add_cmd(ctx: click.Context, name: str) -> None:
    """在本辖区添加方案中未出现的单位(如专家所在单位);仅限管理员。

    示例: zonecheck --as 王主任 unit add 区司法局
    """
    view = people.add_unit(get_app(ctx).uow(), acting(ctx), name)
    click.echo(f"已添加单位 {view.name}")


@unit_group.command("group")
@click.argument("group", metavar="群体名称")
@click.option("--add", "add", multiple=True, metavar="单位", help="加入的成员单位(可多次)。")
@click.option("--remove", "remove", multiple=True, metavar="单位", help="移除的成员单位(可多次)。")
@click.pass_context
def unit_group_cmd(ctx: click.Context, group: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
    """指定单位群体(如“区知识产权联席会议各成员单位”)包含的成员单位;仅限管理员。

    群体承担的措施,由每个成员单位各自完成并标记其部分。

    示例: zonecheck --as 王主任 unit group 区知识产权联席会议各成员单位 --add 区法院 --add 区检察院
    """
    view = people.set_group_members(get_app(ctx).uow(), acting(ctx), group, add=add, remove=remove)
    click.echo(f"{view.name} 的成员单位:{'、'.join(view.members) or '(无)'}")


@cli.group("zone")
def zone_group() -> None:
    """辖区(示范区):如 上海市 → 嘉定区。方案、单位与人员各属一个辖区。

    示例: zonecheck zone add 嘉定区 --parent 上海市
    """


@zone_group.command("add")
@click.argument("name", metavar="名称")
@click.option("--parent", default=None, metavar="上级辖区", help="上级辖区的名称或路径(如 上海市)。")
@click.pass_context
def zone_add_cmd(ctx: click.Context, name: str, parent: str | None) -> None:
    """添加辖区。不指定 --as 时由系统运维人员添加;管理员只能在本辖区之下添加。

    \b
    示例:
      zonecheck zone add 上海市
      zonecheck zone add 嘉定区 --parent 上海市
    """
    view = zones.add_zone(get_app(ctx).uow(), viewer(ctx), name, parent=parent)
    click.echo(f"已添加辖区 {view.path}")


@zone_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def zone_list_cmd(ctx: click.Context, as_json: bool) -> None:
    """列出辖区及其方案、人员与管理员数(指定 --as 时只列出本辖区及其上下级)。

    示例: zonecheck zone list
    """
    views = zones.list_zones(get_app(ctx).uow(), viewer(ctx))
    if as_json:
        echo_json([v.__dict__ for v in views])
        return
    if not views:
        click.echo("尚无辖区。示例:zonecheck zone add 上海市")
        return
    rows = [[v.path, v.plans, v.people, v.admins] for v in views]
    click.echo(table(["辖区", "方案", "人员", "管理员"], rows, [40]))
