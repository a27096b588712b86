"""The office's clock: one zone for every printed time and for what "today" means."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow import clock
from workflow.domain.obligations import Overdue, OverdueKind


def test_times_read_in_the_office_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZONECHECK_TZ", raising=False)
    late_utc = dt.datetime(2026, 1, 1, 18, 30)  # naive = UTC, as SQLite returns it
    assert clock.local_time(late_utc) == "2026-01-02 02:30"
    assert clock.local_time("2026-01-01T18:30:00+00:00") == "2026-01-02 02:30"
    assert clock.local_time(None) == "" and clock.local_time(None, empty="—") == "—"
    monkeypatch.setenv("ZONECHECK_TZ", "Europe/Berlin")
    assert clock.local_time(late_utc) == "2026-01-01 19:30"


def test_an_unknown_zone_falls_back_to_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONECHECK_TZ", "Mars/Olympus")
    assert clock.office_zone() is dt.UTC


def test_today_is_the_office_day_not_the_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Far east and far west of UTC are a day apart for most of every day; they agree with the
    # zone's own date, whatever the server's zone is.
    monkeypatch.setenv("ZONECHECK_TZ", "Pacific/Kiritimati")  # UTC+14
    east = clock.office_today()
    monkeypatch.setenv("ZONECHECK_TZ", "Pacific/Pago_Pago")  # UTC-11
    west = clock.office_today()
    assert (east - west).days in (1, 2)  # 25 hours apart: one or two calendar days
    assert west == dt.datetime.now(dt.timezone(dt.timedelta(hours=-11))).date()


def test_overdue_as_json() -> None:
    late = Overdue(OverdueKind.ANNUAL, dt.date(2025, 4, 30), 12, 2025, "2025年度逾期")
    assert late.as_dict() == {
        "kind": "annual", "due": "2025-04-30", "days_late": 12, "year": 2025, "text": "2025年度逾期",
    }
