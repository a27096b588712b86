"""`zonecheck db ...`: database schema commands."""

from __future__ import annotations

import click

from workflow.cli.main import cli, get_app
from workflow.db import prepare_sqlite_folder, schema_status, upgrade


@cli.group("db")
def db_group() -> None:
    """数据库管理:创建、升级数据库结构,查看结构版本。

    \b
    示例:
      zonecheck db upgrade
      zonecheck db status
    """


@db_group.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """将数据库结构升级到最新版本(新数据库即创建全部表)。

    示例: zonecheck db upgrade
    """
    app = get_app(ctx, schema=False)
    prepare_sqlite_folder(app.engine)
    before, head = schema_status(app.engine)
    upgrade(app.settings.db_url)
    where = app.engine.url.render_as_string(hide_password=True)
    if before == head:
        click.echo(f"数据库已是最新版本 {head}:{where}")
    else:
        click.echo(f"数据库已升级到版本 {head}(原版本 {before or '空库'}):{where}")


@db_group.command("status")
@click.pass_context
def db_status(ctx: click.Context) -> None:
    """显示数据库结构版本。

    示例: zonecheck db status
    """
    app = get_app(ctx, schema=False)
    current, head = schema_status(app.engine)
    state = "最新" if current == head else "需要运行 zonecheck db upgrade"
    click.echo(f"当前版本 {current or '空库'},最新版本 {head}({state})")
