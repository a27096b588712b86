"""The day's notification run: what `zonecheck notify run` and the scheduler's daily job both
call, so a run by hand and a scheduled run do the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from workflow.db import UnitOfWork
from workflow.notify.channels import Sender
from workflow.notify.reminders import ReminderReport, run_reminders
from workflow.notify.rules import Channel
from workflow.notify.sender import SendReport, send_due


@dataclass(frozen=True)
class DailyReport:
    today: dt.date
    sent: SendReport
    reminders: ReminderReport

    def summary(self) -> str:
        return f"{self.today.isoformat()}:{self.reminders.summary()};{self.sent.summary()}"


def run_notifications(
    uow: UnitOfWork, today: dt.date, now: dt.datetime, senders: Mapping[Channel, Sender] | None = None
) -> DailyReport:
    """Queue what `today` owes people, then send every message due by `now`.

    `today` is the office's calendar day the reminders are judged on (a run may be repeated,
    or run for a given day); `now` is the real time that retries are due by."""
    reminders = run_reminders(uow, today)
    return DailyReport(today=today, sent=send_due(uow, now, senders), reminders=reminders)
