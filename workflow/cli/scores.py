"""Index system and score commands: the office loads the plan's evaluation index system
(评价指标体系), starts from its example, and scores the zone against it (自评分)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from workflow.cli.main import get_app, viewer
from workflow.cli.output import echo_json, table
from workflow.cli.resolve import acting, plan_of
from workflow.errors import InputError

if TYPE_CHECKING:
    from workflow.domain.scoring import Mark


@click.group("index")
def index_group() -> None:
    """评价指标体系:载入(YAML 或 XLSX)、生成示例、查看各指标的自评分与专家评分。

    示例: zonecheck --as 王主任 index load 003 指标体系.yaml
    """


@index_group.command("load")
@click.argument("plan", metavar="方案")
@click.argument("file", metavar="文件", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def load_cmd(ctx: click.Context, plan: str, file: Path) -> None:
    """载入方案的评价指标体系(YAML 或 .xlsx;尚无评分时可重新载入替换)。

    示例: zonecheck --as 王主任 index load 003 指标体系.yaml
    """
    from workflow.services.index_systems import MAX_INDEX_FILE_BYTES, load_index

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "index_load")
    try:
        with file.open("rb") as fh:
            data = fh.read(MAX_INDEX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"无法读取文件 {file}:{exc.strerror or exc}") from None
    result = load_index(get_app(ctx).uow(), who, found.id, str(file), data)
    what = "已替换" if result.replaced else "已载入"
    click.echo(f"{what}方案 {result.plan_key} 的评价指标体系“{result.name}”:{result.indicators} 项指标,其中 {result.leaves} 项计分")


@index_group.command("example")
@click.argument("plan", metavar="方案")
@click.pass_context
def example_cmd(ctx: click.Context, plan: str) -> None:
    """按方案结构生成示例评价指标体系(YAML),供办公室修改后载入。

    示例: zonecheck index example 003 > 指标体系.yaml
    """
    from workflow.services.index_systems import example_index_yaml

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "index_example")
    click.echo(example_index_yaml(get_app(ctx).uow(), who, found.id), nl=False)


def _num(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


@index_group.command("show")
@click.argument("plan", metavar="方案")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def show_cmd(ctx: click.Context, plan: str, as_json: bool) -> None:
    """查看方案的评价指标体系及各指标的自评分、专家评分、合计与等次。

    示例: zonecheck index show 003 --json
    """
    from workflow.read.scores import score_summary

    who = viewer(ctx)
    found = plan_of(ctx, who, plan, "index_show")
    summary = score_summary(get_app(ctx).uow(), who, found.id)
    if summary is None:
        if as_json:
            echo_json(None)
            return
        raise InputError(f"方案 {found.key} 尚未载入评价指标体系", code="no_index", params={"plan": found.key})
    if as_json:
        echo_json(summary.as_dict())
        return
    click.echo(f"{summary.name}(方案 {summary.plan_key},满分 {_num(summary.total)},加分 {_num(summary.bonus_total)})")
    rows = [
        [
            ("  " * (line.level - 1)) + line.code,
            line.name,
            _num(line.points),
            "达标" if line.type == "met" else "评分",
            _num(line.self_score) if line.self_mark is not None or not line.leaf else "-",
            _num(line.panel_score),
        ]
        for line in summary.lines
    ]
    click.echo(table(["编号", "指标", "分值", "类型", "自评", "专家"], rows, [12, 30]))
    own = summary.own
    click.echo(
        f"自评合计 {_num(own.total)}(基本分 {_num(own.base)},加分 {_num(own.bonus)})"
        f",未评 {own.unscored} 项,等次 {own.grade or '-'}"
    )
    if own.vetoed:
        click.echo(f"一票否决:{'、'.join(own.vetoed)}")
    if summary.panel is not None:
        click.echo(f"专家评分 {_num(summary.panel.total)},等次 {summary.panel.grade or '-'}")


@click.group("score")
def score_group() -> None:
    """评分:办公室自评打分,专家评分,组长汇总与确认,开启复审轮次。

    示例: zonecheck --as 王主任 score self 003 1.1 --points 4 --statement 已建立工作机制
    """


def _mark(points: str | None, met: bool | None) -> Mark:
    """--points N (a 评分 indicator) or --met / --not-met (a 达标 one), exactly one."""
    if (points is None) == (met is None):
        raise InputError("请给出 --points 分数(评分类指标)或 --met / --not-met(达标类指标),二者选一")
    if met is not None:
        return met
    assert points is not None
    try:
        return Decimal(points.strip())
    except InvalidOperation:
        raise InputError(f"--points 应为数字,收到“{points}”") from None


@score_group.command("self")
@click.argument("plan", metavar="方案")
@click.argument("code", metavar="指标编号")
@click.option("--points", default=None, metavar="分数", help="评分类指标的得分(0 至该指标分值,最多两位小数)。")
@click.option("--met/--not-met", "met", default=None, help="达标类指标:达标或不达标。")
@click.option("--statement", required=True, metavar="说明", help="自评说明(得分依据)。")
@click.option("--evidence", "evidence", multiple=True, type=int, metavar="编号", help="关联的佐证材料编号(可多次)。")
@click.option("--version", "version", type=int, default=None, metavar="N", help="查看时的版本号;已被他人修改则拒绝。")
@click.pass_context
def self_cmd(
    ctx: click.Context,
    plan: str,
    code: str,
    points: str | None,
    met: bool | None,
    statement: str,
    evidence: tuple[int, ...],
    version: int | None,
) -> None:
    """为一项指标自评打分(仅限末级指标),附自评说明与佐证材料。

    \b
    示例:
      zonecheck --as 王主任 score self 003 1.1 --points 4.5 --statement "已建立联席会议机制" --evidence 12
      zonecheck --as 王主任 score self 003 6.1 --met --statement "已完成"
    """
    from workflow.services.index_systems import set_self_score

    mark = _mark(points, met)
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "score_self")
    result = set_self_score(
        get_app(ctx).uow(), who, found.id, code, mark, statement, list(evidence), expected_version=version
    )
    click.echo(
        f"已自评 {result.plan_key} 指标 {result.label}:{_num(result.points)} 分(第 {result.round} 轮,版本 {result.version})"
    )


_EXPERT_MARK = [
    click.option("--points", default=None, metavar="分数", help="评分类指标的得分(0 至该指标分值,最多两位小数)。"),
    click.option("--met/--not-met", "met", default=None, help="达标类指标:达标或不达标。"),
    click.option("--comment", default="", metavar="意见", help="评分理由(至多 4,000 字)。"),
    click.option("--version", "version", type=int, default=None, metavar="N", help="查看时的版本号;已被修改则拒绝。"),
]


def _expert_mark_options(fn: Any) -> Any:
    for option in reversed(_EXPERT_MARK):
        fn = option(fn)
    return fn


@score_group.command("expert")
@click.argument("plan", metavar="方案")
@click.argument("code", metavar="指标编号")
@_expert_mark_options
@click.pass_context
def expert_cmd(
    ctx: click.Context, plan: str, code: str, points: str | None, met: bool | None, comment: str, version: int | None
) -> None:
    """专家为一项末级指标评分(本人所在专家组的方案,当前一轮尚未确认时)。

    \b
    示例:
      zonecheck --as 赵专家 score expert 003 1.1 --points 4 --comment "机制健全,会商记录完整"
      zonecheck --as 赵专家 score expert 003 6.1 --not-met --comment "未见统计数据"
    """
    from workflow.services.expert_scores import set_expert_score

    mark = _mark(points, met)
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "score_expert")
    result = set_expert_score(get_app(ctx).uow(), who, found.id, code, mark, comment, expected_version=version)
    click.echo(f"已评分 {result.plan_key} 指标 {result.label}:{_num(result.points)} 分(第 {result.round} 轮,版本 {result.version})")


@score_group.command("final")
@click.argument("plan", metavar="方案")
@click.argument("code", metavar="指标编号")
@_expert_mark_options
@click.pass_context
def final_cmd(
    ctx: click.Context, plan: str, code: str, points: str | None, met: bool | None, comment: str, version: int | None
) -> None:
    """组长给出一项末级指标的专家组汇总评分(指标体系按组长评分汇总时)。

    示例: zonecheck --as 赵专家 score final 003 1.1 --points 4.5 --comment "综合各专家意见"
    """
    from workflow.services.expert_scores import set_panel_score

    mark = _mark(points, met)
    who = acting(ctx)
    found = plan_of(ctx, who, plan, "score_final")
    result = set_panel_score(get_app(ctx).uow(), who, found.id, code, mark, comment, expected_version=version)
    click.echo(f"已汇总 {result.plan_key} 指标 {result.label}:{_num(result.points)} 分(第 {result.round} 轮,版本 {result.version})")


@score_group.command("finalise")
@click.argument("plan", metavar="方案")
@click.pass_context
def finalise_cmd(ctx: click.Context, plan: str) -> None:
    """组长确认本轮专家评审(须每项指标都有专家组评分,且已填写专家组意见);确认后本轮不能再修改。

    示例: zonecheck --as 赵专家 score finalise 003
    """
    from workflow.services.expert_scores import finalise_round

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "score_finalise")
    result = finalise_round(get_app(ctx).uow(), who, found.id)
    click.echo(f"已确认方案 {result.plan_key} 第 {result.round} 轮专家评审:{_num(result.total)} 分,等次 {result.grade or '-'}")


@score_group.command("round")
@click.argument("plan", metavar="方案")
@click.option("--open", "open_", is_flag=True, required=True, help="开启下一轮专家评审(复审)。")
@click.pass_context
def round_cmd(ctx: click.Context, plan: str, open_: bool) -> None:
    """上一轮专家评审经组长确认后,由办公室开启下一轮(复审);各轮评分与意见均保留。

    示例: zonecheck --as 王主任 score round 003 --open
    """
    from workflow.services.experts import open_round

    who = acting(ctx)
    found = plan_of(ctx, who, plan, "expert_round_open")
    number = open_round(get_app(ctx).uow(), who, found.id)
    click.echo(f"已开启方案 {found.key} 第 {number} 轮专家评审")
