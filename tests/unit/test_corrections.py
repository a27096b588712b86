"""Corrections applied to a parsed plan: each kind of edit, the catalog's own validation, merge
and split, stale targets, and the text forms an office types them in."""

from __future__ import annotations

from pathlib import Path

import pytest

from checklists.catalog import (
    Catalog,
    Deadline,
    DeadlineKind,
    EvidenceKind,
    MeasureKind,
    UnitRef,
    UnitRole,
)
from checklists.catalog_yaml import read_catalog
from checklists.correction_text import (
    form_values,
    items_text,
    measure_edits,
    parse_deadline,
    parse_items,
    parse_parts,
    parse_units,
)
from checklists.corrections import (
    MAX_PAYLOAD_BYTES,
    CorrectionError,
    Merge,
    SetChecklist,
    SetDeadline,
    SetKind,
    SetUnits,
    Split,
    SplitPart,
    apply_edits,
    describe,
    edit_from_payload,
    edit_payload,
)

SEEDS = Path(__file__).resolve().parents[2] / "checklists" / "seeds"


@pytest.fixture(scope="module")
def jiading() -> Catalog:
    return read_catalog(SEEDS / "003_ae6539458f46096d.yaml")


def refs(catalog: Catalog) -> list[str]:
    return [m.ref for m in catalog.measures]


def test_units_and_lead_replace_the_measures_units(jiading: Catalog) -> None:
    edit = SetUnits(ref="5", units=parse_units("区市场监管局", "区经委、区法院"))
    fixed = apply_edits(jiading, [edit]).catalog.measure("5")
    assert [(u.name, u.role) for u in fixed.units] == [
        ("区市场监管局", UnitRole.LEAD),
        ("区经委", UnitRole.CO),
        ("区法院", UnitRole.CO),
    ]
    assert jiading.measure("5").units[0].name == "区知识产权联席会议各成员单位"  # the input is untouched


def test_deadline_kind_and_checklist_are_set(jiading: Catalog) -> None:
    applied = apply_edits(
        jiading,
        [
            SetDeadline(ref="3", deadline=parse_deadline("fixed", due="2024-06-30", text="2024年6月底前")),
            SetChecklist(ref="3", items=parse_items("出台实施细则 | 文件、链接 | 2\n召开推进会")),
            SetKind(ref="22", kind=MeasureKind.OUTCOME),
        ],
    )
    three = applied.catalog.measure("3")
    assert three.deadline.kind is DeadlineKind.FIXED and str(three.deadline.due) == "2024-06-30"
    assert [(i.text, i.evidence_kinds, i.min_evidence) for i in three.checklist] == [
        ("出台实施细则", [EvidenceKind.FILE, EvidenceKind.LINK], 2),
        ("召开推进会", [EvidenceKind.FILE], 1),
    ]
    assert "22" not in refs(applied.catalog) and "O22" in refs(applied.catalog)
    assert applied.renamed == {"22": "O22"}


def test_a_renamed_measure_is_followed_by_a_later_edit_and_its_first_ref_is_kept(jiading: Catalog) -> None:
    applied = apply_edits(
        jiading,
        [SetKind(ref="22", kind=MeasureKind.OUTCOME), SetKind(ref="O22", kind=MeasureKind.SAFEGUARD)],
    )
    assert applied.renamed == {"22": "S22"}


def test_invalid_results_are_refused_as_the_catalog_file_would_be_naming_measure_and_field(
    jiading: Catalog,
) -> None:
    with pytest.raises(CorrectionError, match=r"措施 1 字段 number: 措施编号 1 重复"):
        apply_edits(jiading, [SetKind(ref="S1", kind=MeasureKind.MEASURE)])
    with pytest.raises(CorrectionError, match=r"措施 5 字段 deadline: 期限类型 fixed 需要 due 日期"):
        edit_from_payload({"op": "deadline", "ref": "5", "deadline": {"kind": "fixed"}})
    with pytest.raises(CorrectionError, match=r"units.0.role: 取值无效 'boss'"):
        edit_from_payload({"op": "units", "ref": "5", "units": [{"name": "区经委", "role": "boss"}]})
    with pytest.raises(CorrectionError, match=r"units.1.name: 单位“区经委”重复"):
        apply_edits(jiading, [SetUnits(ref="5", units=parse_units("区经委", "区经委"))])
    with pytest.raises(CorrectionError, match=r"units.0.name: 单位名称过长"):
        apply_edits(jiading, [SetUnits(ref="5", units=[UnitRef(name="局" * 101)])])
    with pytest.raises(CorrectionError, match="校正类别无效"):
        edit_from_payload({"op": "rename", "ref": "5"})


def test_a_missing_measure_is_an_error_for_a_new_edit(jiading: Catalog) -> None:
    with pytest.raises(CorrectionError, match="方案中没有编号为“99”的措施"):
        apply_edits(jiading, [SetDeadline(ref="99", deadline=Deadline())])


def test_stored_edits_whose_target_is_gone_are_reported_and_the_others_still_apply(jiading: Catalog) -> None:
    edits = [
        SetDeadline(ref="99", deadline=Deadline(kind=DeadlineKind.ONGOING)),
        SetUnits(ref="5", units=parse_units("区经委")),
        Merge(refs=["6", "98"]),
    ]
    applied = apply_edits(jiading, edits, strict=False)
    assert [(s.index, "99" in s.reason or "98" in s.reason) for s in applied.stale] == [(0, True), (2, True)]
    assert applied.catalog.measure("5").units[0].name == "区经委"
    assert refs(applied.catalog) == refs(jiading)  # the stale merge removed nothing


