"""The task queue (huey), built from settings: SQLite in the data folder by default, Redis when
ZONECHECK_REDIS_URL is set; and its tasks: render a job, re-queue jobs whose worker died,
send the messages that are due, and the day's notification run at the configured time.

The web service only puts tasks on the queue (`enqueue_render`); `zonecheck worker` runs
them. Both build the same queue from the same environment, so they meet in the same place.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey

from workflow.config import Settings
from workflow.errors import InputError
from workflow.jobs.rules import DEFAULT_LEASE

log = logging.getLogger("zonecheck.jobs")

_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)", re.ASCII)


@dataclass(frozen=True)
class QueueConfig:
    """Where the queue lives and when the periodic tasks run.

    ZONECHECK_REDIS_URL (redis://…, rediss://…, unix://…) puts the queue in Redis; else it is
    ZONECHECK_HOME/jobs/jobs.sqlite3. ZONECHECK_NOTIFY_AT (HH:MM, the office's time, default
    08:00) is when the day's notification run starts; ZONECHECK_SEND_EVERY (minutes, 1 to 60,
    default 5) how often due messages are sent; ZONECHECK_JOB_LEASE (seconds, 3 to 3600,
    default 90) how long a silent worker keeps a render before it is taken up again.
    """

    home: Path
    redis_url: str | None = None
    notify_at: tuple[int, int] = (8, 0)
    send_every: int = 5
    lease: dt.timedelta = DEFAULT_LEASE

    @property
    def sqlite_path(self) -> Path:
        return self.home / "jobs" / "jobs.sqlite3"

    def describe(self) -> str:
        if self.redis_url:
            return "Redis " + re.sub(r"//[^@/]*@", "//***@", self.redis_url)
        return f"SQLite {self.sqlite_path}"

    @classmethod
    def from_env(cls, settings: Settings, environ: Mapping[str, str] | None = None) -> QueueConfig:
        env = os.environ if environ is None else environ
        redis_url = (env.get("ZONECHECK_REDIS_URL") or "").strip() or None
        if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise InputError(f"环境变量 ZONECHECK_REDIS_URL 应以 redis://、rediss:// 或 unix:// 开头,收到“{redis_url[:60]}”")
        at = (env.get("ZONECHECK_NOTIFY_AT") or "08:00").strip()
        match = _TIME.fullmatch(at)
        if match is None:
            raise InputError(f"环境变量 ZONECHECK_NOTIFY_AT 应为 HH:MM(如 08:00),收到“{at[:20]}”")
        return cls(
            home=settings.home,
            redis_url=redis_url,
            notify_at=(int(match[1]), int(match[2])),
            send_every=_int(env, "ZONECHECK_SEND_EVERY", 5, 1, 60, "分钟"),
            lease=dt.timedelta(seconds=_int(env, "ZONECHECK_JOB_LEASE", int(DEFAULT_LEASE.total_seconds()), 3, 3600, "秒")),
        )


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int, unit: str) -> int:
    text = (env.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        raise InputError(f"环境变量 {name} 应为 {low} 到 {high} 之间的整数({unit}),收到“{text[:20]}”")
    return int(text)


def daily_at(hour: int, minute: int) -> Callable[[dt.datetime], bool]:
    """huey's periodic check (it passes naive UTC minutes): true at hour:minute office time."""
    from workflow.clock import office_zone

    def due(moment: dt.datetime) -> bool:
        local = moment.replace(tzinfo=dt.UTC).astimezone(office_zone())
        return (local.hour, local.minute) == (hour, minute)

    return due


def every_minutes(step: int) -> Callable[[dt.datetime], bool]:
    return lambda moment: (moment.hour * 60 + moment.minute) % step == 0


@dataclass
class Queue:
    """The huey instance and its tasks, as built for one configuration."""

    huey: Huey
    config: QueueConfig
    render: Any  # huey TaskWrapper: render(job_id)
    sweep: Any
    send: Any
    daily: Any
    apps: dict[str, Any]  # the application each process made on its first task

    def close(self) -> None:
        """Close the database connections the tasks run in this process opened."""
        for app in self.apps.values():
            app.close()
        self.apps.clear()


def build_queue(settings: Settings, config: QueueConfig) -> Queue:
    """The queue and its tasks. The application (database engine) is made in the worker on its
    first task, never here: the web service builds this queue only to put tasks on it."""
    if config.redis_url:
        huey: Huey = RedisHuey("zonecheck", url=config.redis_url, results=False)
    else:
        config.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey("zonecheck", filename=str(config.sqlite_path), results=False)
    apps: dict[str, Any] = {}

    def app() -> Any:
        # One application per worker process (and made after the fork of process workers).
        key = f"app-{os.getpid()}"
        if key not in apps:
            from workflow.bootstrap import bootstrap

            apps[key] = bootstrap(settings)
        return apps[key]

    @huey.task(name="render")
    def render(job_id: int) -> None:
        from workflow.jobs.renders import run_render
        from workflow.jobs.rules import JobState

        state = run_render(app(), job_id, lease=config.lease)
        log.info("render job %s: %s", job_id, state)
        if state is JobState.QUEUED:  # an unexpected error with tries left: again after a pause
            render.schedule((job_id,), delay=min(30, int(config.lease.total_seconds())))

    @huey.periodic_task(every_minutes(1), name="sweep")
    def sweep() -> None:
        from workflow.jobs.renders import sweep as find_stale

        for job_id in find_stale(app().uow(), dt.datetime.now(dt.UTC), config.lease):
            log.info("render job %s queued again (its worker stopped answering)", job_id)
            render(job_id)

    @huey.periodic_task(every_minutes(config.send_every), name="send_due")
    def send() -> None:
        from workflow.notify.sender import send_due

        log.info("send due: %s", send_due(app().uow(), dt.datetime.now(dt.UTC)).summary())

    @huey.periodic_task(daily_at(*config.notify_at), name="daily_notifications")
    def daily() -> None:
        # The same call as `zonecheck notify run`: a scheduled run and a run by hand agree.
        from workflow.clock import office_today
        from workflow.notify.daily import run_notifications

        log.info("daily notifications: %s", run_notifications(app().uow(), office_today(), dt.datetime.now(dt.UTC)).summary())

    @huey.on_startup()
    def first_sweep() -> None:
        # A worker that starts after a crash picks up the jobs left behind without waiting for
        # the minute's sweep: those whose lease ran out now, the others once it has.
        sweep.call_local()
        sweep.schedule(delay=int(config.lease.total_seconds()) + 1)

    return Queue(huey=huey, config=config, render=render, sweep=sweep, send=send, daily=daily, apps=apps)


@lru_cache(maxsize=4)
def _queue_for(settings: Settings, config: QueueConfig) -> Queue:
    return build_queue(settings, config)


def queue_for(settings: Settings) -> Queue:
    """The queue of these settings and the environment, built once per process."""
    return _queue_for(settings, QueueConfig.from_env(settings))


def enqueue_render(settings: Settings, job_id: int) -> None:
    """Hand job `job_id` to a worker. Should the queue be unreachable, the job stays queued in
    the database and the worker's sweep sends it on once its lease has run out."""
    try:
        queue_for(settings).render(job_id)
    except Exception as exc:  # the database row is what counts; the sweep recovers it
        # (a bad queue setting included: the worker refuses to start with it, saying which)
        log.warning("render job %s not put on the queue: %s", job_id, exc)
