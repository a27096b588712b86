"""The `zonecheck` group, error handling and the shared application context."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, NoReturn

import click
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from workflow.bootstrap import App, bootstrap
from workflow.errors import DatabaseError, ZonecheckError


class UserFacingError(click.ClickException):
    """Printed as one Chinese line on stderr, no traceback, with the error's own exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # per error, not per class

    def show(self, file: Any = None) -> None:
        click.echo(f"错误:{self.format_message()}", err=True)


def fail(error: ZonecheckError) -> NoReturn:
    raise UserFacingError(str(error), error.exit_code) from None


class ZonecheckGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
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


class DateParam(click.ParamType[dt.date]):
    """YYYY-MM-DD, with a Chinese message naming the option when it is not a date."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            where = f"{param.opts[0]} " if param is not None and param.opts else ""
            self.fail(f"{where}应为 YYYY-MM-DD 格式的日期,收到“{value}”", param, ctx)


DATE = DateParam()


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

    数据目录由 ZONECHECK_HOME 指定(默认 ./zonecheck-data),
    数据库由 ZONECHECK_DB 指定(默认为数据目录中的 SQLite 文件)。

    \b
    示例:
      zonecheck db upgrade
      zonecheck import 方案.txt
      zonecheck plans
      zonecheck measures 方案编号 --unit 区市场监管局
      zonecheck --as 张三 start 方案编号/5
    """
    if as_user:
        ctx.meta["zonecheck.as"] = as_user.strip()


def main() -> None:
    # Chinese output must survive a pipe or a C locale.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    cli(prog_name="zonecheck")


from workflow.cli import db as _db  # noqa: E402  (commands register on the group)
from workflow.cli import evidence as _evidence  # noqa: E402
from workflow.cli import people as _people  # noqa: E402
from workflow.cli import plans as _plans  # noqa: E402
from workflow.cli import work as _work  # noqa: E402

__all__ = ["cli", "main", "get_app", "acting_user", "_db", "_plans", "_work", "_evidence", "_people"]
