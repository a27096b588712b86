"""Workflow commands: start, parts, self-check, reviews, status, overdue, history, audit."""

from __future__ import annotations

import datetime as dt

import click

from workflow.cli.main import DATE, IntParam, cli, get_app, viewer
from workflow.cli.output import echo_json, local_time, table
from workflow.cli.resolve import acting, measure_of, plan_of
from workflow.domain.states import (
    EVENT_LABELS,
    RATING_LABELS,
    STATE_LABELS,
    MeasureState,
    Rating,
    parse_rating,
)
from workflow.errors import InputError, ZonecheckError
from workflow.read import history, overdue, progress
from workflow.services import measure_work
from workflow.services.audit_log import verify_chain
from workflow.services.measure_work import Outcome

MEASURE = click.argument("measure", metavar="方案/编号")
SCORE = IntParam(0, 100)
EXPECT = click.option(
    "--expect-version", type=IntParam(min=1), default=None, help="仅当措施仍为此版本时才执行(防止与他人同时修改)。"
)


def _done(outcome: Outcome) -> None:
    click.echo(outcome.message)


@cli.command("start")
@MEASURE
@EXPECT
@click.pass_context
def start_cmd(ctx: click.Context, measure: str, expect_version: int | None) -> None:
    """启动措施(未启动 → 推进中),由责任单位成员操作。

    示例: zonecheck --as 张三 start 003/5
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "start")
    _done(measure_work.start(get_app(ctx).uow(), who, ref.id, expected_version=expect_version))


@cli.group("part")
def part_group() -> None:
    """本单位在措施中负责部分的完成标记。

    示例: zonecheck --as 张三 part done 003/5
    """


@part_group.command("done")
@MEASURE
@click.pass_context
def part_done_cmd(ctx: click.Context, measure: str) -> None:
    """标记操作人所在单位在该措施中的部分已完成。

    示例: zonecheck --as 张三 part done 003/5
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "part_done")
    _done(measure_work.set_part(get_app(ctx).uow(), who, ref.id, done=True))


@part_group.command("undo")
@MEASURE
@click.pass_context
def part_undo_cmd(ctx: click.Context, measure: str) -> None:
    """取消本单位部分的完成标记(自查提交前)。

    示例: zonecheck --as 张三 part undo 003/5
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "part_undone")
    _done(measure_work.set_part(get_app(ctx).uow(), who, ref.id, done=False))


def _ratings(values: tuple[str, ...]) -> dict[int, Rating]:
    ratings: dict[int, Rating] = {}
    for value in values:
        number, sep, label = value.partition("=")
        try:
            ratings[int(number)] = parse_rating(label.strip())
        except ValueError:
            raise InputError(
                f"--rating 应写作 条目号=评价,评价为 {'/'.join(RATING_LABELS.values())},收到“{value}”"
            ) from None
        if not sep:
            raise InputError(f"--rating 应写作 条目号=评价,收到“{value}”")
    return ratings


@cli.command("selfcheck")
@MEASURE
@click.option("--statement", required=True, metavar="文字", help="自查情况说明。")
@click.option(
    "--rating",
    "ratings",
    multiple=True,
    metavar="N=评价",
    help="清单第 N 项的自评:完成/部分完成/未完成(可多次;未填的按有无佐证材料自动评定)。",
)
@click.option("--today", type=DATE, default=None, help="按此日期判断年度义务(默认今天)。")
@EXPECT
@click.pass_context
def selfcheck_cmd(
    ctx: click.Context,
    measure: str,
    statement: str,
    ratings: tuple[str, ...],
    today: dt.date | None,
    expect_version: int | None,
) -> None:
    """提交措施自查(推进中 → 已自查),由牵头单位成员操作。

    须满足:各责任单位均已标记完成其部分;清单中要求佐证的条目均已有佐证材料;填写自查情况说明。

    \b
    示例:
      zonecheck --as 张三 selfcheck 003/5 --statement "已完成快速维权中心建设" --rating 2=部分完成
    """
    given = _ratings(ratings)
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "submit_self_check")
    _done(
        measure_work.submit_self_check(
            get_app(ctx).uow(),
            who,
            ref.id,
            statement=statement,
            ratings=given,
            today=today,
            expected_version=expect_version,
        )
    )


@cli.command("withdraw")
@MEASURE
@EXPECT
@click.pass_context
def withdraw_cmd(ctx: click.Context, measure: str, expect_version: int | None) -> None:
    """撤回已提交、尚未审核的自查(已自查 → 推进中),由牵头单位操作。

    示例: zonecheck --as 张三 withdraw 003/5
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "withdraw")
    _done(measure_work.withdraw(get_app(ctx).uow(), who, ref.id, expected_version=expect_version))


