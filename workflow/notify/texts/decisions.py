"""The wording of the immediate messages about decisions: a self-check returned for
rectification (退回整改) or accepted (通过), and measures newly assigned to a unit (任务分派)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from checklists.kinds import DeadlineKind, UnitRole

# An assignment message lists at most this many measures (a plan has 20 to 100; a unit rarely
# leads or shares more than 40), the rest are counted, so a message stays within MAX_BODY.
MAX_LISTED = 150
TITLE_CHARS = 60
COMMENT_CHARS = 2000

ROLE_WORDS = {UnitRole.LEAD: "牵头", UnitRole.CO: "配合", UnitRole.GROUP: "成员单位共同负责"}


def _cut(text: str, limit: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


@dataclass(frozen=True)
class Due:
    """A measure's deadline as stored (workflow.domain.obligations decides with the same)."""

    kind: DeadlineKind
    due_on: dt.date | None = None
    month: int | None = None
    day: int | None = None

    def words(self) -> str:
        if self.kind is DeadlineKind.ANNUAL and self.month:
            return f"每年 {self.month} 月{f' {self.day} 日' if self.day else ''}前"
        if self.kind is DeadlineKind.ONGOING:
            return "长期坚持"
        if self.due_on is not None:
            keep = "并长期坚持" if self.kind is DeadlineKind.FIXED_THEN_ONGOING else ""
            return f"{self.due_on.isoformat()} 前完成{keep}"
        return "未规定时限"


@dataclass(frozen=True)
class Returned:
    measure_label: str  # 措施 003_…/5
    measure_title: str
    level_name: str  # the review level that returned it
    reviewer: str
    comment: str
    rectification_due: dt.date


def returned(facts: Returned) -> tuple[str, str]:
    subject = f"【退回整改】{facts.measure_label} 请于 {facts.rectification_due.isoformat()} 前完成整改"
    body = (
        f"{facts.measure_label}“{_cut(facts.measure_title, TITLE_CHARS)}”的自查在{facts.level_name}环节"
        f"被退回整改。\n"
        f"审核意见:{_cut(facts.comment, COMMENT_CHARS) or '(无)'}\n"
        f"整改期限:{facts.rectification_due.isoformat()}\n"
        f"审核人:{facts.reviewer}\n"
        "请按审核意见补充或更正佐证材料,完成后由牵头单位重新提交自查。"
    )
    return subject, body


@dataclass(frozen=True)
class Accepted:
    measure_label: str
    measure_title: str
    level_name: str
    reviewer: str
    score: int | None
    comment: str


def accepted(facts: Accepted) -> tuple[str, str]:
    subject = f"【审核通过】{facts.measure_label} 已验收"
    score = f"\n评分:{facts.score}" if facts.score is not None else ""
    comment = f"\n审核意见:{_cut(facts.comment, COMMENT_CHARS)}" if facts.comment.strip() else ""
    body = (
        f"{facts.measure_label}“{_cut(facts.measure_title, TITLE_CHARS)}”的自查已通过{facts.level_name},"
        f"措施已验收。{score}{comment}\n审核人:{facts.reviewer}"
    )
    return subject, body


@dataclass(frozen=True)
class Assignment:
    """One measure a person's unit is newly responsible for."""

    ref: str
    title: str
    unit: str  # the unit (or group) that was made responsible
    role: UnitRole
    due: Due


@dataclass(frozen=True)
class Assigned:
    plan_key: str
    plan_title: str
    items: tuple[Assignment, ...]


def assigned(facts: Assigned) -> tuple[str, str]:
    count = len(facts.items)
    subject = _cut(f"【任务分派】《{facts.plan_title}》中有 {count} 项措施由您所在单位负责", 200)
    lines = [
        f"方案《{facts.plan_title}》({facts.plan_key})已载入系统,以下 {count} 项措施由您所在单位负责:"
    ]
    for item in facts.items[:MAX_LISTED]:
        lines.append(
            f"· {item.ref} {_cut(item.title, TITLE_CHARS)}({item.unit}{ROLE_WORDS[item.role]};{item.due.words()})"
        )
    if count > MAX_LISTED:
        lines.append(f"……另有 {count - MAX_LISTED} 项,请登录系统查看本单位任务。")
    lines.append("牵头单位负责组织推进并提交自查,配合单位完成本单位负责的部分。")
    return subject, "\n".join(lines)
