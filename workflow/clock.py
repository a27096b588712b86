"""The office's clock. Times are stored in UTC; people read them, and deadlines count days, in
the office's zone: ZONECHECK_TZ, default Asia/Shanghai (an unknown zone falls back to UTC).

One place for the CLI, the printed reports, the ledger and the web pages, so the same moment
reads the same everywhere and "today" (what is overdue) is the same day on every path.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def office_zone() -> dt.tzinfo:
    try:
        return ZoneInfo(os.environ.get("ZONECHECK_TZ") or "Asia/Shanghai")
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def office_now() -> dt.datetime:
    return dt.datetime.now(office_zone())


def office_today() -> dt.date:
    """Today's date in the office's zone, whatever the server's own zone is."""
    return office_now().date()


def local_time(value: dt.datetime | str | None, *, empty: str = "") -> str:
    """A stored time (UTC; naive from SQLite) as YYYY-MM-DD HH:MM in the office's zone."""
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(office_zone()).strftime("%Y-%m-%d %H:%M")