@cli.group("review")
def review_group() -> None:
    """领导小组办公室的审核:通过、退回整改、重新打开、设置审核层级。

    示例: zonecheck --as 李四 review accept 003/5 --score 90
    """


@review_group.command("accept")
@MEASURE
@click.option("--score", type=SCORE, default=None, metavar="0-100", help="评分 0-100(可选)。")
@click.option("--comment", default="", metavar="文字", help="审核意见。")
@EXPECT
@click.pass_context
def accept_cmd(ctx: click.Context, measure: str, score: int | None, comment: str, expect_version: int | None) -> None:
    """审核通过;最后一级审核通过后措施为“已验收”。

    示例: zonecheck --as 李四 review accept 003/5 --score 92 --comment "材料齐全"
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "accept")
    _done(
        measure_work.accept(
            get_app(ctx).uow(), who, ref.id, score=score, comment=comment, expected_version=expect_version
        )
    )


@review_group.command("return")
@MEASURE
@click.option("--comment", required=True, metavar="文字", help="整改意见(必填)。")
@click.option("--due", type=DATE, default=None, help="整改期限(默认为方案设定的天数之后)。")
@click.option("--score", type=SCORE, default=None, metavar="0-100", help="评分 0-100(可选)。")
@click.option("--today", type=DATE, default=None, help="以此日期为今天(默认今天)。")
@EXPECT
@click.pass_context
def return_cmd(
    ctx: click.Context,
    measure: str,
    comment: str,
    due: dt.date | None,
    score: int | None,
    today: dt.date | None,
    expect_version: int | None,
) -> None:
    """退回整改(已自查 → 推进中,显示为“整改中”),须填写意见,可设整改期限。

    示例: zonecheck --as 李四 review return 003/5 --comment "缺少执法案件台账" --due 2024-03-31
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "return_for_rectification")
    _done(
        measure_work.return_for_rectification(
            get_app(ctx).uow(),
            who,
            ref.id,
            comment=comment,
            due=due,
            score=score,
            today=today,
            expected_version=expect_version,
        )
    )


@review_group.command("reopen")
@MEASURE
@click.option("--reason", required=True, metavar="文字", help="重新打开的原因(必填)。")
@EXPECT
@click.pass_context
def reopen_cmd(ctx: click.Context, measure: str, reason: str, expect_version: int | None) -> None:
    """重新打开已验收的措施(已验收 → 推进中),仅限办公室,须说明原因。

    示例: zonecheck --as 李四 review reopen 003/5 --reason "抽查发现台账不完整"
    """
    who = acting(ctx)
    ref = measure_of(ctx, who, measure, "reopen")
    _done(measure_work.reopen(get_app(ctx).uow(), who, ref.id, reason=reason, expected_version=expect_version))


