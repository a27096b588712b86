"""The worker's schedule and settings, without a database: when the daily run and the sender
are due (huey hands its periodic check naive UTC minutes), and settings refused in Chinese
naming the variable."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from workflow.config import Settings
from workflow.errors import InputError
from workflow.jobs.queue import QueueConfig, daily_at, every_minutes
from workflow.jobs.rules import MAX_ERROR, lease_expired, may_retry, short_error

SETTINGS = Settings(home=Path("/srv/zonecheck-data"), db_url="sqlite://")


def test_the_daily_run_is_due_at_the_office_s_time_whatever_the_server_s_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONECHECK_TZ", "Asia/Shanghai")
    due = daily_at(8, 0)
    assert due(dt.datetime(2026, 12, 7, 0, 0))  # 08:00 in Shanghai
    assert not due(dt.datetime(2026, 12, 7, 0, 1)) and not due(dt.datetime(2026, 12, 7, 8, 0))


def test_messages_are_sent_every_few_minutes() -> None:
    every_five = every_minutes(5)
    assert [m for m in range(0, 16) if every_five(dt.datetime(2026, 12, 7, 3, m))] == [0, 5, 10, 15]
    assert all(every_minutes(1)(dt.datetime(2026, 12, 7, 3, m)) for m in range(60))


def test_the_queue_is_sqlite_in_the_data_folder_unless_redis_is_named() -> None:
    config = QueueConfig.from_env(SETTINGS, {})
    assert config.sqlite_path == Path("/srv/zonecheck-data/jobs/jobs.sqlite3") and config.redis_url is None
    assert (config.notify_at, config.send_every, config.lease) == ((8, 0), 5, dt.timedelta(seconds=90))
    redis = QueueConfig.from_env(
        SETTINGS, {"ZONECHECK_REDIS_URL": "redis://:secret@127.0.0.1:6379/0", "ZONECHECK_NOTIFY_AT": "7:30",
                   "ZONECHECK_SEND_EVERY": "10", "ZONECHECK_JOB_LEASE": "120"},
    )  # fmt: skip
    assert (redis.notify_at, redis.send_every, redis.lease) == ((7, 30), 10, dt.timedelta(seconds=120))
    assert redis.describe() == "Redis redis://***@127.0.0.1:6379/0"  # no password in the log


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ZONECHECK_REDIS_URL", "http://127.0.0.1:6379"),
        ("ZONECHECK_NOTIFY_AT", "25:00"),
        ("ZONECHECK_NOTIFY_AT", "8点"),
        ("ZONECHECK_SEND_EVERY", "0"),
        ("ZONECHECK_SEND_EVERY", "1e9"),
        ("ZONECHECK_JOB_LEASE", "2"),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(variable: str, value: str) -> None:
    with pytest.raises(InputError, match=variable):
        QueueConfig.from_env(SETTINGS, {variable: value})


def test_leases_tries_and_errors_are_bounded() -> None:
    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    assert lease_expired(None, now) and lease_expired(now, now) and not lease_expired(now + dt.timedelta(seconds=1), now)
    assert may_retry(2) and not may_retry(3)
    assert len(short_error("很长的原因 " * 500)) == MAX_ERROR and short_error("a\n  b") == "a b"
