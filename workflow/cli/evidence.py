"""Evidence commands: add, replace, remove, list, verify; indicator values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from workflow.cli.main import AMOUNT, DATE, IntParam, cli, get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.cli.resolve import acting, measure_of, plan_of
from workflow.errors import ZonecheckError
from workflow.read.evidence import EvidenceRow, list_evidence
from workflow.services import evidence as evidence_service
from workflow.services.evidence import NewEvidence, media_label
from workflow.services.indicators import report_value

FILES = click.argument("files", nargs=-1, metavar="文件...")
LINKS = click.option("--link", "links", multiple=True, metavar="网址", help="已发布网页的链接(可多次)。")
NOTE = click.option("--note", default="", metavar="文字", help="说明;不附文件和链接时作为文字说明类佐证。")
DOC_DATE = click.option("--date", "doc_date", type=DATE, default=None, help="材料的成文日期(默认上传当天)。")
TODAY = click.option("--today", type=DATE, default=None, hidden=True)


def _size(size: int | None) -> str:
    if size is None:
        return "-"
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def _echo_added(views: list[EvidenceRow], verb: str) -> None:
    for v in views:
        if v.kind == "file":
            click.echo(
                f"{verb} #{v.id} {v.file_name}({media_label(v.media_type)},{_size(v.size)},"
                f"sha256 {v.sha256})→ {v.target} 清单第 {v.item} 项"
            )
        else:
            click.echo(f"{verb} #{v.id} {v.label} → {v.target} 清单第 {v.item} 项")


@cli.group("evidence")
def evidence_group() -> None:
    """佐证材料:提交、替换、删除、查看与校验。

    示例: zonecheck --as 张三 evidence add 003/5 --item 1 台账.xlsx 通报.pdf
    """


@evidence_group.command("add")
@click.argument("measure", metavar="方案/编号")
@click.option("--item", type=IntParam(min=1), required=True, metavar="N", help="清单条目序号。")
@FILES
@LINKS
@NOTE
@DOC_DATE
@TODAY
@click.pass_context
def add_cmd(
    ctx: click.Context,
    measure: str,
    item: int,
    files: tuple[str, ...],
    links: tuple[str, ...],
    note: str,
    doc_date: dt.date | None,
    today: dt.date | None,
) -> None:
    """为措施的清单条目提交佐证材料(文件、链接或文字说明)。

    文件按内容识别类型,允许 PDF、OFD、DOC/DOCX、XLS/XLSX、WPS、JPG、PNG、ZIP,
    单个文件上限默认 200 MB(环境变量 ZONECHECK_MAX_UPLOAD_MB)。

    \b
    示例:
      zonecheck --as 张三 evidence add 003/5 --item 1 台账.xlsx 通报.pdf --date 2024-01-15
      zonecheck --as 张三 evidence add 003/5 --item 2 --link https://www.jiading.gov.cn/xxx
      zonecheck --as 张三 evidence add 003/5 --item 3 --note "已召开联席会议 2 次"
    """
    app = get_app(ctx)
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "evidence_add")
    views = evidence_service.add_evidence(
        app.uow(),
        app.store,
        who,
        ref.id,
        item=item,
        new=NewEvidence(files=[Path(f) for f in files], links=links, note=note, doc_date=doc_date),
        today=today,
    )
    _echo_added(views, "已提交")


@evidence_group.command("replace")
@click.argument("evidence_id", type=IntParam(min=1), metavar="材料编号")
@FILES
@LINKS
@NOTE
@DOC_DATE
@TODAY
@click.pass_context
def replace_cmd(
    ctx: click.Context,
    evidence_id: int,
    files: tuple[str, ...],
    links: tuple[str, ...],
    note: str,
    doc_date: dt.date | None,
    today: dt.date | None,
) -> None:
    """用新材料替换一份佐证材料;原材料保留在记录中。

    示例: zonecheck --as 张三 evidence replace 12 台账(修订).xlsx
    """
    app = get_app(ctx)
    views = evidence_service.replace_evidence(
        app.uow(),
        app.store,
        acting(ctx),
        evidence_id,
        new=NewEvidence(files=[Path(f) for f in files], links=links, note=note, doc_date=doc_date),
        today=today,
    )
    _echo_added(views, f"已替换 #{evidence_id} 为")


@evidence_group.command("remove")
@click.argument("evidence_id", type=IntParam(min=1), metavar="材料编号")
@click.pass_context
def remove_cmd(ctx: click.Context, evidence_id: int) -> None:
    """撤下误传的佐证材料(仅限措施首次自查之前;记录保留)。

    示例: zonecheck --as 张三 evidence remove 12
    """
    view = evidence_service.remove_evidence(get_app(ctx).uow(), acting(ctx), evidence_id)
    click.echo(f"已撤下 #{view.id} {view.label}({view.target})")


@evidence_group.command("list")
@click.argument("measure", metavar="方案/编号")
@click.option("--all", "include_old", is_flag=True, help="也列出已被替换或撤下的材料。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def list_cmd(ctx: click.Context, measure: str, include_old: bool, as_json: bool) -> None:
    """列出措施的佐证材料。

    示例: zonecheck evidence list 003/5 --all
    """
    who = viewer(ctx)
    ref = measure_of(ctx, who, measure, "evidence_list")
    views = list_evidence(get_app(ctx).uow(), who, ref.id, include_old=include_old)
    if as_json:
        echo_json([_as_json(v) for v in views])
        return
    if not views:
        click.echo("尚无佐证材料。")
        return
    rows = [
        [
            v.id,
            v.item or "-",
            v.label,
            media_label(v.media_type) if v.kind == "file" else {"link": "链接", "note": "说明"}[v.kind],
            _size(v.size),
            (v.sha256 or "")[:12] or "-",
            v.doc_date,
            f"{v.person}({v.unit or '办公室'})",
            "有效" if v.current else (f"已被 #{v.superseded_by} 替换" if v.superseded_by else "已撤下"),
        ]
        for v in views
    ]
    click.echo(table(["编号", "条目", "材料", "类型", "大小", "sha256", "成文日期", "提交人", "状态"], rows, [6, 4, 36]))


def _as_json(row: EvidenceRow) -> dict[str, object]:
    """`evidence list --json`: the fields and order this command has always printed."""
    return {
        "id": row.id,
        "target": row.target or "",
        "item": row.item,
        "kind": row.kind,
        "file_name": row.file_name,
        "size": row.size,
        "media_type": row.media_type,
        "sha256": row.sha256,
        "url": row.url,
        "note": row.note,
        "doc_date": row.doc_date.isoformat(),
        "uploaded_at": row.uploaded_at.isoformat(timespec="seconds"),
        "person": row.person,
        "unit": row.unit,
        "current": row.current,
        "superseded_by": row.superseded_by,
        "removed": row.removed,
    }


@evidence_group.command("verify")
@click.option(
    "--bundle", "bundle", type=click.Path(dir_okay=False, path_type=Path), default=None,
    metavar="FILE.zip", help="改为校验一份佐证材料汇编(zonecheck bundle 生成的 ZIP),不需要数据库。",
)
@click.pass_context
def verify_cmd(ctx: click.Context, bundle: Path | None) -> None:
    """重新计算每个已存文件的 sha256,列出缺失或被改动的文件。

    用 --bundle 时改为按汇编自带的 manifest.json 校验压缩包中的每个文件,并列出缺失、被改动和清单之外多出的文件。

    \b
    示例:
      zonecheck evidence verify
      zonecheck evidence verify --bundle 003-佐证材料汇编-2024-06-30.zip
    """
    if bundle is not None:
        _verify_bundle(bundle)
        return
    app = get_app(ctx)
    result = evidence_service.verify_store(app.uow(), app.store)
    if result.swept:
        click.echo(f"已清理 {result.swept} 个中断上传留下的临时文件")
    if result.ok:
        click.echo(f"佐证材料完整:{result.checked} 个文件均与记录一致")
        return
    click.echo(f"佐证材料校验未通过:{len(result.problems)} 份材料的文件缺失或被改动")
    for problem in result.problems:
        click.echo(f"  {problem}")
    more = f",另有 {len(result.problems) - 1} 份见上" if len(result.problems) > 1 else ""
    raise ZonecheckError(f"佐证材料校验未通过:{result.problems[0]}{more}")


def _verify_bundle(path: Path) -> None:
    from reports.bundle import verify_bundle  # WeasyPrint and Jinja2: only bundles need them

    check = verify_bundle(path)
    if check.ok:
        click.echo(f"汇编完整:{check.checked} 个文件与清单一致")
        return
    click.echo(f"汇编校验未通过:{path} 有 {len(check.problems)} 处问题")
    for problem in check.problems:
        click.echo(f"  {problem}")
    more = f",另有 {len(check.problems) - 1} 处见上" if len(check.problems) > 1 else ""
    raise ZonecheckError(f"汇编校验未通过:{check.problems[0]}{more}")


@cli.group("indicator")
def indicator_group() -> None:
    """量化指标:查看目标与填报实际值。

    示例: zonecheck indicator list 002
    """


@indicator_group.command("list")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def indicator_list_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """列出方案的量化指标、最新填报值与是否达成。

    示例: zonecheck indicator list 002 --json
    """
    from workflow.read.indicators import plan_indicators

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "plan_status")
    lines = plan_indicators(get_app(ctx).uow(), who, found.id)
    if as_json:
        echo_json([line.as_dict() for line in lines])
        return
    if not lines:
        click.echo("该方案没有量化指标。")
        return
    rows = [
        [
            i.position,
            i.text,
            f"{i.comparator} {i.target}{i.unit}",
            "-" if i.reported_text is None else f"{i.reported_text}{i.unit}({i.as_of})",
            {None: "未填报", True: "达成", False: "未达成"}[i.met],
        ]
        for i in lines
    ]
    click.echo(table(["序号", "指标", "目标", "填报值", "达成"], rows, [4, 40]))


@indicator_group.command("report")
@click.argument("plan", metavar="方案")
@click.argument("number", type=IntParam(min=1), metavar="序号")
@click.argument("value", type=AMOUNT, metavar="实际值")
@click.option("--file", "files", multiple=True, metavar="文件", help="佐证文件(可多次)。")
@LINKS
@NOTE
@click.option("--as-of", "as_of", type=DATE, default=None, help="统计截止日期(默认今天)。")
@TODAY
@click.pass_context
def indicator_report_cmd(
    ctx: click.Context,
    plan: str,
    number: int,
    value: str,
    files: tuple[str, ...],
    links: tuple[str, ...],
    note: str,
    as_of: dt.date | None,
    today: dt.date | None,
) -> None:
    """填报量化指标的实际值,须附佐证材料;按指标的比较方式判断是否达成。

    示例: zonecheck --as 张三 indicator report 002 1 3712 --file 统计表.xlsx --as-of 2024-12-31
    """
    app = get_app(ctx)
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "indicator_report")
    result = report_value(
        app.uow(),
        app.store,
        who,
        found.id,
        number,
        value,
        as_of=as_of,
        evidence=NewEvidence(files=[Path(f) for f in files], links=links, note=note),
        today=today,
    )
    met = "达成" if result["met"] else "未达成"
    click.echo(f"已填报指标 {number}“{result['metric']}”:{value}{result['unit']}({met})")