@review_group.command("levels")
@click.argument("plan", metavar="方案")
@click.argument("levels", nargs=-1, required=True, metavar="层级名称...")
@click.option(
    "--zone-of-level", "zone_of_level", multiple=True, metavar="层级=辖区",
    help="由上级辖区办公室负责的审核层级(可多次),如 市级验收=上海市;其余层级由方案所在辖区审核。",
)
@click.pass_context
def levels_cmd(ctx: click.Context, plan: str, levels: tuple[str, ...], zone_of_level: tuple[str, ...]) -> None:
    """设置方案的审核层级(按顺序),最后一级通过即为验收通过;仅限方案所在辖区的管理员。

    \b
    示例:
      zonecheck --as 管理员 review levels 003 初审 专家评审
      zonecheck --as 管理员 review levels 003 区级初审 市级验收 --zone-of-level 市级验收=上海市
    """
    from workflow.services.people import set_review_levels

    assigned: dict[str, str] = {}
    for pair in zone_of_level:
        level, sep, zone = pair.partition("=")
        if not sep or not level.strip() or not zone.strip():
            raise click.BadParameter(f"应为 层级=辖区 的形式,收到“{pair}”", param_hint="--zone-of-level")
        assigned[level.strip()] = zone.strip()
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "review_levels")
    names = set_review_levels(get_app(ctx).uow(), who, found.id, levels, level_zones=assigned)
    where = "".join(f";{level} 由 {zone} 审核" for level, zone in assigned.items())
    click.echo(f"审核层级已设为:{' → '.join(names)}{where}")


@cli.command("status")
@click.argument("plan", metavar="方案")
@click.option("--today", type=DATE, default=None, help="以此日期判断逾期(默认今天)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def status_cmd(ctx: click.Context, plan: str, today: dt.date | None, as_json: bool) -> None:
    """方案进展汇总:按状态、章节、单位统计,验收率、平均分、逾期与退回整改情况。

    示例: zonecheck status 003 --json
    """
    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "plan_status")
    status = progress.plan_status(get_app(ctx).uow(), who, found.id, today=today)
    if as_json:
        from workflow.read.scores import score_summary

        summary = score_summary(get_app(ctx).uow(), who, found.id)
        data = status.as_dict()
        data["score"] = summary.brief() if summary is not None else None
        echo_json(data)
        return
    click.echo(f"{status.plan.title}({status.plan.key})  截至 {status.today.isoformat()}")
    s = status.by_state
    click.echo(
        f"共 {status.total} 项:"
        + " · ".join(f"{STATE_LABELS[st]} {s[st.value]}" for st in MeasureState)
        + f"(其中整改中 {s['rectifying']})"
    )
    avg = status.average_score
    click.echo(
        f"验收率 {status.acceptance_rate:.1%} · 平均分 {'-' if avg is None else avg} · 逾期 {status.overdue} 项"
        f" · 审核层级 {' → '.join(status.review_levels)}"
    )
    e = status.escalation
    click.echo(f"三色督办:红 {e['red']} 项 · 黄 {e['yellow']} 项 · 蓝 {e['blue']} 项")
    click.echo("\n按章节:")
    click.echo(
        table(
            ["章节", "合计", "未启动", "推进中", "已自查", "已验收"],
            [[r.section, r.total, *(r.by_state[st.value] for st in MeasureState)] for r in status.by_section],
            [44],
        )
    )
    click.echo("\n按单位:")
    click.echo(
        table(
            ["单位", "合计", "已验收", "逾期", "退回整改"],
            [
                [u.unit, u.total, u.by_state["accepted"], "、".join(u.overdue) or "-", "、".join(u.returned) or "-"]
                for u in status.by_unit
            ],
            [30, 4, 6, 30, 30],
        )
    )
    if status.indicators:
        click.echo("\n量化指标:")
        click.echo(
            table(
                ["序号", "指标", "目标", "填报值", "达成"],
                [
                    [
                        i.position,
                        i.metric,
                        f"{i.comparator} {i.target}{i.unit}",
                        "-" if i.reported_text is None else f"{i.reported_text}{i.unit}",
                        {None: "未填报", True: "达成", False: "未达成"}[i.met],
                    ]
                    for i in status.indicators
                ],
                [4, 30],
            )
        )


