"""The wording of the daily reminder digest (督办提醒) to a unit's staff and of the office's
情况通报 digest: subject and body from typed items, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from workflow.domain.escalation import Colour
from workflow.notify.rules import MAX_BODY

# A digest longer than this many items names the rest only by count, so the body stays
# well inside MAX_BODY and readable on a phone.
MAX_ITEMS_LISTED = 100


@dataclass(frozen=True, slots=True)
class ReminderItem:
    """One measure (or one unit's part of it) that needs action, as a digest lists it."""

    plan: str  # the plan's title
    ref: str
    title: str
    unit: str  # the responsible unit whose part this is
    colour: Colour
    due: dt.date
    days_left: int  # negative: days overdue
    rectification: bool  # red for a missed rectification date

    @property
    def group(self) -> str:
        if self.colour is Colour.RED:
            return "整改逾期(情况通报)" if self.rectification else "已逾期(情况通报)"
        if self.colour is Colour.YELLOW:
            return "进度滞后(到期催办)"
        return "即将到期(临近提醒)"

    def line(self, *, with_unit: bool = False) -> str:
        when = f"已逾期 {-self.days_left} 天" if self.days_left < 0 else (
            "今天到期" if self.days_left == 0 else f"还剩 {self.days_left} 天"
        )
        unit = f"【{self.unit}】" if with_unit else ""
        return f"[{self.colour.label}] {unit}{self.plan} 第{self.ref}项 {self.title}:期限 {self.due.isoformat()},{when}"


_GROUP_ORDER = ("已逾期(情况通报)", "整改逾期(情况通报)", "进度滞后(到期催办)", "即将到期(临近提醒)")


def _sorted(items: Sequence[ReminderItem]) -> list[ReminderItem]:
    return sorted(items, key=lambda i: (_GROUP_ORDER.index(i.group), i.days_left, i.plan, i.ref, i.unit))


def _body(opening: str, items: Sequence[ReminderItem], *, with_unit: bool, closing: str) -> str:
    lines = [opening, ""]
    listed = _sorted(items)[:MAX_ITEMS_LISTED]
    group = ""
    for item in listed:
        if item.group != group:
            group = item.group
            count = sum(1 for i in items if i.group == group)
            if lines[-1]:
                lines.append("")
            lines.append(f"{group} {count} 项:")
        lines.append("  " + item.line(with_unit=with_unit))
    if len(items) > len(listed):
        lines.append(f"  ……另有 {len(items) - len(listed)} 项,请登录系统查看。")
    lines += ["", closing]
    return "\n".join(lines)[:MAX_BODY]


def _counts(items: Sequence[ReminderItem]) -> str:
    red = sum(1 for i in items if i.colour is Colour.RED)
    yellow = sum(1 for i in items if i.colour is Colour.YELLOW)
    blue = sum(1 for i in items if i.colour is Colour.BLUE)
    parts = [f"{label}{n}项" for label, n in (("红", red), ("黄", yellow), ("蓝", blue)) if n]
    return "、".join(parts)


def unit_digest(person: str, today: dt.date, items: Sequence[ReminderItem]) -> tuple[str, str]:
    """The day's digest to one member of a responsible unit: their unit's items, grouped."""
    subject = f"督办提醒({today.isoformat()}):{_counts(items)}"
    opening = f"{person}:\n截至 {today.isoformat()},贵单位有以下 {len(items)} 项工作需要办理:"
    closing = "请在期限前上传佐证材料并提交自查;如需延期,请在期限前提出申请。"
    return subject, _body(opening, items, with_unit=False, closing=closing)


def office_digest(person: str, zone: str, today: dt.date, items: Sequence[ReminderItem]) -> tuple[str, str]:
    """The day's 情况通报 to one member of a zone's leading office: every red item of its
    units, each with the unit named."""
    subject = f"督办情况通报({today.isoformat()}):{zone}逾期 {len(items)} 项"
    opening = f"{person}:\n截至 {today.isoformat()},{zone}以下 {len(items)} 项已逾期,已向责任单位发出情况通报:"
    closing = "逾期情况已记入督办台账,可在督办页面查看详情。"
    return subject, _body(opening, items, with_unit=True, closing=closing)
