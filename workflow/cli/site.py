"""现场核查 commands: the office records a plan's on-site checks, their photos, and reads them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow.cli.main import DATE, IntParam, get_app, viewer
from workflow.cli.output import echo_json, local_time, table
from workflow.cli.resolve import acting, plan_of
from workflow.errors import InputError

if TYPE_CHECKING:
    from click.decorators import FC

    from workflow.domain.site_checks import SiteCheckDraft
    from workflow.read.site_checks import SiteCheckView


@click.group("site")
def site_group() -> None:
    """现场核查:记录核查日期、地点、参加人员、走访单位、查阅材料、抽查情况与发现,附现场照片。

    示例: zonecheck --as 王主任 site record 003 --date 2024-04-20 --place 嘉定区政府 --participant "李教授|组长"
    """


def _record_options(*, editing: bool) -> Callable[[FC], FC]:
    """The record's options: required to record one; when editing, each one given replaces
    that part of the record and the rest is kept."""
    keep = "(不给出则保留原内容)" if editing else ""
    options = [
        click.option("--date", "held_on", type=DATE, required=not editing, help=f"核查日期(YYYY-MM-DD){keep}。"),
        click.option("--place", required=not editing, metavar="地点", help=f"核查地点{keep}。"),
        click.option("--participant", "participants", multiple=True, metavar="姓名|身份", help=f"参加人员(可多次),如 李教授|组长{keep}。"),
        click.option("--visit", "visits", multiple=True, metavar="单位", help=f"走访的责任单位(可多次,方案所在辖区的单位){keep}。"),
        click.option("--document", "documents", multiple=True, metavar="材料", help=f"查阅的材料(可多次){keep}。"),
        click.option("--sample", "samples", multiple=True, metavar="地点|内容|结果", help=f"抽查情况(可多次){keep}。"),
        click.option("--findings", default=None, metavar="文字", help=f"核查发现{keep}。"),
        click.option("--conclusion", default=None, metavar="结论", help=f"核查结论:达标、基本达标、不达标,或自拟{keep}。"),
    ]

    def decorate(func: FC) -> FC:
        for option in reversed(options):
            func = option(func)
        return func

    return decorate


def _draft(
    ctx: click.Context,
    plan_id: int,
    current: SiteCheckView | None,
    held_on: dt.date | None,
    place: str | None,
    participants: tuple[str, ...],
    visits: tuple[str, ...],
    documents: tuple[str, ...],
    samples: tuple[str, ...],
    findings: str | None,
    conclusion: str | None,
) -> SiteCheckDraft:
    """The draft the options give, the visited units' names resolved in the plan's zone; what
    an edit (`current`) leaves out is kept from the record."""
    from workflow.domain.site_checks import (
        SiteCheckDraft,
        SiteCheckInvalid,
        parse_participant,
        parse_sample,
    )
    from workflow.read.site_checks import unit_ids_named

    try:
        people = tuple(parse_participant(p, n) for n, p in enumerate(participants, start=1))
        sampled = tuple(parse_sample(s, n) for n, s in enumerate(samples, start=1))
    except SiteCheckInvalid as exc:
        raise InputError(str(exc), code="site_check_invalid") from None
    unit_ids = tuple(unit_ids_named(get_app(ctx).uow(), viewer(ctx), plan_id, visits)) if visits else ()
    if current is not None:
        return SiteCheckDraft(
            held_on=held_on or current.held_on,
            place=current.place if place is None else place,
            participants=people or current.participants,
            unit_ids=unit_ids or tuple(u.id for u in current.units),
            documents=documents or current.documents,
            samples=sampled or current.samples,
            findings=current.findings if findings is None else findings,
            conclusion=current.conclusion if conclusion is None else conclusion,
        )
    assert held_on is not None and place is not None, "required when recording"
    return SiteCheckDraft(
        held_on=held_on,
        place=place,
        participants=people,
        unit_ids=unit_ids,
        documents=documents,
        samples=sampled,
        findings=findings or "",
        conclusion=conclusion or "",
    )


@site_group.command("record")
@click.argument("plan", metavar="方案")
@_record_options(editing=False)
@click.option("--round", "round_", type=IntParam(1, 20), default=1, show_default=True, help="评审轮次。")
@click.pass_context
def record_cmd(ctx: click.Context, /, plan: str, round_: int, **fields: Any) -> None:
    """记录一次现场核查(听取汇报、查阅材料、走访重点单位、抽查现场)。

    \b
    示例:
      zonecheck --as 王主任 site record 003 --date 2024-04-20 --place 嘉定区政府 \\
        --participant "李教授|组长" --participant "陈研究员|专家" --visit 区市场监管局 \\
        --document 联席会议纪要 --sample "安亭镇某企业|专利管理制度|已建立" \\
        --findings "机制健全,台账完整" --conclusion 达标
    """
    from workflow.services.site_checks import record_site_check

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "site_check_record")
    draft = _draft(ctx, found.id, None, **fields)
    view = record_site_check(get_app(ctx).uow(), who, found.id, draft, round=round_)
    click.echo(
        f"已记录方案 {view.plan_key} 的现场核查#{view.id}:{view.held_on.isoformat()} {view.place},"
        f"参加 {len(view.participants)} 人,走访 {len(view.units)} 个单位,抽查 {len(view.samples)} 处(版本 {view.version})"
    )


@site_group.command("edit")
@click.argument("check_id", metavar="核查编号", type=IntParam(1))
@_record_options(editing=True)
@click.option("--version", "version", type=int, default=None, metavar="N", help="查看时的版本号;已被他人修改则拒绝。")
@click.pass_context
def edit_cmd(ctx: click.Context, /, check_id: int, version: int | None, **fields: Any) -> None:
    """修改一条现场核查记录:给出的各项替换原内容,其余保留(验收报告出具后不能再改)。

    示例: zonecheck --as 王主任 site edit 1 --conclusion 基本达标 --sample "某企业|台账|不完整" --version 1
    """
    from workflow.read.site_checks import site_check_view
    from workflow.services.site_checks import edit_site_check

    who = acting(ctx)
    current = site_check_view(get_app(ctx).uow(), who, check_id)
    draft = _draft(ctx, current.plan_id, current, **fields)
    view = edit_site_check(get_app(ctx).uow(), who, check_id, draft, expected_version=version)
    click.echo(f"已修改现场核查#{view.id}(版本 {view.version})")


@site_group.command("delete")
@click.argument("check_id", metavar="核查编号", type=IntParam(1))
@click.option("--version", "version", type=int, default=None, metavar="N", help="查看时的版本号;已被他人修改则拒绝。")
@click.pass_context
def delete_cmd(ctx: click.Context, check_id: int, version: int | None) -> None:
    """删除一条现场核查记录及其照片记录(验收报告出具后不能删除;审计日志保留其内容)。

    示例: zonecheck --as 王主任 site delete 3 --version 2
    """
    from workflow.services.site_checks import delete_site_check

    gone = delete_site_check(get_app(ctx).uow(), acting(ctx), check_id, expected_version=version)
    click.echo(f"已删除方案 {gone.plan_key} 的现场核查#{check_id}")


@site_group.command("photo")
@click.argument("check_id", metavar="核查编号", type=IntParam(1))
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--caption", required=True, metavar="说明", help="照片说明。")
@click.option("--taken-on", "taken_on", type=DATE, default=None, help="拍摄日期(默认为核查日期)。")
@click.pass_context
def photo_cmd(ctx: click.Context, check_id: int, file: Path, caption: str, taken_on: dt.date | None) -> None:
    """为现场核查添加一张现场照片(JPEG 或 PNG,至多 20 MB)。

    示例: zonecheck --as 王主任 site photo 1 现场.jpg --caption "查阅联席会议台账"
    """
    from workflow.services.site_checks import add_site_photo

    app = get_app(ctx)
    photo = add_site_photo(app.uow(), app.store, acting(ctx), check_id, file, caption, taken_on)
    click.echo(f"已为现场核查#{check_id} 添加照片#{photo.id}“{photo.caption}”({photo.file_name},{photo.taken_on.isoformat()})")


@site_group.command("photo-remove")
@click.argument("photo_id", metavar="照片编号", type=IntParam(1))
@click.pass_context
def photo_remove_cmd(ctx: click.Context, photo_id: int) -> None:
    """撤下一张现场照片(验收报告出具后不能撤下)。

    示例: zonecheck --as 王主任 site photo-remove 4
    """
    from workflow.services.site_checks import remove_site_photo

    check_id = remove_site_photo(get_app(ctx).uow(), acting(ctx), photo_id)
    click.echo(f"已从现场核查#{check_id} 撤下照片#{photo_id}")


@site_group.command("list")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def list_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """列出方案的现场核查记录。

    示例: zonecheck site list 003 --json
    """
    from workflow.read.site_checks import site_checks_of

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "site_list")
    listed = site_checks_of(get_app(ctx).uow(), who, found.id)
    if as_json:
        echo_json(
            {
                "plan": listed.plan.key,
                "closed_at": local_time(listed.closed_at) if listed.closed_at else None,
                "checks": [c.as_dict() for c in listed.checks],
            }
        )
        return
    if not listed.checks:
        click.echo(f"方案 {listed.plan.key} 尚无现场核查记录")
        return
    rows = [
        [c.id, c.round, c.held_on.isoformat(), c.place, len(c.participants), len(c.units), len(c.samples), len(c.photos), c.conclusion or "-"]
        for c in listed.checks
    ]
    click.echo(table(["编号", "轮次", "日期", "地点", "人员", "走访", "抽查", "照片", "结论"], rows, [6, 4, 10, 30]))
    if listed.closed_at:
        click.echo(f"验收报告已于 {local_time(listed.closed_at)} 出具,记录不再变更")


@site_group.command("show")
@click.argument("check_id", metavar="核查编号", type=IntParam(1))
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def show_cmd(ctx: click.Context, check_id: int, as_json: bool) -> None:
    """查看一条现场核查记录及其照片。

    示例: zonecheck site show 1
    """
    from workflow.read.site_checks import site_check_view

    view = site_check_view(get_app(ctx).uow(), viewer(ctx), check_id)
    if as_json:
        echo_json(view.as_dict())
        return
    click.echo(f"现场核查#{view.id}(方案 {view.plan_key},第 {view.round} 轮,版本 {view.version})")
    click.echo(f"日期:{view.held_on.isoformat()}  地点:{view.place}")
    click.echo(f"参加人员:{'、'.join(p.label() for p in view.participants)}")
    click.echo(f"走访单位:{'、'.join(u.name for u in view.units) or '-'}")
    click.echo(f"查阅材料:{'、'.join(view.documents) or '-'}")
    if view.samples:
        click.echo("抽查情况:")
        click.echo(table(["地点", "内容", "结果"], [[s.site, s.what, s.result] for s in view.samples], [30, 30, 40]))
    click.echo(f"核查发现:{view.findings or '-'}")
    click.echo(f"核查结论:{view.conclusion or '-'}")
    click.echo(f"记录人:{view.recorded_by}({local_time(view.recorded_at)})")
    for p in view.photos:
        click.echo(f"照片#{p.id}:{p.caption}({p.file_name},{p.taken_on.isoformat()},sha256 {p.sha256[:12]}…)")