@cli.command("overdue")
@click.argument("plan", metavar="方案")
@click.option("--today", type=DATE, default=None, help="以此日期判断逾期(默认今天)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def overdue_cmd(ctx: click.Context, plan: str, today: dt.date | None, as_json: bool) -> None:
    """督办清单:按责任单位列出逾期和即将到期(30 天内)的措施。

    示例: zonecheck overdue 003 --today 2024-05-01
    """
    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "overdue")
    listing = overdue.overdue_list(get_app(ctx).uow(), who, found.id, today=today)
    if as_json:
        echo_json(listing.as_dict())
        return
    click.echo(
        f"督办清单:{listing.plan.title}  截至 {listing.today.isoformat()},逾期措施 {listing.overdue_measures} 项"
    )
    if not listing.units:
        click.echo("没有逾期或即将到期的措施。")
    for unit in listing.units:
        click.echo(f"\n{unit.unit}:逾期 {len(unit.overdue)} 项,即将到期 {len(unit.due_soon)} 项")
        for m in unit.overdue:
            role = "牵头" if m.role == "lead" else "配合"
            reasons = ";".join(r.text for r in m.reasons)
            click.echo(f"  [逾期] {m.ref} {m.title}({role},{m.state_label},督办 {m.colour_label}):{reasons}")
        for m in unit.due_soon:
            role = "牵头" if m.role == "lead" else "配合"
            due = m.due.isoformat() if m.due else ""
            click.echo(f"  [将到期] {m.ref} {m.title}({role},{m.state_label},督办 {m.colour_label}):{due} 到期")


@cli.command("history")
@MEASURE
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def history_cmd(ctx: click.Context, measure: str, as_json: bool) -> None:
    """措施的全部记录(审计日志中与该措施有关的每一条,含被拒绝的操作)。

    示例: zonecheck history 003/5
    """
    who = viewer(ctx)
    ref = measure_of(ctx, who, measure, "history")
    title, lines = history.measure_history(get_app(ctx).uow(), who, ref.id)
    if as_json:
        echo_json([line.__dict__ for line in lines])
        return
    click.echo(title)
    if not lines:
        click.echo("尚无记录。")
    for line in lines:
        click.echo(_history_line(line))


def _history_line(line: history.HistoryLine) -> str:
    when = local_time(line.at)
    who = f"{line.actor}({line.unit})" if line.unit else line.actor
    what = EVENT_LABELS.get(line.action, line.action)
    if line.refused:
        return f"{when}  {who}  [被拒绝] {what}:{line.comment}"
    moved = ""
    if line.from_state and line.from_state != line.to_state:
        moved = f"  {STATE_LABELS[MeasureState(line.from_state)]} → {STATE_LABELS[MeasureState(line.to_state)]}"
    extra = []
    if line.detail.get("level_name"):
        extra.append(str(line.detail["level_name"]))
    if line.detail.get("score") is not None:
        extra.append(f"评分 {line.detail['score']}")
    if line.detail.get("rectification_due"):
        extra.append(f"整改期限 {line.detail['rectification_due']}")
    for ev in line.detail.get("evidence", []):
        sha = f" sha256:{ev['sha256'][:12]}" if ev.get("sha256") else ""
        extra.append(f"#{ev['id']} {ev['name']}{sha}")
    if line.detail.get("unit") and line.action.startswith("part"):
        extra.append(str(line.detail["unit"]))
    comment = f":{line.comment}" if line.comment else ""
    tail = f"({';'.join(extra)})" if extra else ""
    return f"{when}  {who}  {what}{moved}{comment}{tail}"


@cli.group("audit")
def audit_group() -> None:
    """审计日志:校验哈希链。

    示例: zonecheck audit verify
    """


@audit_group.command("verify")
@click.pass_context
def audit_verify_cmd(ctx: click.Context) -> None:
    """逐条重算审计日志的哈希链,发现被修改、删除或调换顺序的记录。

    示例: zonecheck audit verify
    """
    app = get_app(ctx)
    with app.uow() as uow:
        report = verify_chain(uow.session)
    if report.ok:
        click.echo(f"审计日志完整:共 {report.entries} 条记录,哈希链校验通过")
        return
    click.echo(f"审计日志校验未通过:共 {report.entries} 条记录,发现 {len(report.problems)} 处问题")
    for problem in report.problems:
        click.echo(f"  {problem}")
    raise ZonecheckError(f"审计日志校验未通过:{_first_of(report.problems)}(共 {report.entries} 条记录)")


def _first_of(problems: list[str]) -> str:
    """The first problem, and how many more: the one error line names what is wrong."""
    more = f",另有 {len(problems) - 1} 处问题见上" if len(problems) > 1 else ""
    return f"{problems[0]}{more}"


