"""The `zonecheck` group, error handling and the shared application context."""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import TYPE_CHECKING, Any, NoReturn

import click

from checklists import amounts
from workflow import __version__
from workflow.cli.lazy import LazyCommand, LazyGroup
from workflow.errors import DatabaseError, ZonecheckError

if TYPE_CHECKING:
    from workflow.bootstrap import App
    from workflow.domain.permissions import Actor


class UserFacingError(click.ClickException):
    """Printed as one Chinese line on stderr, no traceback, with the error's own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class

    def show(self, file: Any = None) -> None:
        click.echo(f"错误:{self.format_message()}", err=True)


def fail(error: ZonecheckError) -> NoReturn:
    from workflow.cli.hints import cli_message  # what to type next: only once something failed

    raise UserFacingError(cli_message(error), error.exit_code) from None


def _param_name(param: click.Parameter | None) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Option):
        return "/".join(param.opts)
    return param.human_readable_name


_EXTRA_ARGS = re.compile(r"^Got unexpected extra arguments? \((.*)\)$")
_NO_COMMAND = re.compile(r"^No such command '(.*)'\.$")


def usage_message(exc: click.UsageError) -> str:
    """Click's English usage errors as one Chinese sentence, with where to find the usage."""
    ctx = exc.ctx
    where = f"(用 {ctx.command_path if ctx else 'zonecheck'} --help 查看用法)"
    if isinstance(exc, click.MissingParameter):
        what = "选项" if isinstance(exc.param, click.Option) else "参数"
        return f"缺少{what} {_param_name(exc.param)}{where}"
    if isinstance(exc, click.BadParameter):
        name = _param_name(exc.param) or "参数"
        if exc.message.startswith("应为"):  # our own parameter types speak Chinese
            return f"{name} {exc.message}{where}"
        if exc.param is not None and isinstance(exc.param.type, click.Choice):
            choices = "、".join(str(c) for c in exc.param.type.choices)
            return f"{name} 应为 {choices} 之一{where}"
        return f"{name} 的值无效:{exc.message}{where}"
    if isinstance(exc, click.NoSuchOption):
        maybe = f",是否要用 {'、'.join(exc.possibilities)}" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{maybe}{where}"
    if isinstance(exc, click.BadOptionUsage):
        if "requires" in exc.message:
            return f"选项 {exc.option_name} 后面缺少取值{where}"
        if "does not take a value" in exc.message:
            return f"选项 {exc.option_name} 不接受取值{where}"
    if match := _EXTRA_ARGS.match(exc.message):
        return f"多余的参数:{match.group(1)}{where}"
    if match := _NO_COMMAND.match(exc.message):
        similar = getattr(exc, "possibilities", None)  # click >= 8.4
        maybe = f",是否要用 {'、'.join(similar)}" if similar else ""
        return f"没有命令“{match.group(1)}”{maybe}{where}"
    return f"命令用法有误:{exc.format_message()}{where}"


def _is_help(exc: click.UsageError) -> bool:
    """A group run without a command shows its help (click >= 8.2 raises it as a usage error)."""
    return type(exc).__name__ == "NoArgsIsHelpError"


class ZonecheckGroup(LazyGroup):
    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            if _is_help(exc):
                raise
            raise UserFacingError(usage_message(exc), exc.exit_code) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if _is_help(exc):
                raise
            raise UserFacingError(usage_message(exc), exc.exit_code) from None
        except ZonecheckError as exc:
            fail(exc)
        except Exception as exc:
            error = _database_error(ctx, exc)
            if error is None:
                raise
            fail(error)


def _database_error(ctx: click.Context, exc: Exception) -> DatabaseError | None:
    """A SQLAlchemy error as a Chinese one; None for any other exception."""
    if "sqlalchemy" not in sys.modules:
        return None  # never imported (start-up stays light), so nothing of it was raised
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    if isinstance(exc, OperationalError):
        from workflow.bootstrap import App

        app = ctx.obj if isinstance(ctx.obj, App) else None
        return DatabaseError.unreachable(app.engine.url if app else "(未知)", exc)
    if isinstance(exc, SQLAlchemyError):
        reason = str(getattr(exc, "orig", exc)).splitlines()[0]
        return DatabaseError(f"数据库操作失败,未写入任何内容:{reason}")
    return None


def get_app(ctx: click.Context, *, schema: bool = True) -> App:
    """The wired application, created on first use; checks the schema is migrated."""
    from workflow.bootstrap import App, bootstrap  # SQLAlchemy only for commands that need it

    root = ctx.find_root()
    if not isinstance(root.obj, App):
        root.obj = bootstrap()
        root.call_on_close(root.obj.close)
    if schema:
        root.obj.require_current_schema()
    return root.obj


def acting_user(ctx: click.Context) -> str | None:
    """Who acts: the global --as, else ZONECHECK_USER."""
    name = ctx.find_root().meta.get("zonecheck.as")
    return name or get_app(ctx, schema=False).settings.user


