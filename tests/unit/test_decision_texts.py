"""The wording of decision messages: pure functions from facts to (subject, body)."""

from __future__ import annotations

import datetime as dt

from checklists.kinds import DeadlineKind, UnitRole
from workflow.notify.rules import MAX_BODY, MAX_SUBJECT
from workflow.notify.texts.decisions import (
    MAX_LISTED,
    Accepted,
    Assigned,
    Assignment,
    Due,
    Returned,
    accepted,
    assigned,
    returned,
)


def test_a_return_names_the_level_the_comment_and_the_date() -> None:
    subject, body = returned(
        Returned("措施 003/5", "建立知识产权纠纷快速处理机制", "区级初审", "李审核", "缺少台账", dt.date(2024, 3, 15))
    )
    assert subject == "【退回整改】措施 003/5 请于 2024-03-15 前完成整改"
    assert "在区级初审环节被退回整改" in body and "审核意见:缺少台账" in body and "整改期限:2024-03-15" in body


def test_a_pass_says_accepted_with_the_score_only_when_given() -> None:
    _subject, body = accepted(Accepted("措施 003/5", "标题", "市级验收", "王审核", None, ""))
    assert "已通过市级验收,措施已验收" in body and "评分" not in body and "审核意见" not in body
    assert "评分:92" in accepted(Accepted("措施 003/5", "标题", "市级验收", "王审核", 92, "好"))[1]


def test_deadlines_in_words() -> None:
    assert Due(DeadlineKind.FIXED, dt.date(2024, 6, 30)).words() == "2024-06-30 前完成"
    assert Due(DeadlineKind.FIXED_THEN_ONGOING, dt.date(2024, 6, 30)).words() == "2024-06-30 前完成并长期坚持"
    assert Due(DeadlineKind.ANNUAL, month=4, day=30).words() == "每年 4 月 30 日前"
    assert Due(DeadlineKind.ONGOING).words() == "长期坚持"
    assert Due(DeadlineKind.NONE).words() == "未规定时限"


def test_an_assignment_lists_every_measure_and_counts_those_past_the_bound() -> None:
    item = Assignment("5", "长" * 300, "区知识产权联席会议各成员单位", UnitRole.GROUP, Due(DeadlineKind.ONGOING))
    subject, body = assigned(Assigned("003_x", "题" * 300, (item,) * (MAX_LISTED + 7)))
    assert len(subject) <= MAX_SUBJECT and len(body) <= MAX_BODY
    assert body.count("\n· 5 ") == MAX_LISTED and "另有 7 项" in body
    one = assigned(Assigned("003_x", "嘉定方案", (Assignment("3", "聚焦", "区经委", UnitRole.CO, Due(DeadlineKind.NONE)),)))
    assert one[0] == "【任务分派】《嘉定方案》中有 1 项措施由您所在单位负责"
    assert "· 3 聚焦(区经委配合;未规定时限)" in one[1]
