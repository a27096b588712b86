"""Plan commands: import documents, list plans and measures, export a plan."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from workflow.cli.main import DATE, cli, get_app, viewer
from workflow.cli.output import echo_json, local_time, table
from workflow.errors import InputError
from workflow.models import STATE_LABELS, MeasureState
from workflow.read.measures import one_work, plan_works
from workflow.read.plans import plan_summaries
from workflow.services.access import open_measure_ident, open_plan

if TYPE_CHECKING:
    from checklists.catalog import Catalog
    from workflow.services.plan_import import ImportResult

DEADLINE_LABELS = {"fixed": "限期", "ongoing": "持续", "annual": "每年", "fixed_then_ongoing": "限期后持续", "none": "-"}
ROLE_MARK = {"lead": "(牵头)", "co": "", "group": "(群体)"}


@cli.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="只显示将导入的内容,不写入数据库与目录文件。")
@click.option(
    "--zone", default=None, metavar="辖区",
    help="新方案所属辖区(名称或 上级/下级 路径;系统中只有一个辖区时可省略)。",
)
@click.pass_context
def import_cmd(ctx: click.Context, files: tuple[str, ...], dry_run: bool, zone: str | None) -> None:
    """导入方案文件(UTF-8 文本)或已审核的方案目录(YAML)。

    文本文件会被解析为方案目录,写入数据目录的 catalogs/ 中供审核修改,并载入数据库。
    重复导入同一文件不会产生任何变化;导入修订版会列出变化,且不会删除已有工作记录的措施。

    \b
    示例:
      zonecheck import ../shared/seeds/*.txt
      zonecheck import 嘉定方案.txt --zone 嘉定区
      zonecheck import --dry-run 新方案.txt
      zonecheck import zonecheck-data/catalogs/方案.yaml
    """
    from workflow.services.plan_import import import_documents  # the parser: only here

    app = get_app(ctx)
    results = import_documents(
        app.uow, [Path(f) for f in files], catalog_dir=app.settings.catalog_dir, dry_run=dry_run,
        zone=zone,
    )
    for result in results:
        _echo_result(result)
        if dry_run and result.catalog is not None:
            _echo_catalog_measures(result.catalog)
    if dry_run:
        click.echo("(试运行:以上为将要导入的内容,未写入数据库,也未写入目录文件)")


def _echo_result(result: ImportResult) -> None:
    c = result.counts
    click.echo(f"[{result.status_label}] {result.plan_key} ← {result.path}")
    click.echo(f"  {result.title}")
    click.echo(
        f"  措施 {c['measures']} · 保障措施 {c['safeguards']} · 标志性成果 {c['outcomes']}"
        f" · 进度阶段 {c['phases']} · 量化指标 {c['indicators']}"
    )
    if result.note:
        click.echo(f"  注意:{result.note}")
    if c["without_units"]:
        click.echo(
            f"  提示:{c['without_units']} 项未写明责任单位,可在方案目录中补充 units 后重新导入该目录文件"
        )
    if result.catalog_path:
        click.echo(f"  方案目录:{result.catalog_path}")
    for change in result.changes:
        click.echo(f"  变化:{change}")
    if result.warnings:
        click.echo(f"  未能读取或存疑的内容({len(result.warnings)} 条,请核对原文):")
        for warning in result.warnings:
            click.echo(f"    {warning}")


def _echo_catalog_measures(catalog: Catalog) -> None:
    rows = [
        (
            m.ref,
            m.title,
            "、".join(u.name + ROLE_MARK[u.role.value] for u in m.units) or "-",
            m.deadline.text or "-",
            len(m.checklist),
        )
        for m in catalog.measures
    ]
    click.echo(table(["编号", "标题", "责任单位", "时限", "清单"], rows, [6, 30, 40, 20, 4]))


@cli.command("plans")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def plans_cmd(ctx: click.Context, as_json: bool) -> None:
    """列出已导入的方案及其概况。

    示例: zonecheck plans --json
    """
    app = get_app(ctx)
    who = viewer(ctx)
    with app.uow() as uow:
        summaries = plan_summaries(uow.session, who)
    if as_json:
        echo_json([dataclasses.asdict(s) for s in summaries])
        return
    if not summaries:
        click.echo("尚未导入任何方案。示例:zonecheck import 方案.txt")
        return
    for s in summaries:
        click.echo(f"[{s.id}] {s.key}  辖区:{s.zone}")
        click.echo(f"  {s.title}")
        meta = " · ".join(x for x in (s.issuer, s.doc_number, s.issued_on) if x)
        if meta:
            click.echo(f"  {meta}")
        click.echo(
            f"  措施 {s.measures} · 保障措施 {s.safeguards} · 标志性成果 {s.outcomes}"
            f" · 责任单位 {s.units} · 进度阶段 {s.phases} · 量化指标 {s.indicators}"
        )
        states = " · ".join(
            f"{STATE_LABELS[MeasureState(k)]} {v}" for k, v in sorted(s.states.items())
        )
        click.echo(f"  状态:{states or '-'}")
        if s.acceptance_phase:
            click.echo(f"  自查与验收阶段:{s.acceptance_phase}")


@cli.command("measures")
@click.argument("plan")
@click.option("--unit", help="只列出该责任单位的措施。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def measures_cmd(ctx: click.Context, plan: str, unit: str | None, as_json: bool) -> None:
    """列出方案的措施:编号、责任单位、时限、清单条数与状态。

    PLAN 可以是方案的序号、编号(key)或文号。

    示例: zonecheck measures 1 --unit 区市场监管局
    """
    from reports.export import work_to_dict  # the JSON listing only; `plans` starts without it

    app = get_app(ctx)
    who = viewer(ctx)
    found = open_plan(app.uow(), who, plan, action="measures")
    listed = plan_works(app.uow(), who, found.id, unit=unit)
    if as_json:
        echo_json([work_to_dict(w) for w in listed.measures])
        return
    rows = [
        (
            w.ref,
            w.title,
            "、".join(u.name + ROLE_MARK[u.role] for u in w.units) or "-",
            _deadline_label(w.deadline.kind, w.deadline.due, w.deadline.month),
            len(w.checklist),
            w.state_label,
        )
        for w in listed.measures
    ]
    click.echo(f"{listed.plan.title}({len(listed.measures)} 项)")
    click.echo(table(["编号", "标题", "责任单位", "时限", "清单", "状态"], rows, [6, 30, 40, 18, 4, 8]))


@cli.command("measure")
@click.argument("measure", metavar="方案/编号")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def measure_cmd(ctx: click.Context, measure: str, as_json: bool) -> None:
    """查看一项措施:原文、责任单位及其部分完成情况、时限、状态、清单与佐证材料、自查与审核。

    示例: zonecheck measure 003/5
    """
    app = get_app(ctx)
    ref = open_measure_ident(app.uow(), viewer(ctx), measure)
    found = one_work(app.uow(), viewer(ctx), ref.id)
    work = found.work
    if as_json:
        from reports.export import work_to_dict

        echo_json({**work_to_dict(work), "version": found.version})
        return
    click.echo(f"{work.ref}. {work.title}  [{work.state_label}](版本 {found.version})")
    if work.section:
        click.echo(f"章节:{work.section}")
    click.echo(f"原文:{work.text}")
    click.echo(f"时限:{work.deadline.text or '-'}")
    if work.original_due:
        click.echo(f"完成期限:{work.due_shown}")
    if work.rectification_due:
        click.echo(f"整改期限:{work.rectification_shown}")
    click.echo("责任单位:")
    for unit in work.units:
        role = {"lead": "牵头", "co": "配合", "group": "群体"}[unit.role]
        if unit.members is not None:
            members = "、".join(f"{m.name}{'✓' if m.part == 'done' else ''}" for m in unit.members)
            click.echo(f"  {unit.name}({role}):{members or '尚未指定成员单位(zonecheck unit group)'}")
        else:
            part = "已完成" if unit.part == "done" else "未完成"
            click.echo(f"  {unit.name}({role}):{part}")
    click.echo("自查清单:")
    for item in work.checklist:
        current = [e for e in item.evidence if e.current]
        rating = f" 自评:{item.rating_label}" if item.rating_label else ""
        click.echo(f"  {item.number}. {item.text}(佐证 {len(current)}/{item.min_evidence}){rating}")
        for e in current:
            name = e.file_name or e.url or e.note
            sha = f" sha256:{e.sha256[:12]}" if e.sha256 else ""
            click.echo(f"     #{e.id} {name}{sha}  {e.person} {local_time(e.uploaded_at)}")
    for sc in work.self_checks:
        withdrawn = "(已撤回)" if sc.withdrawn_at else ""
        click.echo(f"第 {sc.round} 轮自查{withdrawn}:{sc.statement}({sc.by},{local_time(sc.at)})")
        for r in sc.reviews:
            score = f",评分 {r.score}" if r.score is not None else ""
            comment = f":{r.comment}" if r.comment else ""
            click.echo(f"  {r.level_name} {r.verdict_label}{comment}({r.by}{score})")


def _deadline_label(kind: str, due: object, month: int | None) -> str:
    if kind == "annual":
        return f"每年{month}月前"
    if due:
        return f"{DEADLINE_LABELS[kind]} {due}"
    return DEADLINE_LABELS[kind]


@cli.command("export")
@click.argument("plan")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "yaml", "xlsx"]), default="json", show_default=True,
    help="json:完整数据;yaml:可编辑后重新导入的方案目录;xlsx:工作台账(Excel)。",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="写入文件而不是标准输出(xlsx 必须指定)。")
@click.option("--today", type=DATE, default=None, hidden=True)
@click.pass_context
def export_cmd(ctx: click.Context, plan: str, fmt: str, output: str | None, today: dt.date | None) -> None:
    """导出方案:JSON(供其他系统使用)、YAML 方案目录,或 XLSX 工作台账。

    工作台账每行为一项措施的一个责任单位:状态、时限、是否逾期、佐证材料数、审核结论与评分;
    另有“指标”与“说明”两页。

    \b
    示例:
      zonecheck export 1 --format json -o plan.json
      zonecheck export 003 --format xlsx -o 工作台账.xlsx
    """
    # openpyxl and ruamel.yaml: only this command needs them.
    from checklists.catalog_yaml import dump_catalog, write_text_atomically
    from reports.export import plan_export
    from reports.ledger import write_ledger
    from workflow.services.plan_catalog import plan_catalog

    if fmt == "xlsx":
        if not output:
            raise InputError("导出 xlsx 需要用 -o 指定输出文件,例如:zonecheck export PLAN --format xlsx -o 工作台账.xlsx")
        found_id = open_plan(get_app(ctx).uow(), viewer(ctx), plan, action="export").id
        summary = write_ledger(get_app(ctx).uow(), viewer(ctx), found_id, Path(output), today=today)
        click.echo(f"已导出工作台账到 {output}({summary.rows} 行)")
        return
    app = get_app(ctx)
    found_id = open_plan(app.uow(), viewer(ctx), plan, action="export").id
    if fmt == "json":
        text = json.dumps(plan_export(app.uow(), viewer(ctx), found_id), ensure_ascii=False, indent=2) + "\n"
    else:
        text = dump_catalog(plan_catalog(app.uow(), viewer(ctx), found_id))
    if output:
        write_text_atomically(Path(output), text)
        click.echo(f"已导出到 {output}")
    else:
        click.echo(text, nl=False)