def viewer(ctx: click.Context) -> Actor | None:
    """Who reads: the person of --as (or ZONECHECK_USER), whose zone and unit bound what they
    see; None when nobody is named: the operator, who runs the deployment and sees everything."""
    from workflow.services.zones import viewer_of

    return viewer_of(get_app(ctx).uow(), acting_user(ctx))


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


class DateParam(click.ParamType[dt.date]):
    """YYYY-MM-DD, with a Chinese message naming the option when it is not a date."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        typed = str(value).strip()
        try:
            # fromisoformat alone would also take 20240501 and 2024-W18-3.
            if not _ISO_DATE.fullmatch(typed):
                raise ValueError(typed)
            return dt.date.fromisoformat(typed)
        except ValueError:
            self.fail(f"应为 YYYY-MM-DD 格式的日期,收到“{value}”", param, ctx)


DATE = DateParam()


class IntParam(click.ParamType[int]):
    """An integer, optionally bounded, with a Chinese message naming what was typed."""

    name = "integer"

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min, self.max = min, max

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip())
            except ValueError:
                self.fail(f"应为{self._range()}整数,收到“{value}”", param, ctx)
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            self.fail(f"应为{self._range()}整数,收到 {number}", param, ctx)
        return number

    def _range(self) -> str:
        if self.min is not None and self.max is not None:
            return f" {self.min} 到 {self.max} 之间的"
        if self.min is not None:
            return f"不小于 {self.min} 的"
        if self.max is not None:
            return f"不大于 {self.max} 的"
        return ""


class AmountParam(click.ParamType[str]):
    """An indicator value as typed (3600、8.2、6.8万), refused here when it is no amount; the
    text itself is passed on, and the service reads it again."""

    name = "amount"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        try:
            amounts.parse(text, field="")
        except amounts.AmountError as exc:
            self.fail(f"应为数值:{exc}", param, ctx)
        return text


AMOUNT = AmountParam()



# Every command of `zonecheck`: where it lives and the first line of its docstring, which
# `zonecheck --help` lists without importing the module (tests/unit/test_cli_registry.py keeps
# both true). A command's module is imported only when it runs or its own --help is asked for.
COMMANDS: dict[str, LazyCommand] = {
    "db": LazyCommand("workflow.cli.db:db_group", "数据库管理:创建、升级数据库结构,查看结构版本。"),
    "import": LazyCommand("workflow.cli.plans:import_cmd", "导入方案文件(UTF-8 文本)或已审核的方案目录(YAML)。"),
    "plans": LazyCommand("workflow.cli.plans:plans_cmd", "列出已导入的方案及其概况。"),
    "measures": LazyCommand("workflow.cli.plans:measures_cmd", "列出方案的措施:编号、责任单位、时限、清单条数与状态。"),
    "measure": LazyCommand("workflow.cli.plans:measure_cmd", "查看一项措施:原文、责任单位及其部分完成情况、时限、状态、清单与佐证材料、自查与审核。"),
    "plan": LazyCommand("workflow.cli.corrections:plan_group", "方案校正:修改措施的责任单位与牵头单位、时限、类别和自查清单,合并或拆分措施(重新导入同一方案时保留)。"),
    "export": LazyCommand("workflow.cli.plans:export_cmd", "导出方案:JSON(供其他系统使用)、YAML 方案目录,或 XLSX 工作台账。"),
    "start": LazyCommand("workflow.cli.work:start_cmd", "启动措施(未启动 → 推进中),由责任单位成员操作。"),
    "part": LazyCommand("workflow.cli.work:part_group", "本单位在措施中负责部分的完成标记。"),
    "selfcheck": LazyCommand("workflow.cli.work:selfcheck_cmd", "提交措施自查(推进中 → 已自查),由牵头单位成员操作。"),
    "withdraw": LazyCommand("workflow.cli.work:withdraw_cmd", "撤回已提交、尚未审核的自查(已自查 → 推进中),由牵头单位操作。"),
    "review": LazyCommand("workflow.cli.work:review_group", "领导小组办公室的审核:通过、退回整改、重新打开、设置审核层级。"),
    "status": LazyCommand("workflow.cli.work:status_cmd", "方案进展汇总:按状态、章节、单位统计,验收率、平均分、逾期与退回整改情况。"),
    "overdue": LazyCommand("workflow.cli.work:overdue_cmd", "督办清单:按责任单位列出逾期和即将到期(30 天内)的措施。"),
    "history": LazyCommand("workflow.cli.work:history_cmd", "措施的全部记录(审计日志中与该措施有关的每一条,含被拒绝的操作)。"),
    "audit": LazyCommand("workflow.cli.work:audit_group", "审计日志:校验哈希链。"),
    "evidence": LazyCommand("workflow.cli.evidence:evidence_group", "佐证材料:提交、替换、删除、查看与校验。"),
    "indicator": LazyCommand("workflow.cli.evidence:indicator_group", "量化指标:查看目标与填报实际值。"),
    "user": LazyCommand("workflow.cli.people:user_group", "人员:添加与查看。第一位人员须为管理员;此后仅管理员可添加人员。"),
    "unit": LazyCommand("workflow.cli.people:unit_group", "责任单位与单位群体(如“各成员单位”)。"),
    "zone": LazyCommand("workflow.cli.people:zone_group", "辖区(示范区):如 上海市 → 嘉定区。方案、单位与人员各属一个辖区。"),
    "index": LazyCommand("workflow.cli.scores:index_group", "评价指标体系:载入(YAML 或 XLSX)、生成示例、查看各指标的自评分与专家评分。"),
    "score": LazyCommand("workflow.cli.scores:score_group", "评分:办公室自评打分,专家评分,组长汇总与确认,开启复审轮次。"),
    "expert": LazyCommand("workflow.cli.experts:expert_group", "专家组:为方案指定评审专家与组长(由方案所在辖区或其审核辖区的管理员操作)。"),
    "opinion": LazyCommand("workflow.cli.experts:opinion_group", "专家意见:专家填写对方案的评审意见,组长填写专家组意见。"),
    "formal": LazyCommand("workflow.cli.formal:formal_group", "形式审查:一次性告知各单位全部缺漏,限期补正(按工作日计),跟踪补正材料,结束后自评分不再修改。"),
    "site": LazyCommand("workflow.cli.site:site_group", "现场核查:记录核查日期、地点、参加人员、走访单位、查阅材料、抽查情况与发现,附现场照片。"),
    "report": LazyCommand("workflow.cli.reports:report_group", "生成报告与通知:PDF(按 GB/T 9704 公文格式排版)或 Word 文档,验收汇总表为 Excel。"),
    "bundle": LazyCommand("workflow.cli.bundle:bundle_cmd", "佐证材料汇编:把方案的全部佐证文件按章节、措施和清单项归档为一个 ZIP。"),
    "extension": LazyCommand("workflow.cli.extensions:extension_group", "延期:牵头单位在期限届满前申请,办公室批准(可批准较早的日期)或不予批准;原定期限保留。"),
    "appeal": LazyCommand("workflow.cli.extensions:appeal_group", "申诉:单位对退回整改提出申诉(表述有误、仅需说明、暂无法解决需持续跟进),办公室答复(采纳或不予采纳)。"),
    "notify": LazyCommand("workflow.cli.notify:notify_group", "通知:发送到期的邮件、钉钉与企业微信消息,查看发送记录与失败原因。"),
    "inbox": LazyCommand("workflow.cli.inbox:inbox_group", "站内消息:列出本人的消息,查看全文并标为已读。"),
    "escalation": LazyCommand("workflow.cli.escalation:escalation_group", "三色督办规则:查看本辖区的规则,管理员设置临近提醒天数、到期催办天数等。"),
    "worker": LazyCommand("workflow.cli.jobs:worker_cmd", "运行后台工作进程:生成网页上申请的报告,每隔几分钟发送到期的消息,每天定时生成并发送提醒。"),
    "jobs": LazyCommand("workflow.cli.jobs:jobs_group", "报告生成任务:网页上申请的报告在后台生成,这里查看其状态。"),
    "serve": LazyCommand("workflow.cli.serve:serve_cmd", "启动网页服务:各单位上传佐证材料、提交自查,办公室审核、查看进度、下载报告;另有 JSON 接口。"),
}


@click.group(
    cls=ZonecheckGroup,
    lazy_commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="zonecheck", message="zonecheck %(version)s")
@click.option(
    "--as",
    "as_user",
    metavar="姓名",
    help="以此人员身份操作(默认取环境变量 ZONECHECK_USER)。",
)
@click.pass_context
def cli(ctx: click.Context, as_user: str | None) -> None:
    """知识产权保护示范区建设方案:任务清单、自查与验收工作流。

    \b
    数据目录:ZONECHECK_HOME(默认 ./zonecheck-data)
    数据库:  ZONECHECK_DB(默认为数据目录中的 SQLite 文件)
    方案:    方案键(方案文件名,如 003_ae6539458f46096d)或其唯一的开头部分(如 003)、
              文号,或 zonecheck plans 中的序号
    措施:    方案/编号,如 003/5、003/S1
    操作人:  --as 姓名,或环境变量 ZONECHECK_USER

    \b
    示例:
      zonecheck db upgrade
      zonecheck import 方案.txt
      zonecheck plans
      zonecheck measures 003 --unit 区市场监管局
      zonecheck --as 张三 start 003/5
    """
    if as_user:
        ctx.meta["zonecheck.as"] = as_user.strip()


def main() -> None:
    # Chinese output must survive a pipe or a C locale.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    cli(prog_name="zonecheck")


__all__ = ["cli", "main", "get_app", "acting_user", "COMMANDS"]
