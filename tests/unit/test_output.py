"""Terminal output helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.cli.output import local_time


def test_stored_utc_times_are_shown_in_beijing_time_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ZONECHECK_TZ", raising=False)
    assert local_time(dt.datetime(2026, 1, 1, 18, 30)) == "2026-01-02 02:30"  # naive = UTC (SQLite)
    assert local_time("2026-01-01T18:30:00+00:00") == "2026-01-02 02:30"
    assert local_time(None) == "-"


def test_the_display_zone_follows_zonecheck_tz(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONECHECK_TZ", "UTC")
    assert local_time(dt.datetime(2026, 1, 1, 18, 30, tzinfo=dt.UTC)) == "2026-01-01 18:30"
    monkeypatch.setenv("ZONECHECK_TZ", "Nowhere/Atlantis")  # unknown: fall back to UTC, never crash
    assert local_time(dt.datetime(2026, 1, 1, 18, 30, tzinfo=dt.UTC)) == "2026-01-01 18:30"