def test_merge_joins_texts_keeps_the_first_lead_and_moves_targets(jiading: Catalog) -> None:
    six, seven = jiading.measure("6"), jiading.measure("7")
    applied = apply_edits(jiading, [Merge(refs=["6", "7"])])
    merged = applied.catalog.measure("6")
    assert "7" not in refs(applied.catalog) and len(applied.catalog.measures) == len(jiading.measures) - 1
    assert merged.text == f"{six.text}\n{seven.text}"
    assert merged.title == six.title
    assert len(merged.checklist) == len(six.checklist) + len(seven.checklist)
    leads = [u.name for u in merged.units if u.role is UnitRole.LEAD]
    assert leads == [u.name for u in six.units if u.role is UnitRole.LEAD]
    assert {u.name for u in merged.units} == {u.name for u in six.units} | {u.name for u in seven.units}
    assert merged.lines == sorted(set(six.lines) | set(seven.lines))
    assert all(i.measure != "7" for i in applied.catalog.indicators)


def test_merge_refuses_a_measure_named_twice(jiading: Catalog) -> None:
    with pytest.raises(CorrectionError, match="同一措施不能列出两次"):
        apply_edits(jiading, [Merge(refs=["6", "6"])])


def test_split_keeps_the_ref_for_the_first_part_and_numbers_the_others_after_it(jiading: Catalog) -> None:
    applied = apply_edits(jiading, [Split(ref="8", parts=parse_parts("完善工作机制,定期会商。\n开展专项行动"))])
    assert refs(applied.catalog)[7:10] == ["8", "8-2", "9"]
    first, second = applied.catalog.measure("8"), applied.catalog.measure("8-2")
    assert (first.title, first.text) == ("完善工作机制", "完善工作机制,定期会商。")
    assert second.text == "开展专项行动" and second.units == jiading.measure("8").units
    assert second.checklist == jiading.measure("8").checklist


def test_split_refuses_a_number_already_taken(jiading: Catalog) -> None:
    first = apply_edits(jiading, [Split(ref="8", parts=parse_parts("甲\n乙"))]).catalog
    with pytest.raises(CorrectionError, match="“8-2”已被其他措施使用"):
        apply_edits(first, [Split(ref="8", parts=parse_parts("丙\n丁"))])


def test_applying_the_same_edits_twice_gives_the_same_catalog(jiading: Catalog) -> None:
    edits = [Merge(refs=["6", "7"]), Split(ref="8", parts=parse_parts("甲\n乙")), SetKind(ref="22", kind=MeasureKind.OUTCOME)]
    assert apply_edits(jiading, edits).catalog == apply_edits(jiading, edits).catalog


def test_edits_round_trip_through_their_stored_json_and_a_huge_one_is_refused() -> None:
    edit = SetChecklist(ref="3", items=parse_items("出台实施细则 | 链接"))
    assert edit_from_payload(edit_payload(edit)) == edit
    huge = Split(ref="3", parts=[SplitPart(text="字" * 20_000) for _ in range(3)])
    with pytest.raises(CorrectionError, match=f"不能超过 {MAX_PAYLOAD_BYTES // 1024} KB"):
        edit_payload(huge)


def test_edits_describe_themselves_in_chinese() -> None:
    assert describe(SetUnits(ref="5", units=parse_units("区经委", "区法院"))) == "措施 5:责任单位改为 区经委(牵头)、区法院"
    assert describe(SetDeadline(ref="5", deadline=parse_deadline("annual", month="4"))) == "措施 5:完成时限改为 每年 4 月前"
    assert describe(Merge(refs=["6", "7"])) == "合并措施 6、7(并入 6)"


def test_the_typed_forms_say_which_line_or_field_is_wrong() -> None:
    with pytest.raises(CorrectionError, match="自查清单第 2 行:佐证类型“视频”无效"):
        parse_items("甲\n乙 | 视频")
    with pytest.raises(CorrectionError, match="自查清单第 1 行:最少份数"):
        parse_items("甲 | 文件 | 很多")
    with pytest.raises(CorrectionError, match="完成时限:期限类型 annual 需要 month"):
        parse_deadline("annual")
    with pytest.raises(CorrectionError, match="完成时限:日期“2024-02-30”无效"):
        parse_deadline("fixed", due="2024-02-30")
    with pytest.raises(CorrectionError, match="完成时限:月份应为 1 到 12"):
        parse_deadline("annual", month="13")
    with pytest.raises(CorrectionError, match="责任单位:共 51 个"):
        parse_units("、".join(f"单位{k}" for k in range(51)))


def test_a_checklist_reads_back_as_typed() -> None:
    typed = "出台实施细则 | 文件、链接 | 2\n召开推进会\n公开结果 | 链接"
    assert items_text(parse_items(typed)) == typed


def test_a_unit_list_splits_only_outside_brackets() -> None:
    units = parse_units("市市场监管局", "", "市联席会议成员单位、各县(市、区)政府〔管委会〕")
    assert [u.name for u in units] == ["市市场监管局", "市联席会议成员单位", "各县(市、区)政府〔管委会〕"]


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.yaml")))
def test_a_form_that_changes_nothing_asks_for_no_edit(seed: str) -> None:
    for measure in read_catalog(SEEDS / seed).measures:
        values = form_values(measure)
        del values["ref"]
        assert measure_edits(measure, **values) == [], measure.ref
