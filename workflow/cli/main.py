"""The `zonecheck` group, error handling and the shared application context."""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from workflow.bootstrap import App, bootstrap
from workflow.cli.hints import cli_message
from workflow.domain.permissions import Actor
from workflow.errors import DatabaseError, ZonecheckError


class UserFacingError(click.ClickException):
    """Printed as one Chinese line on stderr, no traceback, with the error's own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class

    def show(self, file: Any = None) -> None:
        click.echo(f"错误:{self.format_message()}", err=True)


def fail(error: ZonecheckError) -> NoReturn:
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


class ZonecheckGroup(click.Group):
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
        except OperationalError as exc:
            app = ctx.obj if isinstance(ctx.obj, App) else None
            url = app.engine.url if app else "(未知)"
            fail(DatabaseError.unreachable(url, exc))
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", exc)).splitlines()[0]
            fail(DatabaseError(f"数据库操作失败,未写入任何内容:{reason}"))


def get_app(ctx: click.Context, *, schema: bool = True) -> App:
    """The wired application, created on first use; checks the schema is migrated."""
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


@click.group(cls=ZonecheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="zonecheck", message="zonecheck %(version)s")
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


from workflow.cli import bundle as _bundle  # noqa: E402
from workflow.cli import db as _db  # noqa: E402  (commands register on the group)
from workflow.cli import evidence as _evidence  # noqa: E402
from workflow.cli import people as _people  # noqa: E402
from workflow.cli import plans as _plans  # noqa: E402
from workflow.cli import reports as _reports  # noqa: E402
from workflow.cli import serve as _serve  # noqa: E402
from workflow.cli import work as _work  # noqa: E402

__all__ = ["cli", "main", "get_app", "acting_user", "_db", "_plans", "_work", "_evidence", "_people", "_reports", "_bundle", "_serve"]
