"""三色督办: the colour of an open measure and of each unit's part of it, as pure date rules.

* 红 (red): overdue — a missed deadline or annual year, or a missed rectification date
  (`obligations.overdue`). Stage 情况通报: the unit is reported, and the office told if the
  zone's rules say so.
* 黄 (yellow): behind schedule — the next due date is at most ``yellow_days`` away and the
  measure is not yet self-checked, or ``yellow_share`` per cent of the time to it has gone by
  with no evidence from the unit. Stage 到期催办.
* 蓝 (blue): the next due date is at most ``blue_days`` away. Stage 临近提醒.
* none: nothing due within the window, or the unit's part is done, or the measure is closed.

Everything is judged on the measure's CURRENT dates (`due_on`, `rectification_due`): an
approved extension moves them, so the colour follows it. Nothing here reads the database or
the clock; every function takes ``today``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields, replace
from enum import StrEnum

from checklists.kinds import DeadlineKind
from workflow.domain import obligations

__all__ = [
    "Colour",
    "NO_ESCALATION",
    "Escalation",
    "EscalationRules",
    "RuleError",
    "Stage",
    "colour_of",
    "parse_assignments",
]


class Colour(StrEnum):
    NONE = "none"
    BLUE = "blue"
    YELLOW = "yellow"
    RED = "red"

    @property
    def label(self) -> str:
        """The character written beside the colour, so it never relies on colour alone."""
        return _COLOUR_LABELS[self]

    @property
    def stage(self) -> Stage:
        return _STAGES[self]


class Stage(StrEnum):
    NONE = "none"
    NEAR = "near"  # 临近提醒
    DUE = "due"  # 到期催办
    REPORT = "report"  # 情况通报

    @property
    def label(self) -> str:
        return _STAGE_LABELS[self]


_COLOUR_LABELS = {Colour.NONE: "—", Colour.BLUE: "蓝", Colour.YELLOW: "黄", Colour.RED: "红"}
_STAGES = {Colour.NONE: Stage.NONE, Colour.BLUE: Stage.NEAR, Colour.YELLOW: Stage.DUE, Colour.RED: Stage.REPORT}
_STAGE_LABELS = {Stage.NONE: "—", Stage.NEAR: "临近提醒", Stage.DUE: "到期催办", Stage.REPORT: "情况通报"}


class RuleError(ValueError):
    """A rule value out of bounds or not understood; the message names the field in Chinese."""


# Bounds of the rules: a window longer than a quarter would colour most of a plan blue, and a
# share outside 10–95 % would turn everything yellow at once or never.
BLUE_DAYS_MAX = 90
YELLOW_DAYS_MAX = 60
SHARE_MIN, SHARE_MAX = 10, 95


@dataclass(frozen=True, slots=True)
class EscalationRules:
    """A zone's escalation rules. Defaults are those of an office that has set nothing."""

    blue_days: int = 15  # 临近提醒: days before the due date a measure turns blue
    yellow_days: int = 5  # 到期催办: days before the due date an unchecked measure turns yellow
    yellow_share: int = 60  # per cent of the time to the due date gone with no evidence: yellow
    report_to_office: bool = True  # 情况通报 also goes to the zone's office

    def __post_init__(self) -> None:
        _check_range("blue_days", self.blue_days, 1, BLUE_DAYS_MAX)
        _check_range("yellow_days", self.yellow_days, 0, YELLOW_DAYS_MAX)
        _check_range("yellow_share", self.yellow_share, SHARE_MIN, SHARE_MAX)
        if self.yellow_days > self.blue_days:
            raise RuleError(
                f"{FIELD_LABELS['yellow_days']}(yellow_days={self.yellow_days})不能大于"
                f"{FIELD_LABELS['blue_days']}(blue_days={self.blue_days})"
            )

    def as_dict(self) -> dict[str, int | bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


FIELD_LABELS = {
    "blue_days": "临近提醒天数",
    "yellow_days": "到期催办天数",
    "yellow_share": "无佐证进度比例(%)",
    "report_to_office": "情况通报抄送牵头办公室",
}
MAX_ASSIGNMENTS = len(FIELD_LABELS)
_TRUE = {"1", "true", "yes", "on", "是"}
_FALSE = {"0", "false", "no", "off", "否"}


def _check_range(name: str, value: int, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RuleError(f"{FIELD_LABELS[name]}({name})应为 {low} 到 {high} 之间的整数,收到“{value}”")


def parse_assignments(current: EscalationRules, assignments: list[str]) -> EscalationRules:
    """`current` with ``KEY=VALUE`` assignments applied, checked as a whole (the result must
    obey every bound, including yellow_days ≤ blue_days)."""
    if not assignments:
        raise RuleError("请至少给出一项 键=值,可设置:" + "、".join(FIELD_LABELS))
    if len(assignments) > MAX_ASSIGNMENTS:
        raise RuleError(f"一次最多设置 {MAX_ASSIGNMENTS} 项")
    changes: dict[str, int | bool] = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or key not in FIELD_LABELS:
            raise RuleError(f"无法识别“{text[:60]}”:应写作 键=值,键为 " + "、".join(FIELD_LABELS))
        if key == "report_to_office":
            if raw.lower() not in _TRUE | _FALSE:
                raise RuleError(f"{FIELD_LABELS[key]}({key})应为 是/否(yes/no),收到“{raw[:20]}”")
            changes[key] = raw.lower() in _TRUE
        else:
            if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
                raise RuleError(f"{FIELD_LABELS[key]}({key})应为整数,收到“{raw[:20]}”")
            changes[key] = int(raw)
    return replace(current, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Escalation:
    """One colour with why: the date it is judged against and the days left (negative: late)."""

    colour: Colour
    due: dt.date | None
    days_left: int | None
    rectification: bool  # red for a missed rectification date (整改逾期)

    @property
    def stage(self) -> Stage:
        return self.colour.stage


NO_ESCALATION = Escalation(Colour.NONE, None, None, False)
_CHECKED = frozenset({"self_checked", "accepted"})


def _window_start(m: obligations.MeasureDates, period: obligations.PlanPeriod, due: dt.date) -> dt.date | None:
    """Where the time to `due` started: the previous year's due day for an annual deadline
    (or the plan's start, if later), the plan's start otherwise; None when unknown."""
    start = period.start
    if m.deadline_kind == DeadlineKind.ANNUAL and m.due_month is not None and due != m.rectification_due:
        previous = obligations.annual_due(due.year - 1, m.due_month, m.due_day)
        start = previous if start is None or previous > start else start
    return start


def colour_of(
    m: obligations.MeasureDates,
    period: obligations.PlanPeriod,
    today: dt.date,
    rules: EscalationRules,
    *,
    has_evidence: bool,
    part_done: bool = False,
) -> Escalation:
    """The colour of a measure (``has_evidence``: any current evidence) or of one unit's part
    of it (``has_evidence``: evidence that unit gave; ``part_done``: the unit marked its share
    done, which clears its colour unless a rectification is late)."""
    late = obligations.overdue(m, period, today)
    if late:
        rect = [o for o in late if o.kind is obligations.OverdueKind.RECTIFICATION]
        if part_done and not rect:
            return NO_ESCALATION
        # A missed rectification is named by its own date (整改逾期), else the longest overdue.
        worst = rect[0] if rect else max(late, key=lambda o: o.days_late)
        return Escalation(Colour.RED, worst.due, -worst.days_late, bool(rect))
    if part_done:
        return NO_ESCALATION
    due = obligations.next_due(m, period, today)
    if due is None:
        return NO_ESCALATION
    left = (due - today).days
    if left <= rules.yellow_days and m.state not in _CHECKED:
        return Escalation(Colour.YELLOW, due, left, False)
    if not has_evidence:
        start = _window_start(m, period, due)
        if start is not None and start < due and today >= start:
            elapsed = (today - start).days * 100
            if elapsed >= rules.yellow_share * (due - start).days:
                return Escalation(Colour.YELLOW, due, left, False)
    if left <= rules.blue_days:
        return Escalation(Colour.BLUE, due, left, False)
    return NO_ESCALATION
