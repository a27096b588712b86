"""The wording of extension (延期) and appeal (申诉) messages: a request or an appeal filed (to
the office), a request decided or an appeal answered (to the unit). Pure functions of facts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Message = tuple[str, str]  # (subject, body)


@dataclass(frozen=True)
class ExtensionFacts:
    number: int  # the request's number (延期申请 #N)
    measure: str  # PLAN_KEY/REF
    title: str
    unit: str  # the requesting unit
    what: str  # 完成期限 / 整改期限
    from_date: dt.date
    requested_to: dt.date
    reason: str


@dataclass(frozen=True)
class AppealFacts:
    number: int
    measure: str
    title: str
    unit: str
    ground: str  # the ground's label (表述有误 …)
    reason: str
    return_comment: str  # the return appealed against


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def extension_requested(f: ExtensionFacts) -> Message:
    subject = _clip(f"延期申请待审批:措施 {f.measure}", 200)
    body = (
        f"{f.unit}申请延长措施 {f.measure}“{_clip(f.title, 80)}”的{f.what}:\n"
        f"现行期限 {f.from_date.isoformat()},申请延期至 {f.requested_to.isoformat()}。\n"
        f"理由:{_clip(f.reason)}\n"
        f"请在“延期与申诉”中审批(延期申请 #{f.number})。"
    )
    return subject, body


def extension_decided(f: ExtensionFacts, *, approved_to: dt.date | None, note: str) -> Message:
    verdict = "已批准" if approved_to is not None else "未批准"
    subject = _clip(f"延期申请{verdict}:措施 {f.measure}", 200)
    if approved_to is not None:
        outcome = f"{f.what}由 {f.from_date.isoformat()} 延至 {approved_to.isoformat()}(原定期限保留备查)。"
    else:
        outcome = f"{f.what}仍为 {f.from_date.isoformat()},请按原定期限完成。"
    said = f"\n办公室意见:{_clip(note)}" if note else ""
    body = (
        f"{f.unit}关于措施 {f.measure}“{_clip(f.title, 80)}”的延期申请(#{f.number},"
        f"申请延至 {f.requested_to.isoformat()}){verdict}。\n{outcome}{said}"
    )
    return subject, body


def appeal_filed(f: AppealFacts) -> Message:
    subject = _clip(f"整改申诉待答复:措施 {f.measure}", 200)
    body = (
        f"{f.unit}对措施 {f.measure}“{_clip(f.title, 80)}”的退回整改提出申诉(#{f.number})。\n"
        f"退回意见:{_clip(f.return_comment, 200)}\n"
        f"申诉理由({f.ground}):{_clip(f.reason)}\n"
        "请在“延期与申诉”中答复。"
    )
    return subject, body


def appeal_answered(f: AppealFacts, *, upheld: bool, answer: str, new_due: dt.date | None) -> Message:
    verdict = "采纳" if upheld else "不予采纳"
    subject = _clip(f"整改申诉已答复({verdict}):措施 {f.measure}", 200)
    if new_due is not None:
        then = f"整改期限延至 {new_due.isoformat()}。"
    elif upheld:
        then = "请按答复补充说明后重新提交自查。"
    else:
        then = "退回整改意见不变,请按期整改后重新提交自查。"
    body = (
        f"{f.unit}对措施 {f.measure}“{_clip(f.title, 80)}”的申诉(#{f.number},{f.ground})"
        f"办公室答复:{verdict}。\n答复意见:{_clip(answer)}\n{then}"
    )
    return subject, body
