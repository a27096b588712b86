"""`zonecheck serve`: the web application (pages for units and the office, and the JSON API)."""

from __future__ import annotations

import os

import click

from workflow.cli.main import IntParam, cli, get_app


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", type=IntParam(min=1, max=65535), default=8000, show_default=True, help="监听端口。")
@click.option(
    "--workers",
    type=IntParam(min=1, max=64),
    default=1,
    show_default=True,
    help="工作进程数;SQLite 下建议 1,PostgreSQL 下可按 CPU 核数设置。",
)
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """启动网页服务:各单位上传佐证材料、提交自查,办公室审核、查看进度、下载报告;另有 JSON 接口。

    数据与命令行相同(ZONECHECK_HOME、ZONECHECK_DB)。对外提供服务时请在前面加 HTTPS 反向代理。

    \b
    示例:
      zonecheck serve
      zonecheck serve --host 0.0.0.0 --port 8080
      ZONECHECK_DB=postgresql+psycopg://zc:密码@localhost/zonecheck zonecheck serve --workers 4
    """
    import uvicorn  # only the server needs it: keep the other commands' start-up light

    app = get_app(ctx)  # fails early, in Chinese, when the database is missing or not migrated
    if workers > 1 and app.settings.is_embedded():
        click.echo("提示:SQLite 同一时间只允许一个写入者,多进程时写入会排队;正式使用请配置 PostgreSQL", err=True)
    os.environ.setdefault("ZONECHECK_HOME", str(app.settings.home))
    click.echo(f"zonecheck 网页服务:http://{host}:{port}/ (按 Ctrl+C 停止)", err=True)
    uvicorn.run(
        "workflow.web.app:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
