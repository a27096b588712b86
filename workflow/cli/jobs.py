"""The worker (huey's consumer over the queue of workflow.jobs) and the list of render jobs."""

from __future__ import annotations

import logging

import click

from workflow.cli.main import IntParam, get_app, viewer
from workflow.cli.output import echo_json, local_time, table


@click.command("worker")
@click.option("--workers", type=IntParam(min=1, max=16), default=1, show_default=True, help="同时生成报告的进程数(每个约占 1 个 CPU 核与数百 MB 内存)。")
@click.option("--threads", is_flag=True, help="用线程而不是进程执行任务(占内存少;生成 PDF 时多个任务会相互等待)。")
@click.option("--no-periodic", is_flag=True, help="不运行定时任务(另有一个工作进程负责定时发送消息与每日提醒时使用)。")
@click.pass_context
def worker_cmd(ctx: click.Context, workers: int, threads: bool, no_periodic: bool) -> None:
    """运行后台工作进程:生成网页上申请的报告,每隔几分钟发送到期的消息,每天定时生成并发送提醒。

    与 zonecheck serve 使用同一数据目录与数据库;任务队列默认在数据目录的 jobs/jobs.sqlite3,设置
    ZONECHECK_REDIS_URL=redis://… 时使用 Redis。每日提醒时间为 ZONECHECK_NOTIFY_AT(默认 08:00),
    发送间隔为 ZONECHECK_SEND_EVERY 分钟(默认 5)。收到 SIGTERM 或 Ctrl+C 时,等正在生成的报告完成后退出;
    被强行终止时,未完成的报告在租约(ZONECHECK_JOB_LEASE 秒,默认 90)到期后由工作进程重新生成。

    \b
    示例:
      zonecheck worker
      zonecheck worker --workers 2
      ZONECHECK_REDIS_URL=redis://127.0.0.1:6379/0 zonecheck worker
    """
    from workflow.jobs.queue import QueueConfig, build_queue

    app = get_app(ctx)  # fails early, in Chinese, when the database is missing or not migrated
    config = QueueConfig.from_env(app.settings)
    queue = build_queue(app.settings, config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("weasyprint").setLevel(logging.WARNING)  # a line per stylesheet otherwise
    # The consumer's own processes open their own connections: none of ours crosses the fork.
    app.engine.dispose()
    consumer = queue.huey.create_consumer(
        workers=workers,
        worker_type="thread" if threads else "process",
        periodic=not no_periodic,
        graceful_signal="TERM",  # systemd stops with SIGTERM: finish the render in hand first
        check_worker_health=True,
    )
    click.echo(f"zonecheck 工作进程:任务队列 {config.describe()},{workers} 个{'线程' if threads else '进程'}(按 Ctrl+C 停止)", err=True)
    consumer.run()


@click.group("jobs")
def jobs_group() -> None:
    """报告生成任务:网页上申请的报告在后台生成,这里查看其状态。

    示例: zonecheck --as 王主任 jobs list
    """


@jobs_group.command("list")
@click.option("--limit", type=IntParam(min=1, max=1000), default=50, show_default=True, help="至多列出多少条(最新的在前)。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@click.pass_context
def jobs_list_cmd(ctx: click.Context, limit: int, as_json: bool) -> None:
    """列出报告生成任务:办公室人员看本辖区人员申请的,运维人员(不加 --as)看全部。

    示例: zonecheck --as 王主任 jobs list --limit 20
    """
    from workflow.read.render_jobs import list_jobs

    views = list_jobs(get_app(ctx).uow(), viewer(ctx), limit=limit)
    if as_json:
        echo_json([
            {"id": v.id, "plan": v.plan_key, "kind": v.kind, "format": v.format, "state": v.state.value,
             "attempts": v.attempts, "error": v.error, "file_name": v.file_name, "requester": v.requester,
             "created_at": v.created_at.isoformat(), "finished_at": v.finished_at.isoformat() if v.finished_at else None}
            for v in views
        ])
        return
    if not views:
        click.echo("尚无报告生成任务")
        return
    rows = [
        [v.id, v.plan_key, v.title, v.format, v.state_label, v.attempts, v.requester, local_time(v.created_at),
         v.file_name or v.error]
        for v in views
    ]
    click.echo(table(["编号", "方案", "报告", "格式", "状态", "次数", "申请人", "申请时间", "文件或原因"], rows, [6, 22, 10, 5, 6, 4, 8, 16, 60]))
