"""形式审查: the gaps of a submission, per unit, for one 一次性告知书 each."""

from __future__ import annotations

import datetime as dt

import pytest

from checklists.catalog import EvidenceKind
from checklists.indexsys.model import EvidenceSlot
from workflow.domain.formal_review import (
    MAX_REVIEW_ITEMS,
    EvidenceFact,
    GapKind,
    SlotDue,
    StatementDue,
    UnitGaps,
    formal_review_gaps,
)
from workflow.domain.obligations import PlanPeriod

D = dt.date
PERIOD = PlanPeriod(D(2023, 6, 1), D(2024, 4, 30))
ACCEPTED = frozenset({"pdf", "docx", "xlsx", "jpg", "png", "ofd", "doc", "xls", "wps", "zip"})
LEDGER = EvidenceSlot("工作台账")
NEWS = EvidenceSlot("宣传报道", (EvidenceKind.LINK, EvidenceKind.FILE), required=False)
SUBJECT = "指标 1.1 工作机制"


IN_PERIOD = D(2024, 1, 15)


def pdf(name: str = "台账.pdf", day: dt.date = IN_PERIOD, **kw: object) -> EvidenceFact:
    return EvidenceFact(name, EvidenceKind.FILE, day, media_type="pdf", **kw)  # type: ignore[arg-type]


def gaps(*slots: SlotDue, statements: tuple[StatementDue, ...] = ()) -> list[UnitGaps]:
    return formal_review_gaps(slots, statements, period=PERIOD, accepted_types=ACCEPTED)


def kinds(result: list[UnitGaps]) -> list[tuple[str, list[GapKind]]]:
    return [(u.unit, [g.kind for g in u.gaps]) for u in result]


def test_a_complete_submission_has_no_gaps() -> None:
    assert gaps(
        SlotDue("区市场监管局", SUBJECT, LEDGER, (pdf(),)),
        SlotDue("区市场监管局", SUBJECT, NEWS),
        statements=(StatementDue("区市场监管局", "措施 1", "已完成"),),
    ) == []


def test_a_required_slot_without_evidence_is_missing_an_optional_one_is_not() -> None:
    result = gaps(SlotDue("区法院", SUBJECT, LEDGER), SlotDue("区法院", SUBJECT, NEWS))
    assert kinds(result) == [("区法院", [GapKind.MISSING])]
    assert result[0].gaps[0].message == "缺少“工作台账”"
    assert result[0].gaps[0].subject == SUBJECT


def test_each_bad_piece_is_a_gap_for_every_reason_and_the_slot_stays_missing() -> None:
    note = EvidenceFact("情况说明", EvidenceKind.NOTE, D(2025, 1, 1))
    unknown = EvidenceFact("扫描件.bin", EvidenceKind.FILE, D(2024, 1, 1), media_type=None)
    broken = pdf("损坏.pdf", readable=False)
    (unit,) = gaps(SlotDue("区经委", SUBJECT, LEDGER, (note, unknown, broken)))
    assert [g.kind for g in unit.gaps] == [
        GapKind.MISSING,
        GapKind.WRONG_KIND,
        GapKind.OUT_OF_PERIOD,
        GapKind.UNREADABLE,
        GapKind.UNREADABLE,
    ]
    messages = [g.message for g in unit.gaps]
    assert messages[0] == "缺少“工作台账”(已提交的材料均不能采用,见下)"
    assert messages[1] == "“工作台账”的材料“情况说明”为文字说明,此项应提交文件"
    assert messages[2] == "“工作台账”的材料“情况说明”日期为 2025-01-01,不在方案实施期(2023-06-01 至 2024-04-30)内"
    assert "“扫描件.bin”文件类型无法识别或不被接受" in messages[3]
    assert "“损坏.pdf”已无法读取" in messages[4]


def test_one_good_piece_fills_the_slot_though_a_bad_one_is_still_told() -> None:
    old = pdf("旧台账.pdf", D(2022, 12, 31))
    (unit,) = gaps(SlotDue("区经委", SUBJECT, LEDGER, (old, pdf())))
    assert [g.kind for g in unit.gaps] == [GapKind.OUT_OF_PERIOD]


def test_an_empty_statement_is_a_gap_and_units_come_in_the_order_met() -> None:
    result = gaps(
        SlotDue("区法院", SUBJECT, LEDGER),
        SlotDue("区检察院", SUBJECT, LEDGER, (pdf(),)),
        statements=(StatementDue("区检察院", "措施 5", "  "), StatementDue("区法院", "措施 6", "已完成")),
    )
    assert kinds(result) == [("区法院", [GapKind.MISSING]), ("区检察院", [GapKind.NO_STATEMENT])]
    assert result[1].gaps[0].subject == "措施 5" and result[1].gaps[0].message == "缺少自查情况说明"


def test_the_review_is_bounded() -> None:
    many = [SlotDue("u", SUBJECT, LEDGER)] * (MAX_REVIEW_ITEMS + 1)
    with pytest.raises(ValueError, match="形式审查的材料项超过"):
        gaps(*many)
